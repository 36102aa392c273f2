package config_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"retention/config"
	"retention/transform"
)

// FuzzLoad: whatever the file holds, Load returns a valid configuration or
// an error naming a key; it never panics.
//
//	go test ./config -run '^$' -fuzz FuzzLoad -fuzztime 30s
func FuzzLoad(f *testing.F) {
	f.Add("")
	f.Add("timezone: UTC\nreport: {granularity: quarter, history: 4}\n")
	f.Add("source:\n  dsn: u:p@tcp(h:3306)/d\n  orders: SELECT 1\nschedule: '@daily'\n")
	f.Add("report: [1, 2")
	f.Add("report:\n  history: 99999999999999999999\n")
	f.Fuzz(func(t *testing.T, yaml string) {
		c, err := config.Load(strings.NewReader(yaml), func(string) string { return "" })
		if err != nil {
			var ce *config.Error
			if !asConfigError(err, &ce) || ce.Key == "" {
				t.Fatalf("error %v does not name a key", err)
			}
			return
		}
		// A loaded configuration is valid as it is: a plan needs nothing
		// more of it.
		if _, err := config.NewPlan(c, config.Flags{Command: "run"}, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatalf("loaded configuration does not make a plan: %v", err)
		}
		if !slices.Contains(transform.Granularities, c.Report.Granularity) {
			t.Fatalf("granularity %v", c.Report.Granularity)
		}
		if c.Location == nil || c.Source.Location == nil || c.Report.History < 2 || c.Report.AtRiskLimit < 1 || (c.Schedule.Spec != "") != (c.Schedule.Cron != nil) {
			t.Fatalf("loaded configuration %+v is incomplete", c)
		}
	})
}

func asConfigError(err error, target **config.Error) bool {
	ce, ok := err.(*config.Error)
	if ok {
		*target = ce
	}
	return ok
}
