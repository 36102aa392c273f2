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

	r := &Result{Period: p, Location: s.loc, Quality: s.Quality()}
	if n := s.orderRows.after(p.N); n > 0 {
		r.Quality.Note(TableOrders, ReasonAfterPeriod, Noted, n)
	}
	if n := s.complaintRows.after(p.N); n > 0 {
		r.Quality.Note(TableComplaints, ReasonAfterPeriod, Noted, n)
	}
	r.Quality.Sort()
	for t := w.first; t <= w.p; t++ {
		r.Periods = append(r.Periods, Period{G: s.g, N: t})
	}
	for k, agg := range s.complaints {
		if k.period >= w.ext && k.period <= w.p {
			depts[k.dept].complaints[k.period-w.ext].add(agg)
			company.complaints[k.period-w.ext].add(agg)
		}
		if k.period >= w.first-1 && k.period <= w.p {
			depts[k.dept].touched = true
		}
	}
	r.Company = company.finish(w, s, opt, true, "")
	for d, acc := range depts {
		if acc.touched {
			r.Departments = append(r.Departments, acc.finish(w, s, opt, false, s.depts[d]))
		}
	}
	slices.SortFunc(r.Departments, func(a, b Scope) int {
		return cmp.Or(cmp.Compare(boolInt(a.Department == Unassigned), boolInt(b.Department == Unassigned)),
			cmp.Compare(a.Department, b.Department))
	})
	return r, nil
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
	for si := range slots {
		slot := &slots[si]
		if slot.text == 0 {
			continue
		}
		id := s.customers.id(slot)
		buf.reset()
		for rec := &slot.rec; ; rec = s.records.at(rec.next) {
			periods, complaints := buf.load(s, rec)
			if prof.load(w, periods, complaints) {
				acc.depts[rec.dept].add(w, prof, id)
			}
			if rec.next < 0 {
				break
			}
		}
		periods, complaints := buf.merged()
		if prof.load(w, periods, complaints) {
			acc.company.add(w, prof, id)
		}
	}
}

// profile is one customer's activity in one scope, dense over the window.
type profile struct {
	orders []int64 // purchases, by period - lo
	rev    []int64 // cents
	last   []int32 // day of the latest purchase
	active []int32 // active[i] = active periods in [lo, lo+i)
	comp   []bool  // complained in the period
	alarm  []bool  // a complaint in the period is open or rated 1–2

	first    int32 // period of the first purchase ever
	hasFirst bool
	open     int64 // open complaints created up to p
	touched  bool  // a row in [first-1, p]

	lookOrders, lookRev int64 // over the lookback before p
	look                int   // active periods in the lookback, up to 3
}

const lookback = 3

func newProfile(w window) *profile {
	n := w.size()
	return &profile{
		orders: make([]int64, n), rev: make([]int64, n), last: make([]int32, n),
		active: make([]int32, n+1), comp: make([]bool, n), alarm: make([]bool, n),
	}
}

// load fills the profile from a customer's sorted per-period stats and
// reports whether anything falls in the window.
func (f *profile) load(w window, periods []periodStat, complaints []complaintStat) bool {
	clear(f.orders)
	clear(f.rev)
	clear(f.comp)
	clear(f.alarm)
	f.hasFirst, f.open, f.touched = false, 0, false
	f.lookOrders, f.lookRev, f.look = 0, 0, 0
	any := false
	for _, ps := range periods {
		if ps.orders > 0 && !f.hasFirst {
			f.first, f.hasFirst = ps.period, true
		}
		if ps.period < w.lo || ps.period > w.p {
			continue
		}
		i := ps.period - w.lo
		f.orders[i], f.rev[i], f.last[i] = int64(ps.orders), ps.rev, ps.last
		any = true
		f.touched = f.touched || ps.period >= w.first-1
	}
	for _, cs := range complaints {
		if cs.period > w.p {
			break
		}
		f.open += int64(cs.open)
		if cs.period < w.lo {
			continue
		}
		i := cs.period - w.lo
		f.comp[i], f.alarm[i] = cs.count > 0, cs.alarm > 0
		any = true
		f.touched = f.touched || cs.period >= w.first-1
	}
	if !any {
		return false
	}
	for i, o := range f.orders {
		f.active[i+1] = f.active[i] + int32(boolInt(o > 0))
	}
	for i := len(periods) - 1; i >= 0 && f.look < lookback; i-- {
		if ps := periods[i]; ps.period < w.p && ps.orders > 0 {
			f.lookOrders += int64(ps.orders)
			f.lookRev += ps.rev
			f.look++
		}
	}
	return true
}

