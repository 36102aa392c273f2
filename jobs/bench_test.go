package jobs_test

import (
	"cmp"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"retention/config"
	"retention/extract/sourcetest"
	"retention/jobs"
	"retention/jobs/demo"
	"retention/transform"
)

// BenchmarkBackfill24 publishes the 24 months of the demo data once as one
// backfill (one read of the source) and once as 24 separate runs, against
// the same server in the same benchmark run.
//
//	go test ./jobs -run '^$' -bench Backfill24 -benchtime 3x
func BenchmarkBackfill24(b *testing.B) {
	d := sourcetest.New(b)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c := testConfig(b, d, "")
	last := transform.LatestComplete(now, transform.Month, c.Location)
	for _, t := range demo.Generate(last, demo.Customers).Tables() {
		d.Table(b, t.Name, t.Columns, t.Rows)
	}
	first := last.Add(-23)

	b.Run("backfill", func(b *testing.B) {
		for b.Loop() {
			c.Report.OutDir = b.TempDir()
			backfill := newPlan(b, c, config.Flags{Command: "backfill", From: first.String(), To: last.String()}, now)
			outs, err := jobs.Backfill(context.Background(), jobs.RunOptions{Plan: backfill, Now: now, Logger: quiet}, nil)
			if err != nil || len(outs) != 24 {
				b.Fatalf("backfill: %d periods, %v", len(outs), err)
			}
		}
	})
	b.Run("24-runs", func(b *testing.B) {
		for b.Loop() {
			c.Report.OutDir = b.TempDir()
			for p := first; p.N <= last.N; p = p.Add(1) {
				if _, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, p), Now: now, Logger: quiet}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkRunSource runs the job against the database that
// RETENTION_BENCH_DSN names (one that bench/run.sh loaded), as the
// command line does, for profiles of the whole run:
//
//	RETENTION_BENCH_DSN='root@tcp(127.0.0.1:3306)/retention_bench_3m' \
//	  go test ./jobs -run '^$' -bench RunSource -benchtime 3x -cpuprofile cpu.out
//
// It is skipped without that variable: the data sets take minutes to
// generate and load, and live outside the tests.
func BenchmarkRunSource(b *testing.B) {
	dsn := os.Getenv("RETENTION_BENCH_DSN")
	if dsn == "" {
		b.Skip("RETENTION_BENCH_DSN is not set (see bench/README.md)")
	}
	c, err := config.Load(strings.NewReader(""), func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	c.Source.DSN = dsn
	p, err := transform.ParsePeriod(cmp.Or(os.Getenv("RETENTION_BENCH_PERIOD"), "2026-10"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c.Report.OutDir = b.TempDir()
		if _, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, p), Now: time.Now(), Logger: quiet}); err != nil {
			b.Fatal(err)
		}
	}
}
