package transform_test

// A randomized differential test: transform against a second, deliberately
// naive implementation of docs/metrics.md, version 2 included (and the
// rules doc.go adds), written here from the spec alone: per scope, per
// period, per customer sums, and sets of customer ids built from them.
// Nothing is incremental: every number is recomputed from those sets for
// each period it is asked for (only A(q) and Risk(q) are remembered once
// built).
//
// The reference shares no type with transform for what it computes. Its
// metrics are a map from the spec's key names to values (refFigures), so a
// figure computed into, or read out of, the wrong field of a Snapshot fails
// the comparison; its lists are its own structs with the spec's fields
// (refLists). naive_compare_test.go reads production's Result into the same
// shapes (productionResult), compares them key by key, and holds the
// switches for what production does not compute yet.
//
// TestNaiveDifferential compares the two over every seed, granularity and
// report zone; TestNaiveBridgeIdentity checks the reference's revenue bridge
// on every scope and period; TestNaiveWorkedExample checks the reference
// alone against worked_example.json. TestNaiveMergeEqualsUnsharded checks
// that sharded folds merge into the unsharded State, and
// TestNaiveLaterRowsIgnored that rows after the reported period change
// nothing.

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"retention/extract"
	"retention/transform"
)

// naiveSeeds seed the generator; each gives a different data set.
var naiveSeeds = []uint64{1, 2, 20260923}

// naiveZones are the report zones the differential runs in: Shanghai, and
// New York, which has daylight saving time and cuts its periods 12 or 13
// hours after Shanghai. The rows are the same for both; the generator puts
// rows at the period starts and DST transitions of each.
var naiveZones = []*time.Location{shanghai, mustLoad("America/New_York")}

// zoneName labels a zone in a subtest name, without the slash that would
// make it two levels.
func zoneName(loc *time.Location) string { return strings.ReplaceAll(loc.String(), "/", "_") }

// ----------------------------------------------------------------------------
// The generator.

const (
	genMonths = 48 // 2022-01 … 2025-12: the bulk of the history
	genFuture = 18 // 2026-01 … 2027-06: sparse rows after most reported periods
)

// monthStart is the first instant, in loc, of the i-th month of the data
// (2022-01 is 0).
func monthStart(loc *time.Location, i int) time.Time {
	return time.Date(2022, time.Month(1+i), 1, 0, 0, 0, 0, loc)
}

// genMonth is the first instant of the i-th month of the data, in Shanghai.
func genMonth(i int) time.Time { return monthStart(shanghai, i) }

var minusFive = time.FixedZone("UTC-5", -5*3600)

// genCategories are the complaint categories: a few names, NULL or empty
// (""), a name that differs from another only in case, and odd text.
var genCategories = []string{"quality", "delivery", "billing", "", "Quality", " 物流/延迟\t(二次) "}

type naiveData struct {
	seed       uint64
	orders     []extract.Order
	complaints []extract.Complaint
}

