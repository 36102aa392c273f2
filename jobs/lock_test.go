package jobs

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"retention/config"
	"retention/extract/sourcetest"
	"retention/history"
	"retention/transform"
)

func noSleep(context.Context, time.Duration) error { return nil }

func testConfig(t *testing.T, d *sourcetest.DB) config.Config {
	t.Helper()
	c, err := config.Load(strings.NewReader(""), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	c.Source.DSN, c.Report.OutDir = d.DSN, t.TempDir()
	// The gate has its own tests; in the worked example one skipped row
	// is 5 % of the rows.
	c.Gate.MaxSkippedRatio, c.Gate.MaxOrderDrop = 1, 1
	return c
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestRunWhileOutputLocked(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	c := testConfig(t, d)
	held, err := history.Open(c.Report.OutDir).Lock(context.Background(), "the nightly run", 0, noSleep)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	p, _ := transform.ParsePeriod("2026-09")
	_, err = Run(context.Background(), RunOptions{Plan: config.Plan{Config: c, Periods: []transform.Period{p}}, Now: time.Now(), Logger: quietLog})
	if ExitCode(err) != ExitLocked || !strings.Contains(err.Error(), "the nightly run") {
		t.Fatalf("run under a held lock: %v, want ErrLocked naming the holder", err)
	}
	entries, _ := os.ReadDir(c.Report.OutDir)
	for _, e := range entries {
		if e.Name() != history.LockFile {
			t.Errorf("the locked-out run wrote %s", e.Name())
		}
	}
}

// TestRunWhileSourceLocked: a run on another machine writing the same
// output holds the lock on the source server; this run gives up before
// reading anything.
func TestRunWhileSourceLocked(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	c := testConfig(t, d)
	other, err := sql.Open("mysql", d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var got int
	if err := conn.QueryRowContext(context.Background(), "SELECT GET_LOCK(?, 0)", history.Open(c.Report.OutDir).LockName()).Scan(&got); err != nil || got != 1 {
		t.Fatalf("GET_LOCK: %d, %v", got, err)
	}
	p, _ := transform.ParsePeriod("2026-09")
	_, err = Run(context.Background(), RunOptions{Plan: config.Plan{Config: c, Periods: []transform.Period{p}}, Now: time.Now(), Logger: quietLog})
	if ExitCode(err) != ExitLocked || !errors.Is(err, ErrLocked) {
		t.Fatalf("run while another session holds the source lock: %v (exit %d), want ErrLocked", err, ExitCode(err))
	}
	if entries, _ := os.ReadDir(c.Report.OutDir); len(entries) > 0 {
		t.Errorf("the locked-out run wrote %s", entries[0].Name())
	}
}
