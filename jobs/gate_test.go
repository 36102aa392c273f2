package jobs_test

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"retention/extract/sourcetest"
	"retention/history"
	"retention/jobs"
)

// TestGate: each check before publishing, failing on a re-run of a
// published period, publishes nothing, leaves the previous files as they
// were and exits 7 naming the check and its figures; --force publishes,
// with the failed check on the summary sheets and in the manifest.
func TestGate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// breaks the data, after 2026-09 was published
		change []string
		says   string // in the error, the log and the manifest
		sheet  string // on the summary sheets (en)
	}{
		{"no orders", []string{"DELETE FROM orders WHERE ordered_at >= '2026-09-01'"},
			"no_orders: no orders in 2026-09", "no orders in 2026-09"},
		{"orders dropped", []string{"DELETE FROM orders WHERE ordered_at >= '2026-09-01' AND order_id <> 8"},
			"order_drop: orders fell 66.7% from 3 in 2026-08 to 1 in 2026-09 (limit 50.0%)",
			"orders fell 66.7% from 3 in 2026-08 to 1 in 2026-09 (limit 50.0%)"},
		{"rows skipped", []string{"INSERT INTO orders VALUES (30, NULL, '华东', '2026-09-04 10:00:00', 10.00), (31, NULL, '华北', '2026-09-05 10:00:00', 20.00)"},
			"skipped_rows: 13.04% of rows skipped (3 of 23; limit 5.00%)", "13.04% of rows skipped (3 of 23; limit 5.00%)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := sourcetest.New(t)
			d.ExecFile(t, "../testdata/spec/worked_example.sql")
			// The worked example's one skipped row is 4.8 % of its rows.
			c := testConfig(t, d, "report: {locale: en}\ngate: {max_skipped_ratio: 0.05, max_order_drop: 0.5}\n")
			opt := jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet}
			first, err := jobs.Run(context.Background(), opt)
			if err != nil {
				t.Fatal(err)
			}
			before := files(t, c.Report.OutDir)

			d.Exec(t, tt.change...)
			_, err = jobs.Run(context.Background(), opt)
			if jobs.ExitCode(err) != jobs.ExitGate || !errors.Is(err, jobs.ErrGate) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("run with a failing check: %v (exit %d), want exit %d naming %q", err, jobs.ExitCode(err), jobs.ExitGate, tt.says)
			}
			if after := files(t, c.Report.OutDir); !maps.Equal(before, after) {
				t.Errorf("the failed run changed the output:\nbefore %v\nafter  %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			}

			opt.Plan.Force = true
			forced, err := jobs.Run(context.Background(), opt)
			if err != nil {
				t.Fatalf("--force: %v", err)
			}
			if forced.RunID == first.RunID || !slices.Contains(forced.Manifest.Forced, tt.says) {
				t.Errorf("forced manifest names %v, want %q", forced.Manifest.Forced, tt.says)
			}
			for _, file := range []string{"company.xlsx", "华东.xlsx"} {
				if want := "⚠ Published with --force although checks failed: " + tt.sheet; !summarySays(t, filepath.Join(forced.Dir, file), want) {
					t.Errorf("%s: the summary does not say %q", file, want)
				}
			}
		})
	}
}