// genData makes a deterministic data set: a few hundred customers over four
// years in several departments, with refunds, zero amounts, customers who
// only ever refund or whose refunds outweigh their purchases, timestamps to
// the microsecond, rows at, one microsecond and one second before period
// starts and around DST transitions of each report zone, rows in other time
// zones, defective rows, complaints with and without a customer or a
// category, open, resolved (before created, within minutes, in a later
// period, exactly at a period end or a microsecond before), rated in and out
// of 1–5, several from one customer in one period, from customers who never
// ordered, and rows after the reported periods.
func genData(seed uint64) naiveData {
	r := rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15+1))
	d := naiveData{seed: seed}

	// inZone expresses the same instant in another zone now and then: the
	// period is cut in the report zone whatever the value's location.
	inZone := func(t time.Time) time.Time {
		switch r.IntN(8) {
		case 0:
			return t.UTC()
		case 1:
			return t.In(minusFive)
		}
		return t
	}
	// upTo is a random duration in (0, max], in whole microseconds.
	upTo := func(max time.Duration) time.Duration {
		return time.Duration(1+r.Int64N(int64(max/time.Microsecond))) * time.Microsecond
	}
	randIn := func(m int) time.Time {
		start, end := genMonth(m), genMonth(m+1)
		return start.Add(upTo(end.Sub(start)) - time.Microsecond)
	}
	order := func(cust, dept string, ts time.Time, cents int64) {
		d.orders = append(d.orders, extract.Order{
			ID: fmt.Sprintf("o%d", len(d.orders)+1), CustomerID: cust, Department: dept,
			OrderedAt: inZone(ts), AmountCents: cents,
		})
	}
	purchase := func() int64 {
		switch r.IntN(6) {
		case 0:
			return 1000
		case 1:
			return 2500
		case 2:
			return 9999
		}
		return 1 + r.Int64N(300000)
	}
	refund := func() int64 {
		if r.IntN(4) == 0 {
			return -1000
		}
		return -(1 + r.Int64N(200000))
	}

	mainDepts := []string{"华东", "华北", "East", "east", " East", ""}
	nCust := 200 + r.IntN(100)
	custs := make([]string, nCust)
	for i := range custs {
		custs[i] = fmt.Sprintf("C%04d", i)
	}
	for _, id := range custs {
		nd := 1
		switch x := r.IntN(10); {
		case x == 0:
			nd = 3
		case x < 4:
			nd = 2
		}
		var depts []string
		for _, k := range r.Perm(len(mainDepts))[:nd] {
			depts = append(depts, mainDepts[k])
		}
		first := r.IntN(genMonths)
		if r.IntN(10) < 3 {
			first = 0
		}
		last := min(first+r.IntN(genMonths-first+8), genMonths+genFuture-1)
		p := 0.1 + 0.7*r.Float64()
		refundOnly := r.IntN(25) == 0
		for m := first; m <= last; m++ {
			for _, dep := range depts {
				if r.Float64() < p {
					for range 1 + r.IntN(3) {
						if refundOnly {
							order(id, dep, randIn(m), refund())
						} else {
							order(id, dep, randIn(m), purchase())
						}
					}
				}
				if r.IntN(20) == 0 {
					order(id, dep, randIn(m), refund())
				}
				if r.IntN(40) == 0 {
					order(id, dep, randIn(m), 0)
				}
			}
		}
		// a refund long after the customer stopped buying
		if r.IntN(10) == 0 && last+1 < genMonths+genFuture {
			order(id, depts[0], randIn(last+1+r.IntN(genMonths+genFuture-last-1)), refund())
		}
	}
	// Tiny: a handful of customers whose refunds often outweigh their
	// purchases, so that revenue denominators are <= 0 and customers of the
	// base have rev(c,P-1) <= 0 (problem customers).
	for m := range genMonths {
		for _, id := range []string{custs[1], custs[2], "T1", "T2"} {
			if r.IntN(3) == 0 {
				order(id, "Tiny", randIn(m), 100+r.Int64N(5000))
			}
			if r.IntN(4) == 0 {
				order(id, "Tiny", randIn(m), -(10000 + r.Int64N(40000)))
			}
		}
	}
	// Flat: one purchase of 10, 20 or 30 a period, so that the value tiers
	// are full of ties.
	for _, id := range custs[:40] {
		for m := range genMonths {
			if r.IntN(5) < 3 {
				order(id, "Flat", randIn(m), 1000*(1+r.Int64N(3)))
			}
		}
	}
	// Old: a department that stops after 2022.
	for range 40 {
		order(custs[r.IntN(nCust)], "Old", randIn(r.IntN(12)), purchase())
	}
	// Rows exactly at the start of a month of each report zone (and so of
	// its quarters and years), one microsecond and one second before it.
	for _, loc := range naiveZones {
		for m := 1; m < genMonths+genFuture; m++ {
			if m%3 != 0 && r.IntN(2) == 0 {
				continue
			}
			start := monthStart(loc, m)
			for range 1 + r.IntN(2) {
				for _, dt := range []time.Duration{0, -time.Microsecond, -time.Second} {
					order(custs[r.IntN(nCust)], mainDepts[r.IntN(len(mainDepts))], start.Add(dt), purchase())
				}
			}
		}
	}
	// Rows around each DST transition of a report zone: the day of a
	// purchase is cut with the offset in force at its instant.
	for _, loc := range naiveZones {
		for t := genMonth(0); ; {
			_, next := t.In(loc).ZoneBounds()
			if next.IsZero() || !next.Before(genMonth(genMonths+genFuture)) {
				break
			}
			for _, dt := range []time.Duration{-time.Hour - time.Microsecond, -time.Microsecond, 0, time.Microsecond, time.Hour} {
				order(custs[r.IntN(nCust)], mainDepts[r.IntN(len(mainDepts))], next.Add(dt), purchase())
			}
			t = next
		}
	}

	// periodEnd is the end, in loc, of the month, quarter or year (kind 0,
	// 1, 2) that holds t: where a complaint resolved then is still open at
	// the end of its period.
	periodEnd := func(t time.Time, loc *time.Location, kind int) time.Time {
		y, m, _ := t.In(loc).Date()
		switch kind {
		case 0:
			return time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
		case 1:
			return time.Date(y, time.Month((int(m)-1)/3*3+4), 1, 0, 0, 0, 0, loc)
		}
		return time.Date(y+1, time.January, 1, 0, 0, 0, 0, loc)
	}
	complaint := func(cust, dept string, ts time.Time) {
		c := extract.Complaint{ID: fmt.Sprintf("k%d", len(d.complaints)+1), CustomerID: cust, Department: dept,
			CreatedAt: inZone(ts), Category: genCategories[r.IntN(len(genCategories))]}
		switch x := r.IntN(24); {
		case x < 6: // open
		case x < 7:
			c.ResolvedAt = ts.Add(-upTo(100 * time.Hour))
		case x < 8:
			c.ResolvedAt = ts
		case x < 10: // within minutes: a millisecond shows in the mean time
			c.ResolvedAt = ts.Add(upTo(10 * time.Minute))
		case x < 12: // often in a later quarter or year
			c.ResolvedAt = ts.Add(upTo(400 * 24 * time.Hour))
		case x < 14: // at the end of a period of a report zone (still open
			// at that end), or a microsecond before it
			c.ResolvedAt = periodEnd(ts, naiveZones[r.IntN(len(naiveZones))], r.IntN(3))
			if x == 13 {
				c.ResolvedAt = c.ResolvedAt.Add(-time.Microsecond)
			}
		default:
			c.ResolvedAt = ts.Add(upTo(500 * time.Hour))
		}
		if !c.ResolvedAt.IsZero() {
			c.ResolvedAt = inZone(c.ResolvedAt)
		}
		// Ratings by value: whole, fractional (2.5, and next to the
		// bounds 1, 2 and 5 of the rules), and outside 1–5.
		if r.IntN(3) > 0 {
			c.Rated, c.Satisfaction = true, extract.Rating(1+r.IntN(5))*extract.Point
			switch r.IntN(8) {
			case 0:
				c.Satisfaction = []extract.Rating{0, 6 * extract.Point, -extract.Point, 10 * extract.Point, 7 * extract.Point,
					999_999, 5_000_001}[r.IntN(7)]
			case 1, 2:
				c.Satisfaction = []extract.Rating{2_500_000, 1_500_000, 4_300_000, 2_000_001, 1_999_999, 3_250_000,
					1_000_000, 5_000_000, 2_000_000}[r.IntN(9)]
			}
		} else if r.IntN(4) == 0 {
			c.Satisfaction = extract.Point // not rated: must be ignored
		}
		d.complaints = append(d.complaints, c)
	}
	monthOf := func(t time.Time) int {
		m := 0
		for genMonth(m+1).Compare(t) <= 0 {
			m++
		}
		return m
	}

	// Complaints: half tied to an order (same customer and department, that
	// month or the next), half anywhere.
	complaintDepts := append(slices.Clone(mainDepts), "Tiny", "Service")
	usable := slices.Clone(d.orders)
	for range 4 * nCust {
		if r.IntN(2) == 0 {
			o := usable[r.IntN(len(usable))]
			complaint(o.CustomerID, o.Department, randIn(min(monthOf(o.OrderedAt)+r.IntN(2), genMonths+genFuture-1)))
			continue
		}
		cust := custs[r.IntN(nCust)]
		switch r.IntN(10) {
		case 0:
			cust = ""
		case 1:
			cust = fmt.Sprintf("Z%03d", r.IntN(30)) // never ordered
		}
		m := r.IntN(genMonths + genFuture)
		ts := randIn(m)
		switch loc := naiveZones[r.IntN(len(naiveZones))]; r.IntN(10) {
		case 0:
			ts = monthStart(loc, m)
		case 1:
			ts = monthStart(loc, m).Add(-time.Microsecond)
		}
		complaint(cust, complaintDepts[r.IntN(len(complaintDepts))], ts)
	}
	// Two or three complaints of one customer in one month and department:
	// a problem customer of the next period when it bought.
	for range nCust / 4 {
		o := usable[r.IntN(len(usable))]
		m := monthOf(o.OrderedAt)
		for range 2 + r.IntN(2) {
			complaint(o.CustomerID, o.Department, randIn(m))
		}
	}

	// Defective rows: copies of good rows that must be skipped, some in a
	// department (and of a customer) that has no other row.
	orderDefects := []extract.Defect{extract.DefectNullCustomer, extract.DefectNullTime, extract.DefectZeroTime, extract.DefectBadTime,
		extract.DefectNullAmount, extract.DefectBadAmount, extract.DefectAmountRange}
	for range len(d.orders)/50 + 1 {
		o := d.orders[r.IntN(len(d.orders))]
		o.ID = fmt.Sprintf("o%d", len(d.orders)+1)
		o.Defect = orderDefects[r.IntN(len(orderDefects))]
		switch o.Defect {
		case extract.DefectNullCustomer:
			o.CustomerID = ""
		case extract.DefectNullTime, extract.DefectZeroTime:
			o.OrderedAt = time.Time{}
		case extract.DefectNullAmount, extract.DefectBadAmount, extract.DefectAmountRange:
			o.AmountCents = 1 + r.Int64N(1000000)
		}
		switch r.IntN(4) {
		case 0:
			o.Department = "Ghost"
		case 1:
			o.CustomerID = "GHOST"
		}
		d.orders = append(d.orders, o)
	}
	complaintDefects := []extract.Defect{extract.DefectNullTime, extract.DefectZeroTime, extract.DefectBadTime, extract.DefectDuplicateID}
	for range len(d.complaints)/50 + 1 {
		c := d.complaints[r.IntN(len(d.complaints))]
		c.ID = fmt.Sprintf("k%d", len(d.complaints)+1)
		c.Defect = complaintDefects[r.IntN(len(complaintDefects))]
		if c.Defect == extract.DefectNullTime || c.Defect == extract.DefectZeroTime {
			c.CreatedAt = time.Time{}
		}
		if r.IntN(3) == 0 {
			c.Department = "Ghost"
		}
		d.complaints = append(d.complaints, c)
	}

	// Rows at the epoch and in 1965 (the spec sets no lower limit: they
	// count like any other), rows with a NULL id or text that is not
	// UTF-8: used by the rules of the data-quality sheet.
	for k := range len(d.orders)/100 + 2 {
		o := d.orders[r.IntN(len(d.orders))]
		o.ID = fmt.Sprintf("q%d", k)
		switch k % 3 {
		case 0:
			o.OrderedAt = time.Unix(int64(r.IntN(86400*300)), 0)
			if k%2 == 0 {
				o.OrderedAt = time.Date(1965, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), 0, 0, 0, shanghai)
			}
		case 1:
			o.Flags = extract.FlagIDMissing
		case 2:
			o.Flags = extract.FlagInvalidUTF8
		}
		d.orders = append(d.orders, o)
	}
	for k := range len(d.complaints)/30 + 5 {
		c := d.complaints[r.IntN(len(d.complaints))]
		c.ID = fmt.Sprintf("p%d", k)
		switch k % 5 {
		case 0:
			c.CreatedAt = time.Unix(int64(r.IntN(86400*300)), 0)
			if k%2 == 0 {
				c.CreatedAt = time.Date(1965, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, shanghai)
			}
		case 1:
			c.Flags = extract.FlagIDMissing
		case 2:
			c.Flags = extract.FlagInvalidUTF8
		case 3:
			c.Flags, c.Rated, c.Satisfaction = extract.FlagSatisfactionInvalid, false, 0
		case 4:
			c.Flags, c.ResolvedAt = extract.FlagResolvedAtInvalid, time.Time{}
		}
		d.complaints = append(d.complaints, c)
	}

	// Order lines: an order_id is not a key. Rows repeated exactly are
	// two lines; a refund line under its order's id, in its period or a
	// later one, is a refund like any other.
	for range len(d.orders)/40 + 2 {
		o := d.orders[r.IntN(len(d.orders))]
		if r.IntN(2) == 0 && o.Defect == extract.DefectNone {
			o.AmountCents = -(1 + r.Int64N(max(o.AmountCents, 1)))
			o.OrderedAt = o.OrderedAt.Add(upTo(60 * 24 * time.Hour))
		}
		d.orders = append(d.orders, o)
	}

	r.Shuffle(len(d.orders), func(i, j int) { d.orders[i], d.orders[j] = d.orders[j], d.orders[i] })
	r.Shuffle(len(d.complaints), func(i, j int) { d.complaints[i], d.complaints[j] = d.complaints[j], d.complaints[i] })
	return d
}

var (
	naiveDataOnce sync.Once
	naiveDataSets []naiveData
)

