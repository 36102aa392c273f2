package extract

import (
	"context"
	"iter"
)

// Orders streams the rows of the orders query. The sequence stops at the
// first error, which it yields; rows with unusable values are yielded with
// a Defect.
func (s *Snapshot) Orders(ctx context.Context, q Query) iter.Seq2[Order, error] {
	return func(yield func(Order, error) bool) {
		r, err := s.open(ctx, q, OrderColumns)
		if err != nil {
			yield(Order{}, err)
			return
		}
		defer r.close()
		depts := interner{}
		for {
			ok, err := r.next()
			if err != nil {
				yield(Order{}, err)
				return
			}
			if !ok {
				return
			}
			if !yield(s.order(r, depts), nil) {
				return
			}
		}
	}
}

func (s *Snapshot) order(r *rowReader, depts interner) Order {
	o := Order{ID: string(r.col(0)), CustomerID: string(r.col(1)), Department: depts.get(r.col(2))}
	if o.CustomerID == "" {
		o.Defect = DefectNullCustomer
		return o
	}
	ts := r.col(3)
	if ts == nil {
		o.Defect = DefectNullTime
		return o
	}
	t, ok, null := parseTime(ts, s.loc)
	switch {
	case null:
		o.Defect = DefectNullTime
		return o
	case !ok:
		o.Defect = DefectBadTime
		return o
	}
	o.OrderedAt = t
	amount := r.col(4)
	if amount == nil {
		o.Defect = DefectNullAmount
		return o
	}
	cents, ok, inRange := parseCents(amount)
	switch {
	case !ok:
		o.Defect = DefectBadAmount
	case !inRange:
		o.Defect = DefectAmountRange
	}
	o.AmountCents = cents
	return o
}
