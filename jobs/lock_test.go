package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"retention/config"
	"retention/extract/sourcetest"
	"retention/transform"
)

func TestLockExcludesSecondRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := lockOutput(dir, "run A")
	if err != nil {
		t.Fatal(err)
	}
	_, err = lockOutput(dir, "run B")
	if !errors.Is(err, ErrLocked) || ExitCode(err) != ExitLocked || !strings.Contains(err.Error(), "run A") {
		t.Fatalf("second lock: %v (exit %d), want ErrLocked naming run A", err, ExitCode(err))
	}
	first.release()
	second, err := lockOutput(dir, "run B")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	second.release()
}

func TestRunWhileLocked(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	c, err := config.Load(strings.NewReader(""), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	c.Source.DSN, c.Report.OutDir = d.DSN, t.TempDir()
	held, err := lockOutput(c.Report.OutDir, "the nightly run")
	if err != nil {
		t.Fatal(err)
	}
	defer held.release()
	p, _ := transform.ParsePeriod("2026-09")
	_, err = Run(context.Background(), RunOptions{Config: c, Period: p, Now: time.Now(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if ExitCode(err) != ExitLocked || !strings.Contains(err.Error(), "the nightly run") {
		t.Fatalf("run under a held lock: %v, want ErrLocked naming the holder", err)
	}
	entries, _ := os.ReadDir(c.Report.OutDir)
	for _, e := range entries {
		if e.Name() != lockName {
			t.Errorf("the locked-out run wrote %s", e.Name())
		}
	}
}