func naiveDatasets() []naiveData {
	naiveDataOnce.Do(func() {
		for _, s := range naiveSeeds {
			naiveDataSets = append(naiveDataSets, genData(s))
		}
	})
	return naiveDataSets
}

func fold(g transform.Granularity, loc *time.Location, orders []extract.Order, complaints []extract.Complaint) *transform.State {
	st := transform.New(g, loc)
	for _, o := range orders {
		st.AddOrder(o)
	}
	for _, c := range complaints {
		st.AddComplaint(c)
	}
	return st
}

// naiveCase is one reported period.
type naiveCase struct {
	p           transform.Period
	history     int
	atRiskLimit int
}

func (c naiveCase) String() string {
	return fmt.Sprintf("P=%s H=%d limit=%d", c.p, c.history, c.atRiskLimit)
}

func (c naiveCase) options() transform.Options {
	return transform.Options{History: c.history, AtRiskLimit: c.atRiskLimit}
}

// naiveCases picks the reported periods: a random one with the shortest
// history and a tiny at-risk limit, a random one with a longer history, one
// in the second year with a history reaching before the data, the first
// period of the data, and a period after all the data.
func naiveCases(seed uint64, g transform.Granularity, loc *time.Location) []naiveCase {
	r := rand.New(rand.NewPCG(seed, uint64(g)))
	first := naivePeriod(genMonth(0), g, loc)
	last := naivePeriod(genMonth(genMonths-1), g, loc)
	end := naivePeriod(genMonth(genMonths+genFuture-1), g, loc)
	span := last.Sub(first)
	perYear := 12 / naiveMonths(g)
	reach := first.Add(perYear + r.IntN(perYear+1))
	return []naiveCase{
		{first.Add(1 + r.IntN(span)), 2, 1 + r.IntN(3)},
		{first.Add(r.IntN(span + 1)), 3 + r.IntN(2*perYear), 500},
		{reach, reach.Sub(first) + 2 + r.IntN(3), 2 + r.IntN(8)},
		{first, 2 + r.IntN(3), 500},
		{end.Add(1), 2 + r.IntN(3), 500},
	}
}

// ----------------------------------------------------------------------------
// What the reference produces: its own types, named as the spec names
// things.

// refKind is how a figure is compared: counts and money exactly, quotients
// to a relative 1e-12.
type refKind uint8

const (
	refCount    refKind = iota + 1 // customers, orders, complaints
	refMoney                       // an amount in cents
	refQuotient                    // a ratio or an average; null when undefined
)

// refValue is one figure.
type refValue struct {
	kind refKind
	n    int64   // refCount, refMoney
	x    float64 // refQuotient
	null bool    // an undefined refQuotient
}

func (v refValue) String() string {
	switch {
	case v.kind == refCount:
		return fmt.Sprint(v.n)
	case v.kind == refMoney:
		return fmt.Sprintf("%d cents", v.n)
	case v.kind != refQuotient:
		return fmt.Sprintf("kind(%d)", v.kind)
	case v.null:
		return "null"
	}
	return fmt.Sprint(v.x)
}

func nCount[T int | int64](n T) refValue { return refValue{kind: refCount, n: int64(n)} }

func nCents(n int64) refValue { return refValue{kind: refMoney, n: n} }

func nQuotient(x float64) refValue { return refValue{kind: refQuotient, x: x} }

var nNull = refValue{kind: refQuotient, null: true}

// nRatio is num / den, null when den is 0.
func nRatio[T int | int64](num, den T) refValue {
	if den == 0 {
		return nNull
	}
	return nQuotient(float64(num) / float64(den))
}

// nPositiveRatio is num / den, null when den <= 0 (the revenue ratios).
func nPositiveRatio(num, den int64) refValue {
	if den <= 0 {
		return nNull
	}
	return nRatio(num, den)
}

// nAmount is cents / n in currency units, null when n is 0.
func nAmount[T int | int64](cents int64, n T) refValue {
	if n == 0 {
		return nNull
	}
	return nQuotient(float64(cents) / 100 / float64(n))
}

// v1Keys and v2Keys are the metric keys of the spec, in its order: the
// first release's and those of "Version 2 additions".
var (
	v1Keys = []string{
		"active_customers", "base_customers", "new_customers", "retained_customers", "churned_customers",
		"reactivated_customers", "customer_base", "retention_rate", "churn_rate", "relative_churn_rate",
		"revenue", "orders", "purchase_frequency", "avg_spend_per_customer", "avg_order_value",
		"revenue_retention_rate", "new_customer_retention_rate", "new_customers_per_month", "win_back_rate",
		"complaints", "complainants", "complaint_rate", "complaint_resolved_rate", "avg_resolution_hours",
		"complaint_satisfaction", "complainant_retention_rate", "non_complainant_retention_rate",
	}
	v2Keys = []string{
		"at_risk_customers", "at_risk_retention_rate",
		"revenue_new", "revenue_reactivated", "revenue_expansion", "revenue_contraction", "revenue_churned",
		"revenue_other", "gross_revenue_retention_rate",
	}
	specKeys = append(slices.Clone(v1Keys), v2Keys...)
)

// refFigures is every metric of one scope and period, by the spec's key.
type refFigures struct {
	Period transform.Period
	Values map[string]refValue
}

// refSignals says which at-risk signals fired.
type refSignals struct {
	Purchases bool // purchases in P below half their average over the lookback
	Revenue   bool // rev(c,P) below half its average over the lookback
	Complaint bool // a complaint open at the end of P, or created in P and rated 1–2
}

// refChurned is one row of the churned list.
type refChurned struct {
	Customer     string
	LastPurchase time.Time // midnight of the day of the last purchase in P-1, in the report zone
	RevPrev      int64     // rev(c,P-1), cents
	RevHistory   int64     // Σ rev(c,q) over the history window's periods q, cents
	OrdersPrev   int64     // purchases in P-1
	Share        refValue  // of the relative churn numerator
	Tier         string    // v2: problem, key, ordinary or small
	Categories   []string  // v2: the categories of its complaints created in P-1, sorted
}

// refAtRisk is one row of the at-risk list.
type refAtRisk struct {
	Customer       string
	Signals        refSignals
	ValueAtRisk    float64 // average rev per active period over the lookback (rev(c,P) with none), currency units
	Lookback       int     // earlier active periods averaged: 0 to 3
	AvgOrders      float64 // average purchases over them
	Orders         int64   // purchases in P
	Revenue        int64   // rev(c,P), cents
	LastPurchase   time.Time
	OpenComplaints int64  // complaints of c open at the end of P
	Tier           string // v2: its tier in B(P), "" when not in B(P)
}

// refFollowUp is one row of the at-risk follow-up: a customer of Risk(P-1)
// and what it did in P.
type refFollowUp struct {
	Customer    string
	Bought      bool       // in A(P)
	Revenue     int64      // rev(c,P), cents
	Orders      int64      // purchases in P
	ValueAtRisk float64    // at the end of P-1, currency units
	Signals     refSignals // at the end of P-1
}

// refCategory is one row of the complaints by category.
type refCategory struct {
	Category                                                       string
	Complaints, Complainants, Resolved, BaseComplainants, Retained int64
}

// refTier is one row of the value tiers.
type refTier struct {
	Tier                    string
	Base, Retained, Churned int64
	RevPrev, ChurnedRevPrev int64 // Σ rev(c,P-1) over the tier and over its churned, cents
	RetentionRate           refValue
	RelativeChurnRate       refValue
}

// refCohort is the customers acquired in one period and how many of them
// were active in each period since.
type refCohort struct {
	Period transform.Period
	Size   int64
	Active []int64
}

// refLists is every per-customer list and table of a scope's reported
// period.
type refLists struct {
	Churned     []refChurned
	AtRisk      []refAtRisk // cut to the at-risk limit
	AtRiskTotal int         // |Risk(P)|
	FollowUp    []refFollowUp
	Categories  []refCategory // by category
	Tiers       []refTier     // problem, key, ordinary, small
	Cohorts     []refCohort
}

// refScope is a department's or the company's part of a result.
type refScope struct {
	Company    bool
	Department string // "" for the company
	Figures    []refFigures
	YearAgo    refFigures
	Lists      refLists
}

type refFinding struct {
	Table, Reason string
	Handling      transform.Handling
	Count         int64
}

type refQuality struct {
	OrdersRead, ComplaintsRead, SkippedOrders, SkippedComplaints int64
	Findings                                                     []refFinding
}

// refResult is everything reported for one period.
type refResult struct {
	Period      transform.Period
	Periods     []transform.Period
	Location    string
	Company     refScope
	Departments []refScope // by name, Unassigned last
	Quality     refQuality
	// Extras is what only production computes, as text: the figures by
	// owner, the departments on the company's lists, the follow-up's
	// previous revenue and the data quality by department. Compared between
	// two production results only (merged and unsharded).
	Extras []string
}