func (f *profile) isActive(i int) bool { return f.orders[i] > 0 }

// activeIn reports whether the customer was active in a period of [i-n+1, i].
func (f *profile) activeIn(i, n int) bool { return f.active[i+1] > f.active[max(0, i-n+1)] }

// historyBuf holds one customer's per-period stats, department by
// department in ascending period order, and merges them for the company.
type historyBuf struct {
	periods    []periodStat
	complaints []complaintStat
	depts      int
	mp         []periodStat
	mc         []complaintStat
}

func (b *historyBuf) reset() {
	b.periods, b.complaints, b.depts = b.periods[:0], b.complaints[:0], 0
}

// load appends a record's stats and returns them in ascending order.
func (b *historyBuf) load(s *State, rec *record) ([]periodStat, []complaintStat) {
	b.depts++
	p0, c0 := len(b.periods), len(b.complaints)
	for i := rec.periods; i >= 0; {
		st := s.periods.at(i)
		b.periods = append(b.periods, *st)
		i = st.prev
	}
	for i := rec.complaints; i >= 0; {
		st := s.complaintSt.at(i)
		b.complaints = append(b.complaints, *st)
		i = st.prev
	}
	slices.Reverse(b.periods[p0:])
	slices.Reverse(b.complaints[c0:])
	return b.periods[p0:], b.complaints[c0:]
}

// merged is every loaded department summed by period: the customer
// company-wide.
func (b *historyBuf) merged() ([]periodStat, []complaintStat) {
	if b.depts == 1 {
		return b.periods, b.complaints
	}
	b.mp = append(b.mp[:0], b.periods...)
	b.mc = append(b.mc[:0], b.complaints...)
	slices.SortStableFunc(b.mp, func(x, y periodStat) int { return cmp.Compare(x.period, y.period) })
	slices.SortStableFunc(b.mc, func(x, y complaintStat) int { return cmp.Compare(x.period, y.period) })
	out := b.mp[:0]
	for _, ps := range b.mp {
		if n := len(out); n > 0 && out[n-1].period == ps.period {
			t := &out[n-1]
			t.rev += ps.rev
			if ps.orders > 0 && (t.orders == 0 || ps.last > t.last) {
				t.last = ps.last
			}
			t.orders += ps.orders
			continue
		}
		out = append(out, ps)
	}
	cout := b.mc[:0]
	for _, cs := range b.mc {
		if n := len(cout); n > 0 && cout[n-1].period == cs.period {
			cout[n-1].count += cs.count
			cout[n-1].open += cs.open
			cout[n-1].alarm += cs.alarm
			continue
		}
		cout = append(cout, cs)
	}
	return out, cout
}

// trendAcc counts one scope's sets in one history period.
type trendAcc struct {
	active, base, newc, retained, churned, reactivated, customerBase int64
	revenue, orders                                                  int64
	baseRevPrev, baseRevCur, churnRevPrev                            int64
	newPrev, newPrevRetained, lostPrev, wonBack                      int64
	complainants                                                     int64
	compBase, compRetained, quietBase, quietRetained                 int64
}

type baseMember struct {
	id       string
	revPrev  int64
	retained bool
}

