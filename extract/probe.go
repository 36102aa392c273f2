package extract

import (
	"context"
	"fmt"
)

// Probed is what Probe learnt about a query.
type Probed struct {
	Rows int64 // rows the query returns
	// Times says how each timestamp column among the required ones will
	// be read, in the order of the required columns.
	Times []TimeColumn
}

// Probe checks that a query runs and returns the required columns,
// without reading its rows, counts the rows it would return and says how
// its timestamp columns will be read.
func (s *Snapshot) Probe(ctx context.Context, q Query, required []string) (Probed, error) {
	var p Probed
	q = s.shardQuery(q)
	probe := Query{Name: q.Name, SQL: "SELECT * FROM (" + q.SQL + ") AS retention_probe LIMIT 0"}
	err := s.query(ctx, probe, required, func(r *rowReader) error {
		for _, c := range r.times {
			if c != nil {
				p.Times = append(p.Times, *c)
			}
		}
		return nil
	})
	if err != nil {
		return Probed{}, err
	}
	err = s.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+q.SQL+") AS retention_count").Scan(&p.Rows)
	if err != nil {
		return Probed{}, &QueryError{Query: q.Name, Err: fmt.Errorf("counting rows: %w", err)}
	}
	return p, nil
}
