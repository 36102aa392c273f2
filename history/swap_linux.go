//go:build linux

package history

import "golang.org/x/sys/unix"

// exchange atomically swaps two directories, so that readers see either
// the old period or the new one and never a gap.
func exchange(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}
