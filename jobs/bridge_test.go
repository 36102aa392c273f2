package jobs_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"retention/config"
	"retention/jobs"
	"retention/transform"
)

// demoManifest runs the demo by g at now, its gate open, and reads its
// manifest.
func demoManifest(t *testing.T, g transform.Granularity, now time.Time) manifest {
	t.Helper()
	c, err := config.Load(strings.NewReader("gate: {max_skipped_ratio: 1, max_order_drop: 1}\n"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	c.Report.OutDir = t.TempDir()
	p, err := config.NewPlan(c, config.Flags{Command: "demo", Granularity: g.String()}, now)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jobs.Demo(context.Background(), jobs.RunOptions{Plan: p, Now: now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return readManifest(t, out.Dir)
}

// TestDemoBridgeIdentity runs the demo, by month, quarter and year, and
// checks the revenue bridge of every scope and every period of the
// manifest whose previous period is there too: revenue(P) - revenue(P-1)
// = new + reactivated + expansion - contraction - churned + other, to the
// cent. The demo has refunds, refunds of customers who bought nothing in
// the period, reactivations and customers of several departments.
func TestDemoBridgeIdentity(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, g := range transform.Granularities {
		t.Run(g.String(), func(t *testing.T) {
			t.Parallel()
			m := demoManifest(t, g, now)
			revenue := map[string]float64{} // by scope and period
			key := func(row map[string]any) string {
				d, _ := row["department"].(string)
				return d + "|" + row["period"].(string)
			}
			for _, row := range m.Snapshots {
				revenue[key(row)] = row["revenue"].(float64)
			}
			checked, other := 0, false
			for _, row := range m.Snapshots {
				per, err := transform.ParsePeriod(row["period"].(string))
				if err != nil {
					t.Fatal(err)
				}
				d, _ := row["department"].(string)
				before, ok := revenue[d+"|"+per.Add(-1).String()]
				if !ok {
					continue
				}
				cents := func(k string) int64 { return int64(math.Round(row[k].(float64) * 100)) }
				change := cents("revenue") - int64(math.Round(before*100))
				bridge := cents("revenue_new") + cents("revenue_reactivated") + cents("revenue_expansion") -
					cents("revenue_contraction") - cents("revenue_churned") + cents("revenue_other")
				if change != bridge {
					t.Errorf("%s %s: revenue moved by %d cents, the bridge adds up to %d", d, per, change, bridge)
				}
				checked++
				other = other || cents("revenue_other") != 0
			}
			// By month, some refunds fall in months their customers bought
			// nothing: the test covers revenue_other.
			if checked == 0 || (g == transform.Month && !other) {
				t.Errorf("checked %d scopes and periods; refunds of customers without a purchase: %v", checked, other)
			}
		})
	}
}
