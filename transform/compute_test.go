package transform_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
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
				{ID: "1", CustomerID: "z", Department: "x", CreatedAt: at("2026-09-05 10:00:00"), ResolvedAt: at("2026-09-05 13:30:00"), Satisfaction: 4 * extract.Point, Rated: true},
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
	// Two problem customers, whatever they spent: p1's refunds outweighed
	// its purchases in P-1, p2 complained twice in P-1.
	orders = append(orders, order("p1", "x", "2026-08-05 10:00:00", 5000), order("p1", "x", "2026-08-06 10:00:00", -6000),
		order("p2", "x", "2026-08-05 10:00:00", 99900), order("p2", "x", "2026-09-05 10:00:00", 100))
	complaints := []extract.Complaint{
		{ID: "k1", CustomerID: "p2", Department: "x", CreatedAt: at("2026-08-06 10:00:00"), ResolvedAt: at("2026-08-07 10:00:00")},
		{ID: "k2", CustomerID: "p2", Department: "x", CreatedAt: at("2026-08-08 10:00:00"), ResolvedAt: at("2026-08-09 10:00:00")},
	}
	res := compute(t, orders, complaints, "2026-09")
	tiers := res.Company.Tiers
	if len(tiers) != 4 || tiers[0].Kind != transform.TierProblem || tiers[1].Kind != transform.TierKey {
		t.Fatalf("tiers = %+v, want problem, key, ordinary, small", tiers)
	}
	if tiers[0].Base != 2 || tiers[1].Base != 3 || tiers[2].Base != 2 || tiers[3].Base != 5 {
		t.Fatalf("tier sizes %d/%d/%d/%d, want 2/3/2/5 (problem apart; ceil 20 %% = 2 plus one tie; up to ceil 50 %% = 5)",
			tiers[0].Base, tiers[1].Base, tiers[2].Base, tiers[3].Base)
	}
	if tiers[1].Retained != 2 || tiers[1].RevenuePrevCents != 2800 || tiers[1].ChurnedPrevCents != 900 {
		t.Errorf("key tier = %+v", tiers[1])
	}
	if p := tiers[0]; p.Retained != 1 || p.Churned != 1 || p.RevenuePrevCents != 98900 || p.ChurnedPrevCents != -1000 {
		t.Errorf("problem tier = %+v", p)
	}
	tierOf := map[string]transform.TierKind{}
	for _, c := range res.Company.Churned {
		tierOf[c.CustomerID] = c.Tier
	}
	for _, c := range res.Company.Churned {
		if c.CustomerID == "p1" && c.RevenueHistoryCents != -1000 {
			t.Errorf("p1's revenue over the history window = %d, want -1000 (5000 - 6000)", c.RevenueHistoryCents)
		}
	}
	if tierOf["p1"] != transform.TierProblem || tierOf["c01"] != transform.TierKey || tierOf["c03"] != transform.TierOrdinary || tierOf["c09"] != transform.TierSmall {
		t.Errorf("tiers on the churned list = %v", tierOf)
	}
}

// TestOpenComplaintSignal: a complaint open at the end of P fires the
// complaint signal whenever it was created; one resolved at or after the
// end of P counts as open then, so a later resolution never changes P.
func TestOpenComplaintSignal(t *testing.T) {
	t.Parallel()
	var orders []extract.Order
	for _, id := range []string{"old", "late", "done", "edge", "rated"} {
		orders = append(orders, order(id, "x", "2026-08-05 10:00:00", 1000), order(id, "x", "2026-09-05 10:00:00", 1000))
	}
	complaints := []extract.Complaint{
		// created in June, never resolved: open at the end of September
		{ID: "1", CustomerID: "old", Department: "x", CreatedAt: at("2026-06-10 10:00:00")},
		// created in August, resolved in October: open at the end of September
		{ID: "2", CustomerID: "late", Department: "x", CreatedAt: at("2026-08-10 10:00:00"), ResolvedAt: at("2026-10-02 10:00:00")},
		// created in August, resolved in September: not open at its end
		{ID: "3", CustomerID: "done", Department: "x", CreatedAt: at("2026-08-10 10:00:00"), ResolvedAt: at("2026-09-02 10:00:00")},
		// resolved exactly at the first instant of October: open at the end of September
		{ID: "4", CustomerID: "edge", Department: "x", CreatedAt: at("2026-09-10 10:00:00"), ResolvedAt: at("2026-10-01 00:00:00")},
		// created in September, resolved, rated 2
		{ID: "5", CustomerID: "rated", Department: "x", CreatedAt: at("2026-09-10 10:00:00"), ResolvedAt: at("2026-09-11 10:00:00"), Satisfaction: 2 * extract.Point, Rated: true},
	}
	s := compute(t, orders, complaints, "2026-09").Departments[0]
	open := map[string]int64{}
	for _, a := range s.AtRisk {
		if a.Signals != transform.SignalComplaint {
			t.Errorf("%s signals %b, want the complaint signal only", a.CustomerID, a.Signals)
		}
		open[a.CustomerID] = a.OpenComplaints
	}
	want := map[string]int64{"old": 1, "late": 1, "edge": 1, "rated": 0}
	if !maps.Equal(open, want) {
		t.Errorf("at risk with open complaints = %v, want %v", open, want)
	}
	if got := s.Current().AtRiskCustomers; got != 4 {
		t.Errorf("at_risk_customers = %d, want 4", got)
	}
	// In August, "old" and "late" were open at the month's end, and "done"
	// too (resolved in September): all three at risk then; all bought in
	// September.
	if got := s.Previous().AtRiskCustomers; got != 3 {
		t.Errorf("at_risk_customers in August = %d, want 3", got)
	}
	if r := s.Current().AtRiskRetentionRate; !r.Valid || r.Value != 1 {
		t.Errorf("at_risk_retention_rate = %+v, want 1", r)
	}
	if len(s.AtRiskPrev) != 3 || s.AtRiskPrevTotal != 3 || !s.AtRiskPrev[0].Bought {
		t.Errorf("follow-up = %+v", s.AtRiskPrev)
	}
}

