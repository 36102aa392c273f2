package transform

import (
	"cmp"
	"math"
	"time"

	"retention/extract"
)

// Unassigned is the department key of rows whose department is NULL or
// empty. Only workbook labels translate it.
const Unassigned = "(unassigned)"

// CompareDepartments orders department keys as Result.Departments are:
// by name, Unassigned last.
func CompareDepartments(a, b string) int {
	return cmp.Or(cmp.Compare(boolInt(a == Unassigned), boolInt(b == Unassigned)), cmp.Compare(a, b))
}

// Uncategorized is the category key of complaints whose category is NULL
// or empty. Only workbook labels translate it.
const Uncategorized = "(uncategorized)"

// State is the fold of orders and complaints: per customer and department,
// what happened in each period. It keeps no row, only per-period sums, so
// its size grows with customers × active periods, not with orders. The
// sums live in pointer-free arenas, linked per customer and department:
// about 24 bytes per (customer, department, active period) and 60 per
// customer, which the garbage collector does not need to scan.
//
// States merge: two States over disjoint (or even overlapping) sets of rows
// combine with Merge into the State over all of them.
type State struct {
	g   Granularity
	loc *time.Location

	// The customers, each with its first department record inline (most
	// customers buy from one department); the others are in records.
	customers table

	records     arena[record]        // further departments of a customer
	periods     arena[periodStat]    // one per customer, department and period with a row
	complaintSt arena[complaintStat] // one per customer, department and period with a complaint
	spans       arena[openSpan]      // complaints still open at the end of the period they were created in
	catLinks    arena[catLink]       // the categories of a complaintStat's complaints

	depts     []string
	deptIndex map[string]int32
	cats      []string // complaint categories; Uncategorized for NULL or empty
	catIndex  map[string]int32
	owners    []string // the sales reps named by SetOwner
	ownerIdx  map[string]int32

	complaints map[deptPeriod]*complaintAgg
	byCategory map[deptPeriodCat]*categoryAgg
	quality    Quality
	// deptQuality is quality by department: the rows of each department.
	deptQuality []Quality
	clock       clock
	// Rows used, by department and period: the data-quality sheets count
	// those dated after the reported period.
	orderRows, complaintRows []periodRows
	keys                     []uint64 // AddOrders' customer keys of a batch
	scratch                  []int32  // AddOrders' list of period stats to touch
	touched                  uint64   // keeps AddOrders' loads from being optimised away
}

// record is what one customer did in one department: the heads of its
// per-period lists, which run from the latest period back.
type record struct {
	dept       int32
	next       int32 // the customer's next department record, -1 none
	periods    int32 // latest periodStat, -1 none
	complaints int32 // latest complaintStat, -1 none
}

type periodStat struct {
	rev    int64  // cents: purchases, refunds and adjustments
	orders uint32 // purchases: rows with amount > 0
	period int32
	last   int32 // day (days since 1970-01-01 in the report zone) of the latest purchase; meaningful when orders > 0
	prev   int32 // the stat of the next earlier period, -1 none
}

type complaintStat struct {
	period int32
	count  uint32 // complaints created in the period
	low    uint32 // of which rated 1–2
	prev   int32
	spans  int32 // the first openSpan of those still open at the period's end, -1 none
	cats   int32 // the first catLink of their distinct categories, -1 none
}

// openSpan is a complaint still open at the end of the period it was
// created in: it stays open at the end of every period before until, the
// period of its resolved_at (MaxInt32 while resolved_at is NULL).
type openSpan struct {
	until int32
	next  int32
}

// catLink is one category of a complaintStat's complaints.
type catLink struct {
	cat  int32
	next int32
}

type deptPeriod struct {
	dept   int32
	period int32
}

type deptPeriodCat struct {
	dept, period, cat int32
}

// categoryAgg sums the complaints of one department, period and category,
// including those without a customer.
type categoryAgg struct {
	count    int64
	resolved int64
}

// complaintAgg sums the complaints of one department and period, including
// those without a customer.
// ratingPoint is one point of a rating; lowRating the highest rating of
// the complaint signal "rated 1–2".
const (
	ratingPoint = extract.Point
	lowRating   = 2 * ratingPoint
)

