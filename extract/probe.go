package extract

import (
	"context"
	"fmt"
	"strings"
)

// Probed is what Probe learnt about a query.
type Probed struct {
	Rows int64 // rows the query returns
	// Times says how each timestamp column among the required ones will
	// be read, in the order of the required columns.
	Times []TimeColumn
	// Columns are the names the query gives the required columns, in
	// their order (order_id, as the query spells it).
	Columns []string
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
		cols := r.rows.Columns()
		for _, i := range r.idx {
			p.Columns = append(p.Columns, cols[i])
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

// RepeatedKeys counts the values of column col (as the query names it)
// that more than one row of q holds, NULL aside: for the orders, the
// order_ids of order lines. It is information, not a fault: an order_id
// is not a key, and every row counts.
func (s *Snapshot) RepeatedKeys(ctx context.Context, q Query, col string) (int64, error) {
	c := "retention_lines.`" + strings.ReplaceAll(col, "`", "``") + "`"
	sql := "SELECT COUNT(*) FROM (SELECT " + c + " AS k FROM (" + s.shardQuery(q).SQL + ") AS retention_lines WHERE " + c +
		" IS NOT NULL GROUP BY " + c + " HAVING COUNT(*) > 1) AS retention_repeated"
	var n int64
	if err := s.conn.QueryRowContext(ctx, sql).Scan(&n); err != nil {
		return 0, &QueryError{Query: q.Name, Err: fmt.Errorf("counting repeated %s: %w", col, err)}
	}
	return n, nil
}
