package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"retention/config"
	"retention/transform"
)

// Scheduler runs the job on the configured schedule until its context
// ends. At most one run is under way at a time: a run due while the
// previous one is still going is skipped, and logged.
type Scheduler struct {
	opt  RunOptions
	now  func() time.Time
	cron *cron.Cron
	id   cron.EntryID

	mu      sync.Mutex
	lastErr error // of the latest finished run
	runCtx  context.Context
	cancel  context.CancelFunc
}

// NewScheduler prepares the plan's schedule in its time zone; now is the
// clock each run reports from.
func NewScheduler(opt RunOptions, now func() time.Time) (*Scheduler, error) {
	c := opt.Plan
	if c.Schedule.Cron == nil {
		return nil, &config.Error{Key: "schedule", Msg: "not set; the scheduler needs a cron expression such as \"30 6 * * *\" or @daily"}
	}
	s := &Scheduler{opt: opt, now: now}
	s.runCtx, s.cancel = context.WithCancel(context.Background())
	log := cronLogger{opt.Logger}
	s.cron = cron.New(
		cron.WithLocation(c.Location),
		cron.WithLogger(log),
		cron.WithChain(cron.Recover(log), cron.SkipIfStillRunning(log)),
	)
	s.id = s.cron.Schedule(c.Schedule.Cron, cron.FuncJob(s.runOnce))
	return s, nil
}

// Next is when the next run is due.
func (s *Scheduler) Next() time.Time { return s.cron.Entry(s.id).Next }

// Schedule returns the parsed schedule, for computing run times.
func (s *Scheduler) Schedule() cron.Schedule { return s.cron.Entry(s.id).Schedule }

func (s *Scheduler) runOnce() {
	defer func() {
		if r := recover(); r != nil {
			s.mu.Lock()
			s.lastErr = fail(KindInternal, fmt.Errorf("run panicked: %v", r))
			s.mu.Unlock()
			panic(r) // for cron.Recover to log with the stack
		}
	}()
	opt := s.opt
	opt.Now = s.now()
	opt.Plan.Periods = []transform.Period{transform.LatestComplete(opt.Now, opt.Plan.Report.Granularity, opt.Plan.Location)}
	_, err := Run(s.runCtx, opt)
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
	s.opt.Logger.Info("scheduler started", "stage", "schedule", "schedule", s.opt.Plan.Schedule.Spec,
		"timezone", s.opt.Plan.Location.String(), "next", s.Next().Format(time.RFC3339))
	<-ctx.Done()
	stopped := s.cron.Stop()
	s.cancel()
	<-stopped.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	outcome := "stopped"
	if s.lastErr != nil {
		outcome = "stopped after a failed run"
	}
	s.opt.Logger.Info("scheduler finished", "outcome", outcome, "exit_code", ExitCode(s.lastErr))
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
