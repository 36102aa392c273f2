package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"retention/config"
	"retention/extract/secret"
	"retention/history"
	"retention/report"
	"retention/transform"
)

// RunOptions is what a command needs besides its plan.
type RunOptions struct {
	Plan    config.Plan
	Now     time.Time // the clock when the command started: run ids and generation times
	Logger  *slog.Logger
	Version string
	// Sleep waits between retries; nil sleeps for real. Tests stub it.
	Sleep func(context.Context, time.Duration) error

	// hist is the output directory's history, opened once by the command
	// (withHistory) and passed down with the options.
	hist *history.History
}

// withHistory opens the history of the plan's output directory (and
// store) for a command; the options it returns carry it down. The
// command closes it when done.
func (o RunOptions) withHistory() RunOptions {
	if o.hist == nil {
		o.hist = history.Open(o.Plan.Report.OutDir, o.Plan.Store.DSN)
	}
	return o
}

// Outcome describes a published period.
type Outcome struct {
	RunID    string
	Period   transform.Period
	Dir      string   // the period's directory
	Files    []string // paths of the workbooks and the manifest
	Manifest *history.Manifest
}

func newRunID(now time.Time) string {
	b := make([]byte, 3)
	rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// Run reads the source, computes the plan's one period and publishes its
// workbooks and manifest under out_dir/<granularity>/<period>/, then
// delivers them as the plan's delivery key says. When the period was
// published, its Outcome comes back even with an error of what followed
// (the store, exit 8; the delivery, exit 9).
func Run(ctx context.Context, opt RunOptions) (*Outcome, error) {
	if n := len(opt.Plan.Periods); n != 1 {
		return nil, fail(kindInternal, fmt.Errorf("run reports one period; the plan has %d", n))
	}
	outs, err := execute(ctx, opt, "run", opt.Plan.Periods, nil)
	if len(outs) == 0 {
		return nil, err
	}
	// Published: a failure after (the store, the delivery) comes with it.
	return outs[0], err
}

// execute is the whole job for a set of periods: one extraction of the
// source, one result per period, each period published on its own.
// progress, when not nil, hears of each published period.
func execute(ctx context.Context, opt RunOptions, command string, periods []transform.Period, progress func(done int, o *Outcome)) ([]*Outcome, error) {
	opt = opt.withHistory()
	defer opt.hist.Close()
	c := opt.Plan
	start := time.Now()
	runID := newRunID(opt.Now)
	log := opt.Logger.With("run_id", runID)
	first, last := periods[0], periods[len(periods)-1]
	log.Info(command+" started", "periods", span(first, last), "granularity", first.G.String(),
		"source", secret.RedactDSN(c.Source.DSN), "out_dir", c.Report.OutDir, "version", opt.Version)
	outs, err := executeAll(ctx, opt, command, runID, periods, log, progress)
	if err != nil {
		outcome := "failed"
		if ExitCode(err) == ExitDelivery {
			outcome = "published, not delivered"
		}
		log.Error(command+" failed", "outcome", outcome, "periods", span(first, last), "published", len(outs), "error", err.Error(),
			"exit_code", ExitCode(err), "duration_ms", time.Since(start).Milliseconds())
		return outs, err
	}
	log.Info(command+" finished", "outcome", "published", "periods", span(first, last), "published", len(outs),
		"duration_ms", time.Since(start).Milliseconds())
	return outs, nil
}

func span(a, b transform.Period) string {
	if a == b {
		return a.String()
	}
	return a.String() + ".." + b.String()
}

func executeAll(ctx context.Context, opt RunOptions, command, runID string, periods []transform.Period, log *slog.Logger, progress func(int, *Outcome)) ([]*Outcome, error) {
	c := opt.Plan
	if err := requireSource(c.Config); err != nil {
		return nil, err
	}
	if err := deliveryReady(c); err != nil {
		return nil, err
	}
	pre := prefetchPublished(ctx, opt, periods, log)
	ex, err := extractWithRetry(ctx, opt, periods, log, true)
	if err != nil {
		return nil, err
	}
	defer ex.close()
	forced, err := checkAll(ex.results, opt, log)
	if err != nil {
		return nil, err
	}

	t := time.Now()
	lock, err := lockOutput(ctx, opt, fmt.Sprintf("run %s, pid %d", runID, pid()))
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	pub, err := pre.get(ctx, opt, windows(ex.results), log)
	if err != nil {
		return nil, err
	}
	var outs []*Outcome
	for i, res := range ex.results {
		o, err := publishPeriod(ctx, opt, runID, res, ex, pub, forced[res.Period], log)
		if err != nil {
			if len(outs) > 0 && opt.hist.HasStore() {
				// A backfill that stops half-way still records the periods it
				// published: its rerun skips them.
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
				defer cancel()
				if serr := storeRun(sctx, opt.hist, runID, opt.Now, ex.results[:len(outs)]); serr != nil {
					log.Error("the periods published before the failure are not in the store", "stage", "store", "error", serr.Error())
				}
			}
			return outs, err
		}
		outs = append(outs, o)
		if progress != nil {
			progress(i+1, o)
		}
	}
	log.Info("published", "stage", "report", "periods", len(outs), "duration_ms", time.Since(t).Milliseconds())
	var storeErr error
	if opt.hist.HasStore() {
		t = time.Now()
		if storeErr = storeRun(ctx, opt.hist, runID, opt.Now, ex.results); storeErr == nil {
			log.Info("stored", "stage", "store", "store", secret.RedactDSN(c.Store.DSN), "duration_ms", time.Since(t).Milliseconds())
		}
	}
	// The workbooks are out whatever the store said: deliver them. The
	// store's failure decides the exit code; the delivery's is logged.
	if err := deliverPublished(ctx, opt, runID, command, outs, log); err != nil {
		if storeErr == nil {
			return outs, err
		}
		log.Error("delivery failed too", "stage", "deliver", "error", err.Error(), "exit_code", ExitCode(err))
	}
	return outs, storeErr
}

// publishPeriod publishes one period of a run: what moved since it was
// last published, the targets it broke, its workbooks and manifest. The
// caller holds the output lock.
func publishPeriod(ctx context.Context, opt RunOptions, runID string, res *transform.Result, ex *extraction, pub history.Published,
	forced []report.CheckFailure, log *slog.Logger) (*Outcome, error) {
	c := opt.Plan
	meta := report.Meta{RunID: runID, GeneratedAt: opt.Now, Locale: c.Report.Locale, Currency: c.Report.Currency,
		CustomersRead: ex.customersRead, Forced: forced,
		Restatements: history.Restate(res, pub, history.Tolerance{Points: c.Report.RestatementTolerance})}
	if n := len(meta.Restatements); n > 0 {
		log.Warn("published figures have moved", "stage", "report", "period", res.Period.String(), "restated", n)
	}
	meta.Targets, meta.Alerts = c.Targets, alerts(res, c.Targets, log)
	return publish(ctx, opt.hist, c.Config, res, ex.dir, meta, log)
}

// windows lists the periods of the results' history windows, once each.
func windows(results []*transform.Result) []transform.Period {
	var out []transform.Period
	seen := map[transform.Period]bool{}
	for _, r := range results {
		for _, s := range r.Company.Snapshots {
			if !seen[s.Period] {
				seen[s.Period] = true
				out = append(out, s.Period)
			}
		}
	}
	return out
}

// checkAll runs the checks before publishing on every result. Unless the
// plan says Force, a failure stops the run before anything is written;
// with it, the failures are returned by period for the workbooks to show.
func checkAll(results []*transform.Result, opt RunOptions, log *slog.Logger) (map[transform.Period][]report.CheckFailure, error) {
	failed := map[transform.Period][]report.CheckFailure{}
	var periods []transform.Period
	for _, res := range results {
		if f := gate(res, opt.Plan.Gate); len(f) > 0 {
			failed[res.Period] = f
			periods = append(periods, res.Period)
			for _, f := range f {
				log.Warn("check before publishing failed", "stage", "gate", "period", res.Period.String(), "check", f.Check,
					"detail", f.String(), "forced", opt.Plan.Force)
			}
		}
	}
	if len(periods) > 0 && !opt.Plan.Force {
		return nil, gateError(failed, periods)
	}
	return failed, nil
}

func (o RunOptions) sleep() func(context.Context, time.Duration) error {
	if o.Sleep != nil {
		return o.Sleep
	}
	return func(ctx context.Context, d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
}

// alerts checks the targets against a result and logs each broken one;
// they never stop publishing.
func alerts(res *transform.Result, targets []transform.Target, log *slog.Logger) []transform.Alert {
	scopes := map[string]bool{transform.CompanyScope: true}
	for _, s := range res.Departments {
		scopes[s.Department] = true
	}
	for i, t := range targets {
		for _, name := range t.Scopes {
			if !scopes[name] {
				log.Warn("a target names a department the source does not have in this period", "stage", "report",
					"period", res.Period.String(), "target", fmt.Sprintf("targets[%d]", i), "department", name)
			}
		}
	}
	found := transform.Alerts(res, targets)
	for _, a := range found {
		args := []any{"stage", "report", "period", a.Period.String(), "department", a.Department, "metric", a.Metric, "value", a.Value}
		if a.Company {
			args[5] = transform.CompanyScope
		}
		if a.Min != nil {
			args = append(args, "min", *a.Min)
		}
		if a.Max != nil {
			args = append(args, "max", *a.Max)
		}
		log.Warn("target missed", args...)
	}
	return found
}
