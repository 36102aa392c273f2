package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"retention/transform"
)

// The delivery ledger in the store, created when missing: one row per
// period, scope and recipient, keyed by a hash of the four (the scope's
// department may be longer than a key can be); entry is the ledger's
// entry as JSON, in the format of the ledger file. Kept in the store, the
// ledger follows the period wherever its workbooks are published (run
// --out elsewhere, a new volume).
const ledgerDDL = `CREATE TABLE IF NOT EXISTS retention_ledger (
  entry_key   CHAR(64)     NOT NULL PRIMARY KEY,
  granularity VARCHAR(8)   NOT NULL,
  period      VARCHAR(8)   NOT NULL,
  department  VARCHAR(768) NULL,
  recipient   VARCHAR(320) NOT NULL,
  entry       TEXT         NOT NULL,
  updated_at  DATETIME(6)  NOT NULL,
  KEY retention_ledger_period (granularity, period)
) DEFAULT CHARSET = utf8mb4`

// storedEntry is one row of retention_ledger.
type storedEntry struct {
	Key         string    `db:"entry_key"`
	Granularity string    `db:"granularity"`
	Period      string    `db:"period"`
	Department  *string   `db:"department"`
	Recipient   string    `db:"recipient"`
	Entry       string    `db:"entry"`
	UpdatedAt   time.Time `db:"updated_at"`
}

const upsertEntry = `INSERT INTO retention_ledger (entry_key, granularity, period, department, recipient, entry, updated_at)
VALUES (:entry_key, :granularity, :period, :department, :recipient, :entry, :updated_at)
ON DUPLICATE KEY UPDATE entry = VALUES(entry), updated_at = VALUES(updated_at)`

// entryKey is the row key of a period's scope and recipient.
func entryKey(granularity, period string, dept *string, recipient string) string {
	scope := "company"
	if dept != nil {
		scope = "department\x00" + *dept
	}
	sum := sha256.Sum256([]byte(granularity + "\x00" + period + "\x00" + scope + "\x00" + strings.ToLower(recipient)))
	return hex.EncodeToString(sum[:])
}

// noLedgerTable reports whether err is MySQL's "no such table".
func noLedgerTable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1146
}

// ledger reads the ledger of period p from the store; found is false when
// it holds no entry of p.
func (s *Store) ledger(ctx context.Context, p transform.Period) (l *Ledger, found bool, err error) {
	var rows []storedEntry
	err = sqlx.SelectContext(ctx, s.db, &rows, `SELECT entry_key, granularity, period, department, recipient, entry, updated_at
FROM retention_ledger WHERE granularity = ? AND period = ? ORDER BY entry_key`, p.G.String(), p.String())
	switch {
	case noLedgerTable(err):
		return nil, false, nil
	case err != nil:
		return nil, false, storeFail(fmt.Errorf("reading the delivery ledger of %s from retention_ledger in %s: %w", p, s.name, err))
	}
	l = NewLedger(p)
	for _, r := range rows {
		var d *Delivery
		if err := json.Unmarshal([]byte(r.Entry), &d); err != nil || d == nil {
			return nil, false, storeFail(fmt.Errorf("reading the delivery ledger of %s: retention_ledger row %s in %s is not a ledger entry: %v", p, r.Key, s.name, err))
		}
		l.Deliveries = append(l.Deliveries, d)
	}
	if err := l.check(); err != nil {
		return nil, false, storeFail(fmt.Errorf("reading the delivery ledger of %s from retention_ledger in %s: %w", p, s.name, err))
	}
	return l, len(rows) > 0, nil
}

// saveEntries writes entries of l to the store in one transaction,
// creating the table when missing.
func (s *Store) saveEntries(ctx context.Context, l *Ledger, ds []*Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, ledgerDDL); err != nil {
		return storeFail(fmt.Errorf("creating retention_ledger in %s: %w", s.name, err))
	}
	now := time.Now().UTC()
	rows := make([]storedEntry, 0, len(ds))
	for _, d := range ds {
		b, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("writing the delivery ledger: %w", err)
		}
		rows = append(rows, storedEntry{Key: entryKey(l.Granularity, l.Period, d.Department, d.Recipient), Granularity: l.Granularity,
			Period: l.Period, Department: d.Department, Recipient: d.Recipient, Entry: string(b), UpdatedAt: now})
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return storeFail(fmt.Errorf("writing the delivery ledger to %s: %w", s.name, err))
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	for _, r := range rows {
		if _, err := tx.NamedExecContext(ctx, upsertEntry, r); err != nil {
			return storeFail(fmt.Errorf("writing the delivery ledger of %s to retention_ledger in %s: %w", l.Period, s.name, err))
		}
	}
	if err := tx.Commit(); err != nil {
		return storeFail(fmt.Errorf("writing the delivery ledger of %s to retention_ledger in %s: %w", l.Period, s.name, err))
	}
	return nil
}

// ledgerPeriods lists the periods of granularity g with an entry in the
// store, and those of them with a message waiting.
func (s *Store) ledgerPeriods(ctx context.Context, g transform.Granularity) (all, waiting []transform.Period, err error) {
	var rows []storedEntry
	err = sqlx.SelectContext(ctx, s.db, &rows, `SELECT entry_key, granularity, period, department, recipient, entry, updated_at
FROM retention_ledger WHERE granularity = ?`, g.String())
	switch {
	case noLedgerTable(err):
		return nil, nil, nil
	case err != nil:
		return nil, nil, storeFail(fmt.Errorf("reading the delivery ledgers from retention_ledger in %s: %w", s.name, err))
	}
	for _, r := range rows {
		p, perr := transform.ParsePeriod(r.Period)
		if perr != nil || p.G != g {
			continue
		}
		if !slices.Contains(all, p) {
			all = append(all, p)
		}
		var d Delivery
		if err := json.Unmarshal([]byte(r.Entry), &d); err != nil {
			return nil, nil, storeFail(fmt.Errorf("reading the delivery ledger of %s: retention_ledger row %s in %s is not a ledger entry: %v", r.Period, r.Key, s.name, err))
		}
		if d.Waiting() && !slices.Contains(waiting, p) {
			waiting = append(waiting, p)
		}
	}
	return all, waiting, nil
}