// ----------------------------------------------------------------------------
// The naive implementation.

// naivePeriod cuts periods in loc, from the period keys' definition.
func naivePeriod(t time.Time, g transform.Granularity, loc *time.Location) transform.Period {
	y, m, _ := t.In(loc).Date()
	switch g {
	case transform.Month:
		return transform.Period{G: g, N: int32(y*12 + int(m) - 1)}
	case transform.Quarter:
		return transform.Period{G: g, N: int32(y*4 + (int(m)-1)/3)}
	}
	return transform.Period{G: g, N: int32(y)}
}

// naiveStart is the first instant of q in loc: midnight of its first day.
func naiveStart(q transform.Period, loc *time.Location) time.Time {
	n := int(q.N)
	switch q.G {
	case transform.Month:
		return time.Date(n/12, time.Month(n%12+1), 1, 0, 0, 0, 0, loc)
	case transform.Quarter:
		return time.Date(n/4, time.Month(n%4*3+1), 1, 0, 0, 0, 0, loc)
	}
	return time.Date(n, time.January, 1, 0, 0, 0, 0, loc)
}

// naiveMonths is the number of months in a period of g.
func naiveMonths(g transform.Granularity) int {
	switch g {
	case transform.Quarter:
		return 3
	case transform.Year:
		return 12
	}
	return 1
}

type cset map[string]bool

func inter(a, b cset) cset {
	s := cset{}
	for c := range a {
		if b[c] {
			s[c] = true
		}
	}
	return s
}

func minus(a, b cset) cset {
	s := cset{}
	for c := range a {
		if !b[c] {
			s[c] = true
		}
	}
	return s
}

func sorted(s cset) []string { return slices.Sorted(maps.Keys(s)) }

// naiveCP is what one customer did in one period of one scope.
type naiveCP struct {
	orders int64     // purchases
	rev    int64     // every amount, refunds included
	last   time.Time // the latest purchase, in the report zone
}

type naiveScope struct {
	per        map[transform.Period]map[string]*naiveCP
	first      map[string]transform.Period           // period of the first purchase ever
	complaints map[transform.Period][]naiveComplaint // by the period they were created in
	byCustomer map[string][]naiveComplaint           // those with a customer
	rows       map[transform.Period]bool             // periods with a usable row

	activeMemo map[transform.Period]cset                    // A(q), once built
	riskMemo   map[transform.Period]map[string]naiveRiskRow // Risk(q), once built
}

// naiveComplaint is a usable complaint, the period it was created in and
// its category key.
type naiveComplaint struct {
	extract.Complaint
	q        transform.Period
	category string
}

// refUncategorized is the category key of complaints whose category is
// NULL or empty.
const refUncategorized = "(uncategorized)"

type naiveModel struct {
	g       transform.Granularity
	loc     *time.Location
	company *naiveScope
	depts   map[string]*naiveScope

	ordersRead, complaintsRead, skippedOrders, skippedComplaints int64
	findings                                                     map[naiveFindingKey]int64
	orderPeriods, complaintPeriods                               []transform.Period // of the rows used
}

type naiveFindingKey struct {
	table, reason string
	handling      transform.Handling
}

// naiveRating is a complaint's satisfaction as the spec reads it: by
// value, a rating when in [1, 5] (2.5 included); anything else is not
// rated.
func naiveRating(c extract.Complaint) (float64, bool) {
	v := c.Satisfaction.Float()
	return v, c.Rated && v >= 1 && v <= 5
}

func (m *naiveModel) flagged(table string, f extract.Flag) {
	if f&extract.FlagIDMissing != 0 {
		m.findings[naiveFindingKey{table, transform.ReasonIDMissing, transform.Repaired}]++
	}
	if f&extract.FlagInvalidUTF8 != 0 {
		m.findings[naiveFindingKey{table, transform.ReasonInvalidUTF8, transform.Repaired}]++
	}
	if f&extract.FlagSatisfactionInvalid != 0 {
		m.findings[naiveFindingKey{table, transform.ReasonSatisfactionInvalid, transform.Repaired}]++
	}
	if f&extract.FlagResolvedAtInvalid != 0 {
		m.findings[naiveFindingKey{table, transform.ReasonResolvedAtInvalid, transform.Repaired}]++
	}
}

// naiveResolved: a complaint is resolved when its resolved_at is not NULL.
// One whose resolved_at cannot be read is not NULL: it was resolved, at a
// time nobody can tell (docs/RULES.md), so it is open at no period's end.
func naiveResolved(c extract.Complaint) bool {
	return !c.ResolvedAt.IsZero() || c.Flags&extract.FlagResolvedAtInvalid != 0
}

func newNaiveScope() *naiveScope {
	return &naiveScope{
		per: map[transform.Period]map[string]*naiveCP{}, first: map[string]transform.Period{},
		complaints: map[transform.Period][]naiveComplaint{}, byCustomer: map[string][]naiveComplaint{},
		rows: map[transform.Period]bool{}, activeMemo: map[transform.Period]cset{},
		riskMemo: map[transform.Period]map[string]naiveRiskRow{},
	}
}

func buildNaive(d naiveData, g transform.Granularity, loc *time.Location) *naiveModel {
	m := &naiveModel{g: g, loc: loc, company: newNaiveScope(), depts: map[string]*naiveScope{}, findings: map[naiveFindingKey]int64{}}
	scopes := func(dept string) []*naiveScope {
		if dept == "" {
			dept = transform.Unassigned
		}
		if m.depts[dept] == nil {
			m.depts[dept] = newNaiveScope()
		}
		return []*naiveScope{m.company, m.depts[dept]}
	}
	for _, o := range d.orders {
		m.ordersRead++
		if o.Defect != extract.DefectNone {
			m.skippedOrders++
			m.findings[naiveFindingKey{transform.TableOrders, o.Defect.String(), transform.Skipped}]++
			continue
		}
		m.flagged(transform.TableOrders, o.Flags)
		if o.Department == "" {
			m.findings[naiveFindingKey{transform.TableOrders, transform.ReasonDepartmentMissing, transform.Noted}]++
		}
		if o.AmountCents < 0 {
			m.findings[naiveFindingKey{transform.TableOrders, transform.ReasonRefund, transform.Noted}]++
		}
		if o.AmountCents == 0 {
			m.findings[naiveFindingKey{transform.TableOrders, transform.ReasonZeroAmount, transform.Noted}]++
		}
		q := naivePeriod(o.OrderedAt, g, loc)
		m.orderPeriods = append(m.orderPeriods, q)
		for _, sc := range scopes(o.Department) {
			sc.rows[q] = true
			if sc.per[q] == nil {
				sc.per[q] = map[string]*naiveCP{}
			}
			cp := sc.per[q][o.CustomerID]
			if cp == nil {
				cp = &naiveCP{}
				sc.per[q][o.CustomerID] = cp
			}
			cp.rev += o.AmountCents
			if o.AmountCents > 0 {
				cp.orders++
				if o.OrderedAt.After(cp.last) {
					cp.last = o.OrderedAt.In(loc)
				}
				if f, ok := sc.first[o.CustomerID]; !ok || q.Sub(f) < 0 {
					sc.first[o.CustomerID] = q
				}
			}
		}
	}
	for _, c := range d.complaints {
		m.complaintsRead++
		if c.Defect != extract.DefectNone {
			m.skippedComplaints++
			m.findings[naiveFindingKey{transform.TableComplaints, c.Defect.String(), transform.Skipped}]++
			continue
		}
		m.flagged(transform.TableComplaints, c.Flags)
		if c.Department == "" {
			m.findings[naiveFindingKey{transform.TableComplaints, transform.ReasonDepartmentMissing, transform.Noted}]++
		}
		if c.CustomerID == "" {
			m.findings[naiveFindingKey{transform.TableComplaints, transform.ReasonCustomerMissing, transform.Noted}]++
		}
		if _, ok := naiveRating(c); c.Rated && !ok {
			m.findings[naiveFindingKey{transform.TableComplaints, transform.ReasonSatisfactionRange, transform.Repaired}]++
		}
		if !c.ResolvedAt.IsZero() && c.ResolvedAt.Before(c.CreatedAt) {
			m.findings[naiveFindingKey{transform.TableComplaints, transform.ReasonResolvedBeforeCreated, transform.Repaired}]++
		}
		q := naivePeriod(c.CreatedAt, g, loc)
		m.complaintPeriods = append(m.complaintPeriods, q)
		k := naiveComplaint{Complaint: c, q: q, category: c.Category}
		if k.category == "" {
			k.category = refUncategorized
		}
		for _, sc := range scopes(c.Department) {
			sc.rows[q] = true
			sc.complaints[q] = append(sc.complaints[q], k)
			if c.CustomerID != "" {
				sc.byCustomer[c.CustomerID] = append(sc.byCustomer[c.CustomerID], k)
			}
		}
	}
	return m
}

