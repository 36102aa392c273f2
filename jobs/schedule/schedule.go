package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Run is one run of the job. now is the scheduler's clock when the run
// fell due: the run reports from it (the latest complete period at now),
// so that a scheduler that stays up for months never freezes its period.
type Run func(ctx context.Context, now time.Time) error

// Options say when runs are due and what the scheduler reports with.
type Options struct {
	Spec     string           // the schedule as configured, for the log
	Times    cron.Schedule    // when runs are due
	Location *time.Location   // the zone Times is read in, unless the spec names one (CRON_TZ=)
	Logger   *slog.Logger     // the scheduler's lines: start, next run, skipped runs, panics
	Clock    func() time.Time // what each run is given as now
}

// Scheduler runs a job at the times of its schedule until its context
// ends. At most one run is under way at a time: a run due while the
// previous one is still going is skipped, and logged. A run that panics
// is logged with its stack, counts as failed, and the schedule goes on.
type Scheduler struct {
	opt  Options
	run  Run
	cron *cron.Cron
	id   cron.EntryID

	mu      sync.Mutex
	lastErr error // of the latest finished run
	runCtx  context.Context
	cancel  context.CancelFunc
}

// New prepares run on the schedule of opt; Serve starts it.
func New(opt Options, run Run) *Scheduler {
	s := &Scheduler{opt: opt, run: run}
	s.runCtx, s.cancel = context.WithCancel(context.Background())
	log := cronLogger{opt.Logger}
	s.cron = cron.New(
		cron.WithLocation(opt.Location),
		cron.WithLogger(log),
		// Recover inside SkipIfStillRunning: a panic must not leave the
		// skip's token taken, or every later run would be skipped.
		cron.WithChain(cron.SkipIfStillRunning(log), cron.Recover(log)),
	)
	s.id = s.cron.Schedule(opt.Times, cron.FuncJob(s.runOnce))
	return s
}

// Next is when the next run is due; zero before Serve starts.
func (s *Scheduler) Next() time.Time { return s.cron.Entry(s.id).Next }

func (s *Scheduler) runOnce() {
	defer func() {
		if r := recover(); r != nil {
			s.mu.Lock()
			s.lastErr = fmt.Errorf("run panicked: %v", r)
			s.mu.Unlock()
			panic(r) // for cron.Recover to log with the stack
		}
	}()
	err := s.run(s.runCtx, s.opt.Clock())
	s.mu.Lock()
	if s.runCtx.Err() == nil || err == nil {
		s.lastErr = err // a run cut short by the shutdown is not a failure
	}
	s.mu.Unlock()
	s.opt.Logger.Info("next run", "stage", "schedule", "next", s.Next().Format(time.RFC3339))
}

// Serve runs the schedule until ctx ends, then lets no new run start,
// cancels the one under way (which leaves no partial file) and waits for
// it. It returns the error of the latest finished run, if it failed.
func (s *Scheduler) Serve(ctx context.Context) error {
	s.cron.Start()
	s.opt.Logger.Info("scheduler started", "stage", "schedule", "schedule", s.opt.Spec,
		"timezone", s.opt.Location.String(), "next", s.Next().Format(time.RFC3339))
	<-ctx.Done()
	stopped := s.cron.Stop()
	s.cancel()
	<-stopped.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	if errors.Is(s.lastErr, context.Canceled) {
		return nil
	}
	return s.lastErr
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) {
	// cron logs every wake-up at info level; only skips are worth a line.
	if msg == "skip" {
		c.l.Warn("run skipped: the previous one is still running", append([]any{"stage", "schedule"}, kv...)...)
	}
}

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error(msg, append([]any{"stage", "schedule", "error", err.Error()}, kv...)...)
}
