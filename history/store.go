package history

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"retention/extract"
	"retention/extract/secret"
	"retention/transform"
)

// ErrStore marks every failure of the snapshot store, for callers to tell
// it by errors.Is.
var ErrStore = errors.New("snapshot store")

func storeFail(err error) error { return fmt.Errorf("%w: %w", ErrStore, err) }

// The store's table, created when missing. generated_at is UTC; value is
// the figure in the manifest's unit (currency units for money), NULL for
// an undefined ratio; department is NULL for the company.
const storeDDL = `CREATE TABLE IF NOT EXISTS retention_snapshots (
  run_id       VARCHAR(64)    NOT NULL,
  generated_at DATETIME(6)    NOT NULL,
  granularity  VARCHAR(8)     NOT NULL,
  period       VARCHAR(8)     NOT NULL,
  department   VARCHAR(768)   NULL,
  metric       VARCHAR(64)    NOT NULL,
  value        DECIMAL(38,12) NULL,
  KEY retention_snapshots_period (granularity, period, metric),
  KEY retention_snapshots_run (run_id)
) DEFAULT CHARSET = utf8mb4`

// storedFigure is one row of retention_snapshots: one figure of one scope
// and period, as one run published it.
type storedFigure struct {
	RunID       string    `db:"run_id"`
	GeneratedAt time.Time `db:"generated_at"`
	Granularity string    `db:"granularity"`
	Period      string    `db:"period"`
	Department  *string   `db:"department"` // nil for the company
	Metric      string    `db:"metric"`
	Value       *string   `db:"value"` // the DECIMAL as text; nil when undefined
}

const insertFigures = `INSERT INTO retention_snapshots (run_id, generated_at, granularity, period, department, metric, value)
VALUES (:run_id, :generated_at, :granularity, :period, :department, :metric, :value)`

// insertBatch is how many rows one INSERT writes.
const insertBatch = 500

// Store is the snapshot store: a separate, writable MySQL database
// (store.dsn) where every run appends the figures it published.
type Store struct {
	db   *sqlx.DB
	name string // the DSN with its password redacted, for messages
}

// connect prepares a pool on the store's database without connecting yet.
// DATETIME values are read as time.Time.
func connect(dsn string) (*sqlx.DB, error) {
	db, err := extract.OpenDB(dsn, extract.DBOptions{Name: "store", ParseTime: true})
	if err != nil {
		return nil, storeFail(err)
	}
	return db, nil
}

// OpenStore connects to the store at dsn and creates its table when
// missing.
func OpenStore(ctx context.Context, dsn string) (*Store, error) {
	db, err := connect(dsn)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, name: secret.RedactDSN(dsn)}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, storeFail(fmt.Errorf("connecting to %s: %w", s.name, err))
	}
	if _, err := db.ExecContext(ctx, storeDDL); err != nil {
		db.Close()
		return nil, storeFail(fmt.Errorf("creating retention_snapshots in %s: %w", s.name, err))
	}
	return s, nil
}

// Close closes the connections to the store.
func (s *Store) Close() error { return s.db.Close() }

// CountRuns connects to the store at dsn and counts the runs it holds,
// without writing to it: exists is false when the table is still to be
// created by the first run.
func CountRuns(ctx context.Context, dsn string) (runs int, exists bool, err error) {
	db, err := connect(dsn)
	if err != nil {
		return 0, false, err
	}
	defer db.Close()
	err = sqlx.GetContext(ctx, db, &runs, "SELECT COUNT(DISTINCT run_id) FROM retention_snapshots")
	var me *mysql.MySQLError
	switch {
	case errors.As(err, &me) && me.Number == 1146: // no such table
		return 0, false, nil
	case err != nil:
		return 0, false, storeFail(fmt.Errorf("reading retention_snapshots in %s: %w", secret.RedactDSN(dsn), err))
	}
	return runs, true, nil
}