type complaintAgg struct {
	count    int64
	resolved int64  // resolved_at not NULL, readable or not
	duration micros // resolved_at - created_at, summed over timed
	timed    int64  // resolved complaints with a readable resolved_at >= created_at
	satSum   int64  // millionths of a point (extract.Rating)
	rated    int64
}

func (a *complaintAgg) add(b *complaintAgg) {
	a.count += b.count
	a.resolved += b.resolved
	a.duration.addSum(b.duration)
	a.timed += b.timed
	a.satSum += b.satSum
	a.rated += b.rated
}

// New returns an empty State that cuts periods of g in loc.
func New(g Granularity, loc *time.Location) *State {
	return &State{
		g:          g,
		loc:        loc,
		customers:  newTable(),
		deptIndex:  make(map[string]int32),
		catIndex:   make(map[string]int32),
		ownerIdx:   make(map[string]int32),
		complaints: make(map[deptPeriod]*complaintAgg),
		byCategory: make(map[deptPeriodCat]*categoryAgg),
		quality:    newQuality(),
		clock:      clock{g: g, loc: loc},
	}
}

// Granularity is the granularity the State was made with.
func (s *State) Granularity() Granularity { return s.g }

// Location is the report time zone the State cuts periods in.
func (s *State) Location() *time.Location { return s.loc }

// AddOrder folds one row of the orders query. A row with a defect is
// skipped and counted by reason.
func (s *State) AddOrder(o extract.Order) {
	s.addOrder(&o, s.orderKey(&o))
}

// orderKey is the table key of an order's customer.
func (s *State) orderKey(o *extract.Order) uint64 {
	if o.NumericCustomer {
		return o.CustomerNum
	}
	k, _ := s.customers.key(o.CustomerID)
	return k
}

func (s *State) addOrder(o *extract.Order, key uint64) {
	d := s.dept(o.Department)
	s.quality.OrdersRead++
	s.deptQuality[d].OrdersRead++
	if o.Defect != extract.DefectNone {
		s.skip(TableOrders, d, o.Defect.String(), o.ID)
		return
	}
	if o.Flags != 0 {
		s.noteFlags(TableOrders, d, o.Flags, o.ID)
	}
	if o.Department == "" {
		s.note(TableOrders, d, ReasonDepartmentMissing, Noted, "")
	}
	switch {
	case o.AmountCents < 0:
		s.note(TableOrders, d, ReasonRefund, Noted, "")
	case o.AmountCents == 0:
		s.note(TableOrders, d, ReasonZeroAmount, Noted, "")
	}
	p, day := s.clock.at(o.OrderedAt)
	s.orderRows[d].add(p)
	ps := s.period(s.recordOf(key, o.CustomerID, d), p)
	ps.rev += o.AmountCents
	if o.AmountCents > 0 {
		if ps.orders == 0 || day > ps.last {
			ps.last = day
		}
		ps.orders++
	}
}

// AddOrders folds a batch of rows of the orders query, like AddOrder for
// each. It is faster for large states: it first touches the memory every
// row of the batch will need, in loops so short that the processor has
// many of those loads in flight at once, instead of waiting for each row's
// customer and period in turn.
func (s *State) AddOrders(batch []extract.Order) {
	keys := s.keys[:0]
	for i := range batch {
		keys = append(keys, s.orderKey(&batch[i]))
	}
	var sink uint64
	slots := s.customers.slots
	for i, k := range keys {
		if batch[i].Defect == extract.DefectNone {
			sink += slots[s.customers.home(k)].key
		}
	}
	at := s.scratch[:0]
	for i, k := range keys {
		if o := &batch[i]; o.Defect == extract.DefectNone {
			if p := s.customers.peek(k, o.CustomerID); p >= 0 {
				at = append(at, p)
			}
		}
	}
	for _, p := range at {
		sink += uint64(s.periods.at(p).rev)
	}
	s.keys, s.scratch = keys, at
	s.touched += sink
	for i := range batch {
		s.addOrder(&batch[i], keys[i])
	}
}

