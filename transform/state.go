package transform

import (
	"time"

	"retention/extract"
)

// Unassigned is the department key of rows whose department is NULL or
// empty. Only workbook labels translate it.
const Unassigned = "(unassigned)"

// State is the fold of orders and complaints: per customer and department,
// what happened in each period. It keeps no row, only per-period sums, so
// its size grows with customers × active periods, not with orders.
//
// States merge: two States over disjoint (or even overlapping) sets of rows
// combine with Merge into the State over all of them.
type State struct {
	g   Granularity
	loc *time.Location

	customers []customer
	byID      map[string]int32

	depts     []string
	deptIndex map[string]int32

	complaints map[deptPeriod]*complaintAgg
	quality    Quality
}

type customer struct {
	id    string
	depts []deptHistory // usually one
}

// deptHistory is what one customer did in one department, by period.
type deptHistory struct {
	dept       int32
	periods    []periodStat    // sorted by period
	complaints []complaintStat // sorted by period
}

type periodStat struct {
	period int32
	orders uint32 // purchases: rows with amount > 0
	rev    int64  // cents: purchases, refunds and adjustments
	last   int64  // unix seconds of the latest purchase; meaningful when orders > 0
}

type complaintStat struct {
	period int32
	count  uint32 // complaints created in the period
	open   uint32 // of which resolved_at is NULL
	alarm  uint32 // of which open or rated 1–2
}

type deptPeriod struct {
	dept   int32
	period int32
}

// complaintAgg sums the complaints of one department and period, including
// those without a customer.
type complaintAgg struct {
	count      int64
	resolved   int64
	durationMs int64 // resolved_at - created_at, summed over timed
	timed      int64 // resolved complaints with resolved_at >= created_at
	satSum     int64
	rated      int64
}

func (a *complaintAgg) add(b *complaintAgg) {
	a.count += b.count
	a.resolved += b.resolved
	a.durationMs += b.durationMs
	a.timed += b.timed
	a.satSum += b.satSum
	a.rated += b.rated
}

// New returns an empty State that cuts periods of g in loc.
func New(g Granularity, loc *time.Location) *State {
	return &State{
		g:          g,
		loc:        loc,
		byID:       make(map[string]int32),
		deptIndex:  make(map[string]int32),
		complaints: make(map[deptPeriod]*complaintAgg),
		quality:    newQuality(),
	}
}

// Granularity is the granularity the State was made with.
func (s *State) Granularity() Granularity { return s.g }

// Location is the report time zone the State cuts periods in.
func (s *State) Location() *time.Location { return s.loc }

// AddOrder folds one row of the orders query. A row with a defect is
// skipped and counted by reason.
func (s *State) AddOrder(o extract.Order) {
	s.quality.OrdersRead++
	if o.Defect != extract.DefectNone {
		s.quality.skip(TableOrders, o.Defect.String(), o.ID)
		return
	}
	p := PeriodOf(o.OrderedAt, s.g, s.loc).N
	h := s.history(o.CustomerID, o.Department)
	ps := h.period(p)
	ps.rev += o.AmountCents
	if o.AmountCents > 0 {
		sec := o.OrderedAt.Unix()
		if ps.orders == 0 || sec > ps.last {
			ps.last = sec
		}
		ps.orders++
	}
}

