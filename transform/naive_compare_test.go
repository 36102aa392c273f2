package transform_test

// Comparing the naive reference (naive_test.go) with transform: production's
// Result read into the reference's shapes, and compared key by key and
// field by field.

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"retention/transform"
)

// ----------------------------------------------------------------------------
// Production's Result in the reference's shapes.

// productionResult reads a Result: every metric through transform.Metrics,
// by its key; the lists through productionLists.
func productionResult(r *transform.Result) *refResult {
	out := &refResult{Period: r.Period, Periods: r.Periods, Location: r.Location.String()}
	q := r.Quality
	out.Quality = refQuality{OrdersRead: q.OrdersRead, ComplaintsRead: q.ComplaintsRead, SkippedOrders: q.SkippedOrders, SkippedComplaints: q.SkippedComplaints}
	for _, f := range q.Findings {
		out.Quality.Findings = append(out.Quality.Findings, refFinding{Table: f.Table, Reason: f.Reason, Handling: f.Handling, Count: f.Count})
	}
	sortFindings(out.Quality.Findings)
	out.Company = productionScope(&r.Company)
	for i := range r.Departments {
		out.Departments = append(out.Departments, productionScope(&r.Departments[i]))
	}
	out.Extras = productionExtras(r)
	return out
}

// productionExtras writes what only production computes as lines of
// text, in a fixed order (examples of findings left out: which ids they
// are depends on the order rows were folded in).
func productionExtras(r *transform.Result) []string {
	var out []string
	for _, s := range r.Scopes() {
		name := "company"
		if !s.Company {
			name = s.Department
		}
		for _, o := range s.Owners {
			out = append(out, fmt.Sprintf("%s owner %+v", name, o))
		}
		for _, c := range s.Churned {
			out = append(out, fmt.Sprintf("%s churned %s departments %q", name, c.CustomerID, c.Departments))
		}
		for _, c := range s.AtRisk {
			out = append(out, fmt.Sprintf("%s at risk %s departments %q", name, c.CustomerID, c.Departments))
		}
		for _, f := range s.AtRiskPrev {
			out = append(out, fmt.Sprintf("%s follow-up %s previous revenue %d", name, f.CustomerID, f.RevenuePrevCents))
		}
	}
	for _, dept := range slices.Sorted(maps.Keys(r.Quality.Departments)) {
		q := r.Quality.Departments[dept]
		out = append(out, fmt.Sprintf("quality %s read %d/%d skipped %d/%d", dept, q.OrdersRead, q.ComplaintsRead, q.SkippedOrders, q.SkippedComplaints))
		for _, f := range q.Findings {
			out = append(out, fmt.Sprintf("quality %s %s %s %s %d", dept, f.Table, f.Reason, f.Handling, f.Count))
		}
	}
	return out
}

func productionScope(s *transform.Scope) refScope {
	out := refScope{Company: s.Company, Department: s.Department, YearAgo: productionFigures(&s.YearAgo), Lists: productionLists(s)}
	for i := range s.Snapshots {
		out.Figures = append(out.Figures, productionFigures(&s.Snapshots[i]))
	}
	return out
}

// productionFigures is every metric of s, keyed by transform.Metrics' keys.
func productionFigures(s *transform.Snapshot) refFigures {
	f := refFigures{Period: s.Period, Values: map[string]refValue{}}
	for _, m := range transform.Metrics {
		v := m.Of(s)
		switch v.Kind {
		case transform.Count:
			f.Values[m.Key] = refValue{kind: refCount, n: v.Int}
		case transform.Money:
			f.Values[m.Key] = refValue{kind: refMoney, n: v.Int}
		case transform.Fraction, transform.Amount, transform.Number:
			f.Values[m.Key] = refValue{kind: refQuotient, x: v.Float, null: !v.Valid}
		default:
			f.Values[m.Key] = refValue{} // no kind: differs from every figure
		}
	}
	return f
}

func productionRatio(r transform.Ratio) refValue {
	return refValue{kind: refQuotient, x: r.Value, null: !r.Valid}
}

func productionSignals(s transform.Signal) refSignals {
	return refSignals{
		Purchases: s&transform.SignalFewerPurchases != 0,
		Revenue:   s&transform.SignalLowerRevenue != 0,
		Complaint: s&transform.SignalComplaint != 0,
	}
}

