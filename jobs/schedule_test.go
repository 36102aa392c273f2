package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"retention/config"
	"retention/extract/sourcetest"
	"retention/history"
	"retention/jobs"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// scheduleOf is the plan of the schedule command with the schedule key
// spec over c.
func scheduleOf(t *testing.T, c config.Config, spec string) config.Plan {
	t.Helper()
	parsed, err := config.Load(strings.NewReader("schedule: "+strconv.Quote(spec)), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	c.Schedule = parsed.Schedule
	return newPlan(t, c, config.Flags{Command: "schedule"}, time.Now())
}

func TestScheduleNeedsSchedule(t *testing.T) {
	t.Parallel()
	c, _ := config.Load(strings.NewReader(""), func(string) string { return "" })
	err := jobs.Schedule(context.Background(), jobs.RunOptions{Plan: newPlan(t, c, config.Flags{Command: "schedule"}, time.Now()), Logger: quiet}, time.Now)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "schedule" {
		t.Errorf("Schedule without a schedule: %v", err)
	}
}

// events collects log records and signals when one arrives.
type events struct {
	mu   sync.Mutex
	seen map[string]int
	ch   chan string
}

func newEvents() *events { return &events{seen: map[string]int{}, ch: make(chan string, 100)} }

func (e *events) Enabled(context.Context, slog.Level) bool { return true }
func (e *events) Handle(_ context.Context, r slog.Record) error {
	e.mu.Lock()
	e.seen[r.Message]++
	e.mu.Unlock()
	select {
	case e.ch <- r.Message:
	default:
	}
	return nil
}
func (e *events) WithAttrs([]slog.Attr) slog.Handler { return e }
func (e *events) WithGroup(string) slog.Handler      { return e }

func (e *events) await(t *testing.T, msg string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-e.ch:
			if m == msg {
				return
			}
		case <-timeout:
			t.Fatalf("no %q logged", msg)
		}
	}
}

// TestSchedulerRunsUntilStopped: runs fire on schedule, each reporting the
// latest complete period on its clock; a stop waits for nothing and
// returns the clean outcome.
func TestSchedulerRunsUntilStopped(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	c := testConfig(t, d, "")
	ev := newEvents()
	opt := jobs.RunOptions{Plan: scheduleOf(t, c, "@every 1s"), Logger: slog.New(ev)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- jobs.Schedule(ctx, opt, func() time.Time { return time.Date(2026, 10, 5, 6, 30, 0, 0, shanghai) })
	}()
	ev.await(t, "run finished")
	ev.await(t, "next run")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after a successful run: %v", err)
	}
	if !history.Complete(filepath.Join(c.Report.OutDir, "month", "2026-09")) {
		t.Error("the scheduled run did not publish 2026-09 (the latest complete month on its clock)")
	}
}

// TestSchedulerShutdownCancelsRun: SIGTERM during a run cancels it; no
// partial file is left and the scheduler exits cleanly.
func TestSchedulerShutdownCancelsRun(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	p := d.Proxy(t)
	stall, seen := make(chan struct{}), make(chan struct{})
	defer close(stall)
	p.On("FROM orders", 1, sourcetest.Fault{Stall: stall, Seen: seen})
	c := testConfig(t, d, "")
	c.Source.DSN = p.DSN()
	ev := newEvents()
	opt := jobs.RunOptions{Plan: scheduleOf(t, c, "@every 1s"), Logger: slog.New(ev)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- jobs.Schedule(ctx, opt, time.Now) }()
	select {
	case <-seen:
	case <-time.After(30 * time.Second):
		t.Fatal("the scheduled run never started reading")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after a shutdown during a run: %v, want nil (exit 0)", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the scheduler did not stop")
	}
	entries, _ := os.ReadDir(c.Report.OutDir)
	if len(entries) > 0 {
		t.Errorf("the canceled run left %s", entries[0].Name())
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.seen["run failed"] != 1 || ev.seen["run finished"] != 0 {
		t.Errorf("log lines %v, want one failed (canceled) run", ev.seen)
	}
}