func (sc *naiveScope) cp(c string, q transform.Period) naiveCP {
	if x := sc.per[q][c]; x != nil {
		return *x
	}
	return naiveCP{}
}

func (sc *naiveScope) rev(c string, q transform.Period) int64 { return sc.cp(c, q).rev }

// revOf is Σ rev(c, q) over s.
func (sc *naiveScope) revOf(s cset, q transform.Period) int64 {
	var sum int64
	for c := range s {
		sum += sc.rev(c, q)
	}
	return sum
}

// active is A(q). Callers do not modify it.
func (sc *naiveScope) active(q transform.Period) cset {
	if s, ok := sc.activeMemo[q]; ok {
		return s
	}
	s := cset{}
	for c, x := range sc.per[q] {
		if x.orders > 0 {
			s[c] = true
		}
	}
	sc.activeMemo[q] = s
	return s
}

// newIn is N(q).
func (sc *naiveScope) newIn(q transform.Period) cset {
	s := cset{}
	for c, f := range sc.first {
		if f == q {
			s[c] = true
		}
	}
	return s
}

// complainedIn is the customers with a complaint created in q.
func (sc *naiveScope) complainedIn(q transform.Period) cset {
	s := cset{}
	for _, k := range sc.complaints[q] {
		if k.CustomerID != "" {
			s[k.CustomerID] = true
		}
	}
	return s
}

func nLen(s cset) int64 { return int64(len(s)) }

// naiveRiskRow is a customer of Risk(q): the signals that fired and what
// its at-risk row shows.
type naiveRiskRow struct {
	signals           refSignals
	lookback          int64 // earlier active periods averaged, up to 3
	sumOrders, sumRev int64 // over them
	open              int64 // its complaints open at the end of q
}

// risk is Risk(q): every customer of A(q) for whom a signal fires.
func (m *naiveModel) risk(sc *naiveScope, q transform.Period) map[string]naiveRiskRow {
	if r, ok := sc.riskMemo[q]; ok {
		return r
	}
	end := naiveStart(q.Add(1), m.loc)
	out := map[string]naiveRiskRow{}
	for c := range sc.active(q) {
		now := sc.cp(c, q)
		var before []transform.Period
		for b, byCust := range sc.per {
			if b.Sub(q) < 0 && byCust[c] != nil && byCust[c].orders > 0 {
				before = append(before, b)
			}
		}
		slices.SortFunc(before, func(a, b transform.Period) int { return a.Sub(b) })
		if len(before) > 3 {
			before = before[len(before)-3:]
		}
		x := naiveRiskRow{lookback: int64(len(before))}
		for _, b := range before {
			x.sumOrders += sc.cp(c, b).orders
			x.sumRev += sc.cp(c, b).rev
		}
		x.signals.Purchases = x.lookback > 0 && 2*now.orders*x.lookback < x.sumOrders
		x.signals.Revenue = x.lookback > 0 && 2*now.rev*x.lookback < x.sumRev
		for _, k := range sc.byCustomer[c] {
			if k.CreatedAt.Before(end) && (!naiveResolved(k.Complaint) || (!k.ResolvedAt.IsZero() && !k.ResolvedAt.Before(end))) {
				x.open++
				x.signals.Complaint = true
			}
			if v, ok := naiveRating(k.Complaint); k.q == q && ok && v <= 2 {
				x.signals.Complaint = true
			}
		}
		if x.signals != (refSignals{}) {
			out[c] = x
		}
	}
	sc.riskMemo[q] = out
	return out
}

// figures computes every metric of the spec for one scope and period,
// straight from the sets.
func (m *naiveModel) figures(sc *naiveScope, q transform.Period) refFigures {
	prev := q.Add(-1)
	A, B := sc.active(q), sc.active(prev)
	R, L, N := inter(B, A), minus(B, A), sc.newIn(q)
	W := minus(minus(A, B), N)
	v := map[string]refValue{}

	v["active_customers"] = nCount(len(A))
	v["base_customers"] = nCount(len(B))
	v["new_customers"] = nCount(len(N))
	v["retained_customers"] = nCount(len(R))
	v["churned_customers"] = nCount(len(L))
	v["reactivated_customers"] = nCount(len(W))
	year := cset{}
	for k := range 12 / naiveMonths(m.g) {
		for c := range sc.active(q.Add(-k)) {
			year[c] = true
		}
	}
	v["customer_base"] = nCount(len(year))
	v["retention_rate"] = nRatio(len(R), len(B))
	v["churn_rate"] = nRatio(len(L), len(B))
	v["relative_churn_rate"] = nPositiveRatio(sc.revOf(L, prev), sc.revOf(B, prev))

	var revenue, orders int64
	for _, x := range sc.per[q] {
		revenue += x.rev
		orders += x.orders
	}
	v["revenue"] = nCents(revenue)
	v["orders"] = nCount(orders)
	v["purchase_frequency"] = nRatio(orders, nLen(A))
	v["avg_spend_per_customer"] = nAmount(revenue, len(A))
	v["avg_order_value"] = nAmount(revenue, orders)
	v["revenue_retention_rate"] = nPositiveRatio(sc.revOf(B, q), sc.revOf(B, prev))
	Nprev := sc.newIn(prev)
	v["new_customer_retention_rate"] = nRatio(len(inter(Nprev, A)), len(Nprev))
	v["new_customers_per_month"] = nQuotient(float64(len(N)) / float64(naiveMonths(m.g)))
	Lprev := minus(sc.active(q.Add(-2)), B)
	v["win_back_rate"] = nRatio(len(inter(Lprev, A)), len(Lprev))

	cs := sc.complaints[q]
	complainants := sc.complainedIn(q)
	v["complaints"] = nCount(len(cs))
	v["complainants"] = nCount(len(complainants))
	v["complaint_rate"] = nRatio(len(complainants), len(A))
	var resolved, timed, micros, rated int64
	var satSum float64
	for _, k := range cs {
		if naiveResolved(k.Complaint) {
			resolved++
		}
		if !k.ResolvedAt.IsZero() {
			if d := k.ResolvedAt.Sub(k.CreatedAt); d >= 0 {
				timed++
				micros += d.Microseconds()
			}
		}
		if v, ok := naiveRating(k.Complaint); ok {
			rated++
			satSum += v
		}
	}
	v["complaint_resolved_rate"] = nRatio(resolved, int64(len(cs)))
	v["avg_resolution_hours"] = nNull
	if timed > 0 {
		v["avg_resolution_hours"] = nQuotient(float64(micros) / (float64(timed) * float64(time.Hour/time.Microsecond)))
	}
	v["complaint_satisfaction"] = nNull
	if rated > 0 {
		v["complaint_satisfaction"] = nQuotient(satSum / float64(rated))
	}
	complained := sc.complainedIn(prev)
	withC, withoutC := inter(B, complained), minus(B, complained)
	v["complainant_retention_rate"] = nRatio(len(inter(withC, A)), len(withC))
	v["non_complainant_retention_rate"] = nRatio(len(inter(withoutC, A)), len(withoutC))

	// Version 2: at risk.
	risk, riskPrev := m.risk(sc, q), m.risk(sc, prev)
	kept := 0
	for c := range riskPrev {
		if A[c] {
			kept++
		}
	}
	v["at_risk_customers"] = nCount(len(risk))
	v["at_risk_retention_rate"] = nRatio(kept, len(riskPrev))

	// Version 2: the revenue bridge.
	var expansion, contraction, grossKept int64
	for c := range R {
		now, then := sc.rev(c, q), sc.rev(c, prev)
		expansion += max(0, now-then)
		contraction += max(0, then-now)
		grossKept += min(now, then)
	}
	var other int64
	for c, x := range sc.per[q] {
		if !A[c] {
			other += x.rev
		}
	}
	for c, x := range sc.per[prev] {
		if !B[c] {
			other -= x.rev
		}
	}
	v["revenue_new"] = nCents(sc.revOf(N, q))
	v["revenue_reactivated"] = nCents(sc.revOf(W, q))
	v["revenue_expansion"] = nCents(expansion)
	v["revenue_contraction"] = nCents(contraction)
	v["revenue_churned"] = nCents(sc.revOf(L, prev))
	v["revenue_other"] = nCents(other)
	v["gross_revenue_retention_rate"] = nPositiveRatio(grossKept, sc.revOf(B, prev))
	return refFigures{Period: q, Values: v}
}

// bridgeKeys are the terms of the revenue bridge, each with its sign.
var bridgeKeys = []struct {
	key  string
	sign int64
}{
	{"revenue_new", 1}, {"revenue_reactivated", 1}, {"revenue_expansion", 1},
	{"revenue_contraction", -1}, {"revenue_churned", -1}, {"revenue_other", 1},
}

