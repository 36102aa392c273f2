package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"retention/extract/secret"
	"retention/history"
	"retention/transform"
)

// published reads what was published before of periods: from the store
// when one is configured, else from the manifests in out_dir. With run,
// only that run's figures count.
func published(ctx context.Context, opt RunOptions, periods []transform.Period, run string, log *slog.Logger) (history.Published, error) {
	if opt.hist.HasStore() {
		store, err := opt.hist.Store(ctx)
		if err != nil {
			return nil, fail(kindStore, err)
		}
		pub, err := store.Published(ctx, periods, run)
		return pub, fail(kindStore, err)
	}
	pub, damaged, err := opt.hist.ReadManifests(periods, run)
	if err != nil {
		return nil, fail(kindOutput, err)
	}
	for _, d := range damaged {
		// A damaged manifest must not stop the nightly run, nor the
		// backfill that would replace it; its figures go uncompared.
		log.Warn("cannot read a published manifest; its figures are not compared for restatements", "path", d.Path, "error", d.Err.Error())
	}
	return pub, nil
}

// prefetch is the figures published before, read from the output
// directory's manifests while the source is read (encoding/json takes
// tens of milliseconds a manifest, and a nightly run compares with a year
// of them), without the output lock: get checks under the lock that the
// manifests are still those read.
type prefetch struct {
	done  chan struct{}
	pub   history.Published
	stamp string // the manifests as they were before they were read
	err   error
}

// prefetchPublished starts reading what was published of the history
// windows of periods, and the period before each; nil with a snapshot
// store (one query under the lock).
func prefetchPublished(ctx context.Context, opt RunOptions, periods []transform.Period, log *slog.Logger) *prefetch {
	if opt.hist.HasStore() || len(periods) == 0 {
		return nil
	}
	var wide []transform.Period
	for _, p := range periods {
		for k := opt.Plan.Report.History; k >= 0; k-- {
			wide = append(wide, p.Add(-k))
		}
	}
	f := &prefetch{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		if f.stamp, f.err = opt.hist.ManifestsStamp(periods[0].G); f.err == nil {
			f.pub, f.err = published(ctx, opt, wide, "", log)
		}
	}()
	return f
}

// get is what was published of periods: what the prefetch read when the
// manifests have not changed since, read again otherwise. The caller
// holds the output lock.
func (f *prefetch) get(ctx context.Context, opt RunOptions, periods []transform.Period, log *slog.Logger) (history.Published, error) {
	if f != nil {
		<-f.done
		if f.err == nil {
			if stamp, err := opt.hist.ManifestsStamp(periods[0].G); err == nil && stamp == f.stamp {
				f.pub.Keep(periods)
				return f.pub, nil
			}
		}
	}
	return published(ctx, opt, periods, "", log)
}

// lockOutput takes the lock on the output directory for holder, waiting
// as the plan says.
func lockOutput(ctx context.Context, opt RunOptions, holder string) (*history.Lock, error) {
	lock, err := opt.hist.Lock(ctx, holder, opt.Plan.Wait, opt.sleep())
	switch {
	case errors.Is(err, history.ErrLocked):
		return nil, fail(kindLocked, err)
	case ctx.Err() != nil && err != nil:
		return nil, fail(kindCanceled, err)
	case err != nil:
		return nil, fail(kindOutput, err)
	}
	return lock, nil
}

// storeRun appends the figures of the published results to the store.
func storeRun(ctx context.Context, h *history.History, runID string, at time.Time, results []*transform.Result) error {
	store, err := h.Store(ctx)
	if err != nil {
		return fail(kindStore, err)
	}
	return fail(kindStore, store.Append(ctx, runID, at, results))
}

// checkStore connects to the store and says what it holds, without
// writing to it.
func checkStore(ctx context.Context, dsn string, w io.Writer) error {
	runs, exists, err := history.CountRuns(ctx, dsn)
	switch {
	case err != nil:
		return fail(kindStore, err)
	case !exists:
		fmt.Fprintf(w, "store       %s reachable; retention_snapshots will be created by the first run\n", secret.RedactDSN(dsn))
	default:
		fmt.Fprintf(w, "store       %s reachable; runs recorded in retention_snapshots: %d\n", secret.RedactDSN(dsn), runs)
	}
	return nil
}
