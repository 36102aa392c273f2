package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"retention/config"
	"retention/transform"
)

func load(t *testing.T, yaml string) config.Config {
	t.Helper()
	c, err := config.Load(strings.NewReader(yaml), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func periods(t *testing.T, names ...string) []transform.Period {
	t.Helper()
	var out []transform.Period
	for _, n := range names {
		p, err := transform.ParsePeriod(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestNewPlan: the command line over the configuration gives the periods
// of each command, each flag read once.
func TestNewPlan(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC) // 17:00 in Shanghai
	tests := []struct {
		name    string
		yaml    string
		flags   config.Flags
		periods []string
		g       transform.Granularity
	}{
		{"run: the latest complete month", "", config.Flags{Command: "run"}, []string{"2026-09"}, transform.Month},
		{"run: report.granularity", "report: {granularity: year}", config.Flags{Command: "run"}, []string{"2025"}, transform.Year},
		{"run: --granularity over report.granularity", "report: {granularity: year}",
			config.Flags{Command: "run", Granularity: "quarter"}, []string{"2026-Q3"}, transform.Quarter},
		{"run: --period sets the granularity", "", config.Flags{Command: "run", Period: "2026-Q2"}, []string{"2026-Q2"}, transform.Quarter},
		{"check: as run", "", config.Flags{Command: "check", Period: "2025"}, []string{"2025"}, transform.Year},
		{"demo: the latest complete period", "", config.Flags{Command: "demo", Granularity: "quarter"}, []string{"2026-Q3"}, transform.Quarter},
		{"diff: the named period", "", config.Flags{Command: "diff", Period: "2026-08", Against: "r1"}, []string{"2026-08"}, transform.Month},
		{"deliver: the named period", "", config.Flags{Command: "deliver", Period: "2026-Q2"}, []string{"2026-Q2"}, transform.Quarter},
		{"backfill: --from to --to", "report: {granularity: year}", config.Flags{Command: "backfill", From: "2026-07", To: "2026-09"},
			[]string{"2026-07", "2026-08", "2026-09"}, transform.Month},
		{"backfill: one period", "", config.Flags{Command: "backfill", From: "2026-Q3", To: "2026-Q3", Granularity: "quarter"},
			[]string{"2026-Q3"}, transform.Quarter},
		{"schedule: periods are taken at each run", "schedule: '@daily'", config.Flags{Command: "schedule"}, nil, transform.Month},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := load(t, tt.yaml)
			p, err := config.NewPlan(c, tt.flags, now)
			if err != nil {
				t.Fatal(err)
			}
			if want := periods(t, tt.periods...); !slices.Equal(p.Periods, want) || p.Report.Granularity != tt.g {
				t.Errorf("periods %v of %v, want %v of %v", p.Periods, p.Report.Granularity, want, tt.g)
			}
			if p.Against != tt.flags.Against || p.Force || p.Republish {
				t.Errorf("against %q, force %v, republish %v; the flags say %q and no --force", p.Against, p.Force, p.Republish, tt.flags.Against)
			}
			if c.Report.Granularity != load(t, tt.yaml).Report.Granularity {
				t.Error("NewPlan changed the configuration it was given")
			}
		})
	}
}

func TestNewPlanOverrides(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)
	c := load(t, "report: {out_dir: /srv/out, locale: zh-CN}\n")
	p, err := config.NewPlan(c, config.Flags{Command: "run", Out: "/tmp/x", Locale: "en", Force: true, Wait: time.Minute}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Report.OutDir != "/tmp/x" || p.Report.Locale != "en" || !p.Force || p.Republish || p.Wait != time.Minute || p.Redeliver || p.DryRun {
		t.Errorf("plan %+v does not take --out, --locale, --force and --wait", p)
	}
	p, err = config.NewPlan(c, config.Flags{Command: "deliver", Period: "2026-09", Redeliver: true, DryRun: true}, now)
	if err != nil || !p.Redeliver || !p.DryRun {
		t.Errorf("deliver --redeliver --dry-run: redeliver %v, dry run %v, %v; want both", p.Redeliver, p.DryRun, err)
	}
	p, err = config.NewPlan(c, config.Flags{Command: "backfill", From: "2026-01", To: "2026-02", Force: true}, now)
	if err != nil || !p.Force || !p.Republish {
		t.Errorf("backfill --force: force %v, republish %v, %v; want both", p.Force, p.Republish, err)
	}
	// Periods are cut in the report time zone: 00:30 on 1 October in
	// Shanghai is still September in UTC.
	midnight := time.Date(2026, 9, 30, 16, 30, 0, 0, time.UTC)
	for zone, want := range map[string]string{"Asia/Shanghai": "2026-09", "UTC": "2026-08"} {
		p, err := config.NewPlan(load(t, "timezone: "+zone), config.Flags{Command: "run"}, midnight)
		if err != nil || p.Periods[0].String() != want {
			t.Errorf("in %s at %s the latest complete month is %v (%v), want %s", zone, midnight, p.Periods, err, want)
		}
	}
}

// TestNewPlanErrors: every bad flag is a configuration error naming it.
func TestNewPlanErrors(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		flags config.Flags
		key   string
		says  string
	}{
		{"bad granularity", config.Flags{Command: "run", Granularity: "weekly"}, "--granularity", `"weekly" is not one of month, quarter, year`},
		{"bad period", config.Flags{Command: "run", Period: "2026-13"}, "--period", "2026-13"},
		{"period not complete", config.Flags{Command: "run", Period: "2026-10"}, "--period",
			"2026-10 is not complete until 2026-11-01 00:00 Asia/Shanghai; the latest complete month is 2026-09"},
		{"period and granularity disagree", config.Flags{Command: "check", Period: "2026-Q3", Granularity: "month"}, "--period",
			"2026-Q3 is a quarter, but --granularity is month"},
		{"diff without a period", config.Flags{Command: "diff"}, "--period", "diff needs the period to compare"},
		{"deliver without a period", config.Flags{Command: "deliver", DryRun: true}, "--period", "deliver needs the published period"},
		{"deliver of a period not over", config.Flags{Command: "deliver", Period: "2026-10"}, "--period", "2026-10 is not complete"},
		{"bad locale", config.Flags{Command: "run", Locale: "fr"}, "--locale", `"fr" is not one of zh-CN, en`},
		{"backfill without --to", config.Flags{Command: "backfill", From: "2026-01"}, "--from", "backfill needs --from and --to"},
		{"backfill bad --to", config.Flags{Command: "backfill", From: "2026-01", To: "2026-1"}, "--to", "2026-1"},
		{"backfill of two granularities", config.Flags{Command: "backfill", From: "2026-Q1", To: "2026-09"}, "--from",
			"2026-Q1 and --to 2026-09 are of different granularities"},
		{"backfill backwards", config.Flags{Command: "backfill", From: "2026-09", To: "2026-07"}, "--from", "2026-09 is after --to 2026-07"},
		{"backfill into the current month", config.Flags{Command: "backfill", From: "2026-09", To: "2026-10"}, "--to",
			"2026-10 is not complete until 2026-11-01 00:00"},
		{"backfill against --granularity", config.Flags{Command: "backfill", From: "2026-07", To: "2026-09", Granularity: "quarter"}, "--from",
			"2026-07 is a month, but --granularity is quarter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.NewPlan(load(t, ""), tt.flags, now)
			var ce *config.Error
			if !errors.As(err, &ce) || ce.Key != tt.key || !strings.HasPrefix(err.Error(), tt.key+": ") || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err = %v, want a config.Error for %s saying %q", err, tt.key, tt.says)
			}
		})
	}
}