// productionLists maps production's lists of a scope to the reference's:
// the churned and at-risk lists with their tiers and categories, the
// follow-up, the complaints by category, the tiers and the cohorts.
func productionLists(s *transform.Scope) refLists {
	out := refLists{AtRiskTotal: s.AtRiskTotal}
	for _, c := range s.Churned {
		out.Churned = append(out.Churned, refChurned{
			Customer: c.CustomerID, LastPurchase: c.LastPurchase, RevPrev: c.RevenuePrevCents,
			OrdersPrev: c.OrdersPrev, Share: productionRatio(c.Share), Tier: c.Tier.Key(), Categories: c.Categories, RevHistory: c.RevenueHistoryCents,
		})
	}
	for _, c := range s.AtRisk {
		out.AtRisk = append(out.AtRisk, refAtRisk{
			Customer: c.CustomerID, Signals: productionSignals(c.Signals), ValueAtRisk: c.ValueAtRisk,
			Lookback: c.Lookback, AvgOrders: c.AvgOrders, Orders: c.Orders, Revenue: c.RevenueCents,
			LastPurchase: c.LastPurchase, OpenComplaints: c.OpenComplaints, Tier: c.Tier.Key(),
		})
	}
	for _, c := range s.AtRiskPrev {
		out.FollowUp = append(out.FollowUp, refFollowUp{
			Customer: c.CustomerID, Bought: c.Bought, Revenue: c.RevenueCents, Orders: c.Orders,
			ValueAtRisk: c.ValueAtRisk, Signals: productionSignals(c.Signals),
		})
	}
	for _, c := range s.Categories {
		out.Categories = append(out.Categories, refCategory{
			Category: c.Category, Complaints: c.Complaints, Complainants: c.Complainants, Resolved: c.Resolved,
			BaseComplainants: c.BaseComplainants, Retained: c.Retained,
		})
	}
	for _, t := range s.Tiers {
		out.Tiers = append(out.Tiers, refTier{
			Tier: t.Kind.Key(), Base: t.Base, Retained: t.Retained, Churned: t.Churned,
			RevPrev: t.RevenuePrevCents, ChurnedRevPrev: t.ChurnedPrevCents,
			RetentionRate: productionRatio(t.RetentionRate), RelativeChurnRate: productionRatio(t.RelativeChurnRate),
		})
	}
	for _, c := range s.Cohorts {
		out.Cohorts = append(out.Cohorts, refCohort{Period: c.Period, Size: c.Size, Active: c.Active})
	}
	return out
}

// ----------------------------------------------------------------------------
// Comparing.

// maxDiffs caps the differences reported by one subtest.
const maxDiffs = 12

type resultDiff struct {
	t     *testing.T
	label string // seed, zone, granularity, period, history of the pair compared
	n     int
}

func (d *resultDiff) errorf(format string, args ...any) {
	d.t.Helper()
	d.n++
	if d.n <= maxDiffs {
		d.t.Errorf("%s: %s", d.label, fmt.Sprintf(format, args...))
	} else if d.n == maxDiffs+1 {
		d.t.Errorf("%s: more differences not shown", d.label)
	}
}

// cmpMode says what a comparison is of.
type cmpMode struct {
	findings  bool // compare the data-quality findings (without their example ids)
	reference bool // want is the reference, got production
}

// sameFigure compares two values of one metric key: counts and money
// exactly, quotients to a relative 1e-12 (both sides divide exact integers).
func sameFigure(a, b refValue) bool {
	if a.kind != b.kind || a.null != b.null {
		return false
	}
	switch a.kind {
	case refCount, refMoney:
		return a.n == b.n
	}
	tol := 1e-12 * math.Max(1, math.Abs(a.x))
	return a.null || math.Abs(a.x-b.x) <= tol
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(a)) }

func sameRatio(a, b refValue) bool { return sameFigure(a, b) }

func sameTime(a, b time.Time) bool {
	return a.Equal(b) && a.Location().String() == b.Location().String()
}

func sameChurned(a, b refChurned) bool {
	// The spec gives the categories no order: compared as sets.
	return a.Customer == b.Customer && sameTime(a.LastPurchase, b.LastPurchase) && a.RevPrev == b.RevPrev &&
		a.OrdersPrev == b.OrdersPrev && sameRatio(a.Share, b.Share) && a.Tier == b.Tier && a.RevHistory == b.RevHistory &&
		slices.Equal(slices.Sorted(slices.Values(a.Categories)), slices.Sorted(slices.Values(b.Categories)))
}