// AddComplaint folds one row of the complaints query.
func (s *State) AddComplaint(c extract.Complaint) {
	d := s.dept(c.Department)
	s.quality.ComplaintsRead++
	s.deptQuality[d].ComplaintsRead++
	if c.Defect != extract.DefectNone {
		s.skip(TableComplaints, d, c.Defect.String(), c.ID)
		return
	}
	if c.Flags != 0 {
		s.noteFlags(TableComplaints, d, c.Flags, c.ID)
	}
	if c.Department == "" {
		s.note(TableComplaints, d, ReasonDepartmentMissing, Noted, c.ID)
	}
	if c.CustomerID == "" {
		s.note(TableComplaints, d, ReasonCustomerMissing, Noted, c.ID)
	}
	p, _ := s.clock.at(c.CreatedAt)
	s.complaintRows[d].add(p)
	agg := s.complaints[deptPeriod{d, p}]
	if agg == nil {
		agg = &complaintAgg{}
		s.complaints[deptPeriod{d, p}] = agg
	}
	agg.count++
	// A resolved_at that cannot be read is not NULL: the complaint was
	// resolved, at a time nobody can tell (FlagResolvedAtInvalid), so it is
	// open at the end of no period.
	open := c.ResolvedAt.IsZero() && c.Flags&extract.FlagResolvedAtInvalid == 0
	until := int32(math.MaxInt32) // the period it was resolved in
	if !open {
		agg.resolved++
		until = p
	}
	if !c.ResolvedAt.IsZero() {
		until, _ = s.clock.at(c.ResolvedAt)
		if us, ok := elapsed(c.CreatedAt, c.ResolvedAt); ok {
			agg.duration.add(us)
			agg.timed++
		} else {
			s.note(TableComplaints, d, ReasonResolvedBeforeCreated, Repaired, c.ID)
		}
	}
	// Ratings are read by value: one in [1, 5] is a rating, 2.5 included.
	rated := c.Rated && c.Satisfaction >= 1*extract.Point && c.Satisfaction <= 5*extract.Point
	if c.Rated && !rated {
		s.note(TableComplaints, d, ReasonSatisfactionRange, Repaired, c.ID)
	}
	if rated {
		agg.satSum += int64(c.Satisfaction)
		agg.rated++
	}
	cat := s.category(c.Category)
	ca := s.byCategory[deptPeriodCat{d, p, cat}]
	if ca == nil {
		ca = &categoryAgg{}
		s.byCategory[deptPeriodCat{d, p, cat}] = ca
	}
	ca.count++
	if !open {
		ca.resolved++
	}
	if c.CustomerID == "" {
		return
	}
	cs := s.complaint(s.record(c.CustomerID, d), p)
	cs.count++
	if rated && c.Satisfaction <= lowRating {
		cs.low++
	}
	s.addSpan(cs, until)
	s.addCategory(cs, cat)
}

// addSpan records that a complaint of cs's period was resolved in period
// until; only one still open at the end of its own period needs a span.
func (s *State) addSpan(cs *complaintStat, until int32) {
	if until > cs.period {
		i, sp := s.spans.add()
		*sp = openSpan{until: until, next: cs.spans}
		cs.spans = i
	}
}

// addCategory adds cat to cs's categories unless it is there already.
func (s *State) addCategory(cs *complaintStat, cat int32) {
	for l := cs.cats; l >= 0; l = s.catLinks.at(l).next {
		if s.catLinks.at(l).cat == cat {
			return
		}
	}
	i, l := s.catLinks.add()
	*l = catLink{cat: cat, next: cs.cats}
	cs.cats = i
}

// category interns a complaint category.
func (s *State) category(name string) int32 {
	if name == "" {
		name = Uncategorized
	}
	c, _ := intern(&s.cats, s.catIndex, name)
	return c
}

// intern returns the index of name in *names, adding it (and to index)
// when it is new, and whether it was.
func intern(names *[]string, index map[string]int32, name string) (int32, bool) {
	if i, ok := index[name]; ok {
		return i, false
	}
	i := int32(len(*names))
	*names = append(*names, name)
	index[name] = i
	return i, true
}

// Owner marks of a customer's slot besides 1 + the index of its owner.
const (
	ownerUnknown = 0  // the customers query did not name the customer
	ownerNone    = -1 // it did, without an owner
)

// SetOwner records the owner (the sales rep) of a customer, from the
// customers query, for the figures by owner; "" is no owner. The first
// row of a customer counts: SetOwner reports whether the customer is known
// (one with no order or complaint is in no figure and is not recorded)
// and whether its owner was recorded before (the query repeats it).
func (s *State) SetOwner(customerID, owner string) (known, repeated bool) {
	key, _ := s.customers.key(customerID)
	sl := s.customers.lookup(key, customerID)
	if sl == nil {
		return false, false
	}
	if sl.owner != ownerUnknown {
		return true, true
	}
	s.setOwner(sl, owner)
	return true, false
}

