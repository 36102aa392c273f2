package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrLocked is returned when another run holds the output directory.
var ErrLocked = errors.New("another run holds the lock")

// lockFile is the lock file in out_dir.
const lockFile = ".retention.lock"

// outputLock is an exclusive advisory lock on an output directory. The
// kernel releases it when the process dies, so a crash never leaves a
// stale lock.
type outputLock struct{ f *os.File }

// lockPoll is how often a waiting run tries the lock again.
const lockPoll = 250 * time.Millisecond

// lockOutput takes the lock on dir, trying again for up to wait. The lock
// file records who holds it, for the message the next run shows.
func lockOutput(ctx context.Context, dir, holder string, wait time.Duration, sleep func(context.Context, time.Duration) error) (*outputLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fail(kindOutput, fmt.Errorf("creating output directory: %w", err))
	}
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fail(kindOutput, fmt.Errorf("opening lock file: %w", err))
	}
	err = tryLock(f)
	for tries := int(wait / lockPoll); errors.Is(err, errWouldBlock) && tries > 0; tries-- {
		if serr := sleep(ctx, lockPoll); serr != nil {
			f.Close()
			return nil, fail(kindCanceled, serr)
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
			return nil, fail(kindLocked, fmt.Errorf("%w on %s (held by %s)", ErrLocked, dir, who))
		}
		return nil, fail(kindOutput, fmt.Errorf("locking %s: %w", path, err))
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(holder+"\n"), 0)
	}
	return &outputLock{f: f}, nil
}

func (l *outputLock) release() {
	l.f.Truncate(0)
	unlock(l.f)
	l.f.Close()
}