func sameAtRisk(a, b refAtRisk) bool {
	return a.Customer == b.Customer && a.Signals == b.Signals && near(a.ValueAtRisk, b.ValueAtRisk) && a.Lookback == b.Lookback &&
		near(a.AvgOrders, b.AvgOrders) && a.Orders == b.Orders && a.Revenue == b.Revenue &&
		sameTime(a.LastPurchase, b.LastPurchase) && a.OpenComplaints == b.OpenComplaints && a.Tier == b.Tier
}

func sameFollowUp(a, b refFollowUp) bool {
	return a.Customer == b.Customer && a.Bought == b.Bought && a.Revenue == b.Revenue && a.Orders == b.Orders &&
		near(a.ValueAtRisk, b.ValueAtRisk) && a.Signals == b.Signals
}

func sameTier(a, b refTier) bool {
	return a.Tier == b.Tier && a.Base == b.Base && a.Retained == b.Retained && a.Churned == b.Churned &&
		a.RevPrev == b.RevPrev && a.ChurnedRevPrev == b.ChurnedRevPrev &&
		sameRatio(a.RetentionRate, b.RetentionRate) && sameRatio(a.RelativeChurnRate, b.RelativeChurnRate)
}

func sameCohort(a, b refCohort) bool {
	return a.Period == b.Period && a.Size == b.Size && slices.Equal(a.Active, b.Active)
}

func show[T any](x T) string { return fmt.Sprintf("%+v", x) }

// compareList reports the first row where two lists differ.
func compareList[T any](d *resultDiff, what string, want, got []T, same func(a, b T) bool) {
	d.t.Helper()
	for i := range max(len(want), len(got)) {
		if i < len(want) && i < len(got) && same(want[i], got[i]) {
			continue
		}
		w, g := "(none)", "(none)"
		if i < len(want) {
			w = show(want[i])
		}
		if i < len(got) {
			g = show(got[i])
		}
		d.errorf("%s: %d rows, want %d; first difference at row %d:\n\tgot  %s\n\twant %s", what, len(got), len(want), i, g, w)
		return
	}
}

func scopeName(s *refScope) string {
	if s.Company {
		return "company"
	}
	return fmt.Sprintf("department %q", s.Department)
}

func scopeNames(r *refResult) []string {
	var out []string
	for i := range r.Departments {
		out = append(out, r.Departments[i].Department)
	}
	return out
}

// compareResults checks got against want: periods, scopes, every metric of
// every snapshot by key, the lists, cohorts, tiers and the quality counts.
func compareResults(d *resultDiff, want, got *refResult, mode cmpMode) {
	d.t.Helper()
	if got.Period != want.Period {
		d.errorf("Period = %s, want %s", got.Period, want.Period)
	}
	if !slices.Equal(got.Periods, want.Periods) {
		d.errorf("Periods = %v, want %v", got.Periods, want.Periods)
	}
	if got.Location != want.Location {
		d.errorf("Location = %s, want %s", got.Location, want.Location)
	}
	qw, qg := want.Quality, got.Quality
	if qg.OrdersRead != qw.OrdersRead || qg.ComplaintsRead != qw.ComplaintsRead || qg.SkippedOrders != qw.SkippedOrders || qg.SkippedComplaints != qw.SkippedComplaints {
		d.errorf("Quality read/skipped: orders %d/%d, complaints %d/%d; want orders %d/%d, complaints %d/%d",
			qg.OrdersRead, qg.SkippedOrders, qg.ComplaintsRead, qg.SkippedComplaints,
			qw.OrdersRead, qw.SkippedOrders, qw.ComplaintsRead, qw.SkippedComplaints)
	}
	if mode.findings {
		// Compared as sets: the order between tables is not part of the
		// contract (both sides are sorted by sortFindings).
		compareList(d, "Quality.Findings", qw.Findings, qg.Findings, func(a, b refFinding) bool { return a == b })
	}
	if !mode.reference {
		compareList(d, "production's extras", want.Extras, got.Extras, func(a, b string) bool { return a == b })
	}
	compareScope(d, &want.Company, &got.Company, mode)
	if w, g := scopeNames(want), scopeNames(got); !slices.Equal(w, g) {
		d.errorf("department scopes = %q, want %q", g, w)
	}
	byName := map[string]*refScope{}
	for i := range got.Departments {
		byName[got.Departments[i].Department] = &got.Departments[i]
	}
	for i := range want.Departments {
		if g := byName[want.Departments[i].Department]; g != nil {
			compareScope(d, &want.Departments[i], g, mode)
		}
	}
}