func (s *State) setOwner(sl *slot, owner string) {
	sl.owner = ownerNone
	if owner != "" {
		o, _ := intern(&s.owners, s.ownerIdx, owner)
		sl.owner = o + 1
	}
}

// ownerIndex is the owner of a slot for the figures by owner: 0 for none.
func ownerIndex(sl *slot) int32 { return max(sl.owner, 0) }

// ActiveBetween reports whether a customer made a purchase, in any
// department, in a period from from to to: whether a list of those
// periods can name it.
func (s *State) ActiveBetween(customerID string, from, to Period) bool {
	key, _ := s.customers.key(customerID)
	sl := s.customers.lookup(key, customerID)
	return sl != nil && s.activeBetween(sl, from, to)
}

// Owner is an owner's name interned in a State, for TakeCustomer.
type Owner struct{ mark int32 }

// Owner interns an owner's name ("" for none). It changes the state: it
// must not run while TakeCustomer does.
func (s *State) Owner(name string) Owner {
	if name == "" {
		return Owner{ownerNone}
	}
	o, _ := intern(&s.owners, s.ownerIdx, name)
	return Owner{o + 1}
}

// TakeCustomer is SetOwner and ActiveBetween with one lookup of the
// customer: it sets the owner of a customer whose owner is not set yet
// and reports whether the state knows the customer, whether its owner
// was set already (the row repeats it, and changes nothing), and whether
// it made a purchase in a period from from to to. It writes only the
// customer's owner: calls for different customers may run on several
// goroutines at once, while nothing else changes the state.
func (s *State) TakeCustomer(customerID string, owner Owner, from, to Period) (known, repeated, active bool) {
	key, _ := s.customers.key(customerID)
	sl := s.customers.lookup(key, customerID)
	if sl == nil {
		return false, false, false
	}
	if sl.owner != ownerUnknown {
		return true, true, false
	}
	sl.owner = owner.mark
	return true, false, s.activeBetween(sl, from, to)
}

func (s *State) activeBetween(sl *slot, from, to Period) bool {
	for rec := &sl.rec; ; rec = s.records.at(rec.next) {
		for i := rec.periods; i >= 0; {
			ps := s.periods.at(i)
			if ps.period < from.N {
				break
			}
			if ps.period <= to.N && ps.orders > 0 {
				return true
			}
			i = ps.prev
		}
		if rec.next < 0 {
			return false
		}
	}
}

func (s *State) noteFlags(table string, d int32, f extract.Flag, id string) {
	if f&extract.FlagIDMissing != 0 {
		s.note(table, d, ReasonIDMissing, Repaired, "")
	}
	if f&extract.FlagInvalidUTF8 != 0 {
		s.note(table, d, ReasonInvalidUTF8, Repaired, id)
	}
	if f&extract.FlagSatisfactionInvalid != 0 {
		s.note(table, d, ReasonSatisfactionInvalid, Repaired, id)
	}
	if f&extract.FlagResolvedAtInvalid != 0 {
		s.note(table, d, ReasonResolvedAtInvalid, Repaired, id)
	}
}

// skip counts a row of department d left out of every figure, company-wide
// and in its department.
func (s *State) skip(table string, d int32, reason, id string) {
	s.quality.skip(table, reason, id)
	s.deptQuality[d].skip(table, reason, id)
}

// note counts a row of department d under reason, company-wide and in its
// department.
func (s *State) note(table string, d int32, reason string, h Handling, id string) {
	s.quality.Note(table, reason, h, 1, id)
	s.deptQuality[d].Note(table, reason, h, 1, id)
}

// periodRows counts rows by period, cheaply when consecutive rows share a
// period (as rows in time order do).
type periodRows struct {
	n       map[int32]int64
	p       int32
	pending int64
}

func (c *periodRows) add(p int32) {
	if p != c.p {
		c.flush()
		c.p = p
	}
	c.pending++
}

func (c *periodRows) flush() {
	if c.pending > 0 {
		if c.n == nil {
			c.n = map[int32]int64{}
		}
		c.n[c.p] += c.pending
		c.pending = 0
	}
}

