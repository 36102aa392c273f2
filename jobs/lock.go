package jobs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrLocked is returned when another run holds the output directory.
var ErrLocked = errors.New("another run holds the lock")

// lockName is the lock file in out_dir.
const lockName = ".retention.lock"

// outputLock is an exclusive advisory lock on an output directory. The
// kernel releases it when the process dies, so a crash never leaves a
// stale lock.
type outputLock struct{ f *os.File }

// lockOutput takes the lock on dir without waiting. The lock file records
// who holds it, for the message the next run shows.
func lockOutput(dir, holder string) (*outputLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fail(KindOutput, fmt.Errorf("creating output directory: %w", err))
	}
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fail(KindOutput, fmt.Errorf("opening lock file: %w", err))
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if errors.Is(err, errWouldBlock) {
			b, _ := os.ReadFile(path)
			who := strings.TrimSpace(string(b))
			if who == "" {
				who = "unknown"
			}
			return nil, fail(KindLocked, fmt.Errorf("%w on %s (held by %s)", ErrLocked, dir, who))
		}
		return nil, fail(KindOutput, fmt.Errorf("locking %s: %w", path, err))
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
