package report

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"retention/extract"
)

// listFixture renders 华东's workbook and the company's of the fixture
// with refunds that outweigh purchases, a customer of two departments and
// one of a department and none, two complaints of one churned customer,
// and blank names.
func listFixture(t *testing.T) (*workbookFiles, func()) {
	t.Helper()
	res, dir := fixtureWithAll(t, func(add func(cust, dept, ts string, cents int64)) {
		// R1 bought and returned more in August, then nothing: churned,
		// with negative revenue.
		add("R1", "华东", "2026-07-10 10:00:00", 10000)
		add("R1", "华东", "2026-08-05 10:00:00", 10000)
		add("R1", "华东", "2026-08-06 10:00:00", -15000)
		// R2 buys 200 a month, then in September 10 and returns 300.
		for _, m := range []string{"2026-06", "2026-07", "2026-08"} {
			add("R2", "华东", m+"-03 10:00:00", 20000)
		}
		add("R2", "华东", "2026-09-03 10:00:00", 1000)
		add("R2", "华东", "2026-09-04 10:00:00", -30000)
		// M1 bought from two departments in August, U1 from 华东 and
		// without a department; neither bought in September.
		add("M1", "华东", "2026-08-07 10:00:00", 30000)
		add("M1", "线上/直营", "2026-08-08 10:00:00", 30000)
		add("U1", "华东", "2026-08-09 10:00:00", 5000)
		add("U1", "", "2026-08-09 11:00:00", 5000)
	}, []extract.Complaint{
		{ID: "m1a", CustomerID: "M1", Department: "华东", CreatedAt: at(t, "2026-08-10 09:00:00"), Category: "物流"},
		{ID: "m1b", CustomerID: "M1", Department: "华东", CreatedAt: at(t, "2026-08-11 09:00:00")},
	}, Directory{
		"M1": {ID: "M1", Name: "  ", Owner: ""},
		"R2": {ID: "R2", Name: "杭州乙公司", Owner: "王芳"},
	})
	files := &workbookFiles{}
	for i := range res.Departments {
		if res.Departments[i].Department == "华东" {
			var buf bytes.Buffer
			if err := Department(&buf, res, &res.Departments[i], dir, meta("zh-CN")); err != nil {
				t.Fatal(err)
			}
			files.department = open(t, &buf)
		}
	}
	if files.department == nil {
		t.Fatal("the fixture has no 华东")
	}
	var buf bytes.Buffer
	if err := Company(&buf, res, dir, meta("zh-CN")); err != nil {
		t.Fatal(err)
	}
	files.company = open(t, &buf)
	return files, func() { files.department.Close(); files.company.Close() }
}

type workbookFiles struct{ department, company *excelize.File }

func open(t *testing.T, r io.Reader) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(r)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// readRows reads a sheet back with excelize's streaming row iterator, raw
// values; the row number of each is its index + 1.
func readRows(t *testing.T, f *excelize.File, sheet string) [][]string {
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

// record is a list row by its header: the cell of each column, and its
// row number.
type record struct {
	cells map[string]string
	row   int
	col   map[string]int
}

// records reads a list: the row whose first cell is 客户编号 is the header.
func records(t *testing.T, f *excelize.File, sheet string) map[string]record {
	t.Helper()
	rows := readRows(t, f, sheet)
	var header []string
	out := map[string]record{}
	for i, r := range rows {
		if header == nil {
			if len(r) > 0 && r[0] == "客户编号" {
				header = r
			}
			continue
		}
		rec := record{cells: map[string]string{}, row: i + 1, col: map[string]int{}}
		for c, h := range header {
			rec.col[h] = c + 1
			if c < len(r) {
				rec.cells[h] = r[c]
			}
		}
		out[r[0]] = rec
	}
	if header == nil {
		t.Fatalf("%s has no header row", sheet)
	}
	return out
}

func fontColor(t *testing.T, f *excelize.File, sheet string, col, row int) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cellName(col, row))
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.Font == nil {
		return ""
	}
	return st.Font.Color
}

