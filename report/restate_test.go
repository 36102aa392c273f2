package report

import (
	"bytes"
	"testing"
	"time"

	"retention/transform"
)

func TestToleranceMoved(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	tol := Tolerance{Points: 0.1}
	tests := []struct {
		name  string
		now   transform.Value
		was   *float64
		moved bool
	}{
		{"ratio within 0.1 point", transform.Value{Kind: transform.Fraction, Float: 0.5005, Valid: true}, f(0.500), false},
		{"ratio by exactly 0.1 point", transform.Value{Kind: transform.Fraction, Float: 0.501, Valid: true}, f(0.500), false},
		{"ratio by 0.11 point", transform.Value{Kind: transform.Fraction, Float: 0.5011, Valid: true}, f(0.500), true},
		{"ratio down by 0.2 point", transform.Value{Kind: transform.Fraction, Float: 0.498, Valid: true}, f(0.500), true},
		{"money by a cent", transform.Value{Kind: transform.Money, Int: 41001, Valid: true}, f(410.00), true},
		{"money unchanged", transform.Value{Kind: transform.Money, Int: 41000, Valid: true}, f(410.00), false},
		{"count by one", transform.Value{Kind: transform.Count, Int: 6, Valid: true}, f(5), true},
		{"count unchanged", transform.Value{Kind: transform.Count, Int: 5, Valid: true}, f(5), false},
		{"average by half a cent", transform.Value{Kind: transform.Amount, Float: 82.005, Valid: true}, f(82.00), false},
		{"average by a cent", transform.Value{Kind: transform.Amount, Float: 82.01, Valid: true}, f(82.00), true},
		{"became defined", transform.Value{Kind: transform.Fraction, Float: 0.5, Valid: true}, nil, true},
		{"became undefined", transform.Value{Kind: transform.Fraction}, f(0.5), true},
		{"still undefined", transform.Value{Kind: transform.Fraction}, nil, false},
	}
	for _, tt := range tests {
		if got := tol.moved(tt.now, tt.was); got != tt.moved {
			t.Errorf("%s: moved = %v, want %v", tt.name, got, tt.moved)
		}
	}
	if !(Tolerance{}).moved(transform.Value{Kind: transform.Fraction, Float: 0.50001, Valid: true}, f(0.5)) {
		t.Error("with tolerance 0 a ratio's smallest move does not count")
	}
}

// TestRestateFromManifest: figures go through a manifest and back, and
// only those that moved come out, with the orders and revenue that
// arrived, by department for the company.
func TestRestateFromManifest(t *testing.T) {
	t.Parallel()
	before, _ := fixture(t)
	var buf bytes.Buffer
	at := time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC)
	if err := WriteManifest(&buf, &Manifest{RunID: "r1", GeneratedAt: at.Format(time.RFC3339), Granularity: "month",
		Snapshots: Snapshots(before)}); err != nil {
		t.Fatal(err)
	}
	pub := Published{}
	if _, err := ReadManifest(&buf, pub, ""); err != nil {
		t.Fatal(err)
	}
	if got := Restate(before, pub, Tolerance{Points: 0.1}); len(got) != 0 {
		t.Fatalf("the same result restates %d figures: %+v", len(got), got[0])
	}

	// The same data plus one late order of an existing 华东 customer in 2026-08.
	after, _ := fixtureWith(t, func(add func(cust, dept, ts string, cents int64)) {
		add("6200000000000002", "华东", "2026-08-28 10:00:00", 12345)
	})
	got := Restate(after, pub, Tolerance{Points: 0.1})
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
			if r.Company && (len(r.ByDepartment) != 1 || r.ByDepartment[0] != (DepartmentChange{"华东", 1, 12345})) {
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
