package extract

import (
	"context"
	"iter"
	"strconv"
)

// Complaints streams the rows of the complaints query, like Orders.
func (s *Snapshot) Complaints(ctx context.Context, q Query) iter.Seq2[Complaint, error] {
	return func(yield func(Complaint, error) bool) {
		names, ids := &interner{}, newIDSet()
		err := s.each(ctx, q, ComplaintColumns, func(r *rowReader) bool { return yield(s.complaint(r, names, ids), nil) })
		if err != nil {
			yield(Complaint{}, err)
		}
	}
}

func (s *Snapshot) complaint(r *rowReader, names *interner, ids *idSet) Complaint {
	c := s.complaintFields(r, names)
	if c.Defect == DefectNone {
		missing, repeated := ids.add(r, 0)
		switch {
		case missing:
			c.Flags |= FlagIDMissing
		case repeated:
			c.Defect = DefectDuplicateID
		}
	}
	return c
}

func (s *Snapshot) complaintFields(r *rowReader, names *interner) Complaint {
	dept, validDept := names.get(r.col(2))
	category, validCategory := names.get(r.col(6))
	cust := r.col(1)
	c := Complaint{ID: string(r.col(0)), CustomerID: string(cust), Department: dept, Category: category}
	if !validDept || !validCategory || !validText(cust) {
		c.Flags |= FlagInvalidUTF8
	}
	if sat := r.col(5); sat != nil {
		v, err := strconv.Atoi(string(sat))
		if err != nil {
			// A fractional or textual rating is out of the 1–5 range.
			v = -1
		}
		c.Satisfaction, c.Rated = v, true
	}
	created := r.col(3)
	if created == nil {
		c.Defect = DefectNullTime
		return c
	}
	t, ok, null := parseTime(created, s.clock)
	switch {
	case null:
		c.Defect = DefectNullTime
		return c
	case !ok:
		c.Defect = DefectBadTime
		return c
	}
	c.CreatedAt = t
	if resolved := r.col(4); resolved != nil {
		t, ok, null := parseTime(resolved, s.clock)
		switch {
		case !ok:
			c.Defect = DefectBadResolvedTime
		case !null:
			c.ResolvedAt = t
		}
	}
	return c
}
