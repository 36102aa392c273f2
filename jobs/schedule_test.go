package jobs

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
	"retention/report/publication"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// parsedSchedule is the schedule key spec as Load parses it.
func parsedSchedule(t *testing.T, spec string) config.Schedule {
	t.Helper()
	c, err := config.Load(strings.NewReader("schedule: "+strconv.Quote(spec)), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return c.Schedule
}

func scheduled(t *testing.T, spec string) *Scheduler {
	t.Helper()
	c, err := config.Load(strings.NewReader(""), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	c.Schedule = parsedSchedule(t, spec)
	s, err := NewScheduler(RunOptions{Plan: config.Plan{Config: c}, Logger: quietLog}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestScheduleWallClock: the schedule fires at the configured wall-clock
// time in the report time zone (Asia/Shanghai by default), whatever the
// machine's zone, and CRON_TZ overrides it.
func TestScheduleWallClock(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.ParseInLocation(time.DateTime, s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		spec       string
		from, want time.Time
	}{
		{"30 6 * * *", at("2026-11-23 05:00:00"), at("2026-11-23 06:30:00")},
		{"30 6 * * *", at("2026-11-23 06:30:00"), at("2026-11-24 06:30:00")},
		{"30 6 * * *", at("2026-11-30 23:59:00"), at("2026-12-01 06:30:00")},
		{"@daily", at("2026-11-23 05:00:00"), at("2026-11-24 00:00:00")},
		{"0 2 1 * *", at("2026-11-23 05:00:00"), at("2026-12-01 02:00:00")},
		{"CRON_TZ=UTC 30 6 * * *", at("2026-11-23 05:00:00"), time.Date(2026, 11, 23, 6, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		s := scheduled(t, tt.spec)
		// The scheduler computes from the time in its own location.
		if got := s.Schedule().Next(tt.from.In(s.cron.Location())); !got.Equal(tt.want) {
			t.Errorf("%q after %s: next %s, want %s", tt.spec, tt.from, got, tt.want)
		}
	}
	if got := scheduled(t, "30 6 * * *").cron.Location().String(); got != "Asia/Shanghai" {
		t.Errorf("scheduler location %s, want Asia/Shanghai", got)
	}
}

// TestSchedulerNextIsShanghaiTime: once started, the next run is 06:30 in
// Shanghai (22:30 UTC), not 06:30 on the machine's clock.
func TestSchedulerNextIsShanghaiTime(t *testing.T) {
	t.Parallel()
	s := scheduled(t, "30 6 * * *")
	s.cron.Start()
	defer s.cron.Stop()
	next := s.Next().In(shanghai)
	if next.Hour() != 6 || next.Minute() != 30 || next.Before(time.Now()) || next.After(time.Now().Add(24*time.Hour)) {
		t.Errorf("next run %s (UTC %s), want 06:30 Shanghai within a day", next, next.UTC())
	}
}

func TestSchedulerNeedsSchedule(t *testing.T) {
	t.Parallel()
	c, _ := config.Load(strings.NewReader(""), func(string) string { return "" })
	_, err := NewScheduler(RunOptions{Plan: config.Plan{Config: c}, Logger: quietLog}, time.Now)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "schedule" {
		t.Errorf("NewScheduler without a schedule: %v", err)
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

// TestSchedulerRunsUntilStopped: runs fire on schedule; a stop waits for
// nothing and returns the clean outcome.
func TestSchedulerRunsUntilStopped(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	c := testConfig(t, d)
	c.Schedule = parsedSchedule(t, "@every 1s")
	ev := newEvents()
	s, err := NewScheduler(RunOptions{Plan: config.Plan{Config: c}, Logger: slog.New(ev)}, func() time.Time { return time.Date(2026, 10, 5, 6, 30, 0, 0, shanghai) })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	ev.await(t, "run finished")
	ev.await(t, "next run")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after a successful run: %v", err)
	}
	if !publication.Complete(filepath.Join(c.Report.OutDir, "month", "2026-09")) {
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
	c := testConfig(t, d)
	c.Source.DSN = p.DSN()
	c.Schedule = parsedSchedule(t, "@every 1s")
	ev := newEvents()
	s, err := NewScheduler(RunOptions{Plan: config.Plan{Config: c}, Logger: slog.New(ev)}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
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
