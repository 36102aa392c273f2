package extract

import (
	"context"
	"database/sql"
	"fmt"
)

// Departments lists the distinct departments a query returns, each as its
// bytes, for `retention check` to compare with the configuration's. A
// NULL department is "" (the job's (unassigned)). The column is compared
// as binary, so that a case-insensitive collation does not merge East and
// east, which the job keeps apart.
func (s *Snapshot) Departments(ctx context.Context, q Query) ([]string, error) {
	rows, err := s.conn.QueryContext(ctx, "SELECT DISTINCT CAST(department AS BINARY) FROM ("+q.SQL+") AS retention_departments")
	if err != nil {
		return nil, &QueryError{Query: q.Name, Err: fmt.Errorf("listing departments: %w", err)}
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d sql.RawBytes
		if err := rows.Scan(&d); err != nil {
			return nil, &QueryError{Query: q.Name, Err: fmt.Errorf("listing departments: %w", err)}
		}
		out = append(out, string(d))
	}
	if err := rows.Err(); err != nil {
		return nil, &QueryError{Query: q.Name, Err: fmt.Errorf("listing departments: %w", err)}
	}
	return out, nil
}
