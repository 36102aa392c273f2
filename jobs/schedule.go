package jobs

import (
	"context"
	"time"

	"retention/config"
	"retention/jobs/schedule"
	"retention/transform"
)

// Schedule runs the job on the plan's schedule, in the report time zone,
// until ctx ends (SIGTERM, SIGINT). Each run reports the latest complete
// period at the time it falls due on clock. It returns the error of the
// last finished run, if it failed.
func Schedule(ctx context.Context, opt RunOptions, clock func() time.Time) error {
	c := opt.Plan
	if c.Schedule.Cron == nil {
		return &config.Error{Key: "schedule", Msg: "not set; the scheduler needs a cron expression such as \"30 6 * * *\" or @daily"}
	}
	if err := deliveryReady(c); err != nil {
		return err // every run would fail the same way
	}
	s := schedule.New(schedule.Options{Spec: c.Schedule.Spec, Times: c.Schedule.Cron, Location: c.Location, Logger: opt.Logger, Clock: clock},
		func(ctx context.Context, now time.Time) error {
			run := opt
			run.Now = now
			run.Plan.Periods = []transform.Period{transform.LatestComplete(now, c.Report.Granularity, c.Location)}
			_, err := Run(ctx, run)
			return err
		})
	err := s.Serve(ctx)
	outcome := "stopped"
	if err != nil {
		outcome = "stopped after a failed run"
	}
	opt.Logger.Info("scheduler finished", "outcome", outcome, "exit_code", ExitCode(err))
	return err
}
