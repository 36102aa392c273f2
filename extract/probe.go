package extract

import (
	"context"
	"fmt"
)

// Probe checks that a query runs and returns the required columns,
// without reading its rows, and counts the rows it would return.
func (s *Snapshot) Probe(ctx context.Context, q Query, required []string) (rows int64, err error) {
	probe := Query{Name: q.Name, SQL: "SELECT * FROM (" + q.SQL + ") AS retention_probe LIMIT 0"}
	if err := s.each(ctx, probe, required, func(*rowReader) bool { return false }); err != nil {
		return 0, err
	}
	err = s.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+q.SQL+") AS retention_count").Scan(&rows)
	if err != nil {
		return 0, &QueryError{Query: q.Name, Err: fmt.Errorf("counting rows: %w", err)}
	}
	return rows, nil
}