func compareScope(d *resultDiff, want, got *refScope, mode cmpMode) {
	d.t.Helper()
	name := scopeName(want)
	if got.Company != want.Company || got.Department != want.Department {
		d.errorf("scope Company=%v Department=%q, want Company=%v Department=%q", got.Company, got.Department, want.Company, want.Department)
	}
	if len(got.Figures) != len(want.Figures) {
		d.errorf("%s: %d snapshots, want %d", name, len(got.Figures), len(want.Figures))
	} else {
		wantAll := append(slices.Clone(want.Figures), want.YearAgo)
		gotAll := append(slices.Clone(got.Figures), got.YearAgo)
		for i := range wantAll {
			compareFigures(d, name, &wantAll[i], &gotAll[i], mode)
		}
		// The bridge identity on got's own figures, once it has the keys
		// (bridgeGap's ok is false before). Keys that each match the
		// reference's imply it (TestNaiveBridgeIdentity checks the
		// reference's); this names the failure when they do not.
		for j := 1; j < len(got.Figures); j++ {
			if gap, ok := bridgeGap(got.Figures[j], got.Figures[j-1]); ok && gap != 0 {
				d.errorf("%s %s: the revenue bridge misses revenue(P) - revenue(P-1) by %d cents", name, got.Figures[j].Period, gap)
			}
		}
	}
	compareLists(d, name, want, got, mode)
}

// compareFigures compares every metric key either side has: a key of the
// reference that production lacks is an error, and so is a key production
// has and the spec does not.
func compareFigures(d *resultDiff, name string, want, got *refFigures, mode cmpMode) {
	d.t.Helper()
	if got.Period != want.Period {
		d.errorf("%s: snapshot of %s, want %s", name, got.Period, want.Period)
		return
	}
	keys := slices.Clone(specKeys)
	for _, k := range slices.Sorted(maps.Keys(got.Values)) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, key := range keys {
		w, inWant := want.Values[key]
		g, inGot := got.Values[key]
		switch {
		case !inWant && !inGot:
		case !inGot:
			d.errorf("%s %s: %s is missing (want %v)", name, want.Period, key, w)
		case !inWant && mode.reference:
			d.errorf("%s %s: production has %s = %v, which is not a key of the spec", name, want.Period, key, g)
		case !inWant:
			d.errorf("%s %s: %s = %v, want no such key", name, want.Period, key, g)
		case !sameFigure(w, g):
			d.errorf("%s %s %s = %v, want %v", name, want.Period, key, g, w)
		}
	}
}

func compareLists(d *resultDiff, name string, want, got *refScope, mode cmpMode) {
	d.t.Helper()
	w, g := &want.Lists, &got.Lists
	compareList(d, name+" churned", w.Churned, g.Churned, sameChurned)
	compareList(d, name+" cohorts", w.Cohorts, g.Cohorts, sameCohort)
	if g.AtRiskTotal != w.AtRiskTotal {
		d.errorf("%s: at-risk total = %d, want %d", name, g.AtRiskTotal, w.AtRiskTotal)
	}
	compareList(d, name+" at risk", w.AtRisk, g.AtRisk, sameAtRisk)
	compareList(d, name+" at-risk follow-up", w.FollowUp, g.FollowUp, sameFollowUp)
	compareList(d, name+" complaints by category", sortedCategories(w.Categories), sortedCategories(g.Categories), func(a, b refCategory) bool { return a == b })
	compareList(d, name+" tiers", w.Tiers, g.Tiers, sameTier)
}

func sortedCategories(rows []refCategory) []refCategory {
	return slices.SortedFunc(slices.Values(rows), func(a, b refCategory) int { return strings.Compare(a.Category, b.Category) })
}

// ----------------------------------------------------------------------------
// Coverage of the generated cases: the test is only as good as the data.

type naiveCoverage struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *naiveCoverage) require(t *testing.T, keys []string) {
	t.Helper()
	for _, k := range keys {
		if c.n[k] == 0 {
			t.Errorf("the generated data never exercises %q", k)
		}
	}
	if testing.Verbose() {
		for _, k := range slices.Sorted(maps.Keys(c.n)) {
			t.Logf("coverage: %-64s %d", k, c.n[k])
		}
	}
}

