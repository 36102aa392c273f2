package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"retention/config"
	"retention/extract/secret"
	"retention/report/publication"
	"retention/transform"
)

// published reads what was published before of periods: from the store
// when one is configured, else from the manifests in out_dir. With run,
// only that run's figures count.
func published(ctx context.Context, c config.Config, periods []transform.Period, run string, log *slog.Logger) (publication.Published, error) {
	if c.Store.DSN != "" {
		store, err := publication.OpenStore(ctx, c.Store.DSN)
		if err != nil {
			return nil, fail(kindStore, err)
		}
		defer store.Close()
		pub, err := store.Published(ctx, periods, run)
		return pub, fail(kindStore, err)
	}
	pub, damaged, err := publication.ReadManifests(c.Report.OutDir, periods, run)
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

// storeRun appends the figures of the published results to the store.
func storeRun(ctx context.Context, dsn, runID string, at time.Time, results []*transform.Result) error {
	store, err := publication.OpenStore(ctx, dsn)
	if err != nil {
		return fail(kindStore, err)
	}
	defer store.Close()
	return fail(kindStore, store.Append(ctx, runID, at, results))
}

// checkStore connects to the store and says what it holds, without
// writing to it.
func checkStore(ctx context.Context, dsn string, w io.Writer) error {
	runs, exists, err := publication.CountRuns(ctx, dsn)
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