// AddComplaint folds one row of the complaints query.
func (s *State) AddComplaint(c extract.Complaint) {
	s.quality.ComplaintsRead++
	if c.Defect != extract.DefectNone {
		s.quality.skip(TableComplaints, c.Defect.String(), c.ID)
		return
	}
	p := PeriodOf(c.CreatedAt, s.g, s.loc).N
	d := s.dept(c.Department)
	agg := s.complaints[deptPeriod{d, p}]
	if agg == nil {
		agg = &complaintAgg{}
		s.complaints[deptPeriod{d, p}] = agg
	}
	agg.count++
	open := c.ResolvedAt.IsZero()
	if !open {
		agg.resolved++
		if dur := c.ResolvedAt.Sub(c.CreatedAt); dur >= 0 {
			agg.durationMs += dur.Milliseconds()
			agg.timed++
		} else {
			s.quality.warn(TableComplaints, WarnResolvedBeforeCreated, c.ID)
		}
	}
	rated := c.Rated && c.Satisfaction >= 1 && c.Satisfaction <= 5
	if c.Rated && !rated {
		s.quality.warn(TableComplaints, WarnSatisfactionRange, c.ID)
	}
	if rated {
		agg.satSum += int64(c.Satisfaction)
		agg.rated++
	}
	if c.CustomerID == "" {
		return
	}
	cs := s.historyIn(c.CustomerID, d).complaint(p)
	cs.count++
	if open {
		cs.open++
	}
	if open || (rated && c.Satisfaction <= 2) {
		cs.alarm++
	}
}

func (s *State) dept(name string) int32 {
	if name == "" {
		name = Unassigned
	}
	d, ok := s.deptIndex[name]
	if !ok {
		d = int32(len(s.depts))
		s.depts = append(s.depts, name)
		s.deptIndex[name] = d
	}
	return d
}

func (s *State) history(customerID, dept string) *deptHistory {
	return s.historyIn(customerID, s.dept(dept))
}

func (s *State) historyIn(customerID string, d int32) *deptHistory {
	i, ok := s.byID[customerID]
	if !ok {
		i = int32(len(s.customers))
		s.customers = append(s.customers, customer{id: customerID})
		s.byID[customerID] = i
	}
	c := &s.customers[i]
	for k := range c.depts {
		if c.depts[k].dept == d {
			return &c.depts[k]
		}
	}
	c.depts = append(c.depts, deptHistory{dept: d})
	return &c.depts[len(c.depts)-1]
}

// period returns the stat of period p, inserting it in order. Rows tend to
// arrive in time order, so the search starts from the end.
func (h *deptHistory) period(p int32) *periodStat {
	i := len(h.periods)
	for i > 0 && h.periods[i-1].period > p {
		i--
	}
	if i > 0 && h.periods[i-1].period == p {
		return &h.periods[i-1]
	}
	h.periods = append(h.periods, periodStat{})
	copy(h.periods[i+1:], h.periods[i:])
	h.periods[i] = periodStat{period: p}
	return &h.periods[i]
}

func (h *deptHistory) complaint(p int32) *complaintStat {
	i := len(h.complaints)
	for i > 0 && h.complaints[i-1].period > p {
		i--
	}
	if i > 0 && h.complaints[i-1].period == p {
		return &h.complaints[i-1]
	}
	h.complaints = append(h.complaints, complaintStat{})
	copy(h.complaints[i+1:], h.complaints[i:])
	h.complaints[i] = complaintStat{period: p}
	return &h.complaints[i]
}

// Merge adds the rows folded into o to s. Both must have the same
// granularity and time zone; o is left unchanged.
func (s *State) Merge(o *State) {
	if o.g != s.g || o.loc.String() != s.loc.String() {
		panic("transform: merging states of different granularity or time zone")
	}
	for _, oc := range o.customers {
		for _, oh := range oc.depts {
			h := s.history(oc.id, o.depts[oh.dept])
			for _, ps := range oh.periods {
				t := h.period(ps.period)
				t.rev += ps.rev
				if ps.orders > 0 && (t.orders == 0 || ps.last > t.last) {
					t.last = ps.last
				}
				t.orders += ps.orders
			}
			for _, cs := range oh.complaints {
				t := h.complaint(cs.period)
				t.count += cs.count
				t.open += cs.open
				t.alarm += cs.alarm
			}
		}
	}
	for k, a := range o.complaints {
		k.dept = s.dept(o.depts[k.dept])
		agg := s.complaints[k]
		if agg == nil {
			agg = &complaintAgg{}
			s.complaints[k] = agg
		}
		agg.add(a)
	}
	s.quality.merge(&o.quality)
}

// Quality returns the row counts and data-quality findings so far.
func (s *State) Quality() Quality { return s.quality.clone() }