// add counts what the reference's result res of model m exercises.
func (c *naiveCoverage) add(m *naiveModel, res *refResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := res.Period
	end := naiveStart(p.Add(1), m.loc)
	scopes := append([]refScope{res.Company}, res.Departments...)
	for i := range scopes {
		s := &scopes[i]
		sc := m.scopeOf(s)
		if s.Department == transform.Unassigned {
			c.n["unassigned scope"]++
		}
		for _, f := range append(slices.Clone(s.Figures), s.YearAgo) {
			v := f.Values
			base := v["base_customers"].n > 0
			c.count("relative churn null with a base", base && v["relative_churn_rate"].null)
			c.count("revenue retention null with a base", base && v["revenue_retention_rate"].null)
			c.count("gross revenue retention null with a base", base && v["gross_revenue_retention_rate"].null)
			c.count("complainant retention defined", !v["complainant_retention_rate"].null)
			c.count("reactivated", v["reactivated_customers"].n > 0)
			c.count("win-back defined", !v["win_back_rate"].null)
			c.count("at-risk retention defined", !v["at_risk_retention_rate"].null)
			c.count("revenue_other non-zero", v["revenue_other"].n != 0)
		}
		for _, q := range res.Periods {
			qEnd := naiveStart(q.Add(1), m.loc)
			for _, k := range sc.complaints[q] {
				d := k.ResolvedAt.Sub(k.CreatedAt)
				c.count("resolution time with a fraction of a millisecond", !k.ResolvedAt.IsZero() && d >= 0 && d%time.Millisecond != 0)
			}
			for _, ks := range sc.byCustomer {
				for _, k := range ks {
					c.count("complaint resolved exactly at the end of a history period", k.CreatedAt.Before(qEnd) && k.ResolvedAt.Equal(qEnd))
				}
			}
		}
		l := &s.Lists
		c.count("churned list", len(l.Churned) > 0)
		for _, x := range l.Churned {
			c.count("churned share null", x.Share.null)
			c.count("churned with categories", len(x.Categories) > 0)
		}
		c.count("at-risk truncated", l.AtRiskTotal > len(l.AtRisk))
		for _, x := range l.AtRisk {
			c.n[fmt.Sprintf("at-risk lookback %d", x.Lookback)]++
			c.count("at-risk signal purchases", x.Signals.Purchases)
			c.count("at-risk signal revenue", x.Signals.Revenue)
			c.count("at-risk signal complaint", x.Signals.Complaint)
			c.count("at-risk open complaints", x.OpenComplaints > 0)
			c.count("at-risk without a tier", x.Tier == "")
			earlier := false
			for _, k := range sc.byCustomer[x.Customer] {
				if k.q.Sub(p) < 0 && (k.ResolvedAt.IsZero() || !k.ResolvedAt.Before(end)) {
					earlier = true
				}
			}
			c.count("at-risk complaint signal from a complaint of an earlier period", x.Signals.Complaint && earlier)
		}
		c.count("follow-up cut to the limit", len(l.FollowUp) < len(m.risk(sc, p.Add(-1))))
		for _, x := range l.FollowUp {
			c.count("follow-up bought", x.Bought)
			c.count("follow-up did not buy", !x.Bought)
		}
		for _, x := range l.Categories {
			c.count("category (uncategorized)", x.Category == refUncategorized)
			c.count("category with odd text", strings.ContainsAny(x.Category, " \t"))
		}
		if len(l.Tiers) == 4 {
			prob, key := l.Tiers[0], l.Tiers[1]
			rest := l.Tiers[1].Base + l.Tiers[2].Base + l.Tiers[3].Base
			c.count("tier tie promoted to key", rest > 0 && key.Base > (rest*20+99)/100)
			c.count("tie promoted to ordinary or key", rest > 0 && key.Base+l.Tiers[2].Base > (rest*50+99)/100)
			if prob.Base > 0 {
				prev := p.Add(-1)
				complaints := map[string]int{}
				for _, k := range sc.complaints[prev] {
					complaints[k.CustomerID]++
				}
				for cust := range m.problem(sc, p) {
					c.count("problem tier by revenue <= 0", sc.rev(cust, prev) <= 0)
					c.count("problem tier by two complaints", complaints[cust] >= 2)
				}
			}
		}
	}
}

func (c *naiveCoverage) count(key string, ok bool) {
	if ok {
		c.n[key]++
	} else if _, seen := c.n[key]; !seen {
		c.n[key] = 0
	}
}
