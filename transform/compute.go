package transform

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"
)

// window is the range of periods a Result looks at. Snapshots are
// computed for [ext, p]: the history window and the period a year before
// p. Every set the spec defines for a period t refers to periods in
// [lo, p]: A(t-2) for the win-back rate, and the periods covering 12 months
// for customer_base.
type window struct {
	p     int32 // the reported period
	first int32 // the first history period
	ext   int32 // the first period with a snapshot: first, or a year before p
	lo    int32 // the earliest period any metric refers to
	span  int   // periods covering 12 months: 12, 4 or 1
	loc   *time.Location
}

func newWindow(p Period, history int, loc *time.Location) window {
	w := window{p: p.N, first: p.N - int32(history) + 1, span: 12 / p.G.Months(), loc: loc}
	w.ext = min(w.first, w.p-int32(w.span))
	w.lo = min(w.ext-2, w.ext-int32(w.span)+1)
	return w
}

func (w window) size() int { return int(w.p-w.lo) + 1 }

// Compute reports period p: a snapshot per scope for each period of the
// history window, and the customer lists of p. The State is not changed,
// so one fold can be reported for many periods.
func (s *State) Compute(p Period, opt Options) (*Result, error) {
	if p.G != s.g {
		return nil, fmt.Errorf("computing %s: the state was folded by %s", p, s.g)
	}
	if opt.History < 2 {
		return nil, fmt.Errorf("computing %s: history is %d periods, need at least 2", p, opt.History)
	}
	if opt.AtRiskLimit < 0 {
		return nil, fmt.Errorf("computing %s: at-risk limit %d is negative", p, opt.AtRiskLimit)
	}
	w := newWindow(p, opt.History, s.loc)
	// The customers are counted in parts, one per goroutine, whose
	// accumulators add up: each part reads the state and writes only its
	// own accumulators.
	parts := make([]*partAcc, computeParts)
	var wg sync.WaitGroup
	for i := range parts {
		parts[i] = newPartAcc(w, len(s.depts))
		lo, hi := len(s.customers.slots)*i/len(parts), len(s.customers.slots)*(i+1)/len(parts)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.count(w, parts[i], s.customers.slots[lo:hi])
		}()
	}
	wg.Wait()
	company, depts := parts[0].company, parts[0].depts
	for _, part := range parts[1:] {
		company.merge(part.company)
		for d := range depts {
			depts[d].merge(part.depts[d])
		}
	}

	r := &Result{Period: p, Location: s.loc, Quality: s.qualityOf(p)}
	for t := w.first; t <= w.p; t++ {
		r.Periods = append(r.Periods, Period{G: s.g, N: t})
	}
	s.addComplaints(w, company, depts)
	r.Company, r.Departments = s.finish(w, opt, company, depts)
	slices.SortFunc(r.Departments, func(a, b Scope) int { return CompareDepartments(a.Department, b.Department) })
	return r, nil
}

// qualityOf is the data quality of the fold reported for p: with the rows
// dated after p counted, company-wide and by department.
func (s *State) qualityOf(p Period) Quality {
	q := s.Quality()
	for d, name := range s.depts {
		dq := q.Departments[name]
		for _, rows := range []struct {
			table string
			rows  *periodRows
		}{{TableOrders, &s.orderRows[d]}, {TableComplaints, &s.complaintRows[d]}} {
			if n := rows.rows.after(p.N); n > 0 {
				q.Note(rows.table, ReasonAfterPeriod, Noted, n)
				dq.Note(rows.table, ReasonAfterPeriod, Noted, n)
			}
		}
		dq.Sort()
		q.Departments[name] = dq
	}
	q.Sort()
	return q
}

// addComplaints adds the complaint sums of the window (those without a
// customer included) to the scopes, and marks the departments they touch.
func (s *State) addComplaints(w window, company *scopeAcc, depts []*scopeAcc) {
	for k, agg := range s.complaints {
		if k.period >= w.ext && k.period <= w.p {
			depts[k.dept].complaints[k.period-w.ext].add(agg)
			company.complaints[k.period-w.ext].add(agg)
		}
		if k.period >= w.first-1 && k.period <= w.p {
			depts[k.dept].touched = true
		}
	}
	for k, agg := range s.byCategory {
		if k.period == w.p {
			for _, acc := range []*scopeAcc{depts[k.dept], company} {
				ac := acc.category(k.cat)
				ac.complaints += agg.count
				ac.resolved += agg.resolved
			}
		}
	}
}

