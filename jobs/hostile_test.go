package jobs_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"retention/extract/embedded"
	"retention/extract/sourcetest"
	"retention/jobs"
)

// ordersTable is the spec's orders table with room for long department
// names and for bytes that are not UTF-8.
var ordersTable = []embedded.Column{
	{Name: "order_id", Type: embedded.BigInt, Nullable: true},
	{Name: "customer_id", Type: embedded.BigInt, Nullable: true},
	{Name: "department", Type: embedded.Text, Nullable: true},
	{Name: "ordered_at", Type: embedded.DateTime, Nullable: true},
	{Name: "amount", Type: embedded.Decimal, Nullable: true},
}

func emptyComplaints(t *testing.T, d *sourcetest.DB) {
	t.Helper()
	d.Exec(t, "CREATE TABLE complaints (complaint_id BIGINT, customer_id BIGINT, department VARCHAR(255), created_at DATETIME, resolved_at DATETIME, satisfaction INT, category VARCHAR(255))")
}

// TestHostileDepartmentNames: every department name gets its own safe
// file inside the period's directory, and the manifest maps it back.
func TestHostileDepartmentNames(t *testing.T) {
	t.Parallel()
	names := []string{"../../etc", "/abs", "a/b", ".", "..", "CON", "NUL", "nul", "a\x01b\tc", strings.Repeat("华", 300),
		"East", "east", "a:b", "a*b", "a?b", "company", "manifest", " trail. ", "=cmd|' /C calc'!A0"}
	var rows [][]any
	at := time.Date(2026, 8, 10, 10, 0, 0, 0, time.UTC)
	for i, n := range names {
		rows = append(rows, []any{int64(2*i + 1), int64(i + 1), n, at, "10.00"}, []any{int64(2*i + 2), int64(i + 1), n, at.AddDate(0, 1, 0), "20.00"})
	}
	d := sourcetest.New(t)
	d.Table(t, "orders", ordersTable, rows)
	emptyComplaints(t, d)
	c := testConfig(t, d, "")
	out, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing outside the period's directory, one file per department.
	var files []string
	filepath.WalkDir(c.Report.OutDir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && e.Name() != ".retention.lock" {
			files = append(files, path)
			if filepath.Dir(path) != out.Dir {
				t.Errorf("%s is outside %s", path, out.Dir)
			}
			if !utf8.ValidString(e.Name()) || strings.ContainsAny(e.Name(), "\x00\x01\t/\\:*?\"<>|") {
				t.Errorf("unsafe file name %q", e.Name())
			}
		}
		return nil
	})
	if len(files) != len(names)+2 {
		t.Errorf("%d files, want %d departments, company.xlsx and manifest.json", len(files), len(names))
	}
	var m struct {
		Files []struct {
			Path       string  `json:"path"`
			Department *string `json:"department"`
		} `json:"files"`
	}
	b, _ := os.ReadFile(filepath.Join(out.Dir, "manifest.json"))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	mapped := map[string]string{}
	seen := map[string]bool{}
	for _, f := range m.Files {
		if seen[strings.ToLower(f.Path)] {
			t.Errorf("two departments share %s (case-insensitively)", f.Path)
		}
		seen[strings.ToLower(f.Path)] = true
		if f.Department != nil {
			mapped[*f.Department] = f.Path
		}
	}
	for _, n := range names {
		path, ok := mapped[n]
		if !ok {
			t.Errorf("the manifest has no file for department %q", n)
			continue
		}
		// The workbook names the real department in its title.
		wb, err := excelize.OpenFile(filepath.Join(out.Dir, path))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		title, _ := wb.GetCellValue(wb.GetSheetList()[0], "A1")
		wb.Close()
		if want := strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' {
				return '\uFFFD'
			}
			return r
		}, n); !strings.Contains(title, want) {
			t.Errorf("%s: title %q does not name %q", path, title, n)
		}
	}
}