// after is the number of rows in periods after p. It only reads, so that
// Compute leaves the State as it found it.
func (c *periodRows) after(p int32) int64 {
	var total int64
	for q, n := range c.n {
		if q > p {
			total += n
		}
	}
	if c.p > p {
		total += c.pending
	}
	return total
}

// merge adds o's counts; o is left unchanged.
func (c *periodRows) merge(o *periodRows) {
	c.flush()
	if c.n == nil {
		c.n = map[int32]int64{}
	}
	for q, n := range o.n {
		c.n[q] += n
	}
	c.n[o.p] += o.pending
}

func (s *State) dept(name string) int32 {
	if name == "" {
		name = Unassigned
	}
	d, isNew := intern(&s.depts, s.deptIndex, name)
	if isNew {
		s.deptQuality = append(s.deptQuality, newQuality())
		s.orderRows = append(s.orderRows, periodRows{})
		s.complaintRows = append(s.complaintRows, periodRows{})
	}
	return d
}

// record returns the record of a customer in department d, creating
// both as needed. The address is valid until the next new customer.
func (s *State) record(customerID string, d int32) *record {
	key, _ := s.customers.key(customerID)
	return s.recordOf(key, customerID, d)
}

// recordOf is record for a customer whose table key is known; id is
// needed only for text ids.
func (s *State) recordOf(key uint64, id string, d int32) *record {
	rec := &s.customers.find(key, id, d).rec
	if rec.dept == d {
		return rec
	}
	for r := rec.next; r >= 0; {
		other := s.records.at(r)
		if other.dept == d {
			return other
		}
		r = other.next
	}
	r, other := s.records.add()
	*other = record{dept: d, next: rec.next, periods: -1, complaints: -1}
	rec.next = r
	return other
}

// period returns the stat of period p of a record, inserting it in order.
// Rows tend to arrive in time order, so the search starts from the latest.
func (s *State) period(rec *record, p int32) *periodStat {
	var later *periodStat // the stat whose prev is i
	i := rec.periods
	for i >= 0 {
		st := s.periods.at(i)
		if st.period == p {
			return st
		}
		if st.period < p {
			break
		}
		later, i = st, st.prev
	}
	n, st := s.periods.add()
	*st = periodStat{period: p, prev: i}
	if later == nil {
		rec.periods = n
	} else {
		later.prev = n
	}
	return st
}

func (s *State) complaint(rec *record, p int32) *complaintStat {
	var later *complaintStat
	i := rec.complaints
	for i >= 0 {
		st := s.complaintSt.at(i)
		if st.period == p {
			return st
		}
		if st.period < p {
			break
		}
		later, i = st, st.prev
	}
	n, st := s.complaintSt.add()
	*st = complaintStat{period: p, prev: i, spans: -1, cats: -1}
	if later == nil {
		rec.complaints = n
	} else {
		later.prev = n
	}
	return st
}

// Merge adds the rows folded into o to s. Both must have the same
// granularity and time zone; o is left unchanged.
//
// o's per-period stats are appended to s's arenas in one pass, in the
// order they lie in, so that a customer's list that s does not have yet
// (all of them when the States hold disjoint customers, as shards do)
// is linked as it is rather than copied stat by stat; a list that s has
// gets o's stats added to its own, and their copies stay unused.
func (s *State) Merge(o *State) {
	if o.g != s.g || o.loc.String() != s.loc.String() {
		panic("transform: merging states of different granularity or time zone")
	}
	m := merger{s: s, o: o, depts: make([]int32, len(o.depts)), cats: make([]int32, len(o.cats))}
	for od, name := range o.depts {
		m.depts[od] = s.dept(name)
	}
	for oc, name := range o.cats {
		m.cats[oc] = s.category(name)
	}
	m.appendStats()
	for si := range o.customers.slots {
		if slot := &o.customers.slots[si]; slot.text != 0 {
			m.customer(slot)
		}
	}
	for k, a := range o.complaints {
		k.dept = m.depts[k.dept]
		agg := s.complaints[k]
		if agg == nil {
			agg = &complaintAgg{}
			s.complaints[k] = agg
		}
		agg.add(a)
	}
	for k, a := range o.byCategory {
		k.dept, k.cat = m.depts[k.dept], m.cats[k.cat]
		agg := s.byCategory[k]
		if agg == nil {
			agg = &categoryAgg{}
			s.byCategory[k] = agg
		}
		agg.count += a.count
		agg.resolved += a.resolved
	}
	s.quality.merge(&o.quality)
	for od := range o.depts {
		d := m.depts[od]
		s.deptQuality[d].merge(&o.deptQuality[od])
		s.orderRows[d].merge(&o.orderRows[od])
		s.complaintRows[d].merge(&o.complaintRows[od])
	}
}

