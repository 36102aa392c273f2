package config_test

import (
	"strings"
	"testing"

	"retention/config"
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
		if err := c.Validate(); err != nil {
			t.Fatalf("loaded configuration does not validate: %v", err)
		}
		switch c.Report.Granularity {
		case "month", "quarter", "year":
		default:
			t.Fatalf("granularity %q", c.Report.Granularity)
		}
		if c.Location == nil || c.Source.Location == nil || c.Report.History < 2 || c.Report.AtRiskLimit < 1 {
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