// bridgeGap is revenue(P) - revenue(P-1) less the sum of the bridge's
// terms, in cents: 0 when the bridge is exact. ok is false when a figure it
// needs is missing.
func bridgeGap(cur, prev refFigures) (gap int64, ok bool) {
	now, ok1 := cur.Values["revenue"]
	then, ok2 := prev.Values["revenue"]
	if !ok1 || !ok2 || prev.Period.Add(1) != cur.Period {
		return 0, false
	}
	gap = now.n - then.n
	for _, b := range bridgeKeys {
		v, ok := cur.Values[b.key]
		if !ok {
			return 0, false
		}
		gap -= b.sign * v.n
	}
	return gap, true
}

// problem is the problem customers of B(p): rev(c,p-1) <= 0, or two or
// more complaints created in p-1 in this scope.
func (m *naiveModel) problem(sc *naiveScope, p transform.Period) cset {
	prev := p.Add(-1)
	complaints := map[string]int{}
	for _, k := range sc.complaints[prev] {
		if k.CustomerID != "" {
			complaints[k.CustomerID]++
		}
	}
	s := cset{}
	for c := range sc.active(prev) {
		if sc.rev(c, prev) <= 0 || complaints[c] >= 2 {
			s[c] = true
		}
	}
	return s
}

// rankTiers ranks members by rev(c, prev) descending: ranks up to
// ceil(20 %) are key and up to ceil(50 %) ordinary, the rest small, and a
// customer tied with the last of a higher tier joins it.
func rankTiers(sc *naiveScope, prev transform.Period, members cset) map[string]string {
	ranked := sorted(members)
	slices.SortStableFunc(ranked, func(a, b string) int { return cmp.Compare(sc.rev(b, prev), sc.rev(a, prev)) })
	tier := map[string]string{}
	n := len(ranked)
	if n == 0 {
		return tier
	}
	keyRank, ordRank := (n*20+99)/100, (n*50+99)/100
	keyMin, ordMin := sc.rev(ranked[keyRank-1], prev), sc.rev(ranked[ordRank-1], prev)
	for _, c := range ranked {
		switch r := sc.rev(c, prev); {
		case r >= keyMin:
			tier[c] = "key"
		case r >= ordMin:
			tier[c] = "ordinary"
		default:
			tier[c] = "small"
		}
	}
	return tier
}

// tierOf is the tier of every customer of B(p): problem customers first,
// the rest ranked.
func (m *naiveModel) tierOf(sc *naiveScope, p transform.Period) map[string]string {
	prob := m.problem(sc, p)
	tier := rankTiers(sc, p.Add(-1), minus(sc.active(p.Add(-1)), prob))
	for c := range prob {
		tier[c] = "problem"
	}
	return tier
}

// tierRows sums B(p) by tier, one row per name, in that order.
func (m *naiveModel) tierRows(sc *naiveScope, p transform.Period, tier map[string]string, names []string) []refTier {
	prev := p.Add(-1)
	A := sc.active(p)
	var out []refTier
	for _, name := range names {
		t := refTier{Tier: name}
		for c, k := range tier {
			if k != name {
				continue
			}
			t.Base++
			t.RevPrev += sc.rev(c, prev)
			if A[c] {
				t.Retained++
			} else {
				t.Churned++
				t.ChurnedRevPrev += sc.rev(c, prev)
			}
		}
		t.RetentionRate = nRatio(t.Retained, t.Base)
		t.RelativeChurnRate = nPositiveRatio(t.ChurnedRevPrev, t.RevPrev)
		out = append(out, t)
	}
	return out
}

func (m *naiveModel) churned(sc *naiveScope, periods []transform.Period, p transform.Period) []refChurned {
	prev := p.Add(-1)
	L := minus(sc.active(prev), sc.active(p))
	total := sc.revOf(L, prev)
	tier := m.tierOf(sc, p)
	var out []refChurned
	for _, c := range sorted(L) {
		x := sc.cp(c, prev)
		cats := cset{}
		for _, k := range sc.complaints[prev] {
			if k.CustomerID == c {
				cats[k.category] = true
			}
		}
		var history int64
		for _, q := range periods {
			history += sc.rev(c, q)
		}
		out = append(out, refChurned{
			Customer: c, LastPurchase: dayOf(x.last), RevPrev: x.rev, OrdersPrev: x.orders,
			Share: nPositiveRatio(x.rev, total), Tier: tier[c], Categories: sorted(cats), RevHistory: history,
		})
	}
	slices.SortStableFunc(out, func(a, b refChurned) int { return cmp.Compare(b.RevPrev, a.RevPrev) })
	return out
}

// atRisk returns the rows of Risk(q), sorted by value at risk, before the
// limit.
func (m *naiveModel) atRisk(sc *naiveScope, q transform.Period) []refAtRisk {
	type row struct {
		refAtRisk
		num, den int64 // the value at risk is num / den / 100, exactly
	}
	tier := m.tierOf(sc, q)
	var rows []row
	for c, x := range m.risk(sc, q) {
		now := sc.cp(c, q)
		r := row{refAtRisk: refAtRisk{
			Customer: c, Signals: x.signals, Lookback: int(x.lookback), Orders: now.orders, Revenue: now.rev,
			LastPurchase: dayOf(now.last), OpenComplaints: x.open, Tier: tier[c],
		}}
		r.num, r.den = now.rev, 1
		if x.lookback > 0 {
			r.num, r.den = x.sumRev, x.lookback
			r.AvgOrders = float64(x.sumOrders) / float64(x.lookback)
		}
		r.ValueAtRisk = float64(r.num) / float64(r.den*100)
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(b.num*a.den, a.num*b.den), strings.Compare(a.Customer, b.Customer))
	})
	out := make([]refAtRisk, len(rows))
	for i, x := range rows {
		out[i] = x.refAtRisk
	}
	return out
}

// followUp is Risk(p-1) by value at risk, cut to limit, with what each did
// in p.
func (m *naiveModel) followUp(sc *naiveScope, p transform.Period, limit int) []refFollowUp {
	rows := m.atRisk(sc, p.Add(-1))
	var out []refFollowUp
	for _, x := range rows[:min(limit, len(rows))] {
		now := sc.cp(x.Customer, p)
		out = append(out, refFollowUp{
			Customer: x.Customer, Bought: sc.active(p)[x.Customer], Revenue: now.rev, Orders: now.orders,
			ValueAtRisk: x.ValueAtRisk, Signals: x.Signals,
		})
	}
	return out
}

// categories is the complaints of p by category, and the retention of the
// base's complainants of p-1 by category; every category with a figure.
func (m *naiveModel) categories(sc *naiveScope, p transform.Period) []refCategory {
	prev := p.Add(-1)
	A, B := sc.active(p), sc.active(prev)
	names := cset{}
	for _, q := range []transform.Period{p, prev} {
		for _, k := range sc.complaints[q] {
			names[k.category] = true
		}
	}
	var out []refCategory
	for _, name := range sorted(names) {
		row := refCategory{Category: name}
		complainants, base := cset{}, cset{}
		for _, k := range sc.complaints[p] {
			if k.category != name {
				continue
			}
			row.Complaints++
			if naiveResolved(k.Complaint) {
				row.Resolved++
			}
			if k.CustomerID != "" {
				complainants[k.CustomerID] = true
			}
		}
		for _, k := range sc.complaints[prev] {
			if k.category == name && B[k.CustomerID] {
				base[k.CustomerID] = true
			}
		}
		row.Complainants = nLen(complainants)
		row.BaseComplainants = nLen(base)
		row.Retained = nLen(inter(base, A))
		if row != (refCategory{Category: name}) {
			out = append(out, row)
		}
	}
	return out
}

func (m *naiveModel) cohorts(sc *naiveScope, periods []transform.Period, p transform.Period) []refCohort {
	var out []refCohort
	for _, q := range periods {
		N := sc.newIn(q)
		co := refCohort{Period: q, Size: nLen(N)}
		for k := 0; k <= p.Sub(q); k++ {
			co.Active = append(co.Active, nLen(inter(N, sc.active(q.Add(k)))))
		}
		out = append(out, co)
	}
	return out
}

var refTierNames = []string{"problem", "key", "ordinary", "small"}

func (m *naiveModel) scope(sc *naiveScope, dept string, periods []transform.Period, p transform.Period, limit int) refScope {
	s := refScope{Company: dept == "", Department: dept}
	for _, q := range periods {
		s.Figures = append(s.Figures, m.figures(sc, q))
	}
	s.YearAgo = m.figures(sc, p.Add(-12/naiveMonths(m.g)))
	all := m.atRisk(sc, p)
	s.Lists = refLists{
		Churned:     m.churned(sc, periods, p),
		AtRisk:      all[:min(limit, len(all))],
		AtRiskTotal: len(all),
		FollowUp:    m.followUp(sc, p, limit),
		Categories:  m.categories(sc, p),
		Tiers:       m.tierRows(sc, p, m.tierOf(sc, p), refTierNames),
		Cohorts:     m.cohorts(sc, periods, p),
	}
	return s
}

