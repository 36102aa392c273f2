package schedule

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"retention/config"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// scheduled is a scheduler of the schedule key spec, as config parses
// it, in the default report time zone.
func scheduled(t *testing.T, spec string, log *slog.Logger, clock func() time.Time, run Run) *Scheduler {
	t.Helper()
	c, err := config.Load(strings.NewReader("schedule: "+strconv.Quote(spec)), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{Spec: c.Schedule.Spec, Times: c.Schedule.Cron, Location: c.Location, Logger: log, Clock: clock}, run)
}

func idle(context.Context, time.Time) error { return nil }

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
		s := scheduled(t, tt.spec, quiet, time.Now, idle)
		// The scheduler computes from the time in its own location.
		if got := s.opt.Times.Next(tt.from.In(s.cron.Location())); !got.Equal(tt.want) {
			t.Errorf("%q after %s: next %s, want %s", tt.spec, tt.from, got, tt.want)
		}
	}
	if got := scheduled(t, "30 6 * * *", quiet, time.Now, idle).cron.Location().String(); got != "Asia/Shanghai" {
		t.Errorf("scheduler location %s, want Asia/Shanghai", got)
	}
}

// TestSchedulerNextIsShanghaiTime: once started, the next run is 06:30 in
// Shanghai (22:30 UTC), not 06:30 on the machine's clock.
func TestSchedulerNextIsShanghaiTime(t *testing.T) {
	t.Parallel()
	s := scheduled(t, "30 6 * * *", quiet, time.Now, idle)
	s.cron.Start()
	defer s.cron.Stop()
	next := s.Next().In(shanghai)
	if next.Hour() != 6 || next.Minute() != 30 || next.Before(time.Now()) || next.After(time.Now().Add(24*time.Hour)) {
		t.Errorf("next run %s (UTC %s), want 06:30 Shanghai within a day", next, next.UTC())
	}
}

// lines hands over the messages logged, as they come.
type lines chan string

func (l lines) Enabled(context.Context, slog.Level) bool { return true }
func (l lines) Handle(_ context.Context, r slog.Record) error {
	select {
	case l <- r.Message:
	default: // a test waits for a few lines; the rest may go
	}
	return nil
}
func (l lines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l lines) WithGroup(string) slog.Handler      { return l }

// await waits for a line with msg, passing over the others.
func (l lines) await(t *testing.T, msg string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-l:
			if m == msg {
				return
			}
		case <-timeout:
			t.Fatalf("no %q logged", msg)
		}
	}
}

// receive waits for a value from ch.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("no %s", what)
		var zero T
		return zero
	}
}

// serve runs s until the returned stop is called, which returns what
// Serve returned.
func serve(t *testing.T, s *Scheduler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("the scheduler did not stop")
			return nil
		}
	}
}

// TestEachRunGetsItsTime: every run is given the clock's time when it
// fell due, not the time the scheduler started.
func TestEachRunGetsItsTime(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	tick := time.Date(2026, 9, 30, 23, 0, 0, 0, shanghai)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		tick = tick.Add(time.Hour)
		return tick
	}
	got := make(chan time.Time, 10)
	s := scheduled(t, "@every 1s", quiet, clock, func(_ context.Context, now time.Time) error {
		got <- now
		return nil
	})
	stop := serve(t, s)
	first, second := receive(t, got, "first run"), receive(t, got, "second run")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 10, 1, 0, 0, 0, 0, shanghai); !first.Equal(want) || !second.Equal(want.Add(time.Hour)) {
		t.Errorf("runs were given %s and %s, want %s and an hour later", first, second, want)
	}
}

// TestSkipsWhileRunning: a run due while the previous one is going is
// skipped and logged; the one going is not disturbed.
func TestSkipsWhileRunning(t *testing.T) {
	t.Parallel()
	log := make(lines, 100)
	release, started := make(chan struct{}), make(chan struct{}, 10)
	s := scheduled(t, "@every 1s", slog.New(log), time.Now, func(ctx context.Context, _ time.Time) error {
		started <- struct{}{}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	stop := serve(t, s)
	receive(t, started, "run")
	log.await(t, "run skipped: the previous one is still running")
	close(release)
	log.await(t, "next run")
	if err := stop(); err != nil {
		t.Errorf("Serve after a successful run: %v", err)
	}
}

// TestPanicCountsAsFailedRun: a run that panics is logged, the schedule
// goes on (the next run starts and is not skipped as if the panicked one
// were still going), and Serve returns it as the last run's failure.
func TestPanicCountsAsFailedRun(t *testing.T) {
	t.Parallel()
	log := make(lines, 100)
	runs := make(chan struct{}, 10)
	s := scheduled(t, "@every 1s", slog.New(log), time.Now, func(context.Context, time.Time) error {
		runs <- struct{}{}
		panic("boom")
	})
	stop := serve(t, s)
	receive(t, runs, "run")
	log.await(t, "panic")
	receive(t, runs, "run after the panic")
	if err := stop(); err == nil || !strings.Contains(err.Error(), "run panicked: boom") {
		t.Errorf("Serve after a panicking run: %v, want the panic", err)
	}
}

// TestShutdownCancelsRun: the end of Serve's context cancels the run
// under way and waits for it; a run cut short so is no failure.
func TestShutdownCancelsRun(t *testing.T) {
	t.Parallel()
	started, ended := make(chan struct{}, 10), make(chan error, 1)
	s := scheduled(t, "@every 1s", quiet, time.Now, func(ctx context.Context, _ time.Time) error {
		started <- struct{}{}
		<-ctx.Done()
		ended <- ctx.Err()
		return ctx.Err()
	})
	stop := serve(t, s)
	receive(t, started, "run")
	if err := stop(); err != nil {
		t.Errorf("Serve after a shutdown during a run: %v, want nil", err)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the run ended with %v, want canceled", err)
		}
	default:
		t.Error("Serve returned before the run under way ended")
	}
}
