package jobs_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"retention/extract/embedded"
	"retention/extract/sourcetest"
	"retention/jobs"
	"retention/transform"
	"retention/transform/bgbb/bgbbtest"
)

// donationTables loads the BG/BB paper's data set (testdata/bgbb) into
// orders: each of the 11,104 donors gives in 1995 and then in x of the
// years 1996–2001, the last of them 1995+t_x; and an empty complaints
// table.
func donationTables(t *testing.T, d *sourcetest.DB) {
	t.Helper()
	var orders [][]any
	bgbbtest.Donors(t, func(donor int, years []int) {
		for _, y := range years {
			orders = append(orders, []any{int64(len(orders) + 1), int64(donor), "fund", time.Date(y, time.June, 1, 12, 0, 0, 0, time.UTC), "10.00"})
		}
	})
	d.Table(t, "orders", []embedded.Column{
		{Name: "order_id", Type: embedded.BigInt, PrimaryKey: true}, {Name: "customer_id", Type: embedded.BigInt},
		{Name: "department", Type: embedded.VarChar}, {Name: "ordered_at", Type: embedded.DateTime},
		{Name: "amount", Type: embedded.Decimal}}, orders)
	d.Exec(t, "CREATE TABLE complaints (complaint_id BIGINT, customer_id BIGINT, department VARCHAR(20), created_at DATETIME, "+
		"resolved_at DATETIME, satisfaction INT, category VARCHAR(20))")
}

// TestForecastOfThePaper: the paper's data set, read from the database
// and reported at year granularity for 2001, gives the paper's estimates
// in manifest.json's forecast (α 1.204, β 0.750, γ 0.657, δ 2.783,
// log-likelihood −33,225.6), with a predicted rate for 2002; the lists
// carry each customer's two chances, as percentages, with the line that
// says what they mean.
func TestForecastOfThePaper(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	donationTables(t, d)
	c := testConfig(t, d, "timezone: UTC\nreport: {locale: en, history: 3}")
	out, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2001")), Now: time.Now(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Forecast []struct {
			Department *string
			Period     string

			A  *float64 `json:"alpha"`
			B  *float64 `json:"beta"`
			G  *float64 `json:"gamma"`
			D  *float64 `json:"delta"`
			LL *float64 `json:"log_likelihood"`

			Customers              *int64   `json:"customers"`
			PredictedRetentionRate *float64 `json:"predicted_retention_rate"`
			Reason                 *string  `json:"reason"`
		} `json:"forecast"`
	}
	b, err := os.ReadFile(filepath.Join(out.Dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range m.Forecast {
		if f.Period != "2001" {
			continue
		}
		if f.A == nil || f.PredictedRetentionRate == nil || f.Reason != nil {
			t.Fatalf("forecast of %v 2001 not fitted: %+v", f.Department, f)
		}
		got = append(got, fmt.Sprintf("α %.3f β %.3f γ %.3f δ %.3f LL %.1f n %d", *f.A, *f.B, *f.G, *f.D, *f.LL, *f.Customers))
	}
	want := "α 1.204 β 0.750 γ 0.657 δ 2.783 LL -33225.6 n 11104"
	if len(got) != 2 || got[0] != want || got[1] != want { // the company, and its one department
		t.Errorf("forecast of 2001 = %q, want %q for the company and the department", got, want)
	}

	wb, err := excelize.OpenFile(filepath.Join(out.Dir, "fund.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows := sheetRows(t, wb, "Churned")
	header := headerOf(rows, "Still a customer")
	alive, next := slices.Index(header, "Still a customer"), slices.Index(header, "Buys next period")
	if alive < 0 || next < 0 || !slices.ContainsFunc(rows[:3], func(r []string) bool {
		return len(r) > 0 && r[0] == "Still a customer: the chance the customer has not left for good by the end of 2001; Buys next period: the chance it buys in 2002 (the BG/BB model, see Definitions)."
	}) {
		t.Fatalf("the churned list lacks the forecast's columns or its note: %q", rows[:4])
	}
	style, err := wb.GetCellStyle("Churned", cellAt(alive+1, len(rows)))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := wb.GetStyle(style)
	if st == nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "0.0%" {
		t.Errorf("the chance columns are not shown as percentages: %+v", st)
	}
}

func cellAt(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// TestDemoBacktest: on the demo's data, by month, quarter and year, the
// retention the model predicted for each period shown (at the end of the
// one before) is compared with the actual rate: the mean absolute error of
// each scope is logged, and docs/FORECAST.md quotes it
// (go test ./jobs -run TestDemoBacktest -v). By month and by quarter the
// company's stays within 5 percentage points, and every period that has a
// customer first active two periods before it has a prediction; the
// demo's two years hold no year with one.
func TestDemoBacktest(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, g := range transform.Granularities {
		t.Run(g.String(), func(t *testing.T) {
			t.Parallel()
			m := demoManifest(t, g, now)
			predicted := map[string]float64{} // by scope and the period predicted
			for _, f := range m.Forecast {
				if v, ok := f["predicted_retention_rate"].(float64); ok {
					d, _ := f["department"].(string)
					per, _ := transform.ParsePeriod(f["period"].(string))
					predicted[d+"|"+per.Add(1).String()] = v
				}
			}
			errs := map[string][]float64{}
			for _, s := range m.Snapshots {
				d, _ := s["department"].(string)
				actual, ok := s["retention_rate"].(float64)
				want, has := predicted[d+"|"+s["period"].(string)]
				if ok && has {
					errs[d] = append(errs[d], math.Abs(want-actual))
				}
			}
			for _, d := range slices.Sorted(maps.Keys(errs)) {
				e := errs[d]
				mae := 0.0
				for _, x := range e {
					mae += x
				}
				mae /= float64(len(e))
				t.Logf("%s %s: mean absolute error %.2f percentage points over %d periods", g, cmp.Or(d, "company"), mae*100, len(e))
				if d == "" && g != transform.Year && (mae > 0.05 || len(e) < 6) {
					t.Errorf("%s: the company's predictions are %.2f points off over %d periods", g, mae*100, len(e))
				}
			}
			if g == transform.Year && len(errs) > 0 {
				t.Errorf("by year, the demo's two years have a prediction to compare: %v", errs)
			}
		})
	}
}
