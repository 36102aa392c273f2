package jobs

import (
	"context"
	"maps"
	"testing"
	"time"

	"retention/config"
	"retention/extract/sourcetest"
	"retention/history"
	"retention/transform"
)

// TestPrefetchPublished: the figures published before, read while the
// source is, are used when the manifests are unchanged under the lock,
// and read again when a run published the period meanwhile.
func TestPrefetchPublished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	c := testConfig(t, d)
	p, _ := transform.ParsePeriod("2026-09")
	run := func() {
		t.Helper()
		if _, err := Run(ctx, RunOptions{Plan: config.Plan{Config: c, Periods: []transform.Period{p}}, Now: time.Now(), Logger: quietLog}); err != nil {
			t.Fatal(err)
		}
	}
	run()
	opt := RunOptions{Plan: config.Plan{Config: c, Periods: []transform.Period{p}}}.withHistory()
	var window []transform.Period
	for k := c.Report.History - 1; k >= 0; k-- {
		window = append(window, p.Add(-k))
	}
	equal := func(a, b history.Published) bool {
		return maps.EqualFunc(a, b, func(x, y history.Figure) bool {
			return x.RunID == y.RunID && (x.Value == nil) == (y.Value == nil) && (x.Value == nil || *x.Value == *y.Value)
		})
	}

	pre := prefetchPublished(ctx, opt, []transform.Period{p}, quietLog)
	got, err := pre.get(ctx, opt, window, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	want, err := published(ctx, opt, window, "", quietLog)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || !equal(got, want) {
		t.Fatalf("prefetched %d figures, read %d under the lock: not the same", len(got), len(want))
	}

	// A run publishes 2026-09 again, with another revenue, after the
	// prefetch read it.
	pre = prefetchPublished(ctx, opt, []transform.Period{p}, quietLog)
	<-pre.done
	d.Exec(t, "INSERT INTO orders VALUES (99, 1, '华东', '2026-09-10 10:00:00', 100.00)")
	run()
	got, err = pre.get(ctx, opt, window, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := published(ctx, opt, window, "", quietLog)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(got, fresh) || equal(got, want) {
		t.Error("after a run published the period again, get gave the figures read before it")
	}
}
