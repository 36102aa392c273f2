package extract

import (
	"context"
	"testing"
	"time"

	"retention/extract/sourcetest"
)

// TestSnapshotIsReadOnly: the transaction every query runs in refuses a
// write, so a query that tried to change the source (a function with side
// effects, say) could not.
func TestSnapshotIsReadOnly(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t, "CREATE TABLE t (a INT)", "INSERT INTO t VALUES (1)")
	ctx := context.Background()
	src, err := Open(ctx, d.DSN, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snap.conn.ExecContext(ctx, "INSERT INTO t VALUES (2)"); err == nil {
		t.Error("a write inside the snapshot succeeded")
	}
	snap.Close()
	var n int
	if err := d.Conn().QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("the table holds %d rows (%v), want 1", n, err)
	}
}
