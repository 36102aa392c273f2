package extract

import (
	"context"
	"database/sql"
	"iter"
	"slices"

	"github.com/jmoiron/sqlx/reflectx"
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

// customerRow is one row of the customers query as sqlx scans it: the
// driver's bytes, valid until the next row. The tags are the spec's
// column names.
type customerRow struct {
	ID    sql.RawBytes `db:"customer_id"`
	Name  sql.RawBytes `db:"name"`
	Owner sql.RawBytes `db:"owner"`
}

// Customers streams the rows of the customers query whose customer_id is
// in want (every row when want is nil), counting every row in counts;
// the counts are final once the sequence ends.
func (s *Snapshot) Customers(ctx context.Context, q Query, want map[string]struct{}, counts *CustomerCounts) iter.Seq2[Customer, error] {
	return func(yield func(Customer, error) bool) {
		if err := s.customers(ctx, q, want, counts, yield); err != nil {
			yield(Customer{}, err)
		}
	}
}

func (s *Snapshot) customers(ctx context.Context, q Query, want map[string]struct{}, counts *CustomerCounts, yield func(Customer, error) bool) error {
	rows, err := s.conn.QueryxContext(ctx, q.SQL)
	if err != nil {
		return &QueryError{Query: q.Name, Err: err}
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return &QueryError{Query: q.Name, Err: err}
	}
	idx, err := columnIndex(q.Name, cols, CustomerColumns)
	if err != nil {
		return err
	}
	// The query may spell the columns in any case: each tag maps to the
	// column as returned. Other columns it returns are not scanned (the
	// snapshot's connection is sqlx's unsafe kind, which allows them).
	rows.Mapper = reflectx.NewMapperTagFunc("db", nil, func(tag string) string {
		return cols[idx[slices.Index(CustomerColumns, tag)]]
	})
	owners := &interner{}
	var row customerRow
	for rows.Next() {
		if err := rows.StructScan(&row); err != nil {
			return &QueryError{Query: q.Name, Err: err}
		}
		counts.Read++
		if len(row.ID) == 0 {
			counts.MissingID++
			continue
		}
		owner, validOwner := owners.get(row.Owner)
		if !validOwner || !validText(row.ID, row.Name) {
			counts.InvalidUTF8++
			if len(counts.Invalid) < 5 {
				counts.Invalid = append(counts.Invalid, string(row.ID))
			}
		}
		if want != nil {
			if _, ok := want[string(row.ID)]; !ok {
				continue
			}
		}
		if !yield(Customer{ID: string(row.ID), Name: string(row.Name), Owner: owner}, nil) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return &QueryError{Query: q.Name, Err: err}
	}
	return nil
}
