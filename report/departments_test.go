package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

// departmentsFixture is the fixture with orders without a department
// (Unassigned), a customer of both departments, and a finding of the
// customers query, which belongs to no department.
func departmentsFixture(t testing.TB) (*transform.Result, Directory) {
	t.Helper()
	res, dir := fixtureWith(t, func(add func(cust, dept, ts string, cents int64)) {
		for _, month := range []string{"2026-06", "2026-07", "2026-08", "2026-09"} {
			add("6200000000000099", "", month+"-15 10:00:00", 1500)
		}
		add("6200000000000098", "", "2026-08-15 10:00:00", 800)
		add("6200000000000001", "线上/直营", "2026-08-16 10:00:00", 2000)
		add("6200000000000001", "线上/直营", "2026-09-16 10:00:00", 2500)
	})
	res.Quality.Note(transform.TableCustomers, transform.ReasonDuplicateCustomer, transform.Repaired, 1, "6200000000000002")
	return res, dir
}

func scopeOf(t testing.TB, res *transform.Result, dept string) *transform.Scope {
	t.Helper()
	for i := range res.Departments {
		if res.Departments[i].Department == dept {
			return &res.Departments[i]
		}
	}
	t.Fatalf("no department %q", dept)
	return nil
}

// TestDepartmentsSheet: the company's departments sheet compares the
// departments' key figures with the previous period and a year before;
// Unassigned stands apart, greyed, after an empty row, outside the
// chart, with a note saying what it is; a note says why counts do not
// add up.
func TestDepartmentsSheet(t *testing.T) {
	t.Parallel()
	res, _ := departmentsFixture(t)
	var buf bytes.Buffer
	if err := Company(&buf, res, Directory{}, meta("zh-CN")); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const sheet = "部门对比"
	cell := func(c string) string {
		v, err := f.GetCellValue(sheet, c, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	names := []string{"全公司", "华东", "线上/直营"}
	for i, n := range names {
		if got := cell(fmt.Sprintf("A%d", 4+i)); got != n {
			t.Errorf("A%d = %q, want %q", 4+i, got, n)
		}
	}
	// The row after the departments is empty; Unassigned follows, grey.
	if got := cell("A7") + cell("B7"); got != "" {
		t.Errorf("row 7 holds %q, want the empty row before Unassigned", got)
	}
	if got := cell("A8"); got != "未分配" {
		t.Errorf("A8 = %q, want 未分配", got)
	}
	for _, c := range []string{"A8", "B8", "C8", "H8"} {
		id, _ := f.GetCellStyle(sheet, c)
		st, _ := f.GetStyle(id)
		if st.Font == nil || st.Font.Color != mutedColor {
			t.Errorf("%s is not greyed: %+v", c, st.Font)
		}
	}
	// Each department's changes: this period against the previous one
	// and a year before, as the summary computes them.
	east := scopeOf(t, res, "华东")
	m := metricByKey("retention_rate")
	for _, c := range []struct {
		cell string
		want any
	}{
		{"C5", changeValue(m.Of(east.Current()), m.Of(east.Previous()))},
		{"D5", changeValue(m.Of(east.Current()), m.Of(&east.YearAgo))},
		{"I5", changeValue(metricByKey("revenue").Of(east.Current()), metricByKey("revenue").Of(east.Previous()))},
	} {
		want, ok := c.want.(float64)
		got, err := strconv.ParseFloat(cell(c.cell), 64)
		if !ok || err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %q, want %v", c.cell, cell(c.cell), c.want)
		}
	}
	// The chart's categories and values end with the last department.
	charts := chartsBySheet(t, buf.Bytes())[2]
	if len(charts) != 1 || !strings.Contains(charts[0], "$A$4:$A$6") || strings.Contains(charts[0], "$8") {
		t.Errorf("departments chart: %v, want the rows 4 to 6 only", charts)
	}
	var notes string
	for r := 9; r <= 12; r++ {
		notes += cell(fmt.Sprintf("A%d", r))
	}
	for _, want := range []string{"相加不等于全公司", "未分配不是一个部门"} {
		if !strings.Contains(notes, want) {
			t.Errorf("the notes under the table lack %q: %s", want, notes)
		}
	}
	// Every metric: Unassigned after an empty column.
	rows, err := f.GetRows("部门指标明细")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], "|"); got != "指标|全公司|华东|线上/直营||未分配" {
		t.Errorf("all metrics' header: %s", got)
	}
}

// TestUnassignedWorkbook: the workbook of the rows without a department
// says on its first lines that it is a data-quality matter, not a team,
// and counts its own rows.
func TestUnassignedWorkbook(t *testing.T) {
	t.Parallel()
	res, dir := departmentsFixture(t)
	for _, c := range []struct{ locale, title, banner string }{
		{"zh-CN", "未分配（部门为空的订单，不是一个团队）", "部门为空（NULL 或空白）的订单和投诉（源数据中共 5 行订单、0 行投诉）：这是数据质量问题，不是一个团队"},
		{"en", "Unassigned (orders without a department, not a team)", "whose department is empty (NULL or blank; 5 order rows and 0 complaint rows in the source): a data-quality matter, not a team"},
	} {
		var buf bytes.Buffer
		if err := Department(&buf, res, scopeOf(t, res, transform.Unassigned), dir, meta(c.locale)); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		summary := f.GetSheetName(0)
		a1, _ := f.GetCellValue(summary, "A1")
		a3, _ := f.GetCellValue(summary, "A3")
		if !strings.Contains(a1, c.title) {
			t.Errorf("%s: A1 = %q, want it to contain %q", c.locale, a1, c.title)
		}
		if !strings.Contains(a3, c.banner) {
			t.Errorf("%s: A3 = %q, want it to contain %q", c.locale, a3, c.banner)
		}
		f.Close()
	}
}

// TestGoldenDepartments renders the sheets of departmentsFixture that
// compare departments and count data quality, in the company's workbook
// and in 华东's and Unassigned's, and compares them with
// testdata/departments.<locale>.golden.
func TestGoldenDepartments(t *testing.T) {
	res, dir := departmentsFixture(t)
	for _, locale := range []string{"zh-CN", "en"} {
		t.Run(locale, func(t *testing.T) {
			l, _ := Locale(locale)
			keep := map[string]bool{l.T("sheet.departments"): true, l.T("sheet.department_metrics"): true, l.T("sheet.quality"): true}
			var got strings.Builder
			for _, book := range []struct {
				name   string
				render func(io.Writer) error
			}{
				{"company", func(w io.Writer) error { return Company(w, res, dir, meta(locale)) }},
				{"华东", func(w io.Writer) error { return Department(w, res, scopeOf(t, res, "华东"), dir, meta(locale)) }},
				{"(unassigned)", func(w io.Writer) error {
					return Department(w, res, scopeOf(t, res, transform.Unassigned), dir, meta(locale))
				}},
			} {
				var buf bytes.Buffer
				if err := book.render(&buf); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&got, "#### %s\n", book.name)
				for _, part := range strings.Split(dump(t, buf.Bytes()), "\n== sheet ")[1:] {
					name := strings.SplitN(strings.SplitN(part, "\n", 2)[0], ": ", 2)[1]
					if keep[name] {
						got.WriteString("== sheet " + part + "\n")
					}
				}
			}
			file := filepath.Join("testdata", "departments."+locale+".golden")
			if *update {
				if err := os.WriteFile(file, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./report -run TestGoldenDepartments -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("%s differs (-want +got):\n%s\nIf the change is intended: go test ./report -run TestGoldenDepartments -update", file, lineDiff(string(want), got.String()))
			}
		})
	}
}
