package jobs_test

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"retention/extract/sourcetest"
	"retention/jobs"
	"retention/transform"
)

// sheetRows reads a sheet back with excelize's streaming row iterator,
// raw values.
func sheetRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.Rows(sheet)
	if err != nil {
		t.Fatalf("sheet %s: %v", sheet, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cols)
	}
	if err := rows.Error(); err != nil {
		t.Fatal(err)
	}
	return out
}

// headerOf is the first row holding a cell name: a list's header; nil
// when none does.
func headerOf(rows [][]string, name string) []string {
	for _, r := range rows {
		if slices.Contains(r, name) {
			return r
		}
	}
	return nil
}

// rowOf is the row whose first cell is first, padded with empty cells to
// width (the reader leaves trailing empty cells out); nil when there is
// none.
func rowOf(rows [][]string, first string, width int) []string {
	for _, r := range rows {
		if len(r) > 0 && r[0] == first {
			return append(r, make([]string, max(width-len(r), 0))...)
		}
	}
	return nil
}

// TestOwnersFromCustomers: the customers query, read before computing,
// gives each customer its owner; the By owner sheets of a department and
// of the company add up to the scope's metrics in the manifest, a
// repeated id keeps its first row, and the lists show placeholders for a
// missing name or owner.
func TestOwnersFromCustomers(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	// No primary key: customer 3 is repeated (its first row is used) and
	// one row has no id; customer 5 is missing, customer 99 never bought.
	d.Exec(t, "CREATE TABLE customers (seq INT, customer_id BIGINT NULL, name VARCHAR(64), owner VARCHAR(64))",
		`INSERT INTO customers VALUES (1, 1, '上海甲公司', '王芳'), (2, 2, NULL, '李强'), (3, 3, '=1+1', '王芳'),
		(4, 3, '重复', '赵六'), (5, 4, '丙', NULL), (6, NULL, '无编号', '王芳'), (7, 99, '幽灵', '王芳'), (8, 6, '', '')`)
	c := testConfig(t, d, "report: {locale: en}")
	c.Source.Customers, c.Source.CustomersSet = "SELECT customer_id, name, owner FROM customers ORDER BY seq", true
	out, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if out.Manifest.Source.CustomersRows != 8 {
		t.Errorf("customers rows read = %d, want 8", out.Manifest.Source.CustomersRows)
	}
	quality := map[string]int64{}
	for _, q := range out.Manifest.Quality {
		if q.Table == transform.TableCustomers {
			quality[q.Reason] = q.Rows
		}
	}
	if quality[transform.ReasonDuplicateCustomer] != 1 || quality["customer_id_missing"] != 1 || len(quality) != 2 {
		t.Errorf("customers findings %v, want one repeated id and one without id", quality)
	}
	snap := func(dept *string, period string) transform.Snapshot {
		for _, r := range out.Manifest.Snapshots {
			if r.Snapshot.Period.String() == period && (r.Department == nil) == (dept == nil) && (dept == nil || *r.Department == *dept) {
				return r.Snapshot
			}
		}
		t.Fatalf("no snapshot of %v in %s", dept, period)
		return transform.Snapshot{}
	}
	east := "华东"
	for _, book := range []struct {
		file string
		dept *string
	}{{"华东.xlsx", &east}, {"company.xlsx", nil}} {
		f, err := excelize.OpenFile(filepath.Join(out.Dir, book.file))
		if err != nil {
			t.Fatal(err)
		}
		owners := sheetRows(t, f, "By owner")
		checkOwnerTotal(t, book.file, owners, snap(book.dept, "2026-09"), snap(book.dept, "2026-08"))
		// 王芳 owns 1 (retained, at risk in both periods) and 3 (churned,
		// at risk in August); 李强 owns 2 (at risk, reactivated).
		want := map[string][]string{
			"王芳":         {"2", "1", "0.5", "1", "30", "1", "", "2", "1", "0.5"},
			"李强":         {"0", "0", "", "0", "0", "1", "", "0", "0", ""},
			"(no owner)": {"1", "1", "1", "0", "0", "1", "", "0", "0", ""},
		}
		for owner, w := range want {
			got := rowOf(owners, owner, 11)
			if got == nil {
				t.Errorf("%s: no By owner row %s", book.file, owner)
				continue
			}
			for i, v := range w {
				if i != 6 && got[i+1] != v { // value at risk: checked in the total
					t.Errorf("%s: By owner %s column %d = %q, want %q (row %v)", book.file, owner, i+2, got[i+1], v, got)
				}
			}
		}
		if rowOf(owners, "赵六", 0) != nil {
			t.Errorf("%s: the repeated row of customer 3 set its owner", book.file)
		}
		churned := rowOf(sheetRows(t, f, "Churned"), "3", 3)
		if churned == nil || churned[1] != "=1+1" || churned[2] != "王芳" {
			t.Errorf("%s: churned customer 3 = %v, want =1+1 owned by 王芳", book.file, churned)
		}
		atRisk := sheetRows(t, f, "At risk")
		if r := rowOf(atRisk, "2", 3); r == nil || r[1] != "(no name)" || r[2] != "李强" {
			t.Errorf("%s: at-risk customer 2 = %v, want (no name) owned by 李强", book.file, r)
		}
		if r := rowOf(atRisk, "4", 3); r == nil || r[1] != "丙" || r[2] != "(no owner)" {
			t.Errorf("%s: at-risk customer 4 = %v, want 丙 with (no owner)", book.file, r)
		}
		f.Close()
	}
}

// checkOwnerTotal: the total row of a By owner sheet is the scope's base,
// retained and churned customers, churned revenue, customers at risk,
// last period's at-risk customers and the at-risk retention rate.
func checkOwnerTotal(t *testing.T, file string, rows [][]string, now, before transform.Snapshot) {
	t.Helper()
	total := rowOf(rows, "Total", 11)
	if total == nil {
		t.Fatalf("%s: By owner has no total row: %v", file, rows)
	}
	num := func(col int) float64 {
		v, err := strconv.ParseFloat(total[col], 64)
		if err != nil {
			t.Errorf("%s: total column %d = %q: %v", file, col+1, total[col], err)
		}
		return v
	}
	checks := []struct {
		name      string
		col       int
		got, want float64
	}{
		{"base_customers", 1, num(1), float64(now.BaseCustomers)},
		{"retained_customers", 2, num(2), float64(now.RetainedCustomers)},
		{"retention_rate", 3, num(3), now.RetentionRate.Value},
		{"churned_customers", 4, num(4), float64(now.ChurnedCustomers)},
		{"revenue_churned", 5, num(5), float64(now.RevenueChurnedCents) / 100},
		{"at_risk_customers", 6, num(6), float64(now.AtRiskCustomers)},
		{"at_risk_customers of the previous period", 8, num(8), float64(before.AtRiskCustomers)},
		{"at_risk_retention_rate", 10, num(10), now.AtRiskRetentionRate.Value},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s: By owner total %s (column %d) = %v, want %v", file, c.name, c.col+1, c.got, c.want)
		}
	}
	// The rows above the total add up to it.
	var base, kept int64
	for _, r := range rows[1:] {
		if r[0] == "Total" {
			break
		}
		b, _ := strconv.ParseInt(r[1], 10, 64)
		k, _ := strconv.ParseInt(r[9], 10, 64)
		base, kept = base+b, kept+k
	}
	if float64(base) != num(1) || float64(kept) != num(9) {
		t.Errorf("%s: the owners' rows add up to base %d and kept %d; the total says %s and %s", file, base, kept, total[1], total[9])
	}
}
