package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrLocked is returned when another run holds the output directory.
var ErrLocked = errors.New("another run holds the lock")

// LockFile is the lock file in out_dir; nothing else of the job's is at
// its top.
const LockFile = ".retention.lock"

// Lock is an exclusive advisory lock on the output directory. The kernel
// releases it when the process dies, so a crash never leaves a stale
// lock.
type Lock struct{ f *os.File }

// lockPoll is how often a waiting run tries the lock again.
const lockPoll = 250 * time.Millisecond

// Lock takes the lock on the output directory, creating the directory,
// trying again for up to wait (sleeping with sleep, which ends early with
// ctx's error). The lock file records holder, for the message the next
// run shows. A lock another run holds is ErrLocked, naming the holder.
func (h *History) Lock(ctx context.Context, holder string, wait time.Duration, sleep func(context.Context, time.Duration) error) (*Lock, error) {
	if err := os.MkdirAll(h.root, 0o755); err != nil {
		return nil, fmt.Errorf("creating output directory: %w", err)
	}
	path := filepath.Join(h.root, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening lock file: %w", err)
	}
	err = tryLock(f)
	for tries := int(wait / lockPoll); errors.Is(err, errWouldBlock) && tries > 0; tries-- {
		if serr := sleep(ctx, lockPoll); serr != nil {
			f.Close()
			return nil, serr
		}
		err = tryLock(f)
	}
	if err != nil {
		f.Close()
		if errors.Is(err, errWouldBlock) {
			b, _ := os.ReadFile(path)
			who := strings.TrimSpace(string(b))
			if who == "" {
				who = "unknown"
			}
			return nil, fmt.Errorf("%w on %s (held by %s)", ErrLocked, h.root, who)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(holder+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Release lets the lock go.
func (l *Lock) Release() {
	l.f.Truncate(0)
	unlock(l.f)
	l.f.Close()
}

// LockName names the lock of the output directory on the source server
// (GET_LOCK): runs that write the same directory (two pods on one volume,
// a manual run during the nightly one) share it.
func (h *History) LockName() string {
	abs, err := filepath.Abs(h.root)
	if err != nil {
		abs = h.root
	}
	sum := sha256.Sum256([]byte(abs))
	return "retention:" + hex.EncodeToString(sum[:8])
}
