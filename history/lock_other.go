//go:build !unix

package history

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("lock held")

// Without flock, the lock is not enforced; production runs on Linux.
func tryLock(*os.File) error { return nil }

func unlock(*os.File) {}

// fileID is 0 where there are no inodes: stamps compare sizes and times.
func fileID(os.FileInfo) uint64 { return 0 }
