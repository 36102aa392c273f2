package extract

import (
	"context"
	"iter"
)

// CustomerCounts describe every row the customers query returned, wanted
// or not: how many, and how many were without an id or with text that is
// not valid UTF-8 (shown with U+FFFD).
type CustomerCounts struct {
	Read        int64
	MissingID   int64
	InvalidUTF8 int64
	Invalid     []string // ids of the first rows with invalid text, up to 5
}

// Customers streams the rows of the customers query whose customer_id is
// in want (every row when want is nil), counting every row in counts;
// the counts are final once the sequence ends.
func (s *Snapshot) Customers(ctx context.Context, q Query, want map[string]struct{}, counts *CustomerCounts) iter.Seq2[Customer, error] {
	return func(yield func(Customer, error) bool) {
		owners := &interner{}
		err := s.each(ctx, q, CustomerColumns, func(r *rowReader) bool {
			counts.Read++
			id := r.col(0)
			if len(id) == 0 {
				counts.MissingID++
				return true
			}
			name := r.col(1)
			owner, validOwner := owners.get(r.col(2))
			if !validOwner || !validText(id, name) {
				counts.InvalidUTF8++
				if len(counts.Invalid) < 5 {
					counts.Invalid = append(counts.Invalid, string(id))
				}
			}
			if want != nil {
				if _, ok := want[string(id)]; !ok {
					return true
				}
			}
			return yield(Customer{ID: string(id), Name: string(name), Owner: owner}, nil)
		})
		if err != nil {
			yield(Customer{}, err)
		}
	}
}
