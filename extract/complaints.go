package extract

import (
	"context"
	"iter"
)

// Complaints streams the rows of the complaints query, like Orders.
func (s *Snapshot) Complaints(ctx context.Context, q Query) iter.Seq2[Complaint, error] {
	return func(yield func(Complaint, error) bool) {
		names, ids := &interner{}, s.complaintIDs()
		err := s.each(ctx, s.shardQuery(q), ComplaintColumns, func(r *rowReader) bool { return yield(s.complaint(r, names, ids), nil) })
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
	switch v, ok, null := r.rating(5); {
	case ok:
		c.Satisfaction, c.Rated = v, true
	case !null:
		c.Flags |= FlagSatisfactionInvalid
	}
	t, kind := r.timestamp(3)
	if kind != timeOK {
		c.Defect = timeDefect(kind)
		return c
	}
	c.CreatedAt = t
	// A zero date in resolved_at means NULL, as legacy schemas use it:
	// the complaint is open.
	switch t, kind := r.timestamp(4); kind {
	case timeOK:
		c.ResolvedAt = t
	case timeBad:
		c.Flags |= FlagResolvedAtInvalid
	}
	return c
}
