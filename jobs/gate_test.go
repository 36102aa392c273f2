package jobs_test

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"retention/extract/sourcetest"
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
			opt := jobs.RunOptions{Config: c, Period: mustPeriod(t, "2026-09"), Now: time.Now(), Logger: quiet}
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

			opt.Force = true
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
