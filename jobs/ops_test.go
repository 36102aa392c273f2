package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"retention/config"
	"retention/extract/sourcetest"
	"retention/history"
	"retention/jobs"
	"retention/transform"
)

// hook is a slog handler that calls fn for every record, for tests that
// act when the job reaches a stage.
type hook struct {
	mu sync.Mutex
	fn func(slog.Record)
}

func (h *hook) Enabled(context.Context, slog.Level) bool { return true }
func (h *hook) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fn(r)
	return nil
}
func (h *hook) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *hook) WithGroup(string) slog.Handler      { return h }

func attr(r slog.Record, key string) string {
	v := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

func noSleep(context.Context, time.Duration) error { return nil }

// snapshots reads the snapshots and source counts of a published period:
// what must not depend on how or when the period was computed.
func snapshots(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Source    json.RawMessage `json:"source"`
		Snapshots json.RawMessage `json:"snapshots"`
		Files     []struct {
			Path       string  `json:"path"`
			Department *string `json:"department"`
		} `json:"files"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	files, _ := json.Marshal(m.Files)
	return string(m.Source) + string(m.Snapshots) + string(files)
}

func TestRetryAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	p := d.Proxy(t)
	// The orders' answer is cut a few hundred bytes in, mid-stream.
	p.On("FROM orders", 1, sourcetest.Fault{Cut: true, CutAfter: 300})
	period := mustPeriod(t, "2026-09")

	c := testConfig(t, d, "")
	c.Source.DSN = p.DSN()
	sleeps := 0
	out, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, period), Now: time.Now(), Logger: quiet,
		Sleep: func(context.Context, time.Duration) error { sleeps++; return nil }})
	if err != nil {
		t.Fatalf("run with a dropped connection: %v", err)
	}
	if sleeps != 1 || p.Count("FROM orders") != 2 {
		t.Errorf("retried %d times, read orders %d times; want 1 retry and 2 reads", sleeps, p.Count("FROM orders"))
	}
	clean := testConfig(t, d, "")
	want, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(clean, period), Now: time.Now(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := snapshots(t, out.Dir), snapshots(t, want.Dir); got != want {
		t.Errorf("the retried run differs from a clean one:\n got %.300s\nwant %.300s", got, want)
	}
}

func TestBackfillReadsOrdersOnce(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	p := d.Proxy(t)
	c := testConfig(t, d, "")
	c.Source.DSN = p.DSN()
	// Force: the periods before July 2026 have no orders and fail the gate.
	backfill := newPlan(t, c, config.Flags{Command: "backfill", From: "2024-10", To: "2026-09", Force: true}, time.Now())
	outs, err := jobs.Backfill(context.Background(), jobs.RunOptions{Plan: backfill, Now: time.Now(), Logger: quiet}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 24 {
		t.Fatalf("published %d periods, want 24", len(outs))
	}
	if n := p.Count("FROM orders"); n != 1 {
		t.Errorf("the orders were read %d times for 24 periods, want once; queries: %q", n, p.Queries())
	}
	if n := p.Count("FROM complaints"); n != 1 {
		t.Errorf("the complaints were read %d times, want once", n)
	}
}

func TestBackfillResumesAfterInterrupt(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	c := testConfig(t, d, "")
	store := sourcetest.New(t)
	c.Store.DSN = store.DSN
	from, to := mustPeriod(t, "2026-03"), mustPeriod(t, "2026-09")

	// Interrupted after its third period, as SIGTERM would.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	published := 0
	log := slog.New(&hook{fn: func(r slog.Record) {
		if r.Message == "published period" {
			if published++; published == 3 {
				cancel()
			}
		}
	}})
	// Force: March to June have no orders and fail the gate.
	backfill := newPlan(t, c, config.Flags{Command: "backfill", From: from.String(), To: to.String(), Force: true}, time.Now())
	backfill.Republish = false // past the gate only: what is complete is skipped
	_, err := jobs.Backfill(ctx, jobs.RunOptions{Plan: backfill, Now: time.Now(), Logger: log}, nil)
	if jobs.ExitCode(err) != jobs.ExitCanceled {
		t.Fatalf("interrupted backfill: %v (exit %d), want exit %d", err, jobs.ExitCode(err), jobs.ExitCanceled)
	}
	// The store records what was published: up to 2026-05, not beyond.
	var stored, beyond int
	if err := store.Conn().QueryRow(`SELECT COUNT(DISTINCT period), COALESCE(SUM(period > '2026-05'), 0) FROM retention_snapshots
		WHERE period BETWEEN '2026-03' AND '2026-09'`).Scan(&stored, &beyond); err != nil || stored != 3 || beyond != 0 {
		t.Errorf("the store holds %d periods of the interrupted backfill, %d beyond the published (%v); want 3 and 0", stored, beyond, err)
	}
	var done []transform.Period
	for p := from; p.N <= to.N; p = p.Add(1) {
		if history.Open(c.Report.OutDir).Complete(p) {
			done = append(done, p)
		}
	}
	if len(done) != 3 {
		t.Fatalf("after the interrupt %d periods are complete (%v), want 3", len(done), done)
	}
	leftovers, _ := filepath.Glob(filepath.Join(c.Report.OutDir, "month", ".*"))
	if len(leftovers) > 0 {
		t.Errorf("the interrupted backfill left %v", leftovers)
	}

	// Restarted: the three are skipped, the rest published.
	var skipped string
	log = slog.New(&hook{fn: func(r slog.Record) {
		if r.Message == "resuming backfill" {
			skipped = attr(r, "skipped")
		}
	}})
	outs, err := jobs.Backfill(context.Background(), jobs.RunOptions{Plan: backfill, Now: time.Now(), Logger: log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 4 || skipped != "3" {
		t.Errorf("the restart published %d periods and skipped %s, want 4 and 3", len(outs), skipped)
	}

	// Every period is what a single run of it gives.
	single := testConfig(t, d, "")
	for p := from; p.N <= to.N; p = p.Add(1) {
		o, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: newPlan(t, single, config.Flags{Command: "run", Period: p.String(), Force: true}, time.Now()),
			Now: time.Now(), Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := snapshots(t, history.Open(c.Report.OutDir).PeriodDir(p)), snapshots(t, o.Dir); got != want {
			t.Errorf("%s from the backfill differs from a single run", p)
		}
	}
}

func TestConcurrentRunsNeverBothWrite(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	p := d.Proxy(t)
	stall, seen := make(chan struct{}), make(chan struct{})
	p.On("FROM orders", 1, sourcetest.Fault{Stall: stall, Seen: seen})
	c := testConfig(t, d, "")
	period := mustPeriod(t, "2026-09")

	first := c
	first.Source.DSN = p.DSN()
	type result struct {
		out *jobs.Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		o, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(first, period), Now: time.Now(), Logger: quiet})
		done <- result{o, err}
	}()
	select {
	case <-seen: // the first run holds the lock and is reading the orders
	case <-time.After(30 * time.Second):
		t.Fatal("the first run never read the orders")
	}
	_, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, period), Now: time.Now(), Logger: quiet})
	if !errors.Is(err, jobs.ErrLocked) || jobs.ExitCode(err) != jobs.ExitLocked {
		t.Errorf("second run during the first: %v (exit %d), want ErrLocked", err, jobs.ExitCode(err))
	}
	close(stall)
	r := <-done
	if r.err != nil {
		t.Fatalf("first run: %v", r.err)
	}
	var m struct {
		RunID string `json:"run_id"`
	}
	b, _ := os.ReadFile(filepath.Join(r.out.Dir, "manifest.json"))
	json.Unmarshal(b, &m)
	if m.RunID != r.out.RunID {
		t.Errorf("the published period is of run %s, want the first run %s", m.RunID, r.out.RunID)
	}
}

func TestCancelDuringRunLeavesNothing(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	p := d.Proxy(t)
	stall, seen := make(chan struct{}), make(chan struct{})
	defer close(stall)
	p.On("FROM orders", 1, sourcetest.Fault{Stall: stall, Seen: seen})
	c := testConfig(t, d, "")
	c.Source.DSN = p.DSN()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-seen
		cancel() // SIGTERM while the orders are being read
	}()
	_, err := jobs.Run(ctx, jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet, Sleep: noSleep})
	if jobs.ExitCode(err) != jobs.ExitCanceled {
		t.Fatalf("run canceled mid-extraction: %v (exit %d), want exit %d", err, jobs.ExitCode(err), jobs.ExitCanceled)
	}
	noOutput(t, c.Report.OutDir)
}

// TestKilledMidExtraction: the database kills the job's connection while
// it reads the orders (KILL, as a DBA or a failover would); the run starts
// the extraction again and publishes what a clean run publishes.
func TestKilledMidExtraction(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	p := d.Proxy(t)
	// The orders and, on the side connection, the complaints are held
	// until both connections are killed: each then fails when it is used
	// next (the proxy has the worked example's few rows in hand).
	stall, seen, seenComplaints := make(chan struct{}), make(chan struct{}), make(chan struct{})
	p.On("FROM orders", 1, sourcetest.Fault{Stall: stall, Seen: seen})
	p.On("FROM complaints", 1, sourcetest.Fault{Stall: stall, Seen: seenComplaints})
	c := testConfig(t, d, "")
	c.Source.DSN = p.DSN()
	go func() {
		defer close(stall)
		<-seen
		<-seenComplaints
		// The job's connections are on the server now: kill them all.
		ctx := context.Background()
		admin, err := d.Conn().Conn(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		rows, err := admin.QueryContext(ctx, "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", d.Name)
		if err != nil {
			t.Error(err)
			return
		}
		var ids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			t.Error("no connection of the job on the server")
		}
		for _, id := range ids {
			if _, err := admin.ExecContext(ctx, fmt.Sprintf("KILL %d", id)); err != nil {
				t.Logf("KILL %d: %v", id, err)
			}
		}
	}()
	sleeps := 0
	// The retry does not sleep here; it waits instead for the lock, which
	// a server releases when it has closed the killed session (the
	// embedded one, a moment after the KILL).
	pl := plan(c, mustPeriod(t, "2026-09"))
	pl.Wait = 10 * time.Second
	out, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: pl, Now: time.Now(), Logger: quiet,
		Sleep: func(context.Context, time.Duration) error { sleeps++; return nil }})
	if err != nil {
		t.Fatalf("run whose connection was killed: %v", err)
	}
	if sleeps != 1 {
		t.Errorf("retried %d times, want 1", sleeps)
	}
	clean := testConfig(t, d, "")
	want, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(clean, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := snapshots(t, out.Dir), snapshots(t, want.Dir); got != want {
		t.Errorf("the retried run differs from a clean one")
	}
}
