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
		depts := &interner{}
		err := s.each(ctx, s.shardQuery(q), OrderColumns, func(r *rowReader) bool { return yield(s.order(r, depts), nil) })
		if err != nil {
			yield(Order{}, err)
		}
	}
}

// order reads a row of the orders query. An order_id is not a key: an
// order-lines table repeats it (a refund line under its order's id), and
// every row counts by the row rules whatever its order_id.
func (s *Snapshot) order(r *rowReader, depts *interner) Order {
	o := s.orderFields(r, depts)
	if o.Defect == DefectNone && r.missing(0) {
		o.Flags |= FlagIDMissing
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
	t, kind := r.timestamp(3)
	if kind != timeOK {
		o.Defect = timeDefect(kind)
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

// timeDefect is the defect of a row whose ordered_at or created_at is not
// a date-time.
func timeDefect(k timeKind) Defect {
	switch k {
	case timeNull:
		return DefectNullTime
	case timeZero:
		return DefectZeroTime
	}
	return DefectBadTime
}
