package transform_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"retention/extract"
	"retention/transform"
)

func order(cust, dept, ts string, cents int64) extract.Order {
	return extract.Order{ID: cust + "@" + ts, CustomerID: cust, Department: dept, OrderedAt: at(ts), AmountCents: cents}
}

// metricDiff lists the metrics of got that differ from want, keyed by
// metric; want holds counts and cents as int64, ratios as float64 and
// undefined ratios as nil.
func metricDiff(got *transform.Snapshot, want map[string]any) string {
	var b strings.Builder
	for _, m := range transform.Metrics {
		w, ok := want[m.Key]
		if !ok {
			continue
		}
		v := m.Of(got)
		var g any
		switch {
		case !v.Valid:
			g = nil
		case m.Kind == transform.Count || m.Kind == transform.Money:
			g = v.Int
		default:
			g = v.Float
		}
		if wf, ok := w.(float64); ok && g != nil {
			if gf, ok := g.(float64); ok && gf-wf < 1e-12 && wf-gf < 1e-12 {
				continue
			}
		}
		if fmt.Sprint(g) != fmt.Sprint(w) {
			fmt.Fprintf(&b, "%s: -%v +%v\n", m.Key, w, g)
		}
	}
	return b.String()
}

func compute(t *testing.T, orders []extract.Order, complaints []extract.Complaint, period string) *transform.Result {
	t.Helper()
	st := transform.New(transform.Month, shanghai)
	for _, o := range orders {
		st.AddOrder(o)
	}
	for _, c := range complaints {
		st.AddComplaint(c)
	}
	p, err := transform.ParsePeriod(period)
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.Compute(p, transform.Options{History: 3, AtRiskLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestScenarios(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		orders     []extract.Order
		complaints []extract.Complaint
		want       map[string]any // company metrics of 2026-09
	}{
		{
			name:   "first purchase",
			orders: []extract.Order{order("a", "x", "2026-09-10 10:00:00", 5000)},
			want: map[string]any{"active_customers": int64(1), "new_customers": int64(1), "base_customers": int64(0),
				"reactivated_customers": int64(0), "retention_rate": nil, "churn_rate": nil, "relative_churn_rate": nil,
				"revenue": int64(5000), "avg_order_value": 50.0, "new_customers_per_month": 1.0, "customer_base": int64(1)},
		},
		{
			name: "churn",
			orders: []extract.Order{
				order("a", "x", "2026-08-10 10:00:00", 5000), order("b", "x", "2026-08-11 10:00:00", 15000),
				order("b", "x", "2026-09-11 10:00:00", 1000),
			},
			want: map[string]any{"active_customers": int64(1), "base_customers": int64(2), "retained_customers": int64(1),
				"churned_customers": int64(1), "retention_rate": 0.5, "churn_rate": 0.5, "relative_churn_rate": 0.25,
				"revenue_retention_rate": 0.05, "new_customers": int64(0), "customer_base": int64(2)},
		},
		{
			name: "reactivation",
			orders: []extract.Order{
				order("a", "x", "2026-06-10 10:00:00", 5000), order("a", "x", "2026-09-10 10:00:00", 5000),
			},
			want: map[string]any{"active_customers": int64(1), "new_customers": int64(0), "reactivated_customers": int64(1),
				"base_customers": int64(0), "win_back_rate": nil, "customer_base": int64(1)},
		},
		{
			name: "win back one period after the churn",
			orders: []extract.Order{
				order("a", "x", "2026-07-10 10:00:00", 5000), order("a", "x", "2026-09-10 10:00:00", 5000),
				order("b", "x", "2026-07-10 10:00:00", 5000),
			},
			want: map[string]any{"win_back_rate": 0.5, "reactivated_customers": int64(1)},
		},
		{
			name: "refunds count in revenue, not as purchases",
			orders: []extract.Order{
				order("a", "x", "2026-08-10 10:00:00", 10000), order("a", "x", "2026-09-02 10:00:00", -4000),
				order("a", "x", "2026-09-03 10:00:00", 0),
			},
			want: map[string]any{"active_customers": int64(0), "orders": int64(0), "revenue": int64(-4000), "churned_customers": int64(1),
				"revenue_retention_rate": -0.4, "purchase_frequency": nil, "avg_order_value": nil, "avg_spend_per_customer": nil},
		},
		{
			name: "base revenue not positive leaves revenue ratios empty",
			orders: []extract.Order{
				order("a", "x", "2026-08-10 10:00:00", 1000), order("a", "x", "2026-08-11 10:00:00", -1000),
				order("a", "x", "2026-09-10 10:00:00", 1000),
			},
			want: map[string]any{"base_customers": int64(1), "relative_churn_rate": nil, "revenue_retention_rate": nil, "retention_rate": 1.0},
		},
		{
			name: "complaints without orders",
			complaints: []extract.Complaint{
				{ID: "1", CustomerID: "z", Department: "x", CreatedAt: at("2026-09-05 10:00:00"), ResolvedAt: at("2026-09-05 13:30:00"), Satisfaction: 4, Rated: true},
				{ID: "2", Department: "x", CreatedAt: at("2026-09-06 10:00:00")},
			},
			want: map[string]any{"complaints": int64(2), "complainants": int64(1), "complaint_rate": nil, "active_customers": int64(0),
				"complaint_resolved_rate": 0.5, "avg_resolution_hours": 3.5, "complaint_satisfaction": 4.0},
		},
		{
			name: "period boundaries at local midnight",
			orders: []extract.Order{
				order("a", "x", "2026-08-31 23:59:59", 100), order("b", "x", "2026-09-01 00:00:00", 200),
				order("c", "x", "2026-09-30 23:59:59", 400), order("d", "x", "2026-10-01 00:00:00", 800),
				{ID: "utc", CustomerID: "e", Department: "x", OrderedAt: time.Date(2026, 8, 31, 16, 0, 0, 0, time.UTC), AmountCents: 1600},
			},
			want: map[string]any{"revenue": int64(2200), "active_customers": int64(3), "base_customers": int64(1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := compute(t, tt.orders, tt.complaints, "2026-09")
			if diff := metricDiff(res.Company.Current(), tt.want); diff != "" {
				t.Errorf("2026-09 company metrics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChurnedList(t *testing.T) {
	t.Parallel()
	res := compute(t, []extract.Order{
		order("a", "x", "2026-08-03 10:00:00", 1000), order("a", "x", "2026-08-20 21:30:00", 2000),
		order("b", "x", "2026-08-10 10:00:00", 9000), order("c", "x", "2026-08-10 10:00:00", 3000),
		order("c", "x", "2026-09-10 10:00:00", 3000),
	}, nil, "2026-09")
	got := res.Departments[0].Churned
	if len(got) != 2 || got[0].CustomerID != "b" || got[1].CustomerID != "a" {
		t.Fatalf("churned = %+v, want b then a", got)
	}
	a := got[1]
	if a.RevenuePrevCents != 3000 || a.OrdersPrev != 2 || a.LastPurchase.Format("2006-01-02 15:04") != "2026-08-20 00:00" ||
		a.LastPurchase.Location().String() != "Asia/Shanghai" || !a.Share.Valid || a.Share.Value != 0.25 {
		t.Errorf("churned a = %+v", a)
	}
}

func TestAtRiskSignals(t *testing.T) {
	t.Parallel()
	res := compute(t, []extract.Order{
		// a: three active periods of 4 purchases, then 1: fewer purchases.
		order("a", "x", "2026-04-01 10:00:00", 100), order("a", "x", "2026-04-02 10:00:00", 100), order("a", "x", "2026-04-03 10:00:00", 100), order("a", "x", "2026-04-04 10:00:00", 100),
		order("a", "x", "2026-06-01 10:00:00", 100), order("a", "x", "2026-06-02 10:00:00", 100), order("a", "x", "2026-06-03 10:00:00", 100), order("a", "x", "2026-06-04 10:00:00", 100),
		order("a", "x", "2026-08-01 10:00:00", 100), order("a", "x", "2026-08-02 10:00:00", 100), order("a", "x", "2026-08-03 10:00:00", 100), order("a", "x", "2026-08-04 10:00:00", 100),
		order("a", "x", "2026-09-01 10:00:00", 350),
		// b: steady: no signal.
		order("b", "x", "2026-08-01 10:00:00", 500), order("b", "x", "2026-09-01 10:00:00", 400),
		// c: new this month with an open complaint.
		order("c", "x", "2026-09-01 10:00:00", 700),
	}, []extract.Complaint{{ID: "k", CustomerID: "c", Department: "x", CreatedAt: at("2026-09-02 10:00:00")}}, "2026-09")
	s := res.Departments[0]
	if s.AtRiskTotal != 2 || len(s.AtRisk) != 2 {
		t.Fatalf("at risk = %+v", s.AtRisk)
	}
	c, a := s.AtRisk[0], s.AtRisk[1]
	if c.CustomerID != "c" || c.Signals != transform.SignalComplaint || c.ValueAtRisk != 7 || c.Lookback != 0 || c.OpenComplaints != 1 {
		t.Errorf("c = %+v", c)
	}
	if a.CustomerID != "a" || a.Signals != transform.SignalFewerPurchases || a.ValueAtRisk != 4 || a.Lookback != 3 || a.AvgOrders != 4 {
		t.Errorf("a = %+v (revenue 3.50 is not below half of 4.00)", a)
	}
}

func TestTiersTakeTheHigherTierOnTies(t *testing.T) {
	t.Parallel()
	var orders []extract.Order
	// Ten base customers; the 2nd and 3rd tie at the key/ordinary boundary.
	for i, cents := range []int64{1000, 900, 900, 500, 400, 300, 200, 200, 100, 100} {
		id := fmt.Sprintf("c%02d", i)
		orders = append(orders, order(id, "x", "2026-08-05 10:00:00", cents))
		if i%2 == 0 {
			orders = append(orders, order(id, "x", "2026-09-05 10:00:00", cents))
		}
	}
	tiers := compute(t, orders, nil, "2026-09").Company.Tiers
	if tiers[0].Base != 3 || tiers[1].Base != 2 || tiers[2].Base != 5 {
		t.Fatalf("tier sizes %d/%d/%d, want 3/2/5 (ceil 20 %% = 2 plus one tie; up to ceil 50 %% = 5)", tiers[0].Base, tiers[1].Base, tiers[2].Base)
	}
	if tiers[0].Retained != 2 || tiers[0].RevenuePrevCents != 2800 || tiers[0].ChurnedPrevCents != 900 {
		t.Errorf("key tier = %+v", tiers[0])
	}
}

func TestComputeRejects(t *testing.T) {
	t.Parallel()
	st := transform.New(transform.Month, shanghai)
	q, _ := transform.ParsePeriod("2026-Q3")
	if _, err := st.Compute(q, transform.Options{History: 12, AtRiskLimit: 1}); err == nil {
		t.Error("a quarter was computed from a monthly fold")
	}
	m, _ := transform.ParsePeriod("2026-09")
	if _, err := st.Compute(m, transform.Options{History: 1, AtRiskLimit: 1}); err == nil {
		t.Error("history 1 was accepted")
	}
}

// TestCustomerIDsKeptApart: ids that read as the same number ("7",
// "007", " 7") are different customers; only the text decides.
func TestCustomerIDsKeptApart(t *testing.T) {
	t.Parallel()
	var orders []extract.Order
	for _, id := range []string{"7", "007", " 7", "7.0", "18446744073709551616", "9999999999999999999", "abc"} {
		orders = append(orders, order(id, "x", "2026-09-10 10:00:00", 100))
	}
	res := compute(t, orders, nil, "2026-09")
	if got := res.Company.Current().ActiveCustomers; got != 7 {
		t.Errorf("active customers = %d, want 7 distinct ids", got)
	}
}

// TestResolutionToTheMicrosecond: resolution times are summed to the
// microsecond, and a complaint whose resolved_at cannot be read is a
// complaint, resolved, out of the mean time and not open, counted as
// repaired; so is one whose rating is not a whole number.
func TestResolutionToTheMicrosecond(t *testing.T) {
	t.Parallel()
	micro := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05.999999", s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	res := compute(t, []extract.Order{order("z", "x", "2026-08-03 10:00:00", 1000), order("z", "x", "2026-09-03 10:00:00", 1000)},
		[]extract.Complaint{
			// 998 µs: whole milliseconds would make it 0
			{ID: "1", CustomerID: "z", Department: "x", CreatedAt: micro("2026-09-05 10:00:00.000001"), ResolvedAt: micro("2026-09-05 10:00:00.000999"),
				Satisfaction: 5, Rated: true},
			// 1 h 500 µs
			{ID: "2", CustomerID: "y", Department: "x", CreatedAt: micro("2026-09-06 10:00:00"), ResolvedAt: micro("2026-09-06 11:00:00.0005")},
			// resolved at a time nobody can read, rated "good"
			{ID: "3", CustomerID: "z", Department: "x", CreatedAt: micro("2026-09-07 10:00:00"),
				Flags: extract.FlagResolvedAtInvalid | extract.FlagSatisfactionInvalid},
		}, "2026-09")
	// mean of 998 µs and 3 600 000 500 µs = 1 800 000 749 µs = 0.500000208055… h
	want := map[string]any{"complaints": int64(3), "complainants": int64(2), "complaint_resolved_rate": 1.0,
		"avg_resolution_hours": 1_800_000_749.0 / 3_600_000_000, "complaint_satisfaction": 5.0}
	if diff := metricDiff(res.Company.Current(), want); diff != "" {
		t.Errorf("2026-09 company metrics (-want +got):\n%s", diff)
	}
	// Customer z is active with a complaint that is not open and rated 5:
	// nothing puts it at risk.
	if len(res.Company.AtRisk) != 0 {
		t.Errorf("at risk: %+v, want nobody (the unreadable resolution is not open)", res.Company.AtRisk)
	}
	got := map[string]transform.Handling{}
	for _, f := range res.Quality.Findings {
		if f.Table == transform.TableComplaints {
			got[f.Reason] = f.Handling
			if f.Count != 1 || len(f.Examples) != 1 || f.Examples[0] != "3" {
				t.Errorf("finding %s: %d rows, examples %v; want 1 row, complaint 3", f.Reason, f.Count, f.Examples)
			}
		}
	}
	if len(got) != 2 || got[transform.ReasonResolvedAtInvalid] != transform.Repaired || got[transform.ReasonSatisfactionInvalid] != transform.Repaired {
		t.Errorf("complaint findings %v, want resolved_at_invalid and satisfaction_invalid, repaired", got)
	}
	if res.Quality.SkippedComplaints != 0 {
		t.Errorf("%d complaints skipped, want none", res.Quality.SkippedComplaints)
	}
}
