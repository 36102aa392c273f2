package history_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"retention/history"
)

func noSleep(context.Context, time.Duration) error { return nil }

// TestLock: a second run is refused the lock, named by the first; one
// that waits gets it when the first lets go within the wait.
func TestLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := history.Open(t.TempDir())
	first, err := h.Lock(ctx, "run A", 0, noSleep)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Lock(ctx, "run B", time.Minute, noSleep)
	if !errors.Is(err, history.ErrLocked) || !strings.Contains(err.Error(), "run A") {
		t.Fatalf("second lock: %v, want ErrLocked naming run A", err)
	}
	// A waiting run gets the lock when the first lets go within the wait.
	waits := 0
	second, err := h.Lock(ctx, "run B", time.Minute, func(context.Context, time.Duration) error {
		if waits++; waits == 3 {
			first.Release()
		}
		return nil
	})
	if err != nil || waits != 3 {
		t.Fatalf("lock after release during the wait: %v after %d waits", err, waits)
	}
	second.Release()
}