// scopeNames is the departments with a scope for p: those with a row in
// the history window or the period before it, by name, Unassigned last.
func (m *naiveModel) scopeNames(p transform.Period, history int) []string {
	var names []string
	for name, sc := range m.depts {
		for k := 0; k <= history; k++ {
			if sc.rows[p.Add(-k)] {
				names = append(names, name)
				break
			}
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(b2i(a == transform.Unassigned), b2i(b == transform.Unassigned)), strings.Compare(a, b))
	})
	return names
}

// scopeOf is the naive scope of a reported one.
func (m *naiveModel) scopeOf(s *refScope) *naiveScope {
	if s.Company {
		return m.company
	}
	return m.depts[s.Department]
}

// compute is the naive result of p.
func (m *naiveModel) compute(p transform.Period, opt transform.Options) *refResult {
	res := &refResult{Period: p, Location: m.loc.String()}
	for k := opt.History - 1; k >= 0; k-- {
		res.Periods = append(res.Periods, p.Add(-k))
	}
	res.Company = m.scope(m.company, "", res.Periods, p, opt.AtRiskLimit)
	for _, name := range m.scopeNames(p, opt.History) {
		res.Departments = append(res.Departments, m.scope(m.depts[name], name, res.Periods, p, opt.AtRiskLimit))
	}
	res.Quality = refQuality{OrdersRead: m.ordersRead, ComplaintsRead: m.complaintsRead, SkippedOrders: m.skippedOrders, SkippedComplaints: m.skippedComplaints}
	for k, n := range m.findings {
		res.Quality.Findings = append(res.Quality.Findings, refFinding{Table: k.table, Reason: k.reason, Handling: k.handling, Count: n})
	}
	for _, t := range []struct {
		table   string
		periods []transform.Period
	}{{transform.TableOrders, m.orderPeriods}, {transform.TableComplaints, m.complaintPeriods}} {
		var after int64
		for _, q := range t.periods {
			if q.Sub(p) > 0 {
				after++
			}
		}
		if after > 0 {
			res.Quality.Findings = append(res.Quality.Findings, refFinding{Table: t.table, Reason: transform.ReasonAfterPeriod, Handling: transform.Noted, Count: after})
		}
	}
	sortFindings(res.Quality.Findings)
	return res
}