// TestHostileRows: NULLs in every column, refunds and zero amounts, amounts
// beyond DECIMAL(14,2), dates in 1970 and 2099, repeated order ids, bytes
// that are not UTF-8, complaints resolved before they were created and
// ratings outside 1-5: the run succeeds and counts each by reason.
func TestHostileRows(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t,
		"CREATE TABLE orders (order_id BIGINT, customer_id VARCHAR(64), department VARBINARY(64), ordered_at DATETIME, amount DECIMAL(20,2))",
		`INSERT INTO orders VALUES
		 (1, 'c1', 'East', '2026-08-03 10:00:00', 100.00),
		 (2, 'c1', 'East', '2026-09-03 10:00:00', 100.00),
		 (3, NULL, 'East', '2026-09-03 10:00:00', 100.00),
		 (4, 'c2', NULL, '2026-09-03 10:00:00', 100.00),
		 (5, 'c2', 'East', NULL, 100.00),
		 (6, 'c2', 'East', '2026-09-03 10:00:00', NULL),
		 (NULL, 'c3', 'East', '2026-09-04 10:00:00', 50.00),
		 (7, 'c1', 'East', '2026-09-05 10:00:00', -30.00),
		 (8, 'c1', 'East', '2026-09-05 10:00:00', 0.00),
		 (9, 'c4', 'East', '2026-09-05 10:00:00', 123456789012345.67),
		 (10, 'c4', 'East', '1970-01-01 00:00:00', 10.00),
		 (11, 'c4', 'East', '2099-12-31 23:59:59', 10.00),
		 (2, 'c1', 'East', '2026-09-03 10:00:00', 100.00),
		 (12, 'c5', X'E4B841', '2026-09-06 10:00:00', 10.00)`,
		"CREATE TABLE complaints (complaint_id BIGINT, customer_id VARCHAR(64), department VARCHAR(64), created_at DATETIME, resolved_at DATETIME, satisfaction INT, category VARCHAR(64))",
		`INSERT INTO complaints VALUES
		 (1, 'c1', 'East', '2026-09-10 10:00:00', '2026-09-09 10:00:00', 9, '=HYPERLINK("x")'),
		 (2, NULL, NULL, '2026-09-10 10:00:00', NULL, NULL, NULL),
		 (3, 'c1', 'East', NULL, NULL, 3, 'x'),
		 (NULL, 'c2', 'East', '2026-09-11 10:00:00', NULL, 0, NULL),
		 (1, 'c1', 'East', '2026-09-10 10:00:00', NULL, 1, 'again')`)
	c := testConfig(t, d, "")
	out, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-09")), Now: time.Now(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Quality []struct {
			Table, Reason, Handling string
			Rows                    int64
		} `json:"quality"`
	}
	b, _ := os.ReadFile(filepath.Join(out.Dir, "manifest.json"))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, q := range m.Quality {
		got[q.Table+"/"+q.Reason+"/"+q.Handling] = q.Rows
	}
	want := map[string]int64{
		"orders/customer_id_missing/skipped":            1,
		"orders/timestamp_missing/skipped":              1,
		"orders/amount_missing/skipped":                 1,
		"orders/amount_out_of_range/skipped":            1,
		"orders/id_missing/repaired":                    1,
		"orders/text_invalid_utf8/repaired":             1,
		"orders/department_missing/noted":               1,
		"orders/amount_negative/noted":                  1,
		"orders/amount_zero/noted":                      1,
		"orders/after_period/noted":                     1,
		"complaints/timestamp_missing/skipped":          1,
		"complaints/id_duplicate/skipped":               1,
		"complaints/resolved_before_created/repaired":   1,
		"complaints/satisfaction_out_of_range/repaired": 2,
		"complaints/id_missing/repaired":                1,
		"complaints/department_missing/noted":           1,
		"complaints/complaint_without_customer/noted":   1,
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d rows, want %d", k, got[k], n)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected finding %s: %d", k, got[k])
		}
	}
	// The workbooks open, and the data-quality sheet lists the findings.
	wb, err := excelize.OpenFile(filepath.Join(out.Dir, "company.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, err := wb.GetRows("数据质量")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < len(want)+5 {
		t.Errorf("data-quality sheet has %d rows for %d findings", len(rows), len(want))
	}
}