// Published reads what the store holds of periods (all of one
// granularity): the figures of the latest run of each period, or, with
// run, the figures of that run.
func (s *Store) Published(ctx context.Context, periods []transform.Period, run string) (Published, error) {
	g := periods[0].G.String()
	names := make([]string, len(periods))
	for i, p := range periods {
		names[i] = p.String()
	}
	// Every night appends each period of the history window again: read
	// only the latest run's rows of each period (or the rows of run).
	q, args, err := sqlx.In(`SELECT s.run_id, s.generated_at, s.granularity, s.period, s.department, s.metric, s.value
FROM retention_snapshots s
JOIN (SELECT period, MAX(generated_at) AS generated_at FROM retention_snapshots
      WHERE granularity = ? AND period IN (?) GROUP BY period) latest
  ON s.period = latest.period AND s.generated_at = latest.generated_at
WHERE s.granularity = ?`, g, names, g)
	if run != "" {
		q, args, err = sqlx.In(`SELECT run_id, generated_at, granularity, period, department, metric, value FROM retention_snapshots
WHERE run_id = ? AND granularity = ? AND period IN (?)`, run, g, names)
	}
	if err != nil {
		return nil, storeFail(fmt.Errorf("reading retention_snapshots: %w", err))
	}
	rows, err := s.db.QueryxContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return nil, storeFail(fmt.Errorf("reading retention_snapshots: %w", err))
	}
	defer rows.Close()
	pub := Published{}
	for rows.Next() {
		var f storedFigure
		if err := rows.StructScan(&f); err != nil {
			return nil, storeFail(fmt.Errorf("reading retention_snapshots: %w", err))
		}
		v := Figure{RunID: f.RunID, GeneratedAt: f.GeneratedAt}
		if f.Value != nil {
			n, err := strconv.ParseFloat(*f.Value, 64)
			if err != nil {
				return nil, storeFail(fmt.Errorf("reading retention_snapshots: value %q: %w", *f.Value, err))
			}
			v.Value = &n
		}
		k := Key{Period: f.Period, Company: f.Department == nil, Metric: f.Metric}
		if f.Department != nil {
			k.Department = *f.Department
		}
		pub.add(k, v)
	}
	if err := rows.Err(); err != nil {
		return nil, storeFail(fmt.Errorf("reading retention_snapshots: %w", err))
	}
	return pub, nil
}

// Append adds the figures a run published to the store, in one
// transaction: every scope and metric of every period in the history
// windows of results, once each.
func (s *Store) Append(ctx context.Context, runID string, at time.Time, results []*transform.Result) error {
	return insertAll(ctx, s.db, "retention_snapshots", insertFigures, storedFigures(runID, at, results))
}

// insertAll writes rows into table with a named INSERT, insertBatch rows
// a statement, in one transaction: all of them or none.
func insertAll[T any](ctx context.Context, db *sqlx.DB, table, insert string, rows []T) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return storeFail(err)
	}
	defer tx.Rollback()
	for start := 0; start < len(rows); start += insertBatch {
		if _, err := tx.NamedExecContext(ctx, insert, rows[start:min(start+insertBatch, len(rows))]); err != nil {
			return storeFail(fmt.Errorf("writing %s: %w", table, err))
		}
	}
	if err := tx.Commit(); err != nil {
		return storeFail(fmt.Errorf("writing %s: %w", table, err))
	}
	return nil
}

// storedFigures lists the rows of a run: every figure of every scope and
// period of the results' windows, once each (the windows of a backfill's
// periods overlap).
func storedFigures(runID string, at time.Time, results []*transform.Result) []storedFigure {
	type key struct {
		period, dept string
		company      bool
		metric       string
	}
	seen := map[key]bool{}
	var out []storedFigure
	for _, res := range results {
		for _, row := range Snapshots(res) {
			k := key{period: row.Snapshot.Period.String(), company: row.Department == nil}
			if row.Department != nil {
				k.dept = *row.Department
			}
			for _, m := range transform.Metrics {
				if k.metric = m.Key; seen[k] {
					continue
				}
				seen[k] = true
				f := storedFigure{RunID: runID, GeneratedAt: at.UTC(), Granularity: res.Period.G.String(), Period: k.period,
					Department: row.Department, Metric: m.Key}
				if v := m.Of(&row.Snapshot); v.Valid {
					text := storeValue(v)
					f.Value = &text
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// storeValue is a figure as text for DECIMAL: money exact to the cent,
// quotients to 12 places.
func storeValue(v transform.Value) string {
	switch v.Kind {
	case transform.Count:
		return strconv.FormatInt(v.Int, 10)
	case transform.Money:
		return decimalCents(v.Int)
	}
	return strconv.FormatFloat(v.Float, 'f', 12, 64)
}