// files maps every file under dir, hidden ones too, to its content.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStoreFailures: a store that cannot be reached or read stops the run
// before anything is published; one that refuses the rows after the
// workbooks were published fails the run with exit 8 and keeps none of
// them (one transaction). Neither message shows the password.
func TestStoreFailures(t *testing.T) {
	t.Parallel()
	const secret = "St0re-Secret"
	tests := []struct {
		name      string
		table     string // created in the store beforehand
		unreached bool
		published bool
		says      string
	}{
		{name: "unreachable", unreached: true, says: "127.0.0.1:1"},
		{name: "not our table", table: "CREATE TABLE retention_snapshots (x INT)", says: "reading retention_snapshots"},
		{name: "rows refused", published: true, says: "writing retention_snapshots",
			table: `CREATE TABLE retention_snapshots (run_id VARCHAR(64) NOT NULL, generated_at DATETIME(6) NOT NULL,
			  granularity VARCHAR(8) NOT NULL, period VARCHAR(8) NOT NULL, department VARCHAR(768) NULL,
			  metric VARCHAR(3) NOT NULL, value DECIMAL(38,12) NULL)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := sourcetest.New(t)
			d.ExecFile(t, "../testdata/spec/worked_example.sql")
			c := testConfig(t, d, "")
			var store *sourcetest.DB
			if tt.unreached {
				c.Store.DSN = "writer:" + secret + "@tcp(127.0.0.1:1)/history?timeout=2s"
			} else {
				store = sourcetest.New(t)
				store.Exec(t, tt.table)
				c.Store.DSN = strings.Replace(store.DSN, "@", ":"+secret+"@", 1)
				if store.Embedded == nil {
					c.Store.DSN = store.DSN // a real server checks the password
				}
			}
			_, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet})
			if jobs.ExitCode(err) != jobs.ExitStore || !errors.Is(err, history.ErrStore) || !strings.Contains(err.Error(), tt.says) || strings.Contains(err.Error(), secret) {
				t.Fatalf("run: %v (exit %d), want exit %d naming %q", err, jobs.ExitCode(err), jobs.ExitStore, tt.says)
			}
			if got := history.Open(c.Report.OutDir).Complete(mustPeriod(t, "2026-09")); got != tt.published {
				t.Errorf("published: %v, want %v", got, tt.published)
			}
			if tt.published {
				var n int
				if err := store.Conn().QueryRow("SELECT COUNT(*) FROM retention_snapshots").Scan(&n); err != nil || n != 0 {
					t.Errorf("the failed write left %d rows (%v)", n, err)
				}
			}
		})
	}
}

// TestDamagedManifest: a published manifest that cannot be read is
// reported and passed over; it does not stop the run that replaces it.
func TestDamagedManifest(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	c := testConfig(t, d, "")
	aug := history.Open(c.Report.OutDir).PeriodDir(mustPeriod(t, "2026-08"))
	if err := os.MkdirAll(aug, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(aug, "manifest.json"), []byte(`{"run_id": "x", "snap`), 0o644); err != nil {
		t.Fatal(err)
	}
	var warned string
	log := slog.New(&hook{fn: func(r slog.Record) {
		if strings.Contains(r.Message, "cannot read a published manifest") {
			warned = attr(r, "path")
		}
	}})
	for _, p := range []string{"2026-09", "2026-08"} {
		if _, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, mustPeriod(t, p)), Now: time.Now(), Logger: log}); err != nil {
			t.Fatalf("run %s: %v", p, err)
		}
	}
	if warned != filepath.Join(aug, "manifest.json") {
		t.Errorf("the damaged manifest was not reported (%q)", warned)
	}
	if !history.Complete(aug) {
		t.Error("the run of 2026-08 did not replace the damaged result")
	}
}

// TestCheckStore: check reaches the store and says what it holds, and
// writes nothing to it.
func TestCheckStore(t *testing.T) {
	t.Parallel()
	d, store := sourcetest.New(t), sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	c := testConfig(t, d, "")
	c.Store.DSN = store.DSN
	opt := jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet}
	var out strings.Builder
	if err := jobs.Check(context.Background(), opt, &out); err != nil || !strings.Contains(out.String(), "retention_snapshots will be created by the first run") {
		t.Fatalf("check of an empty store: %v\n%s", err, out.String())
	}
	var tables int
	if err := store.Conn().QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("check created %d tables in the store (%v)", tables, err)
	}
	if _, err := jobs.Run(context.Background(), opt); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := jobs.Check(context.Background(), opt, &out); err != nil || !strings.Contains(out.String(), "runs recorded in retention_snapshots: 1") {
		t.Errorf("check after a run: %v\n%s", err, out.String())
	}
}
