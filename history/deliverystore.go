package history

import (
	"context"
	"fmt"
	"time"
)

// The store's record of deliveries, created when missing: one row per
// message the mail server accepted. sent_at is UTC, the start of the run
// that sent it; department is NULL for company.xlsx; figures is the
// FiguresDigest it carried; restated is 1 when it was sent again because
// the figures had changed.
const deliveriesDDL = `CREATE TABLE IF NOT EXISTS retention_deliveries (
  run_id      VARCHAR(64)  NOT NULL,
  sent_at     DATETIME(6)  NOT NULL,
  granularity VARCHAR(8)   NOT NULL,
  period      VARCHAR(8)   NOT NULL,
  department  VARCHAR(768) NULL,
  recipient   VARCHAR(320) NOT NULL,
  file        VARCHAR(255) NOT NULL,
  sha256      CHAR(64)     NOT NULL,
  figures     CHAR(64)     NOT NULL,
  restated    BOOLEAN      NOT NULL,
  KEY retention_deliveries_period (granularity, period),
  KEY retention_deliveries_run (run_id)
) DEFAULT CHARSET = utf8mb4`

// storedDelivery is one row of retention_deliveries.
type storedDelivery struct {
	RunID       string    `db:"run_id"`
	SentAt      time.Time `db:"sent_at"`
	Granularity string    `db:"granularity"`
	Period      string    `db:"period"`
	Department  *string   `db:"department"`
	Recipient   string    `db:"recipient"`
	File        string    `db:"file"`
	SHA256      string    `db:"sha256"`
	Figures     string    `db:"figures"`
	Restated    bool      `db:"restated"`
}

const insertDelivery = `INSERT INTO retention_deliveries (run_id, sent_at, granularity, period, department, recipient, file, sha256, figures, restated)
VALUES (:run_id, :sent_at, :granularity, :period, :department, :recipient, :file, :sha256, :figures, :restated)`

// AppendDeliveries adds the messages of a period's ledger that the mail
// server accepted, sent, to retention_deliveries in one transaction,
// creating the table when missing.
func (s *Store) AppendDeliveries(ctx context.Context, l *Ledger, sent []*Delivery) error {
	if len(sent) == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, deliveriesDDL); err != nil {
		return storeFail(fmt.Errorf("creating retention_deliveries in %s: %w", s.name, err))
	}
	rows := make([]storedDelivery, 0, len(sent))
	for _, d := range sent {
		if d.Sent == nil {
			continue
		}
		rows = append(rows, storedDelivery{RunID: d.Sent.RunID, SentAt: d.Sent.At.UTC(), Granularity: l.Granularity, Period: l.Period,
			Department: d.Department, Recipient: d.Recipient, File: d.Sent.File, SHA256: d.Sent.SHA256, Figures: d.Sent.Figures,
			Restated: d.Sent.Restated})
	}
	return insertAll(ctx, s.db, "retention_deliveries", insertDelivery, rows)
}
