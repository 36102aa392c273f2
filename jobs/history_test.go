package jobs_test

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"retention/config"
	"retention/extract/sourcetest"
	"retention/jobs"
	"retention/report"
)

// moved is a figure of 2026-09 that the late rows move, before and after.
type moved struct {
	scope, metric string
	was, now      float64
}

// lateRows arrive after 2026-09 was published: an order of customer 1 and
// a refund of customer 4, both in 华东 and dated in September, then
// October's orders.
var lateRows = []string{
	"INSERT INTO orders VALUES (18, 1, '华东', '2026-09-28 10:00:00', 200.00), (19, 4, '华东', '2026-09-29 10:00:00', -50.00)",
	`INSERT INTO orders VALUES (20, 1, '华东', '2026-10-05 10:00:00', 90.00), (21, 2, '华东', '2026-10-06 10:00:00', 60.00),
	  (22, 4, '华东', '2026-10-07 10:00:00', 100.00), (23, 5, '华东', '2026-10-08 10:00:00', 40.00), (24, 1, '华北', '2026-10-09 10:00:00', 70.00)`,
}

// wantMoved, worked out by hand from metrics.md. In 华东, September's
// revenue goes from 410 to 560 (+200 −50) and its orders from 5 to 6 (a
// refund is no order); its active customers stay {1, 2, 4, 5}, so
// frequency, spend per customer and order value move; its base {1, 3, 4}
// spent 320 and now 470 of August's 610. The company adds 华北's 70 and
// the unassigned 25 to revenue and one order each, and customer 1's 70 in
// 华北 to the base's spending. No count of customers moves, nor anything
// of July, August, 华北 or the unassigned. In the revenue bridge, customer
// 1 (80 in August) now expands by 240 instead of 40 in 华东 (by 310
// instead of 110 company-wide, with its 70 in 华北), customer 4 (500 in
// August) contracts by 350 instead of 300, and the retained customers'
// min(September, August) falls from 80 + 200 to 80 + 150 of 610.
var wantMoved = []moved{
	{"", "revenue", 505, 655},
	{"", "orders", 7, 8},
	{"", "purchase_frequency", 7.0 / 5, 8.0 / 5},
	{"", "avg_spend_per_customer", 505.0 / 5, 655.0 / 5},
	{"", "avg_order_value", 505.0 / 7, 655.0 / 8},
	{"", "revenue_retention_rate", 390.0 / 610, 540.0 / 610},
	{"华东", "revenue", 410, 560},
	{"华东", "orders", 5, 6},
	{"华东", "purchase_frequency", 5.0 / 4, 6.0 / 4},
	{"华东", "avg_spend_per_customer", 410.0 / 4, 560.0 / 4},
	{"华东", "avg_order_value", 410.0 / 5, 560.0 / 6},
	{"华东", "revenue_retention_rate", 320.0 / 610, 470.0 / 610},
	{"", "revenue_expansion", 110, 310},
	{"", "revenue_contraction", 300, 350},
	{"", "gross_revenue_retention_rate", 280.0 / 610, 230.0 / 610},
	{"华东", "revenue_expansion", 40, 240},
	{"华东", "revenue_contraction", 300, 350},
	{"华东", "gross_revenue_retention_rate", 280.0 / 610, 230.0 / 610},
}

func sortMoved(m []moved) []moved {
	slices.SortFunc(m, func(a, b moved) int { return strings.Compare(a.scope+"/"+a.metric, b.scope+"/"+b.metric) })
	return m
}

func sameMoved(got, want []moved) bool { return within(got, want, false) }

// within compares figures exactly, or as printed (to the cent, ratios to
// a tenth of a percent) when rounded.
func within(got, want []moved, rounded bool) bool {
	got, want = sortMoved(slices.Clone(got)), sortMoved(slices.Clone(want))
	return slices.EqualFunc(got, want, func(a, b moved) bool {
		eps := 1e-6
		if rounded {
			eps = 0.005 + 1e-9
			if strings.HasSuffix(a.metric, "_rate") {
				eps = 0.0005 + 1e-9
			}
		}
		return a.scope == b.scope && a.metric == b.metric && math.Abs(a.was-b.was) <= eps && math.Abs(a.now-b.now) <= eps
	})
}

