package history_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"retention/extract/sourcetest"
	"retention/history"
	"retention/transform"
)

// TestLedgerInTheStore: with a snapshot store, the delivery ledger is
// kept in it, entry by entry (the write-ahead's intent, then its outcome),
// keyed by period, scope and recipient: another output directory (run
// --out elsewhere, a new volume) reads the same ledger. A ledger file
// written before the store was configured is read for the periods the
// store holds nothing of. Against the embedded server, or
// RETENTION_TEST_DSN.
func TestLedgerInTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := sourcetest.New(t)
	sep, _ := transform.ParsePeriod("2026-09")
	aug := sep.Add(-1)
	east := "华东"
	at := time.Date(2026, 10, 1, 6, 30, 0, 0, time.UTC)

	first := history.Open(t.TempDir(), d.DSN)
	defer first.Close()
	l, err := first.Ledger(ctx, sep)
	if err != nil || len(l.Deliveries) != 0 {
		t.Fatalf("the ledger of a period never delivered: %+v, %v", l, err)
	}
	id := l.MessageID(&east, "east@example.com", "f1", "example.com")
	e := l.RecordSending(&east, "east@example.com", history.InFlight{Figures: "f1", MessageID: id, At: at, RunID: "r1"})
	if err := first.SaveDelivery(ctx, sep, l, e); err != nil {
		t.Fatal(err)
	}
	// A run on another output directory, after the first died in flight.
	second := history.Open(t.TempDir(), d.DSN)
	defer second.Close()
	back, err := second.Ledger(ctx, sep)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Find(&east, "EAST@example.com"); got == nil || got.InFlight == nil || got.InFlight.MessageID != id {
		t.Fatalf("the other directory's ledger: %+v, want the message in flight", back)
	}
	periods, damaged, err := second.PendingPeriods(ctx, transform.Month)
	if err != nil || len(damaged) != 0 || !slices.Equal(periods, []transform.Period{sep}) {
		t.Errorf("pending periods %v, %v, %v; want 2026-09", periods, damaged, err)
	}
	f := back.RecordSent(&east, "east@example.com", history.Sent{File: "华东.xlsx", SHA256: "abc", Figures: "f1", At: at, RunID: "r2"})
	n := back.RecordSent(nil, "finance@example.com", history.Sent{File: history.CompanyFile, Figures: "c1", At: at, RunID: "r2"})
	if err := second.SaveDelivery(ctx, sep, back, f); err != nil {
		t.Fatal(err)
	}
	if err := second.SaveDelivery(ctx, sep, back, n); err != nil {
		t.Fatal(err)
	}
	again, err := first.Ledger(ctx, sep)
	if err != nil || len(again.Deliveries) != 2 || again.HasPending() || again.Due(nil, "finance@example.com", "c1") != history.DueDone {
		t.Errorf("read back after the outcome: %+v, %v", again, err)
	}

	// A ledger file of August, written before the store: read for August,
	// whose pending message counts, until the store holds August's.
	old := history.Open(first.Root())
	la := history.NewLedger(aug)
	la.RecordPending(&east, "east@example.com", "f0", at, "connection refused")
	if err := old.SaveLedger(ctx, aug, la); err != nil {
		t.Fatal(err)
	}
	if l, err := first.Ledger(ctx, aug); err != nil || !l.HasPending() {
		t.Errorf("August from its file: %+v, %v", l, err)
	}
	if periods, _, err := first.PendingPeriods(ctx, transform.Month); err != nil || !slices.Equal(periods, []transform.Period{aug}) {
		t.Errorf("pending periods %v, %v; want 2026-08 from its file", periods, err)
	}
	la.RecordSent(&east, "east@example.com", history.Sent{File: "华东.xlsx", Figures: "f0", At: at, RunID: "r3"})
	if err := first.SaveLedger(ctx, aug, la); err != nil {
		t.Fatal(err)
	}
	if periods, _, err := first.PendingPeriods(ctx, transform.Month); err != nil || len(periods) != 0 {
		t.Errorf("pending periods %v, %v after August went out (its file still says pending)", periods, err)
	}
	if _, err := os.Stat(old.LedgerFile(sep)); err == nil {
		t.Error("with a store, a ledger file was written")
	}

	// A row that is not a ledger entry stops the read, naming it.
	d.Exec(t, "UPDATE retention_ledger SET entry = 'null' WHERE period = '2026-09' AND recipient = 'finance@example.com'")
	if _, err := first.Ledger(ctx, sep); err == nil || !strings.Contains(err.Error(), "retention_ledger row") {
		t.Errorf("a damaged row: %v", err)
	}
}