// finish finishes the company's scope and those of the departments with
// rows in the window, each on a goroutine of its own: they only read the
// State, and sorting their lists is most of the work.
func (s *State) finish(w window, opt Options, company *scopeAcc, depts []*scopeAcc) (Scope, []Scope) {
	var co Scope
	scopes := make([]Scope, len(depts))
	var wg sync.WaitGroup
	wg.Go(func() { co = company.finish(w, s, opt, true, "") })
	for d, acc := range depts {
		if acc.touched {
			wg.Go(func() { scopes[d] = acc.finish(w, s, opt, false, s.depts[d]) })
		}
	}
	wg.Wait()
	var out []Scope
	for d, acc := range depts {
		if acc.touched {
			out = append(out, scopes[d])
		}
	}
	return co, out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// computeParts is how many goroutines count customers in Compute.
const computeParts = 2

// partAcc holds the accumulators of one part of the customers.
type partAcc struct {
	company *scopeAcc
	depts   []*scopeAcc
}

func newPartAcc(w window, depts int) *partAcc {
	a := &partAcc{company: newScopeAcc(w), depts: make([]*scopeAcc, depts)}
	for d := range a.depts {
		a.depts[d] = newScopeAcc(w)
	}
	return a
}

// count adds the customers of slots to acc.
func (s *State) count(w window, acc *partAcc, slots []slot) {
	prof := newProfile(w)
	var buf historyBuf
	var g gatherer
	for lo := 0; lo < len(slots); {
		lo = g.gather(s, slots, lo)
		for _, c := range g.customers {
			s.countCustomer(w, acc, prof, &buf, &g, c)
		}
	}
}

// countCustomer adds a gathered customer to acc, department by department
// and company-wide.
func (s *State) countCustomer(w window, acc *partAcc, prof *profile, buf *historyBuf, g *gatherer, c gatheredCustomer) {
	id := s.customers.id(c.slot)
	buf.reset()
	depts, deptsPrev := prof.deptBuf[:0], prof.deptPrevBuf[:0] // the departments it bought from in p, in p-1
	for j := c.from; j < c.to; j++ {
		rec := g.recs[j]
		periods, complaints := buf.add(g.periods[j], g.complaints[j])
		loaded := prof.load(w, s, periods, complaints)
		acc.depts[rec.dept].fc.add(prof.fc)
		if loaded {
			acc.depts[rec.dept].add(w, prof, id, ownerIndex(c.slot))
			n := w.size()
			if prof.isActive(n - 1) {
				depts = append(depts, rec.dept)
			}
			if prof.isActive(n - 2) {
				deptsPrev = append(deptsPrev, rec.dept)
			}
		}
	}
	prof.deptBuf, prof.deptPrevBuf = depts, deptsPrev
	periods, complaints := buf.merged()
	loaded := prof.load(w, s, periods, complaints)
	acc.company.fc.add(prof.fc)
	if loaded {
		prof.depts, prof.deptsPrev = depts, deptsPrev
		acc.company.add(w, prof, id, ownerIndex(c.slot))
	}
}

// trendAcc counts one scope's sets in one history period.
type trendAcc struct {
	active, base, newc, retained, churned, reactivated, customerBase int64
	revenue, orders                                                  int64
	baseRevPrev, baseRevCur, churnRevPrev                            int64
	newPrev, newPrevRetained, lostPrev, wonBack                      int64
	complainants                                                     int64
	compBase, compRetained, quietBase, quietRetained                 int64
	atRisk, riskPrev, riskPrevKept                                   int64
	revNew, revReactivated, expansion, contraction, revOther         int64
	grossKept                                                        int64 // Σ_{c∈R} min(rev(c,P), rev(c,P-1))
}

func (t *trendAcc) add(o *trendAcc) {
	t.active += o.active
	t.base += o.base
	t.newc += o.newc
	t.retained += o.retained
	t.churned += o.churned
	t.reactivated += o.reactivated
	t.customerBase += o.customerBase
	t.revenue += o.revenue
	t.orders += o.orders
	t.baseRevPrev += o.baseRevPrev
	t.baseRevCur += o.baseRevCur
	t.churnRevPrev += o.churnRevPrev
	t.newPrev += o.newPrev
	t.newPrevRetained += o.newPrevRetained
	t.lostPrev += o.lostPrev
	t.wonBack += o.wonBack
	t.complainants += o.complainants
	t.compBase += o.compBase
	t.compRetained += o.compRetained
	t.quietBase += o.quietBase
	t.quietRetained += o.quietRetained
	t.atRisk += o.atRisk
	t.riskPrev += o.riskPrev
	t.riskPrevKept += o.riskPrevKept
	t.revNew += o.revNew
	t.revReactivated += o.revReactivated
	t.expansion += o.expansion
	t.contraction += o.contraction
	t.revOther += o.revOther
	t.grossKept += o.grossKept
}

// baseMember is a customer of B(P), for the value tiers.
type baseMember struct {
	id             string
	revPrev        int64
	complaintsPrev int32
	retained       bool
	tier           TierKind
}

// categoryAcc counts one complaint category of P in a scope.
type categoryAcc struct {
	complaints, resolved, complainants, base, retained int64
}

type scopeAcc struct {
	trend        []trendAcc // by period - ext
	complaints   []complaintAgg
	cohortSize   []int64
	cohortActive [][]int64
	churned      []ChurnedCustomer
	churnedCats  [][]int32 // the categories of each churned customer's complaints in P-1
	churnedDepts [][]int32 // company-wide: the departments each churned customer bought from in P-1
	atRisk       []AtRiskCustomer
	atRiskDepts  [][]int32  // company-wide: the departments each at-risk customer bought from in P
	churnedFc    []groupKey // each churned customer's (x, t_x, n) at the end of P
	atRiskFc     []groupKey // each at-risk customer's
	fc           forecastAcc
	followUp     []FollowUp
	base         []baseMember
	categories   map[int32]*categoryAcc
	owners       map[int32]*ownerAcc // by owner: 0 none, else 1 + index in State.owners
	touched      bool
}

// ownerAcc counts one owner's customers in the reported period.
type ownerAcc struct {
	base, retained, churned, churnedPrevCents int64
	atRisk                                    int64
	value600                                  int64 // Σ value at risk, in 1/600 of a currency unit: exact
	riskPrev, riskPrevKept                    int64
}

func newScopeAcc(w window) *scopeAcc {
	h, n := int(w.p-w.first)+1, int(w.p-w.ext)+1
	a := &scopeAcc{
		trend:        make([]trendAcc, n),
		complaints:   make([]complaintAgg, n),
		cohortSize:   make([]int64, h),
		cohortActive: make([][]int64, h),
		categories:   map[int32]*categoryAcc{},
		owners:       map[int32]*ownerAcc{},
		fc:           newForecastAcc(w),
	}
	for q := range a.cohortActive {
		a.cohortActive[q] = make([]int64, h-q)
	}
	return a
}

// merge adds the counts and lists of o, which counted other customers.
func (a *scopeAcc) merge(o *scopeAcc) {
	for j := range a.trend {
		a.trend[j].add(&o.trend[j])
	}
	for q := range a.cohortSize {
		a.cohortSize[q] += o.cohortSize[q]
		for k := range a.cohortActive[q] {
			a.cohortActive[q][k] += o.cohortActive[q][k]
		}
	}
	a.churned = append(a.churned, o.churned...)
	a.churnedCats = append(a.churnedCats, o.churnedCats...)
	a.churnedDepts = append(a.churnedDepts, o.churnedDepts...)
	a.atRisk = append(a.atRisk, o.atRisk...)
	a.atRiskDepts = append(a.atRiskDepts, o.atRiskDepts...)
	a.churnedFc = append(a.churnedFc, o.churnedFc...)
	a.atRiskFc = append(a.atRiskFc, o.atRiskFc...)
	a.fc.merge(&o.fc)
	a.followUp = append(a.followUp, o.followUp...)
	a.base = append(a.base, o.base...)
	for c, oc := range o.categories {
		ac := a.category(c)
		ac.complaints += oc.complaints
		ac.resolved += oc.resolved
		ac.complainants += oc.complainants
		ac.base += oc.base
		ac.retained += oc.retained
	}
	for k, oo := range o.owners {
		ao := a.owners[k]
		if ao == nil {
			ao = &ownerAcc{}
			a.owners[k] = ao
		}
		ao.base += oo.base
		ao.retained += oo.retained
		ao.churned += oo.churned
		ao.churnedPrevCents += oo.churnedPrevCents
		ao.atRisk += oo.atRisk
		ao.value600 += oo.value600
		ao.riskPrev += oo.riskPrev
		ao.riskPrevKept += oo.riskPrevKept
	}
	a.touched = a.touched || o.touched
}

// addOwner counts a customer into its owner's figures of the reported
// period, dense index i.
func (a *scopeAcc) addOwner(f *profile, i int, owner int32) {
	at, ap := f.isActive(i), f.isActive(i-1)
	if !ap && f.risk[i] == 0 && f.risk[i-1] == 0 {
		return
	}
	o := a.owners[owner]
	if o == nil {
		o = &ownerAcc{}
		a.owners[owner] = o
	}
	if ap {
		o.base++
		if at {
			o.retained++
		} else {
			o.churned++
			o.churnedPrevCents += f.rev[i-1]
		}
	}
	if f.risk[i] != 0 {
		o.atRisk++
		o.value600 += f.look[i].value600(f.rev[i])
	}
	if f.risk[i-1] != 0 {
		o.riskPrev++
		o.riskPrevKept += int64(boolInt(at))
	}
}

func (a *scopeAcc) category(c int32) *categoryAcc {
	ac := a.categories[c]
	if ac == nil {
		ac = &categoryAcc{}
		a.categories[c] = ac
	}
	return ac
}

// add counts one customer's profile into the scope.
func (a *scopeAcc) add(w window, f *profile, id string, owner int32) {
	a.touched = a.touched || f.touched
	off := int(w.ext - w.lo) // dense index of the first snapshot period
	for j := range a.trend {
		a.trend[j].count(w, f, off+j, w.ext+int32(j))
	}
	a.addCohort(w, f)

	i := w.size() - 1 // the reported period
	at, ap := f.isActive(i), f.isActive(i-1)
	if ap {
		a.base = append(a.base, baseMember{id: id, revPrev: f.rev[i-1], complaintsPrev: f.comp[i-1], retained: at})
		if !at {
			var history int64
			for _, r := range f.rev[w.first-w.lo:] {
				history += r
			}
			a.churned = append(a.churned, ChurnedCustomer{
				CustomerID:          id,
				LastPurchase:        dayTime(f.last[i-1], w.loc),
				RevenuePrevCents:    f.rev[i-1],
				OrdersPrev:          f.orders[i-1],
				RevenueHistoryCents: history,
			})
			a.churnedCats = append(a.churnedCats, slices.Clone(f.catsPrev))
			a.churnedFc = append(a.churnedFc, f.fc[len(f.fc)-1].key)
			a.churnedDepts = append(a.churnedDepts, slices.Clone(f.deptsPrev))
		}
		for _, c := range f.catsPrev {
			ac := a.category(c)
			ac.base++
			if at {
				ac.retained++
			}
		}
	}
	for _, c := range f.cats {
		a.category(c).complainants++
	}
	if f.risk[i] != 0 {
		a.atRisk = append(a.atRisk, AtRiskCustomer{
			CustomerID:     id,
			Signals:        f.risk[i],
			Lookback:       int(f.look[i].n),
			AvgOrders:      avgOrders(f.look[i]),
			Orders:         f.orders[i],
			RevenueCents:   f.rev[i],
			LastPurchase:   dayTime(f.last[i], w.loc),
			OpenComplaints: int64(f.openEnd[i]),
			ValueAtRisk:    f.look[i].valueAtRisk(f.rev[i]),
		})
		a.atRiskDepts = append(a.atRiskDepts, slices.Clone(f.depts))
		a.atRiskFc = append(a.atRiskFc, f.fc[len(f.fc)-1].key)
	}
	a.addOwner(f, i, owner)
	if f.risk[i-1] != 0 {
		a.followUp = append(a.followUp, FollowUp{
			CustomerID:       id,
			Signals:          f.risk[i-1],
			ValueAtRisk:      f.look[i-1].valueAtRisk(f.rev[i-1]),
			RevenuePrevCents: f.rev[i-1],
			Bought:           at,
			Orders:           f.orders[i],
			RevenueCents:     f.rev[i],
		})
	}
}

func avgOrders(l lookback) float64 {
	if l.n == 0 {
		return 0
	}
	return float64(l.orders) / float64(l.n)
}

// count adds a customer to the sets of period t, dense index i.
func (t *trendAcc) count(w window, f *profile, i int, period int32) {
	at, ap, app := f.isActive(i), f.isActive(i-1), f.isActive(i-2)
	rev, revPrev := f.rev[i], f.rev[i-1]
	isNew := f.hasFirst && f.first == period
	if at {
		t.active++
		t.orders += f.orders[i]
	} else {
		t.revOther += rev
	}
	t.revenue += rev
	if ap {
		t.base++
		t.baseRevPrev += revPrev
		t.baseRevCur += rev
		if at {
			t.retained++
			t.expansion += max(0, rev-revPrev)
			t.contraction += max(0, revPrev-rev)
			t.grossKept += min(rev, revPrev)
		} else {
			t.churned++
			t.churnRevPrev += revPrev
		}
		if f.comp[i-1] > 0 {
			t.compBase++
			t.compRetained += int64(boolInt(at))
		} else {
			t.quietBase++
			t.quietRetained += int64(boolInt(at))
		}
	} else {
		t.revOther -= revPrev
	}
	switch {
	case isNew:
		t.newc++
		t.revNew += rev
	case at && !ap:
		t.reactivated++
		t.revReactivated += rev
	}
	if f.hasFirst && f.first == period-1 {
		t.newPrev++
		t.newPrevRetained += int64(boolInt(at))
	}
	if app && !ap {
		t.lostPrev++
		t.wonBack += int64(boolInt(at))
	}
	if f.activeIn(i, w.span) {
		t.customerBase++
	}
	if f.comp[i] > 0 {
		t.complainants++
	}
	if f.risk[i] != 0 {
		t.atRisk++
	}
	if f.risk[i-1] != 0 {
		t.riskPrev++
		t.riskPrevKept += int64(boolInt(at))
	}
}

// addCohort counts a customer acquired in the history window into its
// cohort.
func (a *scopeAcc) addCohort(w window, f *profile) {
	if !f.hasFirst || f.first < w.first || f.first > w.p {
		return
	}
	q := int(f.first - w.first)
	a.cohortSize[q]++
	start := int(f.first - w.lo)
	for k := range a.cohortActive[q] {
		if f.isActive(start + k) {
			a.cohortActive[q][k]++
		}
	}
}

func (a *scopeAcc) finish(w window, s *State, opt Options, company bool, dept string) Scope {
	sc := Scope{Company: company, Department: dept}
	all := make([]Snapshot, 0, len(a.trend))
	for j := range a.trend {
		all = append(all, a.snapshot(Period{G: s.g, N: w.ext + int32(j)}, j))
	}
	sc.Snapshots = all[w.first-w.ext:]
	sc.YearAgo = all[w.p-int32(w.span)-w.ext]

	sc.Tiers = tiers(a.base)
	// a.base is now sorted by id, with each member's tier.
	tierOf := func(id string) TierKind {
		if i, ok := slices.BinarySearchFunc(a.base, id, func(m baseMember, id string) int { return cmp.Compare(m.id, id) }); ok {
			return a.base[i].tier
		}
		return TierNone
	}
	sc.Forecasts = a.fc.fit(w, s.g)
	now := &sc.Forecasts[len(sc.Forecasts)-1]
	last := a.trend[len(a.trend)-1]
	for i := range a.churned {
		c := &a.churned[i]
		c.Chance = now.chance(a.churnedFc[i])
		c.Share = positiveRatio(c.RevenuePrevCents, last.churnRevPrev)
		c.Tier = tierOf(c.CustomerID)
		for _, cat := range a.churnedCats[i] {
			c.Categories = append(c.Categories, s.cats[cat])
		}
		slices.Sort(c.Categories)
		c.Departments = s.deptNames(a.churnedDepts[i])
	}
	slices.SortFunc(a.churned, func(x, y ChurnedCustomer) int {
		return cmp.Or(cmp.Compare(y.RevenuePrevCents, x.RevenuePrevCents), cmp.Compare(x.CustomerID, y.CustomerID))
	})
	sc.Churned = a.churned

	for i := range a.atRisk {
		a.atRisk[i].Departments = s.deptNames(a.atRiskDepts[i])
		a.atRisk[i].Chance = now.chance(a.atRiskFc[i])
	}
	slices.SortFunc(a.atRisk, func(x, y AtRiskCustomer) int {
		return cmp.Or(cmp.Compare(y.ValueAtRisk, x.ValueAtRisk), cmp.Compare(x.CustomerID, y.CustomerID))
	})
	sc.AtRiskTotal = len(a.atRisk)
	sc.AtRisk = a.atRisk[:min(len(a.atRisk), opt.AtRiskLimit)]
	for i := range sc.AtRisk {
		sc.AtRisk[i].Tier = tierOf(sc.AtRisk[i].CustomerID)
	}

	slices.SortFunc(a.followUp, func(x, y FollowUp) int {
		return cmp.Or(cmp.Compare(y.ValueAtRisk, x.ValueAtRisk), cmp.Compare(x.CustomerID, y.CustomerID))
	})
	sc.AtRiskPrevTotal = len(a.followUp)
	sc.AtRiskPrev = a.followUp[:min(len(a.followUp), opt.AtRiskLimit)]

	for q, size := range a.cohortSize {
		sc.Cohorts = append(sc.Cohorts, Cohort{Period: Period{G: s.g, N: w.first + int32(q)}, Size: size, Active: a.cohortActive[q]})
	}
	sc.Categories = a.categoryStats(s)
	sc.Owners = a.ownerStats(s)
	return sc
}

// ownerStats lists the owners by value at risk, descending, customers
// without an owner last.
func (a *scopeAcc) ownerStats(s *State) []OwnerStat {
	out := make([]OwnerStat, 0, len(a.owners))
	for k, o := range a.owners {
		st := OwnerStat{Base: o.base, Retained: o.retained, Churned: o.churned, ChurnedRevenuePrevCents: o.churnedPrevCents,
			AtRisk: o.atRisk, ValueAtRisk: float64(o.value600) / 600, AtRiskPrev: o.riskPrev, AtRiskPrevKept: o.riskPrevKept}
		if k > 0 {
			st.Owner = s.owners[k-1]
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(x, y OwnerStat) int {
		return cmp.Or(cmp.Compare(boolInt(x.Owner == ""), boolInt(y.Owner == "")), cmp.Compare(y.ValueAtRisk, x.ValueAtRisk),
			cmp.Compare(y.ChurnedRevenuePrevCents, x.ChurnedRevenuePrevCents), cmp.Compare(x.Owner, y.Owner))
	})
	return out
}

// deptNames names departments, sorted as Result.Departments are; nil for
// none (a department's own lists).
func (s *State) deptNames(ds []int32) []string {
	if len(ds) == 0 {
		return nil
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = s.depts[d]
	}
	slices.SortFunc(names, CompareDepartments)
	return names
}

// snapshot turns the counts of history period j into the spec's metrics.
func (a *scopeAcc) snapshot(p Period, j int) Snapshot {
	t, c := &a.trend[j], &a.complaints[j]
	return Snapshot{
		Period:               p,
		ActiveCustomers:      t.active,
		BaseCustomers:        t.base,
		NewCustomers:         t.newc,
		RetainedCustomers:    t.retained,
		ChurnedCustomers:     t.churned,
		ReactivatedCustomers: t.reactivated,
		CustomerBase:         t.customerBase,

		RetentionRate:     ratio(t.retained, t.base),
		ChurnRate:         ratio(t.churned, t.base),
		RelativeChurnRate: positiveRatio(t.churnRevPrev, t.baseRevPrev),

		RevenueCents:        t.revenue,
		Orders:              t.orders,
		PurchaseFrequency:   ratio(t.orders, t.active),
		AvgSpendPerCustomer: centsPer(t.revenue, t.active),
		AvgOrderValue:       centsPer(t.revenue, t.orders),

		RevenueRetentionRate:     positiveRatio(t.baseRevCur, t.baseRevPrev),
		NewCustomerRetentionRate: ratio(t.newPrevRetained, t.newPrev),
		NewCustomersPerMonth:     ratio(t.newc, int64(p.G.Months())),
		WinBackRate:              ratio(t.wonBack, t.lostPrev),

		Complaints:                  c.count,
		Complainants:                t.complainants,
		ComplaintRate:               ratio(t.complainants, t.active),
		ComplaintResolvedRate:       ratio(c.resolved, c.count),
		AvgResolutionHours:          c.duration.meanHours(c.timed),
		ComplaintSatisfaction:       ratio(c.satSum, c.rated*int64(ratingPoint)),
		ComplainantRetentionRate:    ratio(t.compRetained, t.compBase),
		NonComplainantRetentionRate: ratio(t.quietRetained, t.quietBase),

		AtRiskCustomers:     t.atRisk,
		AtRiskRetentionRate: ratio(t.riskPrevKept, t.riskPrev),

		RevenueNewCents:           t.revNew,
		RevenueReactivatedCents:   t.revReactivated,
		RevenueExpansionCents:     t.expansion,
		RevenueContractionCents:   t.contraction,
		RevenueChurnedCents:       t.churnRevPrev,
		RevenueOtherCents:         t.revOther,
		GrossRevenueRetentionRate: positiveRatio(t.grossKept, t.baseRevPrev),
	}
}

// categoryStats lists the complaint categories of P with a non-zero
// figure, by complaints, then name.
func (a *scopeAcc) categoryStats(s *State) []CategoryStat {
	var out []CategoryStat
	for c, ac := range a.categories {
		if *ac == (categoryAcc{}) {
			continue
		}
		out = append(out, CategoryStat{Category: s.cats[c], Complaints: ac.complaints, Complainants: ac.complainants,
			Resolved: ac.resolved, BaseComplainants: ac.base, Retained: ac.retained})
	}
	slices.SortFunc(out, func(x, y CategoryStat) int {
		return cmp.Or(cmp.Compare(y.Complaints, x.Complaints), cmp.Compare(x.Category, y.Category))
	})
	return out
}

// tiers puts problem customers (rev(c, P-1) <= 0, or two or more
// complaints in P-1) in their own tier and ranks the rest of the base by
// revenue in P-1: the top 20 % (rounded up) are key customers, up to 50 %
// (rounded up) ordinary, the rest small; a customer tied with one of a
// higher tier takes that tier. It sets each member's tier and leaves base
// sorted by id.
func tiers(base []baseMember) []Tier {
	problem := func(m *baseMember) bool { return m.revPrev <= 0 || m.complaintsPrev >= 2 }
	slices.SortFunc(base, func(x, y baseMember) int {
		return cmp.Or(cmp.Compare(boolInt(problem(&x)), boolInt(problem(&y))), cmp.Compare(y.revPrev, x.revPrev), cmp.Compare(x.id, y.id))
	})
	n := 0
	for n < len(base) && !problem(&base[n]) {
		n++
	}
	keyN, ordinaryN := (n*2+9)/10, (n+1)/2
	out := []Tier{{Kind: TierProblem}, {Kind: TierKey}, {Kind: TierOrdinary}, {Kind: TierSmall}}
	kind := TierKey
	for r := range base {
		m := &base[r]
		switch {
		case r >= n:
			kind = TierProblem
		case r == 0 || m.revPrev != base[r-1].revPrev:
			switch {
			case r < keyN:
				kind = TierKey
			case r < ordinaryN:
				kind = TierOrdinary
			default:
				kind = TierSmall
			}
		}
		m.tier = kind
		t := &out[kind-TierProblem]
		t.Base++
		t.RevenuePrevCents += m.revPrev
		if m.retained {
			t.Retained++
		} else {
			t.Churned++
			t.ChurnedPrevCents += m.revPrev
		}
	}
	for i := range out {
		t := &out[i]
		t.RetentionRate = ratio(t.Retained, t.Base)
		t.RelativeChurnRate = positiveRatio(t.ChurnedPrevCents, t.RevenuePrevCents)
	}
	slices.SortFunc(base, func(x, y baseMember) int { return cmp.Compare(x.id, y.id) })
	return out
}