// merger is one Merge under way: o's departments and categories by
// their indexes in s, and where o's stats begin in s's arenas.
type merger struct {
	s, o                           *State
	depts, cats                    []int32
	periods, complaints, spans, at int32 // offsets: periods, complaintSt, spans, catLinks
}

// appendStats appends o's period and complaint stats, spans and category
// links to s's arenas, their links moved by the offsets.
func (m *merger) appendStats() {
	s, o := m.s, m.o
	m.periods, m.complaints, m.spans, m.at = s.periods.n, s.complaintSt.n, s.spans.n, s.catLinks.n
	s.periods.appendAll(&o.periods, func(ps *periodStat) { ps.prev = moved(ps.prev, m.periods) })
	s.complaintSt.appendAll(&o.complaintSt, func(cs *complaintStat) {
		cs.prev, cs.spans, cs.cats = moved(cs.prev, m.complaints), moved(cs.spans, m.spans), moved(cs.cats, m.at)
	})
	s.spans.appendAll(&o.spans, func(sp *openSpan) { sp.next = moved(sp.next, m.spans) })
	s.catLinks.appendAll(&o.catLinks, func(l *catLink) { l.next, l.cat = moved(l.next, m.at), m.cats[l.cat] })
}

// moved is link i (-1 for none) in an arena appended at offset off.
func moved(i, off int32) int32 {
	if i < 0 {
		return i
	}
	return i + off
}

// customer adds a customer of o to s: each list of its records that s
// does not have is linked to its copy, and the stats of each that s has
// are added to s's own.
func (m *merger) customer(slot *slot) {
	s, o := m.s, m.o
	var id string // the text of a text id: numeric ids are their own key
	key := slot.key
	if slot.text > 0 {
		id = o.customers.texts[slot.text-1]
		key, _ = s.customers.key(id)
	}
	for orec := &slot.rec; ; orec = o.records.at(orec.next) {
		rec := s.recordOf(key, id, m.depts[orec.dept])
		if rec.periods < 0 {
			rec.periods = moved(orec.periods, m.periods)
		} else {
			m.addPeriods(rec, orec)
		}
		if rec.complaints < 0 {
			rec.complaints = moved(orec.complaints, m.complaints)
		} else {
			m.addComplaints(rec, orec)
		}
		if orec.next < 0 {
			break
		}
	}
	if slot.owner != ownerUnknown {
		owner := ""
		if slot.owner > 0 {
			owner = o.owners[slot.owner-1]
		}
		s.SetOwner(o.customers.id(slot), owner)
	}
}

// addPeriods adds the period stats of o's record orec to s's rec.
func (m *merger) addPeriods(rec, orec *record) {
	for i := orec.periods; i >= 0; {
		ops := m.o.periods.at(i)
		t := m.s.period(rec, ops.period)
		t.rev += ops.rev
		if ops.orders > 0 && (t.orders == 0 || ops.last > t.last) {
			t.last = ops.last
		}
		t.orders += ops.orders
		i = ops.prev
	}
}

// addComplaints adds the complaint stats of o's record orec to s's rec.
func (m *merger) addComplaints(rec, orec *record) {
	s, o := m.s, m.o
	for i := orec.complaints; i >= 0; {
		ocs := o.complaintSt.at(i)
		t := s.complaint(rec, ocs.period)
		t.count += ocs.count
		t.low += ocs.low
		for sp := ocs.spans; sp >= 0; sp = o.spans.at(sp).next {
			s.addSpan(t, o.spans.at(sp).until)
		}
		for l := ocs.cats; l >= 0; l = o.catLinks.at(l).next {
			s.addCategory(t, m.cats[o.catLinks.at(l).cat])
		}
		i = ocs.prev
	}
}

// Quality returns the row counts and data-quality findings so far,
// company-wide and by department.
func (s *State) Quality() Quality {
	q := s.quality.clone()
	q.Departments = make(map[string]Quality, len(s.depts))
	for d, name := range s.depts {
		q.Departments[name] = s.deptQuality[d].clone()
	}
	return q
}