// TestListsExplainThemselves: negative amounts are red with a note
// saying why, problem customers are marked, complaint categories and
// departments are named, blank names show a placeholder, the company
// lists each customer once with its departments.
func TestListsExplainThemselves(t *testing.T) {
	t.Parallel()
	wb, done := listFixture(t)
	defer done()
	dept, company := wb.department, wb.company
	red := toneColors[toneWorse]

	churned := records(t, dept, "流失客户")
	r1 := churned["R1"]
	want := map[string]string{"层级": "问题客户", "上期销售额": "-50", "近 12 期销售额": "50", "备注": "上期退款多于购买", "上期投诉类别": ""}
	for col, v := range want {
		if r1.cells[col] != v {
			t.Errorf("churned R1 %s = %q, want %q", col, r1.cells[col], v)
		}
	}
	if !strings.HasPrefix(r1.cells["占流失贡献比例"], "-") {
		t.Errorf("churned R1 share = %q, want a negative share", r1.cells["占流失贡献比例"])
	}
	for _, col := range []string{"上期销售额", "占流失贡献比例"} {
		if c := fontColor(t, dept, "流失客户", r1.col[col], r1.row); c != red {
			t.Errorf("churned R1 %s is in colour %q, want red %s", col, c, red)
		}
	}
	m1 := churned["M1"]
	want = map[string]string{"客户名称": "（无名称）", "负责人": "（无负责人）", "层级": "问题客户", "上期投诉类别": "未分类、物流",
		"备注": "上期投诉两次及以上", "上期销售额": "300"}
	for col, v := range want {
		if m1.cells[col] != v {
			t.Errorf("churned M1 %s = %q, want %q", col, m1.cells[col], v)
		}
	}
	if c := fontColor(t, dept, "流失客户", m1.col["客户名称"], m1.row); c != "808080" {
		t.Errorf("the placeholder name is in colour %q, want grey", c)
	}

	atRisk := records(t, dept, "流失预警")
	r2 := atRisk["R2"]
	want = map[string]string{"客户名称": "杭州乙公司", "负责人": "王芳", "本期销售额": "-290", "风险价值": "200", "备注": "本期退款多于购买", "层级": "关键客户"}
	for col, v := range want {
		if r2.cells[col] != v {
			t.Errorf("at-risk R2 %s = %q, want %q", col, r2.cells[col], v)
		}
	}
	if c := fontColor(t, dept, "流失预警", r2.col["本期销售额"], r2.row); c != red {
		t.Errorf("at-risk R2 revenue is in colour %q, want red", c)
	}
	rows := readRows(t, dept, "流失预警")
	if len(rows) < 2 || !strings.HasPrefix(rows[1][0], "按风险价值从高到低") {
		t.Errorf("the at-risk list's second line = %v, want the sort order and the rule", rows[1])
	}

	// Company-wide: each customer once, with its departments.
	cc := records(t, company, "流失客户")
	for id, depts := range map[string]string{"M1": "华东、线上/直营", "U1": "华东、未分配", "R1": "华东"} {
		if got := cc[id].cells["部门"]; got != depts {
			t.Errorf("company churned %s departments = %q, want %q", id, got, depts)
		}
	}
	if got := records(t, company, "流失预警")["R2"].cells["部门"]; got != "华东" {
		t.Errorf("company at-risk R2 departments = %q, want 华东", got)
	}

	// No list leaves a name or owner empty.
	for _, f := range []*excelize.File{dept, company} {
		for _, sheet := range []string{"流失客户", "流失预警", "预警跟踪"} {
			if f == company && sheet == "预警跟踪" {
				continue
			}
			for id, r := range records(t, f, sheet) {
				if r.cells["客户名称"] == "" || r.cells["负责人"] == "" {
					t.Errorf("%s %s: name %q, owner %q; want placeholders", sheet, id, r.cells["客户名称"], r.cells["负责人"])
				}
			}
		}
	}
}

// TestComplaintsSheet: complaints by category; the base's complainants
// of the previous period and how many were kept; empty rates where
// nothing is divided.
func TestComplaintsSheet(t *testing.T) {
	t.Parallel()
	wb, done := listFixture(t)
	defer done()
	rows := readRows(t, wb.department, "投诉分析")
	byCat := map[string][]string{}
	for _, r := range rows[1:] {
		if len(r) > 0 {
			byCat[r[0]] = append(r, make([]string, 8)...)[:8]
		}
	}
	// 物流: no complaint in September (no resolution rate); M1
	// complained in August and churned. 未分类: complaint 1 of customer 2
	// in September, open; in August customer 5 (kept) and M1 complained.
	want := map[string][]string{
		"物流":  {"物流", "0", "0", "0", "", "1", "0", "0"},
		"未分类": {"未分类", "1", "1", "0", "0", "2", "1", "0.5"},
	}
	for cat, w := range want {
		if got := byCat[cat]; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("complaints %s = %q, want %q", cat, got, w)
		}
	}
}

// TestFollowUp: last period's at-risk customers with what each did this
// period; the line above counts the kept as the at-risk retention rate
// does.
func TestFollowUp(t *testing.T) {
	t.Parallel()
	wb, done := listFixture(t)
	defer done()
	rows := readRows(t, wb.department, "预警跟踪")
	if len(rows) < 1 || rows[0][0] != "上期流失预警客户共 3 位，本期有 1 位再次购买，挽留客户成功率 33.3%。" {
		t.Errorf("follow-up first line = %q", rows[0])
	}
	recs := records(t, wb.department, "预警跟踪")
	if len(recs) != 3 {
		t.Errorf("%d customers followed up, want 3", len(recs))
	}
	m1 := recs["M1"]
	want := map[string]string{"上期风险价值": "300", "上期销售额": "300", "本期是否购买": "否", "本期购买次数": "0", "本期销售额": "0",
		"本期销售额 ÷ 上期风险价值": "0", "上期预警信号": "投诉未结或差评"}
	for col, v := range want {
		if m1.cells[col] != v {
			t.Errorf("follow-up M1 %s = %q, want %q", col, m1.cells[col], v)
		}
	}
	if c := fontColor(t, wb.department, "预警跟踪", m1.col["本期是否购买"], m1.row); c != toneColors[toneWorse] {
		t.Errorf("follow-up M1 not bought is in colour %q, want red", c)
	}
	if r1 := recs["R1"]; r1.cells["上期销售额"] != "-50" || r1.cells["本期是否购买"] != "否" {
		t.Errorf("follow-up R1 = %v", r1.cells)
	}
	kept := recs["6200000000000005"]
	if kept.cells["本期是否购买"] != "是" || !strings.HasPrefix(kept.cells["本期销售额 ÷ 上期风险价值"], "1.0213") {
		t.Errorf("follow-up 6200000000000005 = %v, want bought, 64.81 ÷ 63.45", kept.cells)
	}
}