type scopeAcc struct {
	trend        []trendAcc // by period - ext
	complaints   []complaintAgg
	cohortSize   []int64
	cohortActive [][]int64
	churned      []ChurnedCustomer
	atRisk       []AtRiskCustomer
	base         []baseMember
	touched      bool
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
	a.atRisk = append(a.atRisk, o.atRisk...)
	a.base = append(a.base, o.base...)
	a.touched = a.touched || o.touched
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
}

func newScopeAcc(w window) *scopeAcc {
	h, n := int(w.p-w.first)+1, int(w.p-w.ext)+1
	a := &scopeAcc{
		trend:        make([]trendAcc, n),
		complaints:   make([]complaintAgg, n),
		cohortSize:   make([]int64, h),
		cohortActive: make([][]int64, h),
	}
	for q := range a.cohortActive {
		a.cohortActive[q] = make([]int64, h-q)
	}
	return a
}

// add counts one customer's profile into the scope.
func (a *scopeAcc) add(w window, f *profile, id string) {
	a.touched = a.touched || f.touched
	off := int(w.ext - w.lo) // dense index of the first snapshot period
	for j := range a.trend {
		t := &a.trend[j]
		i := off + j
		period := w.ext + int32(j)
		at, ap, app := f.isActive(i), f.isActive(i-1), f.isActive(i-2)
		isNew := f.hasFirst && f.first == period
		if at {
			t.active++
			t.orders += f.orders[i]
		}
		t.revenue += f.rev[i]
		if ap {
			t.base++
			t.baseRevPrev += f.rev[i-1]
			t.baseRevCur += f.rev[i]
			if at {
				t.retained++
			} else {
				t.churned++
				t.churnRevPrev += f.rev[i-1]
			}
			if f.comp[i-1] {
				t.compBase++
				if at {
					t.compRetained++
				}
			} else {
				t.quietBase++
				if at {
					t.quietRetained++
				}
			}
		}
		if isNew {
			t.newc++
		} else if at && !ap {
			t.reactivated++
		}
		if f.hasFirst && f.first == period-1 {
			t.newPrev++
			if at {
				t.newPrevRetained++
			}
		}
		if app && !ap {
			t.lostPrev++
			if at {
				t.wonBack++
			}
		}
		if f.activeIn(i, w.span) {
			t.customerBase++
		}
		if f.comp[i] {
			t.complainants++
		}
	}

	if f.hasFirst && f.first >= w.first && f.first <= w.p {
		q := int(f.first - w.first)
		a.cohortSize[q]++
		start := int(f.first - w.lo)
		for k := range a.cohortActive[q] {
			if f.isActive(start + k) {
				a.cohortActive[q][k]++
			}
		}
	}

	i := w.size() - 1 // the reported period
	at, ap := f.isActive(i), f.isActive(i-1)
	if ap {
		a.base = append(a.base, baseMember{id: id, revPrev: f.rev[i-1], retained: at})
		if !at {
			a.churned = append(a.churned, ChurnedCustomer{
				CustomerID:       id,
				LastPurchase:     dayTime(f.last[i-1], w.loc),
				RevenuePrevCents: f.rev[i-1],
				OrdersPrev:       f.orders[i-1],
			})
		}
	}
	if at {
		a.addAtRisk(w, f, i, id)
	}
}

func (a *scopeAcc) addAtRisk(w window, f *profile, i int, id string) {
	var sig Signal
	k := int64(f.look)
	if k > 0 && 2*k*f.orders[i] < f.lookOrders {
		sig |= SignalFewerPurchases
	}
	if k > 0 && 2*k*f.rev[i] < f.lookRev {
		sig |= SignalLowerRevenue
	}
	if f.alarm[i] {
		sig |= SignalComplaint
	}
	if sig == 0 {
		return
	}
	r := AtRiskCustomer{
		CustomerID:     id,
		Signals:        sig,
		Lookback:       f.look,
		Orders:         f.orders[i],
		RevenueCents:   f.rev[i],
		LastPurchase:   dayTime(f.last[i], w.loc),
		OpenComplaints: f.open,
		ValueAtRisk:    float64(f.rev[i]) / 100,
	}
	if k > 0 {
		r.AvgOrders = float64(f.lookOrders) / float64(k)
		r.ValueAtRisk = float64(f.lookRev) / float64(k*100)
	}
	a.atRisk = append(a.atRisk, r)
}

