package transform

import (
	"cmp"
	"slices"
)

// profile is one customer's activity in one scope, dense over the window:
// index i is period lo+i.
type profile struct {
	orders  []int64  // purchases
	rev     []int64  // cents
	last    []int32  // day of the latest purchase
	active  []int32  // active[i] = active periods in [lo, lo+i)
	comp    []int32  // complaints created in the period
	low     []bool   // one of them rated 1–2
	openEnd []int32  // complaints open at the end of the period
	diff    []int32  // openEnd's differences, while loading
	risk    []Signal // the signals that fired, in active periods from ext-1 on
	look    []lookback
	fc      []fcPoint // (x, t_x, n) at the end of each period from first-1 to p, for the forecast

	cats, catsPrev []int32 // categories of the complaints created in p, in p-1
	// Company-wide only: the departments it bought from in p, in p-1.
	depts, deptsPrev     []int32
	deptBuf, deptPrevBuf []int32 // their storage, reused

	first    int32 // period of the first purchase ever
	hasFirst bool
	touched  bool // a row in [first-1, p]
}

// lookback sums a customer's up to three most recent active periods
// before a period: what its purchases and revenue are compared with.
type lookback struct {
	orders, rev int64
	n           int64 // periods summed: 0 to maxLookback
}

const maxLookback = 3

// valueAtRisk is the average revenue per active period over the lookback,
// in currency units; rev(c, P) when there is no earlier active period.
func (l lookback) valueAtRisk(revCents int64) float64 {
	if l.n == 0 {
		return float64(revCents) / 100
	}
	return float64(l.rev) / float64(l.n*100)
}

// value600 is valueAtRisk in 1/600 of a currency unit, exactly: 600 is
// 100 cents times 6, which every lookback length divides.
func (l lookback) value600(revCents int64) int64 {
	if l.n == 0 {
		return revCents * 6
	}
	return l.rev * 6 / l.n
}

// signals are the at-risk signals of a period with orders purchases and
// revenue rev: below half of the lookback's average, strictly.
func (l lookback) signals(orders, rev int64) Signal {
	var sig Signal
	if l.n > 0 && 2*l.n*orders < l.orders {
		sig |= SignalFewerPurchases
	}
	if l.n > 0 && 2*l.n*rev < l.rev {
		sig |= SignalLowerRevenue
	}
	return sig
}

func newProfile(w window) *profile {
	n := w.size()
	return &profile{
		orders: make([]int64, n), rev: make([]int64, n), last: make([]int32, n), active: make([]int32, n+1),
		comp: make([]int32, n), low: make([]bool, n), openEnd: make([]int32, n), diff: make([]int32, n+1),
		risk: make([]Signal, n), look: make([]lookback, n), fc: make([]fcPoint, w.p-w.first+2),
	}
}

// load fills the profile from a customer's per-period stats, sorted by
// period, and reports whether anything falls in the window. The points of
// the forecast are filled either way: a customer long gone is fitted too.
func (f *profile) load(w window, s *State, periods []periodStat, complaints []complaintStat) bool {
	f.loadForecast(w, periods)
	clear(f.orders)
	clear(f.rev)
	f.hasFirst, f.touched = false, false
	f.depts, f.deptsPrev = nil, nil
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
	if f.loadComplaints(w, s, complaints) {
		any = true
	}
	if !any {
		return false
	}
	for i, o := range f.orders {
		f.active[i+1] = f.active[i] + int32(boolInt(o > 0))
	}
	f.loadRisk(w, periods)
	return true
}

// loadComplaints fills the complaint counts, the complaints open at each
// period's end and the categories of p and p-1; it reports whether a
// complaint was created in the window.
func (f *profile) loadComplaints(w window, s *State, complaints []complaintStat) bool {
	clear(f.comp)
	clear(f.low)
	clear(f.diff)
	f.cats, f.catsPrev = f.cats[:0], f.catsPrev[:0]
	any := false
	for _, cs := range complaints {
		if cs.period > w.p {
			break
		}
		for sp := cs.spans; sp >= 0; sp = s.spans.at(sp).next {
			// open at the end of every period from its creation to the one
			// before its resolution
			from, to := max(cs.period, w.lo), min(s.spans.at(sp).until, w.p+1)
			if from < to {
				f.diff[from-w.lo]++
				f.diff[to-w.lo]--
			}
		}
		if cs.period < w.lo {
			continue
		}
		i := cs.period - w.lo
		f.comp[i] += int32(cs.count)
		f.low[i] = f.low[i] || cs.low > 0
		switch cs.period {
		case w.p:
			f.cats = addCats(f.cats, s, cs.cats)
		case w.p - 1:
			f.catsPrev = addCats(f.catsPrev, s, cs.cats)
		}
		any = true
		f.touched = f.touched || cs.period >= w.first-1
	}
	var open int32
	for i := range f.openEnd {
		open += f.diff[i]
		f.openEnd[i] = open
	}
	return any
}

// addCats appends the categories of a catLink list that list lacks.
func addCats(list []int32, s *State, head int32) []int32 {
	for l := head; l >= 0; l = s.catLinks.at(l).next {
		if c := s.catLinks.at(l).cat; !slices.Contains(list, c) {
			list = append(list, c)
		}
	}
	return list
}

// loadRisk computes the at-risk signals of every active period from ext-1
// to p, each against the customer's up to three most recent active
// periods before it, wherever they lie.
func (f *profile) loadRisk(w window, periods []periodStat) {
	clear(f.risk)
	var ring [maxLookback]lookback // the latest active periods, oldest at next once full
	var l lookback
	next := 0
	for _, ps := range periods {
		if ps.period > w.p {
			break
		}
		if ps.orders == 0 {
			continue
		}
		orders := int64(ps.orders)
		if ps.period >= w.ext-1 {
			i := ps.period - w.lo
			f.look[i] = l
			f.risk[i] = l.signals(orders, ps.rev)
			if f.openEnd[i] > 0 || f.low[i] {
				f.risk[i] |= SignalComplaint
			}
		}
		if l.n == maxLookback {
			l.orders -= ring[next].orders
			l.rev -= ring[next].rev
		} else {
			l.n++
		}
		ring[next] = lookback{orders: orders, rev: ps.rev}
		l.orders += orders
		l.rev += ps.rev
		next = (next + 1) % maxLookback
	}
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

// add appends a record's stats, in ascending period order, and returns
// them.
func (b *historyBuf) add(periods []periodStat, complaints []complaintStat) ([]periodStat, []complaintStat) {
	b.depts++
	b.periods = append(b.periods, periods...)
	b.complaints = append(b.complaints, complaints...)
	return periods, complaints
}

// merged is every loaded department summed by period: the customer
// company-wide. Complaint stats are only sorted, not summed: the profile
// adds up the stats of one period, and each keeps its own spans and
// categories.
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
	return out, b.mc
}
