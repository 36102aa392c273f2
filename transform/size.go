package transform

import "unsafe"

// Size is what a State holds and the memory its tables take, the units
// its memory grows with.
type Size struct {
	Customers int // with a row in any department
	Records   int // (customer, department) pairs with a row
	// Periods counts the (customer, department, period) triples with an
	// order row (a purchase, refund or adjustment); Complaints those with
	// a complaint.
	Periods, Complaints int
	// Bytes is the memory of the customer table (with the text of ids
	// that are not numbers) and of the arenas of per-period stats, as
	// allocated: the table is at most 70 % full, an arena's last chunk
	// partly empty.
	Bytes int64
}

// Size measures the State.
func (s *State) Size() Size {
	z := Size{Customers: s.customers.used, Periods: s.periods.len(), Complaints: s.complaintSt.len()}
	z.Records = z.Customers + s.records.len()
	z.Bytes = int64(len(s.customers.slots)) * int64(unsafe.Sizeof(slot{}))
	for _, id := range s.customers.texts {
		z.Bytes += int64(unsafe.Sizeof(id)) + int64(len(id))
	}
	z.Bytes += s.records.bytes() + s.periods.bytes() + s.complaintSt.bytes() + s.spans.bytes() + s.catLinks.bytes()
	return z
}

// bytes is the memory of the arena's chunks.
func (a *arena[T]) bytes() int64 {
	var zero T
	return int64(len(a.chunks)) * arenaChunk * int64(unsafe.Sizeof(zero))
}
