package extract

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// Query is one configured SELECT and the name it is known by (its config
// key, such as source.orders), which every error about it carries.
type Query struct {
	Name string
	SQL  string
}

// Required columns of each query, as the spec names them.
var (
	OrderColumns     = []string{"order_id", "customer_id", "department", "ordered_at", "amount"}
	ComplaintColumns = []string{"complaint_id", "customer_id", "department", "created_at", "resolved_at", "satisfaction", "category"}
	CustomerColumns  = []string{"customer_id", "name", "owner"}
)

// QueryError is a query the server refused or failed while streaming.
type QueryError struct {
	Query string // the query's name
	Err   error
}

func (e *QueryError) Error() string { return e.Query + ": " + e.Err.Error() }
func (e *QueryError) Unwrap() error { return e.Err }

// Rejected reports whether the server refused the query's text (a syntax
// error, an unknown table or column): a problem with the configured SQL,
// not with the server.
func (e *QueryError) Rejected() bool {
	var me *mysql.MySQLError
	if !errors.As(e.Err, &me) {
		return false
	}
	switch me.Number {
	case 1052, // ambiguous column
		1054, // unknown column
		1064, // syntax error
		1109, // unknown table
		1146, // table does not exist
		1305: // function does not exist
		return true
	}
	return false
}

// ColumnError is a query that does not return a required column, or
// returns it twice.
type ColumnError struct {
	Query   string
	Column  string
	Twice   bool
	Columns []string // what the query returns
}

func (e *ColumnError) Error() string {
	if e.Twice {
		return fmt.Sprintf("%s: column %q is returned twice; the query returns %s", e.Query, e.Column, strings.Join(e.Columns, ", "))
	}
	return fmt.Sprintf("%s: required column %q is missing; the query returns %s", e.Query, e.Column, strings.Join(e.Columns, ", "))
}

// columnIndex maps each required column to its position in cols, matching
// names case-insensitively.
func columnIndex(query string, cols, required []string) ([]int, error) {
	idx := make([]int, len(required))
	for i, want := range required {
		idx[i] = -1
		for j, c := range cols {
			if !strings.EqualFold(c, want) {
				continue
			}
			if idx[i] >= 0 {
				return nil, &ColumnError{Query: query, Column: want, Twice: true, Columns: cols}
			}
			idx[i] = j
		}
		if idx[i] < 0 {
			return nil, &ColumnError{Query: query, Column: want, Columns: cols}
		}
	}
	return idx, nil
}

// rowReader scans every row of a query into raw bytes and hands out the
// required columns by position.
type rowReader struct {
	rows *sqlx.Rows
	raw  []sql.RawBytes
	dest []any
	idx  []int
	name string
}

func (s *Snapshot) open(ctx context.Context, q Query, required []string) (*rowReader, error) {
	rows, err := s.tx.QueryxContext(ctx, q.SQL)
	if err != nil {
		return nil, &QueryError{Query: q.Name, Err: err}
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, &QueryError{Query: q.Name, Err: err}
	}
	idx, err := columnIndex(q.Name, cols, required)
	if err != nil {
		rows.Close()
		return nil, err
	}
	r := &rowReader{rows: rows, raw: make([]sql.RawBytes, len(cols)), dest: make([]any, len(cols)), idx: idx, name: q.Name}
	for i := range r.raw {
		r.dest[i] = &r.raw[i]
	}
	return r, nil
}

// next scans the next row; false at the end or on error (see err).
func (r *rowReader) next() (bool, error) {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return false, &QueryError{Query: r.name, Err: err}
		}
		return false, nil
	}
	if err := r.rows.Scan(r.dest...); err != nil {
		return false, &QueryError{Query: r.name, Err: err}
	}
	return true, nil
}

// col is the raw value of the i-th required column; nil for NULL. It is
// valid until the next call to next.
func (r *rowReader) col(i int) []byte { return r.raw[r.idx[i]] }

func (r *rowReader) close() { r.rows.Close() }

// interner returns one string per distinct value, so that a million rows
// of eight departments hold eight strings.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	if len(in) > 10_000 {
		return string(b) // high-cardinality column: interning would only grow
	}
	s := string(b)
	in[s] = s
	return s
}
