package extract

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
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

// rowReader reads the rows of a query from the driver and hands out the
// required columns by position, as text or as the values the driver gave.
type rowReader struct {
	rows driver.Rows
	vals []driver.Value
	idx  []int
	bufs [][]byte // per required column, for values the driver did not give as bytes
	// Per required timestamp column (nil for the others): how it is read,
	// and the clock that turns its text into instants.
	times  []*TimeColumn
	clocks []*zoneClock
	name   string
}

// query runs q on the snapshot's connection and calls fn with a reader
// positioned before its first row, once the required columns are found
// and the reading of each decided.
func (s *Snapshot) query(ctx context.Context, q Query, required []string, fn func(r *rowReader) error) error {
	return s.conn.Raw(func(dc any) error {
		rows, done, err := run(ctx, dc, q.SQL, s.binary)
		if err != nil {
			return &QueryError{Query: q.Name, Err: err}
		}
		defer done()
		cols := rows.Columns()
		idx, err := columnIndex(q.Name, cols, required)
		if err != nil {
			return err
		}
		r := &rowReader{rows: rows, vals: make([]driver.Value, len(cols)), idx: idx, bufs: make([][]byte, len(required)), name: q.Name}
		r.times, r.clocks = timeColumns(rows, cols, required, idx, s.loc)
		return fn(r)
	})
}

// run runs a query on a driver connection. With binary, it runs as a
// prepared statement, whose rows come in MySQL's binary protocol: integers
// and dates as numbers, not text, which takes the server about a fifth
// less CPU to send and the driver less to read (docs/PERFORMANCE.md); a
// statement the server cannot prepare (ER_UNSUPPORTED_PS) runs as a plain
// query, in text, as every query does without binary. done closes the rows
// and the statement.
func run(ctx context.Context, dc any, sql string, binary bool) (_ driver.Rows, done func(), err error) {
	if pc, ok := dc.(driver.ConnPrepareContext); ok && binary {
		stmt, err := pc.PrepareContext(ctx, sql)
		var me *mysql.MySQLError
		switch {
		case err == nil:
			sq, ok := stmt.(driver.StmtQueryContext)
			if !ok {
				stmt.Close()
				return nil, nil, errors.New("the driver cannot run prepared queries")
			}
			rows, err := sq.QueryContext(ctx, nil)
			if err != nil {
				stmt.Close()
				return nil, nil, err
			}
			return rows, func() { rows.Close(); stmt.Close() }, nil
		case !errors.As(err, &me) || me.Number != erUnsupportedPS:
			return nil, nil, err
		}
	}
	qc, ok := dc.(driver.QueryerContext)
	if !ok {
		return nil, nil, errors.New("the driver cannot run queries directly")
	}
	rows, err := qc.QueryContext(ctx, sql, nil)
	if err != nil {
		return nil, nil, err
	}
	return rows, func() { rows.Close() }, nil
}

// erUnsupportedPS is MySQL's "This command is not supported in the
// prepared statement protocol yet".
const erUnsupportedPS = 1295

// each runs query q on the snapshot's connection and calls fn for every
// row until fn returns false. Values given to fn are valid until it
// returns.
func (s *Snapshot) each(ctx context.Context, q Query, required []string, fn func(r *rowReader) bool) error {
	return s.query(ctx, q, required, func(r *rowReader) error {
		for {
			err := r.rows.Next(r.vals)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return &QueryError{Query: q.Name, Err: err}
			}
			if !fn(r) {
				return nil
			}
		}
	})
}

// integer is the value of the i-th required column when the driver gave
// it as an integer that fits an int64: any integer column but an
// UNSIGNED BIGINT above 2^63-1, which is read as text.
func (r *rowReader) integer(i int) (int64, bool) {
	v := r.vals[r.idx[i]]
	if n, ok := v.(int64); ok { // the usual case, before the switch
		return n, true
	}
	switch v := v.(type) {
	case int64:
		return v, true
	case uint64:
		return int64(v), v <= math.MaxInt64
	}
	return 0, false
}

// timestamp is the i-th required column, a timestamp, as an instant.
func (r *rowReader) timestamp(i int) (time.Time, timeKind) {
	b := r.col(i)
	if b == nil {
		return time.Time{}, timeNull
	}
	return parseTime(b, r.clocks[i])
}

// rating is the i-th required column read by value, whether the driver
// gave an integer (TINYINT, INT, BIGINT UNSIGNED), a float (FLOAT,
// DOUBLE, written as the shortest decimal that is the same float) or text
// (DECIMAL "2.5", VARCHAR " 4 "). ok is false for a value that is not a
// number ("good"); null for NULL.
func (r *rowReader) rating(i int) (v Rating, ok, null bool) {
	switch x := r.vals[r.idx[i]].(type) {
	case nil:
		return 0, false, true
	case int64:
		return Rating(max(min(x, int64(maxRating/Point)), -int64(maxRating/Point))) * Point, true, false
	case uint64:
		return Rating(min(x, uint64(maxRating/Point))) * Point, true, false
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, false, false
		}
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return 0, false, false
		}
	}
	v, ok = parseRating(r.col(i))
	return v, ok, false
}

// missing reports whether the i-th required column is NULL or empty.
func (r *rowReader) missing(i int) bool {
	if _, ok := r.integer(i); ok {
		return false
	}
	return len(r.col(i)) == 0
}

// col is the value of the i-th required column as text; nil for NULL. It
// is valid until the next row.
func (r *rowReader) col(i int) []byte {
	v := r.vals[r.idx[i]]
	if b, ok := v.([]byte); ok { // the usual case, before the switch
		return b
	}
	b := r.bufs[i][:0]
	switch v := v.(type) {
	case nil:
		return nil
	case []byte:
		return v
	case string:
		b = append(b, v...)
	case int64:
		b = strconv.AppendInt(b, v, 10)
	case uint64:
		b = strconv.AppendUint(b, v, 10)
	case float64:
		b = strconv.AppendFloat(b, v, 'f', -1, 64)
	case float32:
		b = strconv.AppendFloat(b, float64(v), 'f', -1, 32)
	case bool:
		b = strconv.AppendBool(b, v)
	case time.Time:
		b = v.AppendFormat(b, "2006-01-02 15:04:05.999999999")
	default:
		b = fmt.Append(b, v)
	}
	r.bufs[i] = b
	return b
}

// interner returns one string per distinct value, so that a million rows
// of eight departments hold eight strings, and whether the value is valid
// UTF-8 (checked once per distinct value). The first few values are found
// by comparing bytes, which is quicker than hashing them.
type interner struct {
	few  []interned
	many map[string]interned
}

type interned struct {
	s     string
	valid bool
}

func (in *interner) get(b []byte) (string, bool) {
	for _, v := range in.few {
		if string(b) == v.s {
			return v.s, v.valid
		}
	}
	if v, ok := in.many[string(b)]; ok {
		return v.s, v.valid
	}
	v := interned{s: string(b), valid: utf8.Valid(b)}
	switch {
	case len(in.few) < 16:
		in.few = append(in.few, v)
	case len(in.many) < 10_000: // beyond: high cardinality, interning would only grow
		if in.many == nil {
			in.many = map[string]interned{}
		}
		in.many[v.s] = v
	}
	return v.s, v.valid
}
