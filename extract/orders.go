package extract

import (
	"context"
	"iter"
)

// Orders streams the rows of the orders query, those of the snapshot's
// shard (see ShardSQL). The sequence stops at the first error, which it
// yields; rows with unusable values are yielded with a Defect.
func (s *Snapshot) Orders(ctx context.Context, q Query) iter.Seq2[Order, error] {
	return func(yield func(Order, error) bool) {
		depts, ids := &interner{}, s.orderIDs()
		err := s.each(ctx, s.shardQuery(q), OrderColumns, func(r *rowReader) bool { return yield(s.order(r, depts, ids), nil) })
		if err != nil {
			yield(Order{}, err)
		}
	}
}

func (s *Snapshot) order(r *rowReader, depts *interner, ids *idSet) Order {
	o := s.orderFields(r, depts)
	if o.Defect == DefectNone {
		// A row that repeats an order id (a join that fans out, a
		// duplicated load) would count its order twice.
		missing, repeated := ids.add(r, 0)
		switch {
		case missing:
			o.Flags |= FlagIDMissing
		case repeated:
			o.Defect = DefectDuplicateID
		}
	}
	if o.Defect != DefectNone || o.Flags != 0 {
		o.ID = string(r.col(0))
	}
	return o
}

func (s *Snapshot) orderFields(r *rowReader, depts *interner) Order {
	dept, valid := depts.get(r.col(2))
	o := Order{Department: dept}
	if n, ok := r.integer(1); ok && n >= 0 && n < MaxNumericID {
		o.CustomerNum, o.NumericCustomer = uint64(n), true
	} else if c := r.col(1); len(c) == 0 {
		o.Defect = DefectNullCustomer
		return o
	} else {
		o.CustomerID = string(c)
		valid = valid && validText(c)
	}
	if !valid {
		o.Flags |= FlagInvalidUTF8
	}
	t, ok, null := r.timestamp(3)
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
	cents, ok, inRange := parseCents(trimBlanks(amount))
	switch {
	case !ok:
		o.Defect = DefectBadAmount
	case !inRange:
		o.Defect = DefectAmountRange
	}
	o.AmountCents = cents
	return o
}
