package transform_test

// A randomized differential test: transform against a second, deliberately
// naive implementation of docs/metrics.md (and the rules doc.go
// adds), written here from the spec alone: per scope, per period, per
// customer sums, and sets of customer ids built from them. Nothing is
// incremental: every number is recomputed from those sets for each period
// it is asked for (only A(q) is remembered once built).
//
// TestNaiveMergeEqualsUnsharded checks that sharded folds merge into the
// unsharded State, and TestNaiveLaterRowsIgnored that rows after the
// reported period change nothing.

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

// ----------------------------------------------------------------------------
// The generator.

const (
	genMonths = 48 // 2022-01 … 2025-12: the bulk of the history
	genFuture = 18 // 2026-01 … 2027-06: sparse rows after most reported periods
)

var genEpoch = at("2022-01-01 00:00:00")

// genMonth is the first instant of the i-th month of the data, in Shanghai.
func genMonth(i int) time.Time { return genEpoch.AddDate(0, i, 0) }

var minusFive = time.FixedZone("UTC-5", -5*3600)

// newYork is the second report zone the differential test cuts periods
// in: behind UTC, with daylight saving time.
var newYork = mustLoad("America/New_York")

// reportZones are the zones TestNaiveDifferential reports in.
var reportZones = []*time.Location{shanghai, newYork}

type naiveData struct {
	seed       uint64
	orders     []extract.Order
	complaints []extract.Complaint
}

