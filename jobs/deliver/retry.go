package deliver

import (
	"context"
	"time"
)

// DefaultDelays are the waits before the second, third and fourth attempt
// of a transient failure.
var DefaultDelays = []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second}

// Retry is how transient failures are retried: after each delay of Delays
// in turn, so a message or notice is tried at most len(Delays)+1 times.
// Permanent failures are never retried.
type Retry struct {
	// Delays are the waits between attempts; nil means DefaultDelays, an
	// empty non-nil slice means a single attempt.
	Delays []time.Duration
	// Sleep waits d or until ctx ends, whichever comes first, and returns
	// ctx's error in the second case; nil means a real timer. Tests inject
	// one that records d and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (r Retry) delays() []time.Duration {
	if r.Delays == nil {
		return DefaultDelays
	}
	return r.Delays
}

func (r Retry) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
