package transform

import "slices"

// gatherRecords is about how many records a gatherer reads at once.
const gatherRecords = 16

// gatherer reads the per-period lists of several customers at once. Each
// list is linked from the latest period back, and its stats lie wherever
// the fold happened to add them, so that reading one list waits for
// memory at every step. Walking the lists of many records in turn, a step
// of each at a time, has those waits overlap: the processor keeps the
// loads of the different lists in flight together.
type gatherer struct {
	customers  []gatheredCustomer
	recs       []*record
	periods    [][]periodStat    // by index in recs, in ascending period order
	complaints [][]complaintStat // likewise
	cur        []int32
}

// gatheredCustomer is a customer of a gathered group and its records,
// recs[from:to].
type gatheredCustomer struct {
	slot     *slot
	from, to int
}

// gather reads the lists of the used slots from slots[lo:] until about
// gatherRecords records are read, and returns the index of the first slot
// it did not read.
func (g *gatherer) gather(s *State, slots []slot, lo int) int {
	g.customers, g.recs = g.customers[:0], g.recs[:0]
	i := lo
	for ; i < len(slots) && len(g.recs) < gatherRecords; i++ {
		sl := &slots[i]
		if sl.text == 0 {
			continue
		}
		from := len(g.recs)
		for rec := &sl.rec; ; rec = s.records.at(rec.next) {
			g.recs = append(g.recs, rec)
			if rec.next < 0 {
				break
			}
		}
		g.customers = append(g.customers, gatheredCustomer{slot: sl, from: from, to: len(g.recs)})
	}
	n := len(g.recs)
	for len(g.periods) < n {
		g.periods = append(g.periods, nil)
		g.complaints = append(g.complaints, nil)
	}
	g.cur = g.cur[:0]
	for j, rec := range g.recs {
		g.periods[j], g.complaints[j] = g.periods[j][:0], g.complaints[j][:0]
		g.cur = append(g.cur, rec.periods)
	}
	walk(&s.periods, g.cur, g.periods, func(st *periodStat) int32 { return st.prev })
	g.cur = g.cur[:0]
	for _, rec := range g.recs {
		g.cur = append(g.cur, rec.complaints)
	}
	walk(&s.complaintSt, g.cur, g.complaints, func(st *complaintStat) int32 { return st.prev })
	for j := range n {
		slices.Reverse(g.periods[j])
		slices.Reverse(g.complaints[j])
	}
	return i
}

// walk appends the stats of list j, from its head cur[j] back, to out[j],
// for every j at once: a step of each list in turn.
func walk[T any](a *arena[T], cur []int32, out [][]T, prev func(*T) int32) {
	for more := true; more; {
		more = false
		for j, at := range cur {
			if at >= 0 {
				st := a.at(at)
				out[j] = append(out[j], *st)
				cur[j], more = prev(st), true
			}
		}
	}
}