// TestRestatements publishes 2026-09 of the worked example, lets late
// orders and a refund dated in September arrive, runs 2026-10, and finds
// exactly the moved figures, before and after, in the Restatements sheets,
// in diff and, with a store, in retention_snapshots.
func TestRestatements(t *testing.T) {
	t.Parallel()
	for _, store := range []bool{false, true} {
		t.Run(map[bool]string{false: "manifests", true: "store"}[store], func(t *testing.T) {
			t.Parallel()
			d := sourcetest.New(t)
			d.ExecFile(t, "../testdata/spec/worked_example.sql")
			c := testConfig(t, d, "report: {locale: en}\ngate: {max_skipped_ratio: 0.05}\n")
			var snapshots *sourcetest.DB
			if store {
				snapshots = sourcetest.New(t)
				c.Store.DSN = snapshots.DSN
			}
			ctx := context.Background()
			sep, err := jobs.Run(ctx, jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")),
				Now: time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC), Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			d.Exec(t, lateRows...)
			oct, err := jobs.Run(ctx, jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-10")),
				Now: time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC), Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			l, _ := report.Locale("en")

			// The sheets: the company's and 华东's list their six; the
			// others list none and say so.
			var sheet []moved
			for file, scope := range map[string]string{"company.xlsx": "", "华东.xlsx": "华东", "华北.xlsx": "华北"} {
				rows := restatementRows(t, filepath.Join(oct.Dir, file))
				for _, r := range rows {
					sheet = append(sheet, moved{scope, metricKey(t, l, r[1]), number(t, r[2]), number(t, r[4])})
					if r[0] != "2026-09" || r[3] != "2026-10-01 10:00" {
						t.Errorf("%s: restated %v, want period 2026-09 reported on 2026-10-01 10:00", file, r)
					}
					cause := "arrived since: +1 orders, +¥150.00 revenue" // the order and the refund
					if scope == "" {
						cause += " (all in 华东)"
					}
					if r[6] != cause {
						t.Errorf("%s: cause %q, want %q", file, r[6], cause)
					}
				}
				if n := len(rows); scope != "华北" && !summarySays(t, filepath.Join(oct.Dir, file), l.F("note.restated", n)) {
					t.Errorf("%s: the summary does not say %d figures were restated", file, n)
				}
			}
			if !sameMoved(sheet, wantMoved) {
				t.Errorf("restatement sheets list\n%v\nwant\n%v", sortMoved(sheet), sortMoved(wantMoved))
			}

			// diff, against the September run: the same table.
			var out bytes.Buffer
			now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
			diff := newPlan(t, c, config.Flags{Command: "diff", Period: "2026-09", Against: sep.RunID}, now)
			if err := jobs.Diff(ctx, jobs.RunOptions{Plan: diff, Now: now, Logger: quiet}, &out); err != nil {
				t.Fatal(err)
			}
			if got := diffRows(t, l, out.String()); !within(got, wantMoved, true) {
				t.Errorf("diff lists\n%v\nwant\n%v\n%s", sortMoved(got), sortMoved(wantMoved), out.String())
			}
			if !strings.Contains(out.String(), "run "+sep.RunID+" of 2026-10-01 10:00 CST") {
				t.Errorf("diff does not name the run it compares with:\n%s", out.String())
			}
			// Against the last publication (October's), nothing moved.
			out.Reset()
			diff = newPlan(t, c, config.Flags{Command: "diff", Period: "2026-09"}, now)
			if err := jobs.Diff(ctx, jobs.RunOptions{Plan: diff, Now: now, Logger: quiet}, &out); err != nil || !strings.Contains(out.String(), "No figure moved") {
				t.Errorf("diff against the last publication: %v\n%s", err, out.String())
			}

			if store {
				if got := storedMoves(t, snapshots, sep.RunID, oct.RunID); !sameMoved(got, wantMoved) {
					t.Errorf("retention_snapshots moves\n%v\nwant\n%v", sortMoved(got), sortMoved(wantMoved))
				}
			}
		})
	}
}

func restatementRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Restatements", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, r := range rows[1:] {
		if len(r) >= 6 {
			out = append(out, r)
		}
	}
	return out
}

func summarySays(t *testing.T, path, text string) bool {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if slices.Contains(r, text) {
			return true
		}
	}
	return false
}

func metricKey(t *testing.T, l report.Labels, label string) string {
	t.Helper()
	for k, v := range l {
		if v == label && strings.HasPrefix(k, "metric.") {
			return strings.TrimPrefix(k, "metric.")
		}
	}
	t.Fatalf("no metric labelled %q", label)
	return ""
}

// number reads a cell or a printed figure: 1,234.50, ¥655.00, 52.5%.
func number(t *testing.T, s string) float64 {
	t.Helper()
	s = strings.NewReplacer(",", "", "¥", "").Replace(s)
	scale := 1.0
	if strings.HasSuffix(s, "%") {
		s, scale = strings.TrimSuffix(s, "%"), 0.01
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("figure %q: %v", s, err)
	}
	return v * scale
}

// diffRows parses diff's table: columns apart by two spaces or more.
func diffRows(t *testing.T, l report.Labels, out string) []moved {
	t.Helper()
	var got []moved
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "2026-09  ") {
			continue
		}
		var cols []string
		for _, c := range strings.Split(line, "  ") {
			if c = strings.TrimSpace(c); c != "" {
				cols = append(cols, c)
			}
		}
		scope := cols[1]
		if scope == l.T("company") {
			scope = ""
		}
		got = append(got, moved{scope, metricKey(t, l, cols[2]), number(t, cols[3]), number(t, cols[5])})
	}
	return got
}

// storedMoves compares the two runs' rows of 2026-09 in retention_snapshots.
func storedMoves(t *testing.T, db *sourcetest.DB, before, after string) []moved {
	t.Helper()
	rows, err := db.Conn().Query("SELECT run_id, COALESCE(department, ''), metric, value FROM retention_snapshots WHERE granularity = 'month' AND period = '2026-09'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	values := map[string]map[[2]string]*float64{before: {}, after: {}}
	for rows.Next() {
		var run, dept, metric string
		var value *string
		if err := rows.Scan(&run, &dept, &metric, &value); err != nil {
			t.Fatal(err)
		}
		if values[run] == nil {
			t.Fatalf("retention_snapshots holds run %s, want only %s and %s", run, before, after)
		}
		var v *float64
		if value != nil {
			f := number(t, *value)
			v = &f
		}
		values[run][[2]string{dept, metric}] = v
	}
	if len(values[before]) == 0 || len(values[before]) != len(values[after]) {
		t.Fatalf("retention_snapshots holds %d figures of 2026-09 from the first run and %d from the second", len(values[before]), len(values[after]))
	}
	var got []moved
	for k, was := range values[before] {
		now, ok := values[after][k]
		if !ok {
			t.Fatalf("the second run did not store %v", k)
		}
		if (was == nil) != (now == nil) || (was != nil && *was != *now) {
			if was == nil || now == nil {
				t.Fatalf("%v went from %v to %v", k, was, now)
			}
			got = append(got, moved{k[0], k[1], *was, *now})
		}
	}
	return got
}