func sortFindings(fs []refFinding) {
	slices.SortFunc(fs, func(a, b refFinding) int {
		return cmp.Or(cmp.Compare(a.Handling, b.Handling), strings.Compare(a.Table, b.Table), strings.Compare(a.Reason, b.Reason))
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dayOf is midnight, in the same zone, of the day of t: the lists give
// the day of the last purchase.
func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// ----------------------------------------------------------------------------
// The tests.

func TestNaiveDifferential(t *testing.T) {
	t.Parallel()
	cov := &naiveCoverage{n: map[string]int{}}
	t.Run("seeds", func(t *testing.T) {
		for _, data := range naiveDatasets() {
			for _, loc := range naiveZones {
				for _, g := range transform.Granularities {
					label := fmt.Sprintf("seed=%d/%s/%s", data.seed, zoneName(loc), g)
					t.Run(label, func(t *testing.T) {
						t.Parallel()
						st := fold(g, loc, data.orders, data.complaints)
						model := buildNaive(data, g, loc)
						d := &resultDiff{t: t}
						for _, c := range naiveCases(data.seed, g, loc) {
							got, err := st.Compute(c.p, c.options())
							if err != nil {
								t.Errorf("%s %s: %v", label, c, err)
								continue
							}
							want := model.compute(c.p, c.options())
							cov.add(model, want)
							d.label = fmt.Sprintf("%s %s", label, c)
							compareResults(d, want, productionResult(got), cmpMode{findings: true, reference: true})
						}
					})
				}
			}
		}
	})
	cov.require(t, []string{
		"relative churn null with a base", "revenue retention null with a base", "complainant retention defined",
		"reactivated", "win-back defined", "churned list", "churned share null", "at-risk truncated",
		"at-risk lookback 0", "at-risk lookback 1", "at-risk lookback 3", "at-risk signal purchases",
		"at-risk signal revenue", "at-risk signal complaint", "at-risk open complaints",
		"at-risk complaint signal from a complaint of an earlier period", "at-risk without a tier",
		"complaint resolved exactly at the end of a history period", "at-risk retention defined",
		"revenue_other non-zero", "gross revenue retention null with a base", "resolution time with a fraction of a millisecond",
		"tier tie promoted to key", "problem tier by revenue <= 0", "problem tier by two complaints",
		"churned with categories", "category (uncategorized)", "category with odd text",
		"follow-up cut to the limit", "follow-up bought", "follow-up did not buy", "unassigned scope",
	})
}

// TestNaiveBridgeIdentity checks the reference's revenue bridge to the cent
// on every scope and period of every data set, granularity and zone: the
// figures compared with production are only as good as this identity.
func TestNaiveBridgeIdentity(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	nonZero := map[string]int{}
	t.Run("seeds", func(t *testing.T) {
		for _, data := range naiveDatasets() {
			for _, loc := range naiveZones {
				for _, g := range transform.Granularities {
					label := fmt.Sprintf("seed=%d/%s/%s", data.seed, zoneName(loc), g)
					t.Run(label, func(t *testing.T) {
						t.Parallel()
						m := buildNaive(data, g, loc)
						lo := naivePeriod(genMonth(0), g, loc).Add(-1)
						hi := naivePeriod(genMonth(genMonths+genFuture), g, loc).Add(1)
						scopes := map[string]*naiveScope{"company": m.company}
						for name, sc := range m.depts {
							scopes["department "+name] = sc
						}
						for name, sc := range scopes {
							prev := m.figures(sc, lo.Add(-1))
							for q := lo; q.Sub(hi) <= 0; q = q.Add(1) {
								cur := m.figures(sc, q)
								if gap, ok := bridgeGap(cur, prev); !ok || gap != 0 {
									t.Errorf("%s %s %s: revenue %v, in P-1 %v; the bridge (%s) misses the change by %d cents (all keys: %v)",
										label, name, q, cur.Values["revenue"], prev.Values["revenue"], bridgeTerms(cur), gap, ok)
								}
								mu.Lock()
								for _, b := range bridgeKeys {
									if cur.Values[b.key].n != 0 {
										nonZero[b.key]++
									}
								}
								mu.Unlock()
								prev = cur
							}
						}
					})
				}
			}
		}
	})
	for _, b := range bridgeKeys {
		if nonZero[b.key] == 0 {
			t.Errorf("%s is 0 in every scope and period: the identity does not exercise it", b.key)
		}
	}
}

func bridgeTerms(f refFigures) string {
	var parts []string
	for _, b := range bridgeKeys {
		parts = append(parts, fmt.Sprintf("%s=%v", b.key, f.Values[b.key]))
	}
	return strings.Join(parts, " ")
}

// TestNaiveWorkedExample checks the reference alone against every key of
// worked_example.json, v1 and v2, from the rows of worked_example.sql: a
// reference that disagrees with the hand-worked figures would make the
// differential test prove nothing.
func TestNaiveWorkedExample(t *testing.T) {
	t.Parallel()
	want := loadWorkedExample(t)
	if want.Granularity != "month" || want.Timezone != "Asia/Shanghai" {
		t.Fatalf("worked example is %s in %s; this test reads months in Shanghai", want.Granularity, want.Timezone)
	}
	m := buildNaive(naiveData{orders: workedOrders(), complaints: workedComplaints()}, transform.Month, shanghai)
	if m.skippedOrders != want.SkippedOrderRows {
		t.Errorf("skipped order rows = %d, want %d", m.skippedOrders, want.SkippedOrderRows)
	}
	compared := 0
	for _, row := range want.Rows {
		sc, name := m.company, "company"
		if dept, ok := row["department"].(string); ok {
			sc, name = m.depts[dept], dept
		}
		if sc == nil {
			t.Fatalf("the reference has no scope %s", name)
		}
		period, _ := row["period"].(string)
		q, err := transform.ParsePeriod(period)
		if err != nil {
			t.Fatal(err)
		}
		got := m.figures(sc, q)
		for key, w := range row {
			if key == "department" || key == "period" {
				continue
			}
			g, ok := got.Values[key]
			if !ok {
				t.Errorf("%s %s: the reference has no %s", name, period, key)
				continue
			}
			if msg := jsonMismatch(g, w); msg != "" {
				t.Errorf("%s %s %s: %s", name, period, key, msg)
			}
			compared++
		}
		for _, key := range specKeys {
			if _, ok := row[key]; !ok {
				t.Errorf("worked_example.json %s %s lacks %s", name, period, key)
			}
		}
		if len(got.Values) != len(specKeys) {
			t.Errorf("%s %s: the reference has %d keys, the spec %d", name, period, len(got.Values), len(specKeys))
		}
		prev := m.figures(sc, q.Add(-1))
		if gap, ok := bridgeGap(got, prev); !ok || gap != 0 {
			t.Errorf("%s %s: the bridge misses revenue(P) - revenue(P-1) by %d cents (ok=%v)", name, period, gap, ok)
		}
	}
	if compared != 4*len(specKeys) {
		t.Errorf("compared %d figures, want %d (4 rows of every key)", compared, 4*len(specKeys))
	}
	// The at-risk sets the spec states (华东).
	for period, want := range map[string][]string{"2026-08": {"1", "3"}, "2026-09": {"1", "2", "4"}} {
		q, _ := transform.ParsePeriod(period)
		if got := slices.Sorted(maps.Keys(m.risk(m.depts["华东"], q))); !slices.Equal(got, want) {
			t.Errorf("华东 Risk(%s) = %v, want %v", period, got, want)
		}
	}
}

// jsonMismatch says how a figure differs from its value in
// worked_example.json ("" when it does not): counts exactly, money to the
// cent, ratios to 1e-9, null as an undefined ratio.
func jsonMismatch(got refValue, want any) string {
	if want == nil {
		if got.kind != refQuotient || !got.null {
			return fmt.Sprintf("%v, want null", got)
		}
		return ""
	}
	w, ok := want.(float64)
	if !ok {
		return fmt.Sprintf("the JSON holds %T %v", want, want)
	}
	switch got.kind {
	case refCount:
		if float64(got.n) != w {
			return fmt.Sprintf("%v, want %v", got, w)
		}
	case refMoney:
		if got.n != int64(math.Round(w*100)) {
			return fmt.Sprintf("%v, want %v", got, w)
		}
	default:
		if got.null || math.Abs(got.x-w) > 1e-9 {
			return fmt.Sprintf("%v, want %v", got, w)
		}
	}
	return ""
}

// shardOf spreads customers over k shards by a hash of the id.
func shardOf(customer string, k int) int {
	h := fnv.New32a()
	h.Write([]byte(customer))
	return int(h.Sum32() % uint32(k))
}

// setOwners gives every customer of the orders an owner, as the customers
// query would: one of four reps, or none.
func setOwners(st *transform.State, orders []extract.Order) {
	for _, o := range orders {
		h := fnv.New32a()
		h.Write([]byte(o.CustomerID))
		if n := h.Sum32() % 5; n > 0 {
			st.SetOwner(o.CustomerID, fmt.Sprintf("rep%d", n))
		} else {
			st.SetOwner(o.CustomerID, "")
		}
	}
}

func TestNaiveMergeEqualsUnsharded(t *testing.T) {
	t.Parallel()
	for _, data := range naiveDatasets() {
		for _, g := range transform.Granularities {
			t.Run(fmt.Sprintf("seed=%d/%s", data.seed, g), func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(data.seed, 77+uint64(g)))
				whole := fold(g, shanghai, data.orders, data.complaints)
				setOwners(whole, data.orders)
				cases := naiveCases(data.seed, g, shanghai)
				cases = []naiveCase{cases[0], cases[2]}

				type split struct {
					name  string
					order func(i int, o extract.Order) []int // shards the row goes to
					compl func(i int, c extract.Complaint) []int
				}
				k := 2 + r.IntN(3)
				// overlap folds a random tenth of the rows twice: into a
				// shard with every row and into a second one.
				twice := func() bool { return r.IntN(10) == 0 }
				var extraOrders []extract.Order
				var extraComplaints []extract.Complaint
				splits := []split{
					{"by-customer", func(_ int, o extract.Order) []int { return []int{shardOf(o.CustomerID, k)} },
						func(_ int, c extract.Complaint) []int { return []int{shardOf(c.CustomerID, k)} }},
					{"random-rows", func(int, extract.Order) []int { return []int{r.IntN(k)} },
						func(int, extract.Complaint) []int { return []int{r.IntN(k)} }},
					{"overlapping", func(_ int, o extract.Order) []int {
						if twice() {
							extraOrders = append(extraOrders, o)
							return []int{0, 1}
						}
						return []int{0}
					}, func(_ int, c extract.Complaint) []int {
						if twice() {
							extraComplaints = append(extraComplaints, c)
							return []int{0, 1}
						}
						return []int{0}
					}},
				}
				d := &resultDiff{t: t}
				for _, sp := range splits {
					shards := make([]*transform.State, k)
					for i := range shards {
						shards[i] = transform.New(g, shanghai)
					}
					extraOrders, extraComplaints = nil, nil
					for i, o := range data.orders {
						for _, s := range sp.order(i, o) {
							shards[s].AddOrder(o)
						}
					}
					for i, c := range data.complaints {
						for _, s := range sp.compl(i, c) {
							shards[s].AddComplaint(c)
						}
					}
					for _, sh := range shards {
						setOwners(sh, data.orders)
					}
					ref := whole
					if sp.name == "overlapping" {
						ref = fold(g, shanghai, append(slices.Clone(data.orders), extraOrders...), append(slices.Clone(data.complaints), extraComplaints...))
						setOwners(ref, data.orders)
					}
					// Merge into an empty State; check a merged-in shard is
					// left unchanged.
					merged := transform.New(g, shanghai)
					last := shards[k-1]
					lastBefore, err := last.Compute(cases[0].p, cases[0].options())
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range shards {
						merged.Merge(s)
					}
					lastAfter, _ := last.Compute(cases[0].p, cases[0].options())
					d.label = fmt.Sprintf("seed=%d %s split=%s k=%d: merged-in shard changed by Merge", data.seed, g, sp.name, k)
					compareResults(d, productionResult(lastBefore), productionResult(lastAfter), cmpMode{findings: true})
					for _, c := range cases {
						want, err := ref.Compute(c.p, c.options())
						if err != nil {
							t.Fatal(err)
						}
						got, err := merged.Compute(c.p, c.options())
						if err != nil {
							t.Fatal(err)
						}
						d.label = fmt.Sprintf("seed=%d %s %s split=%s k=%d: merged vs unsharded", data.seed, g, c, sp.name, k)
						compareResults(d, productionResult(want), productionResult(got), cmpMode{findings: true})
						// Which ids are examples may change with the split; how
						// many may not (every row of a finding has an id, or
						// none has).
						examples := map[string]int{}
						for _, f := range want.Quality.Findings {
							examples[f.Table+"/"+f.Reason+"/"+f.Handling.String()] = len(f.Examples)
						}
						for _, f := range got.Quality.Findings {
							if n := examples[f.Table+"/"+f.Reason+"/"+f.Handling.String()]; len(f.Examples) != n {
								d.errorf("finding %s/%s has %d examples, want %d", f.Table, f.Reason, len(f.Examples), n)
							}
						}
					}
				}
			})
		}
	}
}

// TestNaiveLaterRowsIgnored checks that rows after the reported period
// change nothing but the quality counts: folding only the rows created up to
// the end of P gives the same result. A complaint created by then keeps its
// resolution time, however late: a later resolution never changes a past
// period.
func TestNaiveLaterRowsIgnored(t *testing.T) {
	t.Parallel()
	for _, data := range naiveDatasets() {
		for _, loc := range naiveZones {
			for _, g := range transform.Granularities {
				label := fmt.Sprintf("seed=%d/%s/%s", data.seed, zoneName(loc), g)
				t.Run(label, func(t *testing.T) {
					t.Parallel()
					whole := fold(g, loc, data.orders, data.complaints)
					d := &resultDiff{t: t}
					for _, c := range naiveCases(data.seed, g, loc)[:2] {
						end := naiveStart(c.p.Add(1), loc)
						var orders []extract.Order
						for _, o := range data.orders {
							if o.Defect == extract.DefectNone && o.OrderedAt.Before(end) {
								orders = append(orders, o)
							}
						}
						var complaints []extract.Complaint
						for _, k := range data.complaints {
							if k.Defect == extract.DefectNone && k.CreatedAt.Before(end) {
								complaints = append(complaints, k)
							}
						}
						want, err := whole.Compute(c.p, c.options())
						if err != nil {
							t.Fatal(err)
						}
						got, err := fold(g, loc, orders, complaints).Compute(c.p, c.options())
						if err != nil {
							t.Fatal(err)
						}
						got.Quality = want.Quality
						d.label = fmt.Sprintf("%s %s: only rows up to the end of P vs all rows", label, c)
						compareResults(d, productionResult(want), productionResult(got), cmpMode{})
					}
				})
			}
		}
	}
}
