package transform_test

import (
	"fmt"
	"testing"

	"retention/transform"
)

func ptr(f float64) *float64 { return &f }

// TestAlertsOnTheWorkedExample is the case: retention_rate min 0.7
// everywhere, relative_churn_rate max 0.01 for 华东 only, retention_rate
// min 0.99 for 华北, whose ratio is null.
func TestAlertsOnTheWorkedExample(t *testing.T) {
	t.Parallel()
	res := workedResult(t)
	alerts := transform.Alerts(res, []transform.Target{
		{Metric: "retention_rate", Min: ptr(0.7)},
		{Metric: "relative_churn_rate", Max: ptr(0.01), Scopes: []string{"华东"}},
		{Metric: "retention_rate", Min: ptr(0.99), Scopes: []string{"华北"}},
		{Metric: "revenue", Min: ptr(505), Max: ptr(505), Scopes: []string{transform.CompanyScope}}, // exactly met: no alert
	})
	var got []string
	for _, a := range alerts {
		got = append(got, fmt.Sprintf("%s|%v|%s|%s|%.4f", a.Department, a.Company, a.Period, a.Metric, a.Value))
	}
	want := []string{
		"|true|2026-09|retention_rate|0.6667",
		"华东|false|2026-09|retention_rate|0.6667",
		"华东|false|2026-09|relative_churn_rate|0.0492",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("alerts:\n got %q\nwant %q", got, want)
	}
}

// TestTargetsSkipUnassigned: a rule for everyone leaves Unassigned alone
// (orders without a department are no team); naming it applies it there.
func TestTargetsSkipUnassigned(t *testing.T) {
	t.Parallel()
	res := workedResult(t)
	everyone := []transform.Target{{Metric: "revenue", Min: ptr(1e9)}}
	named := []transform.Target{{Metric: "revenue", Min: ptr(1e9), Scopes: []string{transform.Unassigned}}}
	scopes := func(alerts []transform.Alert) (out []string) {
		for _, a := range alerts {
			out = append(out, a.Department)
		}
		return out
	}
	if got := scopes(transform.Alerts(res, everyone)); fmt.Sprint(got) != fmt.Sprint([]string{"", "华东", "华北"}) {
		t.Errorf("a rule for everyone alerts %q", got)
	}
	if got := scopes(transform.Alerts(res, named)); fmt.Sprint(got) != fmt.Sprint([]string{transform.Unassigned}) {
		t.Errorf("a rule naming (unassigned) alerts %q", got)
	}
}