// TestRevenueBridge works one scope's bridge out by hand: every kind of
// customer, refunds of customers without a purchase in either period
// included.
func TestRevenueBridge(t *testing.T) {
	t.Parallel()
	res := compute(t, []extract.Order{
		order("grow", "x", "2026-08-05 10:00:00", 1000), order("grow", "x", "2026-09-05 10:00:00", 1500),
		order("shrink", "x", "2026-08-05 10:00:00", 4000), order("shrink", "x", "2026-09-05 10:00:00", 1000),
		order("gone", "x", "2026-08-05 10:00:00", 2000), order("gone", "x", "2026-09-06 10:00:00", -300), // churned, refund in P
		order("back", "x", "2026-06-05 10:00:00", 700), order("back", "x", "2026-09-05 10:00:00", 800),
		order("new", "x", "2026-09-05 10:00:00", 900), order("new", "x", "2026-09-06 10:00:00", -100),
		order("ghost", "x", "2026-08-07 10:00:00", -250), order("ghost", "x", "2026-09-07 10:00:00", -50), // refunds only
	}, nil, "2026-09")
	s := res.Departments[0].Current()
	// revenue: Aug 1000+4000+2000-250 = 6750; Sep 1500+1000-300+800+800-50 = 3750
	want := map[string]int64{
		"revenue_new": 800, "revenue_reactivated": 800, "revenue_expansion": 500, "revenue_contraction": 3000,
		"revenue_churned": 2000,
		// refunds without a purchase in P: gone -300, ghost -50; minus the
		// revenue in P-1 of those without a purchase then: ghost -250
		"revenue_other": -300 - 50 + 250,
	}
	got := map[string]int64{}
	for _, m := range transform.Metrics {
		if _, ok := want[m.Key]; ok {
			got[m.Key] = m.Of(s).Int
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("bridge = %v, want %v", got, want)
	}
	if s.RevenueCents != 3750 || res.Departments[0].Previous().RevenueCents != 6750 {
		t.Fatalf("revenue %d after %d", s.RevenueCents, res.Departments[0].Previous().RevenueCents)
	}
	if g := s.GrossRevenueRetentionRate; !g.Valid || g.Value != float64(1000+1000)/7000 {
		t.Errorf("gross revenue retention = %+v, want 2000/7000", g)
	}
}

func TestComplaintCategories(t *testing.T) {
	t.Parallel()
	res := compute(t, []extract.Order{
		order("a", "x", "2026-08-05 10:00:00", 1000), order("a", "x", "2026-09-05 10:00:00", 1000),
		order("b", "x", "2026-08-05 10:00:00", 1000),
	}, []extract.Complaint{
		{ID: "1", CustomerID: "a", Department: "x", CreatedAt: at("2026-08-10 10:00:00"), Category: "delivery"},
		{ID: "2", CustomerID: "b", Department: "x", CreatedAt: at("2026-08-10 10:00:00"), Category: "delivery"},
		{ID: "3", CustomerID: "b", Department: "x", CreatedAt: at("2026-08-11 10:00:00"), Category: "quality"},
		{ID: "4", CustomerID: "a", Department: "x", CreatedAt: at("2026-09-10 10:00:00"), ResolvedAt: at("2026-09-11 10:00:00"), Category: "delivery"},
		{ID: "5", CustomerID: "a", Department: "x", CreatedAt: at("2026-09-12 10:00:00"), Category: "delivery"},
		{ID: "6", Department: "x", CreatedAt: at("2026-09-12 10:00:00")},
	}, "2026-09")
	s := res.Departments[0]
	want := []transform.CategoryStat{
		{Category: "delivery", Complaints: 2, Complainants: 1, Resolved: 1, BaseComplainants: 2, Retained: 1},
		{Category: transform.Uncategorized, Complaints: 1},
		{Category: "quality", BaseComplainants: 1},
	}
	if !slices.Equal(s.Categories, want) {
		t.Errorf("categories = %+v, want %+v", s.Categories, want)
	}
	if len(s.Churned) != 1 || !slices.Equal(s.Churned[0].Categories, []string{"delivery", "quality"}) {
		t.Errorf("churned = %+v, want b with delivery and quality", s.Churned)
	}
	if !slices.Equal(res.Company.Categories, want) {
		t.Errorf("company categories = %+v", res.Company.Categories)
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

// TestQualityByDepartment: each department counts the findings of its own
// rows; the company counts them all.
func TestQualityByDepartment(t *testing.T) {
	t.Parallel()
	noCustomer := order("", "east", "2026-09-05 10:00:00", 100)
	noCustomer.Defect = extract.DefectNullCustomer
	res := compute(t, []extract.Order{
		order("a", "east", "2026-08-05 10:00:00", 1000), order("a", "east", "2026-09-05 10:00:00", -100), noCustomer,
		order("b", "north", "2026-09-05 10:00:00", 1000), order("b", "north", "2026-10-05 10:00:00", 1000),
		order("c", "", "2026-09-05 10:00:00", 1000),
	}, []extract.Complaint{{ID: "k", Department: "north", CreatedAt: at("2026-09-02 10:00:00")}}, "2026-09")
	count := func(q transform.Quality, table, reason string) int64 {
		for _, f := range q.Findings {
			if f.Table == table && f.Reason == reason {
				return f.Count
			}
		}
		return 0
	}
	east, north, none := res.Quality.Departments["east"], res.Quality.Departments["north"], res.Quality.Departments[transform.Unassigned]
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		{"company orders read", res.Quality.OrdersRead, 6},
		{"east orders read", east.OrdersRead, 3},
		{"east skipped", east.SkippedOrders, 1},
		{"north skipped", north.SkippedOrders, 0},
		{"company skipped", res.Quality.SkippedOrders, 1},
		{"east refunds", count(east, transform.TableOrders, transform.ReasonRefund), 1},
		{"north refunds", count(north, transform.TableOrders, transform.ReasonRefund), 0},
		{"north after the period", count(north, transform.TableOrders, transform.ReasonAfterPeriod), 1},
		{"east after the period", count(east, transform.TableOrders, transform.ReasonAfterPeriod), 0},
		{"company after the period", count(res.Quality, transform.TableOrders, transform.ReasonAfterPeriod), 1},
		{"north complaint without customer", count(north, transform.TableComplaints, transform.ReasonCustomerMissing), 1},
		{"unassigned department missing", count(none, transform.TableOrders, transform.ReasonDepartmentMissing), 1},
		{"east department missing", count(east, transform.TableOrders, transform.ReasonDepartmentMissing), 0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

// TestCompanyListsNameDepartments: company-wide, a customer is listed once,
// with the departments it bought from.
func TestCompanyListsNameDepartments(t *testing.T) {
	t.Parallel()
	res := compute(t, []extract.Order{
		order("a", "north", "2026-08-05 10:00:00", 1000), order("a", "east", "2026-08-06 10:00:00", 500), order("a", "", "2026-07-06 10:00:00", 500),
		order("b", "east", "2026-08-05 10:00:00", 1000), order("b", "north", "2026-09-05 10:00:00", 100), order("b", "", "2026-09-06 10:00:00", 100),
	}, nil, "2026-09")
	c := res.Company
	if len(c.Churned) != 1 || c.Churned[0].CustomerID != "a" || !slices.Equal(c.Churned[0].Departments, []string{"east", "north"}) {
		t.Errorf("company churned = %+v, want a of east and north", c.Churned)
	}
	if len(c.AtRisk) != 1 || !slices.Equal(c.AtRisk[0].Departments, []string{"north", transform.Unassigned}) {
		t.Errorf("company at risk = %+v, want b of north and (unassigned)", c.AtRisk)
	}
	for _, d := range res.Departments {
		for _, l := range d.Churned {
			if l.Departments != nil {
				t.Errorf("%s lists departments on its own list: %+v", d.Department, l)
			}
		}
	}
}

// TestOwners: the figures by owner add up what each rep's customers did;
// customers without an owner form their own group, listed last.
func TestOwners(t *testing.T) {
	t.Parallel()
	st := transform.New(transform.Month, shanghai)
	for _, o := range []extract.Order{
		order("a", "x", "2026-08-05 10:00:00", 1000), order("a", "x", "2026-09-05 10:00:00", 1000), // retained
		order("b", "x", "2026-08-05 10:00:00", 3000),                                              // churned
		order("c", "x", "2026-08-05 10:00:00", 9000), order("c", "x", "2026-09-05 10:00:00", 100), // at risk: value 90
		order("d", "x", "2026-08-05 10:00:00", 500), // churned, no owner
	} {
		st.AddOrder(o)
	}
	for id, owner := range map[string]string{"a": "王芳", "b": "王芳", "c": "李雷", "d": "", "nobody": "李雷"} {
		if known, repeated := st.SetOwner(id, owner); known != (id != "nobody") || repeated {
			t.Errorf("SetOwner(%s) = %v, %v", id, known, repeated)
		}
	}
	// A repeated row changes nothing: the first one counts, and so does a
	// first row without an owner.
	for _, id := range []string{"a", "d"} {
		if known, repeated := st.SetOwner(id, "李雷"); !known || !repeated {
			t.Errorf("SetOwner(%s) again = %v, %v; want known and repeated", id, known, repeated)
		}
	}
	p, _ := transform.ParsePeriod("2026-09")
	res, err := st.Compute(p, transform.Options{History: 2, AtRiskLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := []transform.OwnerStat{
		{Owner: "李雷", Base: 1, Retained: 1, AtRisk: 1, ValueAtRisk: 90},
		{Owner: "王芳", Base: 2, Retained: 1, Churned: 1, ChurnedRevenuePrevCents: 3000},
		{Owner: "", Base: 1, Churned: 1, ChurnedRevenuePrevCents: 500},
	}
	if !slices.Equal(res.Company.Owners, want) {
		t.Errorf("owners = %+v, want %+v", res.Company.Owners, want)
	}
	if !slices.Equal(res.Departments[0].Owners, want) {
		t.Errorf("department owners = %+v", res.Departments[0].Owners)
	}
	from, _ := transform.ParsePeriod("2026-09")
	if st.ActiveBetween("b", from, from) || !st.ActiveBetween("a", from, from) || st.ActiveBetween("nobody", from, from) {
		t.Error("ActiveBetween is wrong")
	}

	// TakeCustomer is both, with one lookup.
	st = transform.New(transform.Month, shanghai)
	st.AddOrder(order("a", "x", "2026-09-05 10:00:00", 1000))
	st.AddOrder(order("b", "y", "2026-08-05 10:00:00", 1000))
	aug, _ := transform.ParsePeriod("2026-08")
	for _, c := range []struct {
		id, owner               string
		from, to                transform.Period
		known, repeated, active bool
	}{
		{"a", "王芳", from, from, true, false, true},
		{"a", "李雷", from, from, true, true, false}, // repeated: changes nothing
		{"b", "", from, from, true, false, false},  // bought in August only
		{"b", "李雷", aug, from, true, true, false},
		{"nobody", "李雷", aug, from, false, false, false},
	} {
		known, repeated, active := st.TakeCustomer(c.id, st.Owner(c.owner), c.from, c.to)
		if known != c.known || repeated != c.repeated || active != c.active {
			t.Errorf("TakeCustomer(%s, %s) = %v, %v, %v; want %v, %v, %v", c.id, c.owner, known, repeated, active, c.known, c.repeated, c.active)
		}
	}
	if !st.ActiveBetween("b", aug, from) {
		t.Error("b bought in August")
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
				Satisfaction: 5 * extract.Point, Rated: true},
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

// TestComputeReadsOnly: Compute leaves the State as it found it, so that
// one fold can be computed for several periods at once (go test -race
// reports a write).
func TestComputeReadsOnly(t *testing.T) {
	t.Parallel()
	st := transform.New(transform.Month, shanghai)
	for _, o := range workedOrders() {
		st.AddOrder(o)
	}
	for _, c := range workedComplaints() {
		st.AddComplaint(c)
	}
	var wg sync.WaitGroup
	for _, p := range []string{"2026-08", "2026-09"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			period, _ := transform.ParsePeriod(p)
			if _, err := st.Compute(period, transform.Options{History: 2, AtRiskLimit: 10}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
