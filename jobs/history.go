package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"retention/config"
	"retention/extract"
	"retention/report/publication"
	"retention/transform"
)

// ErrStore marks a failure of the snapshot store (store.dsn); its exit
// code is ExitStore.
var ErrStore = errors.New("snapshot store")

// published reads what was published before of periods: from the store
// when one is configured, else from the manifests in out_dir. With run,
// only that run's figures count.
func published(ctx context.Context, c config.Config, periods []transform.Period, run string, log *slog.Logger) (publication.Published, error) {
	if c.Store.DSN != "" {
		return publishedInStore(ctx, c.Store.DSN, periods, run)
	}
	pub, damaged, err := publication.ReadManifests(c.Report.OutDir, periods, run)
	if err != nil {
		return nil, fail(KindOutput, err)
	}
	for _, d := range damaged {
		// A damaged manifest must not stop the nightly run, nor the
		// backfill that would replace it; its figures go uncompared.
		log.Warn("cannot read a published manifest; its figures are not compared for restatements", "path", d.Path, "error", d.Err.Error())
	}
	return pub, nil
}

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

func openStore(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, storeFail(fmt.Errorf("store.dsn: %w", err))
	}
	cfg.ParseTime, cfg.InterpolateParams, cfg.Logger = true, true, &mysql.NopLogger{}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, storeFail(err)
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, storeFail(fmt.Errorf("connecting to %s: %w", extract.RedactDSN(dsn), err))
	}
	if _, err := db.ExecContext(ctx, storeDDL); err != nil {
		db.Close()
		return nil, storeFail(fmt.Errorf("creating retention_snapshots in %s: %w", extract.RedactDSN(dsn), err))
	}
	return db, nil
}

// checkStore connects to the store and says what it holds, without
// writing to it.
func checkStore(ctx context.Context, dsn string, w io.Writer) error {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return storeFail(fmt.Errorf("store.dsn: %w", err))
	}
	cfg.Logger = &mysql.NopLogger{}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return storeFail(err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	var runs int
	err = db.QueryRowContext(ctx, "SELECT COUNT(DISTINCT run_id) FROM retention_snapshots").Scan(&runs)
	var me *mysql.MySQLError
	switch {
	case errors.As(err, &me) && me.Number == 1146: // no such table
		fmt.Fprintf(w, "store       %s reachable; retention_snapshots will be created by the first run\n", extract.RedactDSN(dsn))
	case err != nil:
		return storeFail(fmt.Errorf("reading retention_snapshots in %s: %w", extract.RedactDSN(dsn), err))
	default:
		fmt.Fprintf(w, "store       %s reachable; runs recorded in retention_snapshots: %d\n", extract.RedactDSN(dsn), runs)
	}
	return nil
}

func storeFail(err error) error { return fail(KindStore, fmt.Errorf("%w: %w", ErrStore, err)) }

func publishedInStore(ctx context.Context, dsn string, periods []transform.Period, run string) (publication.Published, error) {
	db, err := openStore(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	in := strings.TrimSuffix(strings.Repeat("?,", len(periods)), ",")
	args := []any{periods[0].G.String()}
	for _, p := range periods {
		args = append(args, p.String())
	}
	// Every night appends each period of the history window again: read
	// only the latest run's rows of each period (or the rows of run).
	q := `SELECT s.run_id, s.generated_at, s.period, s.department, s.metric, s.value
FROM retention_snapshots s
JOIN (SELECT period, MAX(generated_at) AS generated_at FROM retention_snapshots
      WHERE granularity = ? AND period IN (` + in + `) GROUP BY period) latest
  ON s.period = latest.period AND s.generated_at = latest.generated_at
WHERE s.granularity = ?`
	args = append(args, periods[0].G.String())
	if run != "" {
		q = "SELECT run_id, generated_at, period, department, metric, value FROM retention_snapshots WHERE run_id = ? AND granularity = ? AND period IN (" + in + ")"
		args = append([]any{run}, args[:len(periods)+1]...)
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, storeFail(fmt.Errorf("reading retention_snapshots: %w", err))
	}
	defer rows.Close()
	pub := publication.Published{}
	for rows.Next() {
		var runID, period, metric string
		var at time.Time
		var dept sql.NullString
		var value sql.NullString
		if err := rows.Scan(&runID, &at, &period, &dept, &metric, &value); err != nil {
			return nil, storeFail(fmt.Errorf("reading retention_snapshots: %w", err))
		}
		v := publication.Figure{RunID: runID, GeneratedAt: at}
		if value.Valid {
			f, err := strconv.ParseFloat(value.String, 64)
			if err != nil {
				return nil, storeFail(fmt.Errorf("reading retention_snapshots: value %q: %w", value.String, err))
			}
			v.Value = &f
		}
		pub.Add(publication.Key{Period: period, Department: dept.String, Company: !dept.Valid, Metric: metric}, v)
	}
	if err := rows.Err(); err != nil {
		return nil, storeFail(fmt.Errorf("reading retention_snapshots: %w", err))
	}
	return pub, nil
}

// storeRun appends the snapshots a run published to the store, in one
// transaction: every scope and metric of every period in the history
// windows of the published periods, once each.
func storeRun(ctx context.Context, dsn, runID string, at time.Time, results []*transform.Result) error {
	db, err := openStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	type key struct{ period, dept, metric string }
	seen := map[key]bool{}
	var rows [][]any
	for _, res := range results {
		for _, row := range publication.Snapshots(res) {
			var dept any
			d := ""
			if row.Department != nil {
				dept, d = *row.Department, *row.Department
			}
			for _, m := range transform.Metrics {
				k := key{row.Snapshot.Period.String(), d + "\x00" + strconv.FormatBool(row.Department == nil), m.Key}
				if seen[k] {
					continue
				}
				seen[k] = true
				var value any
				if v := m.Of(&row.Snapshot); v.Valid {
					value = storeValue(v)
				}
				rows = append(rows, []any{runID, at.UTC(), res.Period.G.String(), k.period, dept, m.Key, value})
			}
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return storeFail(err)
	}
	defer tx.Rollback()
	for start := 0; start < len(rows); start += 500 {
		batch := rows[start:min(start+500, len(rows))]
		var args []any
		for _, r := range batch {
			args = append(args, r...)
		}
		stmt := "INSERT INTO retention_snapshots (run_id, generated_at, granularity, period, department, metric, value) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?),", len(batch)), ",")
		if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
			return storeFail(fmt.Errorf("writing retention_snapshots: %w", err))
		}
	}
	if err := tx.Commit(); err != nil {
		return storeFail(fmt.Errorf("writing retention_snapshots: %w", err))
	}
	return nil
}

// storeValue is a figure as text for DECIMAL: money exact to the cent,
// quotients to 12 places.
func storeValue(v transform.Value) string {
	switch v.Kind {
	case transform.Count:
		return strconv.FormatInt(v.Int, 10)
	case transform.Money:
		return publication.Cents(v.Int)
	}
	return strconv.FormatFloat(v.Float, 'f', 12, 64)
}
