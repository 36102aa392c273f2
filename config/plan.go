package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"retention/transform"
)

// Flags are the command line as main parsed it: the command, and the
// overrides its flags give as they were typed, before anything reads
// them. An empty string is a flag not given.
type Flags struct {
	Command     string // run, backfill, diff, check, schedule, deliver or demo
	Period      string // --period: 2026-10, 2026-Q3 or 2026
	Granularity string // --granularity
	From, To    string // --from and --to of a backfill
	Out         string // --out, over report.out_dir
	Locale      string // --locale, over report.locale
	Against     string // --against: a run id
	Force       bool
	Redeliver   bool // --redeliver of run and deliver
	DryRun      bool // --dry-run of deliver
	Wait        time.Duration
}

// Plan is what one command is to do: the configuration with the
// command line's overrides applied, and the periods it reports, each
// value parsed once. The commands take it as it is.
type Plan struct {
	Config
	// Periods are the periods to report, oldest first: --period, or the
	// latest complete one when the plan was made; --from to --to for a
	// backfill. None for the scheduler, which takes the latest complete
	// one each time a run is due.
	Periods []transform.Period
	// Force publishes past failed checks before publishing (--force).
	Force bool
	// Republish publishes again the periods of a backfill that are
	// already complete (--force of backfill); without it they are skipped.
	Republish bool
	Wait      time.Duration // how long to wait for a run holding the same output
	Against   string        // the run diff compares with; "" for the last publication
	// Redeliver sends every routed workbook of the period again, whatever
	// the delivery ledger says was sent (--redeliver).
	Redeliver bool
	// DryRun lists the messages deliver would send and sends none
	// (--dry-run).
	DryRun bool
}

// NewPlan applies the command line f to the configuration c and resolves
// the periods of f's command at now. It checks what the flags changed,
// the rest having been checked by Load; every error names the flag.
func NewPlan(c Config, f Flags, now time.Time) (Plan, error) {
	p := Plan{Config: c, Force: f.Force, Wait: f.Wait, Against: f.Against, Redeliver: f.Redeliver, DryRun: f.DryRun}
	if f.Granularity != "" {
		g, err := transform.ParseGranularity(f.Granularity)
		if err != nil {
			return p, &Error{Key: "--granularity", Msg: err.Error()}
		}
		p.Report.Granularity = g
	}
	if f.Out != "" {
		p.Report.OutDir = f.Out
	}
	if f.Locale != "" {
		if !slices.Contains(Locales, f.Locale) {
			return p, &Error{Key: "--locale", Msg: fmt.Sprintf("%q is not one of %s", f.Locale, strings.Join(Locales, ", "))}
		}
		p.Report.Locale = f.Locale
	}
	var err error
	switch f.Command {
	case "backfill":
		p.Periods, err = p.span(f, now)
	case "schedule":
	default:
		p.Periods, err = p.period(f, now)
	}
	return p, err
}

// period resolves the one period of run, check, diff, deliver and demo:
// --period, whose form sets the granularity, or else the latest complete
// period at now. diff and deliver have no default: they work on a period
// the user names.
func (p *Plan) period(f Flags, now time.Time) ([]transform.Period, error) {
	if f.Period == "" {
		switch f.Command {
		case "diff":
			return nil, &Error{Key: "--period", Msg: "diff needs the period to compare, such as --period 2026-09"}
		case "deliver":
			return nil, &Error{Key: "--period", Msg: "deliver needs the published period to send, such as --period 2026-09"}
		}
		return []transform.Period{transform.LatestComplete(now, p.Report.Granularity, p.Location)}, nil
	}
	q, err := transform.ParsePeriod(f.Period)
	if err != nil {
		return nil, &Error{Key: "--period", Msg: err.Error()}
	}
	if f.Granularity != "" && q.G != p.Report.Granularity {
		return nil, &Error{Key: "--period", Msg: fmt.Sprintf("%s is a %s, but --granularity is %s", f.Period, q.G, f.Granularity)}
	}
	p.Report.Granularity = q.G
	return []transform.Period{q}, p.complete("--period", q, now)
}

// span resolves the periods of a backfill, --from to --to.
func (p *Plan) span(f Flags, now time.Time) ([]transform.Period, error) {
	if f.From == "" || f.To == "" {
		return nil, &Error{Key: "--from", Msg: "backfill needs --from and --to, such as --from 2025-01 --to 2026-09"}
	}
	from, err := transform.ParsePeriod(f.From)
	if err != nil {
		return nil, &Error{Key: "--from", Msg: err.Error()}
	}
	to, err := transform.ParsePeriod(f.To)
	if err != nil {
		return nil, &Error{Key: "--to", Msg: err.Error()}
	}
	switch {
	case f.Granularity != "" && from.G != p.Report.Granularity:
		return nil, &Error{Key: "--from", Msg: fmt.Sprintf("%s is a %s, but --granularity is %s", from, from.G, f.Granularity)}
	case from.G != to.G:
		return nil, &Error{Key: "--from", Msg: fmt.Sprintf("%s and --to %s are of different granularities", from, to)}
	case to.Sub(from) < 0:
		return nil, &Error{Key: "--from", Msg: fmt.Sprintf("%s is after --to %s", from, to)}
	}
	p.Report.Granularity = from.G
	if err := p.complete("--to", to, now); err != nil {
		return nil, err
	}
	p.Republish = f.Force
	var periods []transform.Period
	for q := from; q.N <= to.N; q = q.Add(1) {
		periods = append(periods, q)
	}
	return periods, nil
}

// complete refuses a period that has not ended at now in the report time
// zone: its customers who have not bought so far would show as churned.
func (p *Plan) complete(flag string, q transform.Period, now time.Time) error {
	if end := q.End(p.Location); end.After(now) {
		return &Error{Key: flag, Msg: fmt.Sprintf("%s is not complete until %s %s; the latest complete %s is %s",
			q, end.Format("2006-01-02 15:04"), p.Location, q.G, transform.LatestComplete(now, q.G, p.Location))}
	}
	return nil
}
