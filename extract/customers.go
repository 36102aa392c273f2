package extract

import (
	"context"
	"iter"
)

// Customers streams the rows of the customers query whose customer_id is
// in want (every row when want is nil). read counts every row the query
// returned, wanted or not; it is final once the sequence ends.
func (s *Snapshot) Customers(ctx context.Context, q Query, want map[string]struct{}, read *int64) iter.Seq2[Customer, error] {
	return func(yield func(Customer, error) bool) {
		owners := &interner{}
		err := s.each(ctx, q, CustomerColumns, func(r *rowReader) bool {
			*read++
			id := r.col(0)
			if want != nil {
				if _, ok := want[string(id)]; !ok {
					return true
				}
			}
			return yield(Customer{ID: string(id), Name: string(r.col(1)), Owner: owners.get(r.col(2))}, nil)
		})
		if err != nil {
			yield(Customer{}, err)
		}
	}
}