func (a *scopeAcc) finish(w window, s *State, opt Options, company bool, dept string) Scope {
	sc := Scope{Company: company, Department: dept}
	months := int64(s.g.Months())
	all := make([]Snapshot, 0, len(a.trend))
	for j, t := range a.trend {
		c := &a.complaints[j]
		all = append(all, Snapshot{
			Period:               Period{G: s.g, N: w.ext + int32(j)},
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
			NewCustomersPerMonth:     ratio(t.newc, months),
			WinBackRate:              ratio(t.wonBack, t.lostPrev),

			Complaints:                  c.count,
			Complainants:                t.complainants,
			ComplaintRate:               ratio(t.complainants, t.active),
			ComplaintResolvedRate:       ratio(c.resolved, c.count),
			AvgResolutionHours:          c.duration.meanHours(c.timed),
			ComplaintSatisfaction:       ratio(c.satSum, c.rated),
			ComplainantRetentionRate:    ratio(t.compRetained, t.compBase),
			NonComplainantRetentionRate: ratio(t.quietRetained, t.quietBase),
		})
	}

	sc.Snapshots = all[w.first-w.ext:]
	sc.YearAgo = all[w.p-int32(w.span)-w.ext]

	last := a.trend[len(a.trend)-1]
	for i := range a.churned {
		c := &a.churned[i]
		c.Share = positiveRatio(c.RevenuePrevCents, last.churnRevPrev)
	}
	slices.SortFunc(a.churned, func(x, y ChurnedCustomer) int {
		return cmp.Or(cmp.Compare(y.RevenuePrevCents, x.RevenuePrevCents), cmp.Compare(x.CustomerID, y.CustomerID))
	})
	sc.Churned = a.churned

	slices.SortFunc(a.atRisk, func(x, y AtRiskCustomer) int {
		return cmp.Or(cmp.Compare(y.ValueAtRisk, x.ValueAtRisk), cmp.Compare(x.CustomerID, y.CustomerID))
	})
	sc.AtRiskTotal = len(a.atRisk)
	sc.AtRisk = a.atRisk[:min(len(a.atRisk), opt.AtRiskLimit)]

	for q, size := range a.cohortSize {
		sc.Cohorts = append(sc.Cohorts, Cohort{Period: Period{G: s.g, N: w.first + int32(q)}, Size: size, Active: a.cohortActive[q]})
	}
	sc.Tiers = tiers(a.base)
	return sc
}

// tiers ranks the base by revenue in P-1: the top 20 % (rounded up) are
// key customers, up to 50 % (rounded up) ordinary, the rest small; a
// customer tied with one of a higher tier takes that tier.
func tiers(base []baseMember) []Tier {
	slices.SortFunc(base, func(x, y baseMember) int {
		return cmp.Or(cmp.Compare(y.revPrev, x.revPrev), cmp.Compare(x.id, y.id))
	})
	n := len(base)
	keyN, ordinaryN := (n*2+9)/10, (n+1)/2
	out := []Tier{{Kind: TierKey}, {Kind: TierOrdinary}, {Kind: TierSmall}}
	kind := TierKey
	for r, m := range base {
		if r == 0 || m.revPrev != base[r-1].revPrev {
			switch {
			case r < keyN:
				kind = TierKey
			case r < ordinaryN:
				kind = TierOrdinary
			default:
				kind = TierSmall
			}
		}
		t := &out[kind]
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
	return out
}
