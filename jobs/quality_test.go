package jobs_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"retention/extract/sourcetest"
	"retention/jobs"
)

// TestQualityByDepartment: each department workbook's data-quality
// banner and sheet count that department's rows, and list the customers
// query's findings apart as company-wide; the company keeps the totals;
// the manifest's quality stays company-wide and quality_by_department
// adds up to it.
func TestQualityByDepartment(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t,
		"CREATE TABLE orders (order_id BIGINT, customer_id VARCHAR(64), department VARCHAR(64), ordered_at DATETIME, amount DECIMAL(14,2))",
		`INSERT INTO orders VALUES
		 (1, 'c1', 'East', '2026-08-03 10:00:00', 100.00),
		 (2, 'c1', 'East', '2026-09-03 10:00:00', 100.00),
		 (3, NULL, 'East', '2026-09-03 10:00:00', 100.00),
		 (4, NULL, 'East', '2026-09-04 10:00:00', 100.00),
		 (5, 'c2', 'North', '2026-08-03 10:00:00', 100.00),
		 (6, 'c2', 'North', '2026-09-03 10:00:00', -20.00),
		 (7, NULL, 'North', '2026-09-03 10:00:00', 100.00),
		 (8, 'c3', NULL, '2026-09-05 10:00:00', 10.00)`,
		"CREATE TABLE complaints (complaint_id BIGINT, customer_id VARCHAR(64), department VARCHAR(64), created_at DATETIME, resolved_at DATETIME, satisfaction INT, category VARCHAR(64))",
		"CREATE TABLE customers (customer_id VARCHAR(64), name VARCHAR(64), owner VARCHAR(64))",
		"INSERT INTO customers VALUES ('c1', 'One', 'Wang'), ('c2', 'Two', 'Zhao'), ('c2', 'Two again', 'Li')")
	c := testConfig(t, d, "")
	out, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		Table, Reason, Handling string
		Rows                    int64
	}
	var m struct {
		Source  map[string]int64 `json:"source"`
		Quality []entry          `json:"quality"`
		ByDept  []struct {
			Department           string  `json:"department"`
			OrdersRows           int64   `json:"orders_rows"`
			ComplaintsRows       int64   `json:"complaints_rows"`
			SkippedOrderRows     int64   `json:"skipped_order_rows"`
			SkippedComplaintRows int64   `json:"skipped_complaint_rows"`
			Quality              []entry `json:"quality"`
		} `json:"quality_by_department"`
	}
	b, _ := os.ReadFile(filepath.Join(out.Dir, "manifest.json"))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var depts []string
	var read, skipped int64
	for _, q := range m.ByDept {
		depts = append(depts, q.Department)
		read += q.OrdersRows
		skipped += q.SkippedOrderRows
		for _, f := range q.Quality {
			if f.Table == "customers" {
				t.Errorf("%s lists the customers query's finding %s", q.Department, f.Reason)
			}
		}
	}
	if got := strings.Join(depts, ","); got != "East,North,(unassigned)" {
		t.Errorf("quality_by_department lists %s", got)
	}
	if read != m.Source["orders_rows"] || read != 8 || skipped != m.Source["skipped_order_rows"] || skipped != 3 {
		t.Errorf("departments read %d and skipped %d orders; the source counts %v", read, skipped, m.Source)
	}
	if east := m.ByDept[0]; east.OrdersRows != 4 || east.SkippedOrderRows != 2 {
		t.Errorf("East: %+v", east)
	}
	found := false
	for _, f := range m.Quality {
		found = found || (f.Table == "customers" && f.Reason == "customer_duplicate" && f.Rows == 1)
	}
	if !found {
		t.Errorf("the manifest's quality lacks the customers query's repeated id: %+v", m.Quality)
	}

	for _, book := range []struct {
		file, banner string
		want         []string // texts of the data-quality sheet
	}{
		{"East.xlsx", "跳过 2 行订单", []string{"全公司范围（客户表）", "客户编号重复（只用第一行）"}},
		{"North.xlsx", "跳过 1 行订单", []string{"全公司范围（客户表）", "金额为负：退款或调整，只计入销售额"}},
		{"company.xlsx", "跳过 3 行订单", []string{"按部门", "客户编号重复（只用第一行）", "未分配"}},
	} {
		wb, err := excelize.OpenFile(filepath.Join(out.Dir, book.file))
		if err != nil {
			t.Fatal(err)
		}
		if banner, _ := wb.GetCellValue("概览", "A3"); !strings.Contains(banner, book.banner) {
			t.Errorf("%s: banner %q, want %q", book.file, banner, book.banner)
		}
		rows, err := wb.GetRows("数据质量")
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		for _, r := range rows {
			text.WriteString(strings.Join(r, "|") + "\n")
		}
		for _, w := range book.want {
			if !strings.Contains(text.String(), w) {
				t.Errorf("%s: the data-quality sheet lacks %q:\n%s", book.file, w, text.String())
			}
		}
		wb.Close()
	}
}
