package report

import (
	"bytes"
	"testing"
	"time"

	"retention/history"
)

// TestRestateFromManifest: figures go through a manifest and back, and
// only those that moved come out, with the orders and revenue that
// arrived, by department for the company.
func TestRestateFromManifest(t *testing.T) {
	t.Parallel()
	before, _ := fixture(t)
	var buf bytes.Buffer
	at := time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC)
	if err := history.WriteManifest(&buf, &history.Manifest{RunID: "r1", GeneratedAt: at.Format(time.RFC3339), Granularity: "month",
		Snapshots: history.Snapshots(before)}); err != nil {
		t.Fatal(err)
	}
	rec, err := history.ReadManifest(&buf)
	if err != nil {
		t.Fatal(err)
	}
	pub := history.Published{}
	pub.AddRecord(rec)
	if got := history.Restate(before, pub, history.Tolerance{Points: 0.1}); len(got) != 0 {
		t.Fatalf("the same result restates %d figures: %+v", len(got), got[0])
	}

	// The same data plus one late order of an existing 华东 customer in 2026-08.
	after, _ := fixtureWith(t, func(add func(cust, dept, ts string, cents int64)) {
		add("6200000000000002", "华东", "2026-08-28 10:00:00", 12345)
	})
	got := history.Restate(after, pub, history.Tolerance{Points: 0.1})
	if len(got) == 0 {
		t.Fatal("a late order restates nothing")
	}
	keys := map[string]bool{}
	for _, r := range got {
		if r.Period.String() != "2026-08" && r.Period.String() != "2026-09" {
			t.Errorf("restated %s of %s; the order is in 2026-08", r.Metric.Key, r.Period)
		}
		if !r.Company && r.Department != "华东" {
			t.Errorf("restated %s of %s, which got no order", r.Metric.Key, r.Department)
		}
		if r.Reported.RunID != "r1" || !r.Reported.GeneratedAt.Equal(at) {
			t.Errorf("reported by %s at %v", r.Reported.RunID, r.Reported.GeneratedAt)
		}
		if r.Period.String() == "2026-08" {
			keys[r.Metric.Key+"/"+map[bool]string{true: "company", false: r.Department}[r.Company]] = true
			if !r.CauseKnown || r.OrdersSince != 1 || r.RevenueSinceCents != 12345 {
				t.Errorf("%s: cause %+v, want one order of 123.45", r.Metric.Key, r)
			}
			if r.Company && (len(r.ByDepartment) != 1 || r.ByDepartment[0] != (history.DepartmentChange{Department: "华东", Orders: 1, RevenueCents: 12345})) {
				t.Errorf("company %s: by department %+v", r.Metric.Key, r.ByDepartment)
			}
		}
	}
	for _, k := range []string{"revenue/company", "orders/company", "revenue/华东", "orders/华东"} {
		if !keys[k] {
			t.Errorf("%s of 2026-08 not restated; restated %v", k, keys)
		}
	}
	l, _ := Locale("en")
	if c := l.Cause(got[0], "¥"); c != "arrived since: +1 orders, +¥123.45 revenue (all in 华东)" {
		t.Errorf("cause %q", c)
	}
}