// genData makes a deterministic data set: a few hundred customers over four
// years in several departments, with refunds, zero amounts, customers who
// only ever refund, rows at and one second before period starts, rows in
// other time zones, defective rows, complaints with and without a customer,
// open, resolved, resolved before created, rated in and out of 1–5, from
// customers who never ordered, and rows after the reported periods.
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
	// randIn is a random instant of month m, to the microsecond (as
	// DATETIME(6) and TIMESTAMP(6) keep them).
	randIn := func(m int) time.Time {
		start, end := genMonth(m), genMonth(m+1)
		return start.Add(time.Duration(r.Int64N(int64(end.Sub(start)/time.Microsecond))) * time.Microsecond)
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
	// purchases, so that revenue denominators are <= 0.
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
	// Rows exactly at the start of a period in each report zone, one
	// second and one microsecond before it.
	for m := 1; m < genMonths+genFuture; m++ {
		if m%12 != 0 && r.IntN(2) == 0 {
			continue
		}
		for _, loc := range reportZones {
			y, mo, _ := genMonth(m).Date()
			start := time.Date(y, mo, 1, 0, 0, 0, 0, loc)
			for range 1 + r.IntN(3) {
				order(custs[r.IntN(nCust)], mainDepts[r.IntN(len(mainDepts))], start, purchase())
				order(custs[r.IntN(nCust)], mainDepts[r.IntN(len(mainDepts))], start.Add(-time.Second), purchase())
				order(custs[r.IntN(nCust)], mainDepts[r.IntN(len(mainDepts))], start.Add(-time.Microsecond), purchase())
			}
		}
	}

	// Complaints: half tied to an order (same customer and department, that
	// month or the next), half anywhere.
	complaintDepts := append(slices.Clone(mainDepts), "Tiny", "Service")
	usable := slices.Clone(d.orders)
	for i := range 4 * nCust {
		c := extract.Complaint{ID: fmt.Sprintf("k%d", i+1), Category: "quality"}
		var ts time.Time
		if r.IntN(2) == 0 {
			o := usable[r.IntN(len(usable))]
			c.CustomerID, c.Department = o.CustomerID, o.Department
			m := 0
			for genMonth(m+1).Compare(o.OrderedAt) <= 0 {
				m++
			}
			ts = randIn(min(m+r.IntN(2), genMonths+genFuture-1))
		} else {
			c.CustomerID = custs[r.IntN(nCust)]
			switch r.IntN(10) {
			case 0:
				c.CustomerID = ""
			case 1:
				c.CustomerID = fmt.Sprintf("Z%03d", r.IntN(30)) // never ordered
			}
			c.Department = complaintDepts[r.IntN(len(complaintDepts))]
			m := r.IntN(genMonths + genFuture)
			switch r.IntN(10) {
			case 0:
				ts = genMonth(m)
			case 1:
				ts = genMonth(m).Add(-time.Second)
			default:
				ts = randIn(m)
			}
		}
		c.CreatedAt = inZone(ts)
		switch x := r.IntN(20); {
		case x < 6: // open
		case x < 7:
			c.ResolvedAt = ts.Add(-time.Duration(1+r.Int64N(100*3600)) * time.Second)
		case x < 8:
			c.ResolvedAt = ts
		default:
			c.ResolvedAt = inZone(ts.Add(time.Duration(1+r.Int64N(500*3600*1e6)) * time.Microsecond))
		}
		if r.IntN(3) > 0 {
			c.Rated, c.Satisfaction = true, 1+r.IntN(5)
			if r.IntN(8) == 0 {
				c.Satisfaction = []int{0, 6, -1, 10}[r.IntN(4)]
			}
		} else if r.IntN(4) == 0 {
			c.Satisfaction = 1 // not rated: must be ignored
		}
		d.complaints = append(d.complaints, c)
	}

	// Defective rows: copies of good rows that must be skipped, some in a
	// department (and of a customer) that has no other row.
	orderDefects := []extract.Defect{extract.DefectNullCustomer, extract.DefectNullTime, extract.DefectBadTime,
		extract.DefectNullAmount, extract.DefectBadAmount, extract.DefectAmountRange}
	for range len(d.orders)/50 + 1 {
		o := d.orders[r.IntN(len(d.orders))]
		o.ID = fmt.Sprintf("o%d", len(d.orders)+1)
		o.Defect = orderDefects[r.IntN(len(orderDefects))]
		switch o.Defect {
		case extract.DefectNullCustomer:
			o.CustomerID = ""
		case extract.DefectNullTime:
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
	complaintDefects := []extract.Defect{extract.DefectNullTime, extract.DefectBadTime}
	for range len(d.complaints)/50 + 1 {
		c := d.complaints[r.IntN(len(d.complaints))]
		c.ID = fmt.Sprintf("k%d", len(d.complaints)+1)
		c.Defect = complaintDefects[r.IntN(len(complaintDefects))]
		if c.Defect == extract.DefectNullTime {
			c.CreatedAt = time.Time{}
		}
		if r.IntN(3) == 0 {
			c.Department = "Ghost"
		}
		d.complaints = append(d.complaints, c)
	}

	// Rows at the epoch (a placeholder written as a date), rows with a
	// NULL id or text that is not UTF-8, complaints with a rating that is
	// not a whole number or a resolved_at that cannot be read: used or
	// skipped by the rules of the data-quality sheet.
	for k := range len(d.orders)/100 + 2 {
		o := d.orders[r.IntN(len(d.orders))]
		o.ID = fmt.Sprintf("q%d", k)
		switch k % 3 {
		case 0:
			o.OrderedAt = time.Unix(int64(r.IntN(86400*300)), 0)
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

func fold(g transform.Granularity, orders []extract.Order, complaints []extract.Complaint) *transform.State {
	return foldIn(g, shanghai, orders, complaints)
}

// foldIn is fold with periods cut in loc.
func foldIn(g transform.Granularity, loc *time.Location, orders []extract.Order, complaints []extract.Complaint) *transform.State {
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

// naiveCases picks the reported periods: a random one with the shortest
// history and a tiny at-risk limit, a random one with a longer history, one
// in the second year with a history reaching before the data, the first
// period of the data, and a period after all the data.
func naiveCases(seed uint64, g transform.Granularity) []naiveCase {
	return naiveCasesIn(seed, g, shanghai)
}

// naiveCasesIn is naiveCases with periods cut in loc.
func naiveCasesIn(seed uint64, g transform.Granularity, loc *time.Location) []naiveCase {
	r := rand.New(rand.NewPCG(seed, uint64(g)))
	first := naivePeriod(genMonth(0), g, loc)
	last := naivePeriod(genMonth(genMonths-1), g, loc)
	end := naivePeriod(genMonth(genMonths+genFuture-1), g, loc)
	span := last.Sub(first)
	perYear := 12 / g.Months()
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
	first      map[string]transform.Period // period of the first purchase ever
	complaints []naiveComplaint
	rows       map[transform.Period]bool // periods with a usable row

	activeMemo map[transform.Period]cset // A(q), once the scope is built
}

// naiveComplaint is a usable complaint and the period it was created in.
type naiveComplaint struct {
	extract.Complaint
	q transform.Period
}

// naiveOpen: a complaint is open while its resolved_at is NULL. One whose
// resolved_at cannot be read is not NULL: it was resolved, at a time
// nobody can tell (README's rules).
func naiveOpen(c extract.Complaint) bool {
	return c.ResolvedAt.IsZero() && c.Flags&extract.FlagResolvedAtInvalid == 0
}

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

// epochPlaceholder is 1971: rows dated before are placeholders, skipped.
var epochPlaceholder = time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)

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

func newNaiveScope() *naiveScope {
	return &naiveScope{per: map[transform.Period]map[string]*naiveCP{}, first: map[string]transform.Period{}, rows: map[transform.Period]bool{},
		activeMemo: map[transform.Period]cset{}}
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
		if o.OrderedAt.Before(epochPlaceholder) {
			m.skippedOrders++
			m.findings[naiveFindingKey{transform.TableOrders, transform.ReasonImplausibleTime, transform.Skipped}]++
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
		if c.CreatedAt.Before(epochPlaceholder) {
			m.skippedComplaints++
			m.findings[naiveFindingKey{transform.TableComplaints, transform.ReasonImplausibleTime, transform.Skipped}]++
			continue
		}
		m.flagged(transform.TableComplaints, c.Flags)
		if c.Department == "" {
			m.findings[naiveFindingKey{transform.TableComplaints, transform.ReasonDepartmentMissing, transform.Noted}]++
		}
		if c.CustomerID == "" {
			m.findings[naiveFindingKey{transform.TableComplaints, transform.ReasonCustomerMissing, transform.Noted}]++
		}
		if c.Rated && (c.Satisfaction < 1 || c.Satisfaction > 5) {
			m.findings[naiveFindingKey{transform.TableComplaints, transform.ReasonSatisfactionRange, transform.Repaired}]++
		}
		if !c.ResolvedAt.IsZero() && c.ResolvedAt.Before(c.CreatedAt) {
			m.findings[naiveFindingKey{transform.TableComplaints, transform.ReasonResolvedBeforeCreated, transform.Repaired}]++
		}
		q := naivePeriod(c.CreatedAt, g, loc)
		m.complaintPeriods = append(m.complaintPeriods, q)
		for _, sc := range scopes(c.Department) {
			sc.rows[q] = true
			sc.complaints = append(sc.complaints, naiveComplaint{c, q})
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

func (m *naiveModel) complaintsIn(sc *naiveScope, q transform.Period) []naiveComplaint {
	var out []naiveComplaint
	for _, c := range sc.complaints {
		if c.q == q {
			out = append(out, c)
		}
	}
	return out
}

// complainedIn is the customers with a complaint created in q.
func (m *naiveModel) complainedIn(sc *naiveScope, q transform.Period) cset {
	s := cset{}
	for _, c := range m.complaintsIn(sc, q) {
		if c.CustomerID != "" {
			s[c.CustomerID] = true
		}
	}
	return s
}

func nRatio(num, den int64) transform.Ratio {
	if den == 0 {
		return transform.Ratio{}
	}
	return transform.Ratio{Value: float64(num) / float64(den), Valid: true}
}

func nPositiveRatio(num, den int64) transform.Ratio {
	if den <= 0 {
		return transform.Ratio{}
	}
	return nRatio(num, den)
}

func nLen(s cset) int64 { return int64(len(s)) }

func (m *naiveModel) snapshot(sc *naiveScope, q transform.Period) transform.Snapshot {
	A, B := sc.active(q), sc.active(q.Add(-1))
	R, L, N := inter(B, A), minus(B, A), sc.newIn(q)
	W := minus(minus(A, B), N)
	s := transform.Snapshot{
		Period:               q,
		ActiveCustomers:      nLen(A),
		BaseCustomers:        nLen(B),
		NewCustomers:         nLen(N),
		RetainedCustomers:    nLen(R),
		ChurnedCustomers:     nLen(L),
		ReactivatedCustomers: nLen(W),
	}
	base := cset{}
	for k := range 12 / m.g.Months() {
		for c := range sc.active(q.Add(-k)) {
			base[c] = true
		}
	}
	s.CustomerBase = nLen(base)
	s.RetentionRate = nRatio(nLen(R), nLen(B))
	s.ChurnRate = nRatio(nLen(L), nLen(B))
	var churnedPrev, basePrev, baseNow int64
	for c := range L {
		churnedPrev += sc.rev(c, q.Add(-1))
	}
	for c := range B {
		basePrev += sc.rev(c, q.Add(-1))
		baseNow += sc.rev(c, q)
	}
	s.RelativeChurnRate = nPositiveRatio(churnedPrev, basePrev)
	for _, x := range sc.per[q] {
		s.RevenueCents += x.rev
		s.Orders += x.orders
	}
	s.PurchaseFrequency = nRatio(s.Orders, nLen(A))
	if len(A) > 0 {
		s.AvgSpendPerCustomer = transform.Ratio{Value: float64(s.RevenueCents) / 100 / float64(len(A)), Valid: true}
	}
	if s.Orders > 0 {
		s.AvgOrderValue = transform.Ratio{Value: float64(s.RevenueCents) / 100 / float64(s.Orders), Valid: true}
	}
	s.RevenueRetentionRate = nPositiveRatio(baseNow, basePrev)
	Nprev := sc.newIn(q.Add(-1))
	s.NewCustomerRetentionRate = nRatio(nLen(inter(Nprev, A)), nLen(Nprev))
	s.NewCustomersPerMonth = transform.Ratio{Value: float64(len(N)) / float64(m.g.Months()), Valid: true}
	Lprev := minus(sc.active(q.Add(-2)), B)
	s.WinBackRate = nRatio(nLen(inter(Lprev, A)), nLen(Lprev))

	cs := m.complaintsIn(sc, q)
	s.Complaints = int64(len(cs))
	s.Complainants = nLen(m.complainedIn(sc, q))
	s.ComplaintRate = nRatio(s.Complainants, nLen(A))
	var resolved, timed, rated, satSum int64
	var hours float64
	for _, c := range cs {
		if !naiveOpen(c.Complaint) {
			resolved++
		}
		if !c.ResolvedAt.IsZero() {
			if !c.ResolvedAt.Before(c.CreatedAt) {
				timed++
				hours += c.ResolvedAt.Sub(c.CreatedAt).Hours()
			}
		}
		if c.Rated && c.Satisfaction >= 1 && c.Satisfaction <= 5 {
			rated++
			satSum += int64(c.Satisfaction)
		}
	}
	s.ComplaintResolvedRate = nRatio(resolved, s.Complaints)
	if timed > 0 {
		s.AvgResolutionHours = transform.Ratio{Value: hours / float64(timed), Valid: true}
	}
	s.ComplaintSatisfaction = nRatio(satSum, rated)
	complained := m.complainedIn(sc, q.Add(-1))
	withC, withoutC := inter(B, complained), minus(B, complained)
	s.ComplainantRetentionRate = nRatio(nLen(inter(withC, A)), nLen(withC))
	s.NonComplainantRetentionRate = nRatio(nLen(inter(withoutC, A)), nLen(withoutC))
	return s
}

func (m *naiveModel) churned(sc *naiveScope, p transform.Period) []transform.ChurnedCustomer {
	prev := p.Add(-1)
	L := minus(sc.active(prev), sc.active(p))
	var total int64
	for c := range L {
		total += sc.rev(c, prev)
	}
	var out []transform.ChurnedCustomer
	for _, c := range sorted(L) {
		x := sc.cp(c, prev)
		out = append(out, transform.ChurnedCustomer{
			CustomerID: c, LastPurchase: dayOf(x.last), RevenuePrevCents: x.rev, OrdersPrev: x.orders,
			Share: nPositiveRatio(x.rev, total),
		})
	}
	slices.SortStableFunc(out, func(a, b transform.ChurnedCustomer) int {
		return cmp.Or(cmp.Compare(b.RevenuePrevCents, a.RevenuePrevCents), strings.Compare(a.CustomerID, b.CustomerID))
	})
	return out
}

// atRisk returns every at-risk customer of p, sorted, before the limit.
func (m *naiveModel) atRisk(sc *naiveScope, p transform.Period) []transform.AtRiskCustomer {
	type row struct {
		transform.AtRiskCustomer
		num, den int64 // the value at risk is num / den / 100, exactly
	}
	var rows []row
	for _, c := range sorted(sc.active(p)) {
		now := sc.cp(c, p)
		var before []transform.Period
		for q, byCust := range sc.per {
			if q.Sub(p) < 0 && byCust[c] != nil && byCust[c].orders > 0 {
				before = append(before, q)
			}
		}
		slices.SortFunc(before, func(a, b transform.Period) int { return a.Sub(b) })
		if len(before) > 3 {
			before = before[len(before)-3:]
		}
		lb := int64(len(before))
		var sumOrders, sumRev int64
		for _, q := range before {
			sumOrders += sc.cp(c, q).orders
			sumRev += sc.cp(c, q).rev
		}
		var sig transform.Signal
		if lb > 0 && 2*now.orders*lb < sumOrders {
			sig |= transform.SignalFewerPurchases
		}
		if lb > 0 && 2*now.rev*lb < sumRev {
			sig |= transform.SignalLowerRevenue
		}
		var open int64
		for _, k := range sc.complaints {
			if k.CustomerID != c {
				continue
			}
			q := k.q
			if q == p && (naiveOpen(k.Complaint) || (k.Rated && (k.Satisfaction == 1 || k.Satisfaction == 2))) {
				sig |= transform.SignalComplaint
			}
			if q.Sub(p) <= 0 && naiveOpen(k.Complaint) {
				open++
			}
		}
		if sig == 0 {
			continue
		}
		x := row{AtRiskCustomer: transform.AtRiskCustomer{
			CustomerID: c, Signals: sig, Lookback: int(lb),
			Orders: now.orders, RevenueCents: now.rev, LastPurchase: dayOf(now.last), OpenComplaints: open,
		}}
		if lb > 0 {
			x.num, x.den = sumRev, lb
			x.AvgOrders = float64(sumOrders) / float64(lb)
		} else {
			x.num, x.den = now.rev, 1
		}
		x.ValueAtRisk = float64(x.num) / float64(x.den*100)
		rows = append(rows, x)
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(cmp.Compare(b.num*a.den, a.num*b.den), strings.Compare(a.CustomerID, b.CustomerID))
	})
	out := make([]transform.AtRiskCustomer, len(rows))
	for i, x := range rows {
		out[i] = x.AtRiskCustomer
	}
	return out
}

func (m *naiveModel) cohorts(sc *naiveScope, periods []transform.Period, p transform.Period) []transform.Cohort {
	var out []transform.Cohort
	for _, q := range periods {
		N := sc.newIn(q)
		co := transform.Cohort{Period: q, Size: nLen(N)}
		for k := 0; k <= p.Sub(q); k++ {
			co.Active = append(co.Active, nLen(inter(N, sc.active(q.Add(k)))))
		}
		out = append(out, co)
	}
	return out
}

// tierOf ranks B(p) by rev(c, p-1) descending, then id; ranks up to
// ceil(20 %) are key and up to ceil(50 %) ordinary, and a customer tied
// with the last of a higher tier joins it.
func (m *naiveModel) tierOf(sc *naiveScope, p transform.Period) map[string]transform.TierKind {
	prev := p.Add(-1)
	base := sorted(sc.active(prev))
	slices.SortStableFunc(base, func(a, b string) int { return cmp.Compare(sc.rev(b, prev), sc.rev(a, prev)) })
	n := len(base)
	tier := map[string]transform.TierKind{}
	if n == 0 {
		return tier
	}
	keyRank, ordRank := (n*20+99)/100, (n*50+99)/100
	keyMin, ordMin := sc.rev(base[keyRank-1], prev), sc.rev(base[ordRank-1], prev)
	for _, c := range base {
		switch r := sc.rev(c, prev); {
		case r >= keyMin:
			tier[c] = transform.TierKey
		case r >= ordMin:
			tier[c] = transform.TierOrdinary
		default:
			tier[c] = transform.TierSmall
		}
	}
	return tier
}

func (m *naiveModel) tiers(sc *naiveScope, p transform.Period) []transform.Tier {
	prev := p.Add(-1)
	A := sc.active(p)
	out := []transform.Tier{{Kind: transform.TierKey}, {Kind: transform.TierOrdinary}, {Kind: transform.TierSmall}}
	for c, k := range m.tierOf(sc, p) {
		t := &out[k]
		t.Base++
		t.RevenuePrevCents += sc.rev(c, prev)
		if A[c] {
			t.Retained++
		} else {
			t.Churned++
			t.ChurnedPrevCents += sc.rev(c, prev)
		}
	}
	for i := range out {
		out[i].RetentionRate = nRatio(out[i].Retained, out[i].Base)
		out[i].RelativeChurnRate = nPositiveRatio(out[i].ChurnedPrevCents, out[i].RevenuePrevCents)
	}
	return out
}

func (m *naiveModel) scope(sc *naiveScope, dept string, periods []transform.Period, p transform.Period, limit int) transform.Scope {
	s := transform.Scope{Company: dept == "", Department: dept}
	for _, q := range periods {
		s.Snapshots = append(s.Snapshots, m.snapshot(sc, q))
	}
	s.YearAgo = m.snapshot(sc, p.Add(-12/m.g.Months()))
	s.Churned = m.churned(sc, p)
	all := m.atRisk(sc, p)
	s.AtRiskTotal = len(all)
	s.AtRisk = all[:min(limit, len(all))]
	s.Cohorts = m.cohorts(sc, periods, p)
	s.Tiers = m.tiers(sc, p)
	return s
}

// compute is the naive Result of p.
func (m *naiveModel) compute(p transform.Period, opt transform.Options) *transform.Result {
	res := &transform.Result{Period: p, Location: m.loc}
	for k := opt.History - 1; k >= 0; k-- {
		res.Periods = append(res.Periods, p.Add(-k))
	}
	res.Company = m.scope(m.company, "", res.Periods, p, opt.AtRiskLimit)
	var names []string
	for name, sc := range m.depts {
		for k := 0; k <= opt.History; k++ {
			if sc.rows[p.Add(-k)] {
				names = append(names, name)
				break
			}
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(b2i(a == transform.Unassigned), b2i(b == transform.Unassigned)), strings.Compare(a, b))
	})
	for _, name := range names {
		res.Departments = append(res.Departments, m.scope(m.depts[name], name, res.Periods, p, opt.AtRiskLimit))
	}
	res.Quality.OrdersRead = m.ordersRead
	res.Quality.ComplaintsRead = m.complaintsRead
	res.Quality.SkippedOrders = m.skippedOrders
	res.Quality.SkippedComplaints = m.skippedComplaints
	for k, n := range m.findings {
		res.Quality.Findings = append(res.Quality.Findings, transform.Finding{Table: k.table, Reason: k.reason, Handling: k.handling, Count: n})
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
			res.Quality.Findings = append(res.Quality.Findings, transform.Finding{Table: t.table, Reason: transform.ReasonAfterPeriod, Handling: transform.Noted, Count: after})
		}
	}
	sortFindings(res.Quality.Findings)
	return res
}

func sortFindings(fs []transform.Finding) {
	slices.SortFunc(fs, func(a, b transform.Finding) int {
		return cmp.Or(cmp.Compare(a.Handling, b.Handling), strings.Compare(a.Table, b.Table), strings.Compare(a.Reason, b.Reason))
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ----------------------------------------------------------------------------
// Comparing results.

// maxDiffs caps the differences reported by one subtest.
const maxDiffs = 12

type resultDiff struct {
	t     *testing.T
	label string // seed, granularity, period, history of the pair compared
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

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a)) }

func sameRatio(a, b transform.Ratio) bool {
	return a.Valid == b.Valid && (!a.Valid || near(a.Value, b.Value))
}

func sameValue(a, b transform.Value) bool {
	if a.Kind != b.Kind || a.Valid != b.Valid {
		return false
	}
	switch a.Kind {
	case transform.Count, transform.Money:
		return a.Int == b.Int
	}
	return !a.Valid || math.Abs(a.Float-b.Float) <= 1e-9
}

// jsonValue is v as compareValue expects the wanted value: nil for null,
// money in currency units.
func jsonValue(v transform.Value) any {
	switch {
	case v.Kind == transform.Count:
		return float64(v.Int)
	case v.Kind == transform.Money:
		return float64(v.Int) / 100
	case !v.Valid:
		return nil
	}
	return v.Float
}

func sameTime(a, b time.Time) bool {
	return a.Equal(b) && a.Location().String() == b.Location().String()
}

// dayOf is midnight, in the same zone, of the day of t: the lists give
// the day of the last purchase.
func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func fmtTime(t time.Time) string { return t.Format("2006-01-02 15:04:05 MST") }

func fmtRatio(r transform.Ratio) string {
	if !r.Valid {
		return "null"
	}
	return fmt.Sprint(r.Value)
}

func fmtChurned(c transform.ChurnedCustomer) string {
	return fmt.Sprintf("{%s last=%s rev=%d orders=%d share=%s}", c.CustomerID, fmtTime(c.LastPurchase), c.RevenuePrevCents, c.OrdersPrev, fmtRatio(c.Share))
}

func fmtAtRisk(c transform.AtRiskCustomer) string {
	return fmt.Sprintf("{%s signals=%03b value=%v lookback=%d avgOrders=%v orders=%d rev=%d last=%s open=%d}",
		c.CustomerID, c.Signals, c.ValueAtRisk, c.Lookback, c.AvgOrders, c.Orders, c.RevenueCents, fmtTime(c.LastPurchase), c.OpenComplaints)
}

func fmtTier(t transform.Tier) string {
	return fmt.Sprintf("{%s base=%d retained=%d churned=%d revPrev=%d churnedPrev=%d retention=%s relChurn=%s}",
		t.Kind.Key(), t.Base, t.Retained, t.Churned, t.RevenuePrevCents, t.ChurnedPrevCents, fmtRatio(t.RetentionRate), fmtRatio(t.RelativeChurnRate))
}

func sameChurned(a, b transform.ChurnedCustomer) bool {
	return a.CustomerID == b.CustomerID && sameTime(a.LastPurchase, b.LastPurchase) && a.RevenuePrevCents == b.RevenuePrevCents &&
		a.OrdersPrev == b.OrdersPrev && sameRatio(a.Share, b.Share)
}

func sameAtRisk(a, b transform.AtRiskCustomer) bool {
	return a.CustomerID == b.CustomerID && a.Signals == b.Signals && near(a.ValueAtRisk, b.ValueAtRisk) && a.Lookback == b.Lookback &&
		near(a.AvgOrders, b.AvgOrders) && a.Orders == b.Orders && a.RevenueCents == b.RevenueCents &&
		sameTime(a.LastPurchase, b.LastPurchase) && a.OpenComplaints == b.OpenComplaints
}

func sameTier(a, b transform.Tier) bool {
	return a.Kind == b.Kind && a.Base == b.Base && a.Retained == b.Retained && a.Churned == b.Churned &&
		a.RevenuePrevCents == b.RevenuePrevCents && a.ChurnedPrevCents == b.ChurnedPrevCents &&
		sameRatio(a.RetentionRate, b.RetentionRate) && sameRatio(a.RelativeChurnRate, b.RelativeChurnRate)
}

// compareList reports the first row where two lists differ.
func compareList[T any](d *resultDiff, what string, want, got []T, same func(a, b T) bool, show func(T) string) {
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

func scopeName(s *transform.Scope) string {
	if s.Company {
		return "company"
	}
	return fmt.Sprintf("department %q", s.Department)
}

func scopeNames(r *transform.Result) []string {
	var out []string
	for i := range r.Departments {
		out = append(out, r.Departments[i].Department)
	}
	return out
}

// compareResults checks got against want: periods, scopes, every metric of
// every snapshot, the lists, cohorts, tiers and the quality counts. With
// findings it also compares the data-quality findings (without their
// example ids).
func compareResults(d *resultDiff, want, got *transform.Result, findings bool) {
	d.t.Helper()
	if got.Period != want.Period {
		d.errorf("Period = %s, want %s", got.Period, want.Period)
	}
	if !slices.Equal(got.Periods, want.Periods) {
		d.errorf("Periods = %v, want %v", got.Periods, want.Periods)
	}
	if got.Location.String() != want.Location.String() {
		d.errorf("Location = %s, want %s", got.Location, want.Location)
	}
	qw, qg := want.Quality, got.Quality
	if qg.OrdersRead != qw.OrdersRead || qg.ComplaintsRead != qw.ComplaintsRead || qg.SkippedOrders != qw.SkippedOrders || qg.SkippedComplaints != qw.SkippedComplaints {
		d.errorf("Quality read/skipped: orders %d/%d, complaints %d/%d; want orders %d/%d, complaints %d/%d",
			qg.OrdersRead, qg.SkippedOrders, qg.ComplaintsRead, qg.SkippedComplaints,
			qw.OrdersRead, qw.SkippedOrders, qw.ComplaintsRead, qw.SkippedComplaints)
	}
	if findings {
		show := func(f transform.Finding) string {
			return fmt.Sprintf("{%s %s %s count=%d}", f.Table, f.Reason, f.Handling, f.Count)
		}
		same := func(a, b transform.Finding) bool {
			return a.Table == b.Table && a.Reason == b.Reason && a.Handling == b.Handling && a.Count == b.Count
		}
		// Compared as sets: the order between tables is not part of the
		// contract.
		fw, fg := slices.Clone(qw.Findings), slices.Clone(qg.Findings)
		sortFindings(fw)
		sortFindings(fg)
		compareList(d, "Quality.Findings", fw, fg, same, show)
	}
	compareScope(d, &want.Company, &got.Company)
	if w, g := scopeNames(want), scopeNames(got); !slices.Equal(w, g) {
		d.errorf("department scopes = %q, want %q", g, w)
	}
	byName := map[string]*transform.Scope{}
	for i := range got.Departments {
		byName[got.Departments[i].Department] = &got.Departments[i]
	}
	for i := range want.Departments {
		if g := byName[want.Departments[i].Department]; g != nil {
			compareScope(d, &want.Departments[i], g)
		}
	}
}

func compareScope(d *resultDiff, want, got *transform.Scope) {
	d.t.Helper()
	name := scopeName(want)
	if got.Company != want.Company || got.Department != want.Department {
		d.errorf("scope Company=%v Department=%q, want Company=%v Department=%q", got.Company, got.Department, want.Company, want.Department)
	}
	if len(got.Snapshots) != len(want.Snapshots) {
		d.errorf("%s: %d snapshots, want %d", name, len(got.Snapshots), len(want.Snapshots))
	} else {
		wantAll := append(slices.Clone(want.Snapshots), want.YearAgo)
		gotAll := append(slices.Clone(got.Snapshots), got.YearAgo)
		for i := range wantAll {
			ws, gs := &wantAll[i], &gotAll[i]
			if gs.Period != ws.Period {
				d.errorf("%s: snapshot %d is of %s, want %s", name, i, gs.Period, ws.Period)
				continue
			}
			for _, m := range transform.Metrics {
				if w, g := m.Of(ws), m.Of(gs); !sameValue(w, g) {
					d.n++
					if d.n <= maxDiffs {
						compareValue(d.t, fmt.Sprintf("%s: %s %s %s", d.label, name, ws.Period, m.Key), g, jsonValue(w))
					}
				}
			}
		}
	}
	compareList(d, name+" Churned", want.Churned, got.Churned, sameChurned, fmtChurned)
	if got.AtRiskTotal != want.AtRiskTotal {
		d.errorf("%s: AtRiskTotal = %d, want %d", name, got.AtRiskTotal, want.AtRiskTotal)
	}
	compareList(d, name+" AtRisk", want.AtRisk, got.AtRisk, sameAtRisk, fmtAtRisk)
	compareList(d, name+" Cohorts", want.Cohorts, got.Cohorts,
		func(a, b transform.Cohort) bool {
			return a.Period == b.Period && a.Size == b.Size && slices.Equal(a.Active, b.Active)
		},
		func(c transform.Cohort) string {
			return fmt.Sprintf("{%s size=%d active=%v}", c.Period, c.Size, c.Active)
		})
	compareList(d, name+" Tiers", want.Tiers, got.Tiers, sameTier, fmtTier)
}

// ----------------------------------------------------------------------------
// Coverage of the generated cases: the test is only as good as the data.

type naiveCoverage struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *naiveCoverage) add(res *transform.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	scopes := append([]transform.Scope{res.Company}, res.Departments...)
	for _, s := range scopes {
		for _, snap := range s.Snapshots {
			if snap.BaseCustomers > 0 && !snap.RelativeChurnRate.Valid {
				c.n["relative churn null with a base"]++
			}
			if snap.BaseCustomers > 0 && !snap.RevenueRetentionRate.Valid {
				c.n["revenue retention null with a base"]++
			}
			if snap.ComplainantRetentionRate.Valid {
				c.n["complainant retention defined"]++
			}
			if snap.ReactivatedCustomers > 0 {
				c.n["reactivated"]++
			}
			if snap.WinBackRate.Valid {
				c.n["win-back defined"]++
			}
		}
		if len(s.Churned) > 0 {
			c.n["churned list"]++
		}
		for _, x := range s.Churned {
			if !x.Share.Valid {
				c.n["churned share null"]++
			}
		}
		if s.AtRiskTotal > len(s.AtRisk) {
			c.n["at-risk truncated"]++
		}
		for _, x := range s.AtRisk {
			c.n[fmt.Sprintf("at-risk lookback %d", x.Lookback)]++
			for _, sig := range transform.Signals {
				if x.Signals&sig != 0 {
					c.n["at-risk signal "+sig.Key()]++
				}
			}
			if x.OpenComplaints > 0 {
				c.n["at-risk open complaints"]++
			}
		}
		var base int64
		for _, t := range s.Tiers {
			base += t.Base
		}
		if len(s.Tiers) == 3 && base > 0 && s.Tiers[0].Base > (base*20+99)/100 {
			c.n["tier tie promoted to key"]++
		}
		if len(s.Tiers) == 3 && base > 0 && s.Tiers[0].Base+s.Tiers[1].Base > (base*50+99)/100 {
			c.n["tie promoted to ordinary or key"]++
		}
	}
	for _, d := range res.Departments {
		if d.Department == transform.Unassigned {
			c.n["unassigned scope"]++
		}
	}
}

// ----------------------------------------------------------------------------
// The tests.

func TestNaiveDifferential(t *testing.T) {
	t.Parallel()
	cov := &naiveCoverage{n: map[string]int{}}
	t.Run("seeds", func(t *testing.T) {
		for _, data := range naiveDatasets() {
			for _, g := range transform.Granularities {
				for _, loc := range reportZones {
					t.Run(fmt.Sprintf("seed=%d/%s/%s", data.seed, g, loc), func(t *testing.T) {
						t.Parallel()
						st := foldIn(g, loc, data.orders, data.complaints)
						model := buildNaive(data, g, loc)
						d := &resultDiff{t: t}
						for _, c := range naiveCasesIn(data.seed, g, loc) {
							opt := transform.Options{History: c.history, AtRiskLimit: c.atRiskLimit}
							got, err := st.Compute(c.p, opt)
							if err != nil {
								t.Errorf("seed=%d %s %s %s: %v", data.seed, g, loc, c, err)
								continue
							}
							want := model.compute(c.p, opt)
							cov.add(want)
							d.label = fmt.Sprintf("seed=%d %s %s %s", data.seed, g, loc, c)
							compareResults(d, want, got, true)
						}
					})
				}
			}
		}
	})
	for _, k := range []string{
		"relative churn null with a base", "revenue retention null with a base", "complainant retention defined",
		"reactivated", "win-back defined", "churned list", "at-risk truncated", "at-risk lookback 0",
		"at-risk lookback 1", "at-risk lookback 3", "at-risk signal fewer_purchases", "at-risk signal lower_revenue",
		"at-risk signal complaint", "at-risk open complaints", "tier tie promoted to key", "unassigned scope",
	} {
		if cov.n[k] == 0 {
			t.Errorf("the generated data never exercises %q", k)
		}
	}
	if testing.Verbose() {
		for _, k := range slices.Sorted(maps.Keys(cov.n)) {
			t.Logf("coverage: %-40s %d", k, cov.n[k])
		}
	}
}

// shardOf spreads customers over k shards by a hash of the id.
func shardOf(customer string, k int) int {
	h := fnv.New32a()
	h.Write([]byte(customer))
	return int(h.Sum32() % uint32(k))
}

func TestNaiveMergeEqualsUnsharded(t *testing.T) {
	t.Parallel()
	for _, data := range naiveDatasets() {
		for _, g := range transform.Granularities {
			t.Run(fmt.Sprintf("seed=%d/%s", data.seed, g), func(t *testing.T) {
				t.Parallel()
				r := rand.New(rand.NewPCG(data.seed, 77+uint64(g)))
				whole := fold(g, data.orders, data.complaints)
				cases := naiveCases(data.seed, g)
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
					ref := whole
					if sp.name == "overlapping" {
						ref = fold(g, append(slices.Clone(data.orders), extraOrders...), append(slices.Clone(data.complaints), extraComplaints...))
					}
					// Merge into an empty State; check a merged-in shard is
					// left unchanged.
					merged := transform.New(g, shanghai)
					last := shards[k-1]
					lastBefore, err := last.Compute(cases[0].p, transform.Options{History: cases[0].history, AtRiskLimit: cases[0].atRiskLimit})
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range shards {
						merged.Merge(s)
					}
					lastAfter, _ := last.Compute(cases[0].p, transform.Options{History: cases[0].history, AtRiskLimit: cases[0].atRiskLimit})
					d.label = fmt.Sprintf("seed=%d %s split=%s k=%d: merged-in shard changed by Merge", data.seed, g, sp.name, k)
					compareResults(d, lastBefore, lastAfter, true)
					for _, c := range cases {
						opt := transform.Options{History: c.history, AtRiskLimit: c.atRiskLimit}
						want, err := ref.Compute(c.p, opt)
						if err != nil {
							t.Fatal(err)
						}
						got, err := merged.Compute(c.p, opt)
						if err != nil {
							t.Fatal(err)
						}
						d.label = fmt.Sprintf("seed=%d %s %s split=%s k=%d: merged vs unsharded", data.seed, g, c, sp.name, k)
						compareResults(d, want, got, true)
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
// the end of P gives the same result.
func TestNaiveLaterRowsIgnored(t *testing.T) {
	t.Parallel()
	for _, data := range naiveDatasets() {
		for _, g := range transform.Granularities {
			t.Run(fmt.Sprintf("seed=%d/%s", data.seed, g), func(t *testing.T) {
				t.Parallel()
				whole := fold(g, data.orders, data.complaints)
				d := &resultDiff{t: t}
				for _, c := range naiveCases(data.seed, g)[:2] {
					end := c.p.End(shanghai)
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
					opt := transform.Options{History: c.history, AtRiskLimit: c.atRiskLimit}
					want, err := whole.Compute(c.p, opt)
					if err != nil {
						t.Fatal(err)
					}
					got, err := fold(g, orders, complaints).Compute(c.p, opt)
					if err != nil {
						t.Fatal(err)
					}
					got.Quality = want.Quality
					d.label = fmt.Sprintf("seed=%d %s %s: only rows up to the end of P vs all rows", data.seed, g, c)
					compareResults(d, want, got, false)
				}
			})
		}
	}
}
