package report

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"html"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"retention/extract"
	"retention/history"
	"retention/transform"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// fixture is a small but complete result: two departments over fourteen
// months, with churn, refunds, complaints, a customer named like a
// formula and one missing from the directory.
func fixture(t testing.TB) (*transform.Result, Directory) {
	t.Helper()
	return fixtureWith(t, nil)
}

// fixtureWith is the fixture with the orders that more adds.
func fixtureWith(t testing.TB, more func(add func(cust, dept, ts string, cents int64))) (*transform.Result, Directory) {
	t.Helper()
	return fixtureWithAll(t, more, nil, nil)
}

// fixtureWithAll is the fixture with the orders that more adds, more
// complaints, and more contacts in the directory (their owners set in the
// state as the job sets them from the customers query).
func fixtureWithAll(t testing.TB, more func(add func(cust, dept, ts string, cents int64)), moreComplaints []extract.Complaint,
	moreContacts Directory) (*transform.Result, Directory) {
	t.Helper()
	st := transform.New(transform.Month, shanghai)
	id := 0
	add := func(cust, dept, ts string, cents int64) {
		id++
		at, err := time.ParseInLocation(time.DateTime, ts, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		o := extract.Order{ID: fmt.Sprint(id), CustomerID: cust, Department: dept, OrderedAt: at, AmountCents: cents}
		if cust == "" {
			o.Defect = extract.DefectNullCustomer
		}
		st.AddOrder(o)
	}
	months := []string{"2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"}
	for m, month := range months {
		for c := 0; c < 12; c++ {
			// Customer c buys in month m unless the pattern says it rests.
			if (c+m)%5 == 0 || (c > 8 && m < c-6) {
				continue
			}
			cust := fmt.Sprintf("62000000000000%02d", c)
			dept := "华东"
			if c%3 == 0 {
				dept = "线上/直营"
			}
			add(cust, dept, month+fmt.Sprintf("-%02d 10:00:00", 1+c), int64(1000*(c+1)+37*m))
			if c == 4 && m%4 == 0 {
				add(cust, dept, month+"-20 12:00:00", -500) // a refund
			}
		}
	}
	add("", "华东", "2026-09-02 10:00:00", 99900)
	if more != nil {
		more(add)
	}
	complaints := []extract.Complaint{
		{ID: "1", CustomerID: "6200000000000002", Department: "华东", CreatedAt: at(t, "2026-09-03 09:00:00")},
		{ID: "2", CustomerID: "6200000000000005", Department: "华东", CreatedAt: at(t, "2026-08-10 09:00:00"), ResolvedAt: at(t, "2026-08-11 15:00:00"), Satisfaction: 2 * extract.Point, Rated: true},
		{ID: "3", Department: "线上/直营", CreatedAt: at(t, "2026-09-12 09:00:00"), ResolvedAt: at(t, "2026-09-12 11:00:00"), Satisfaction: 9 * extract.Point, Rated: true},
	}
	for _, c := range append(complaints, moreComplaints...) {
		st.AddComplaint(c)
	}
	dir := Directory{
		"6200000000000001": {ID: "6200000000000001", Name: "=HYPERLINK(\"http://x\",\"点我\")", Owner: "王芳"},
		"6200000000000002": {ID: "6200000000000002", Name: "上海彭氏贸易有限公司", Owner: "李强"},
		"6200000000000004": {ID: "6200000000000004", Name: "+86 138", Owner: "@张伟"},
	}
	maps.Copy(dir, moreContacts)
	for id, c := range dir {
		st.SetOwner(id, c.Owner)
	}
	p, _ := transform.ParsePeriod("2026-09")
	res, err := st.Compute(p, transform.Options{History: 12, AtRiskLimit: 3})
	if err != nil {
		t.Fatal(err)
	}
	return res, dir
}

func at(t testing.TB, s string) time.Time {
	v, err := time.ParseInLocation(time.DateTime, s, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func meta(locale string) Meta {
	return Meta{RunID: "20261001T000000Z-golden", GeneratedAt: time.Date(2026, 10, 1, 2, 30, 0, 0, time.UTC), Locale: locale, Currency: "¥", CustomersRead: 3}
}

// restatedMeta is meta with two restated figures of 华东 in 2026-08 and a
// publication forced past a failed check.
func restatedMeta(locale string, res *transform.Result) Meta {
	m := meta(locale)
	at := time.Date(2026, 9, 1, 22, 30, 0, 0, time.UTC)
	was := func(v float64) *float64 { return &v }
	var east *transform.Scope
	for i := range res.Departments {
		if res.Departments[i].Department == "华东" {
			east = &res.Departments[i]
		}
	}
	snap := &east.Snapshots[len(east.Snapshots)-2]
	for _, k := range []struct {
		key string
		was float64
	}{{"revenue", 401.23}, {"retention_rate", 0.75}} {
		for _, metric := range transform.Metrics {
			if metric.Key == k.key {
				m.Restatements = append(m.Restatements, history.Restatement{Period: snap.Period, Department: "华东", Metric: metric,
					Reported: history.Figure{Value: was(k.was), RunID: "20260901T223000Z-before", GeneratedAt: at}, Now: metric.Of(snap),
					OrdersSince: 2, RevenueSinceCents: snap.RevenueCents - 40123, CauseKnown: true})
			}
		}
	}
	m.Forced = []CheckFailure{{Check: CheckOrderDrop, Period: res.Period, Share: 0.6, Limit: 0.5, Now: 4, Before: 10}}
	// Targets: one every scope misses, one of 华东's it meets, one of the
	// company's only.
	bound := func(v float64) *float64 { return &v }
	m.Targets = []transform.Target{
		{Metric: "retention_rate", Min: bound(0.9)},
		{Metric: "relative_churn_rate", Max: bound(0.99), Scopes: []string{"华东"}},
		{Metric: "revenue", Min: bound(1e6), Scopes: []string{transform.CompanyScope}},
	}
	m.Alerts = transform.Alerts(res, m.Targets)
	return m
}

func TestGolden(t *testing.T) {
	res, dir := fixture(t)
	var east *transform.Scope
	for i := range res.Departments {
		if res.Departments[i].Department == "华东" {
			east = &res.Departments[i]
		}
	}
	if east == nil {
		t.Fatal("the fixture has no 华东")
	}
	for _, locale := range []string{"zh-CN", "en"} {
		for _, book := range []struct {
			name   string
			render func(io.Writer) error
		}{
			{"department", func(w io.Writer) error { return Department(w, res, east, dir, restatedMeta(locale, res)) }},
			{"company", func(w io.Writer) error { return Company(w, res, dir, meta(locale)) }},
		} {
			t.Run(book.name+"."+locale, func(t *testing.T) {
				var buf bytes.Buffer
				if err := book.render(&buf); err != nil {
					t.Fatal(err)
				}
				got := dump(t, buf.Bytes())
				file := filepath.Join("testdata", book.name+"."+locale+".golden")
				if *update {
					if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(file)
				if err != nil {
					t.Fatalf("%v (run go test ./report -run TestGolden -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the rendered workbook (-want +got):\n%s\nIf the change is intended: go test ./report -run TestGolden -update", file, lineDiff(string(want), got))
				}
			})
		}
	}
}

// dump is a normalised text form of a workbook: properties, then each
// sheet's page setup, merged ranges, panes, conditional formats, charts
// and every non-empty cell with its type, raw value and number format.
func dump(t testing.TB, xlsx []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "title: %s\nsubject: %s\ncreated: %s\nlanguage: %s\n", props.Title, props.Subject, props.Created, props.Language)
	charts := chartsBySheet(t, xlsx)
	for i, sheet := range f.GetSheetList() {
		fmt.Fprintf(&b, "\n== sheet %d: %s\n", i+1, sheet)
		layout, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "page: %s paper=%d fit=%dx%d\n", deref(layout.Orientation), deref(layout.Size), deref(layout.FitToWidth), deref(layout.FitToHeight))
		hf, err := f.GetHeaderFooter(sheet)
		if err == nil && hf != nil {
			fmt.Fprintf(&b, "header: %s\n", hf.OddHeader)
		}
		merged, err := f.GetMergeCells(sheet)
		if err != nil {
			t.Fatal(err)
		}
		var ranges []string
		for _, m := range merged {
			ranges = append(ranges, m.GetStartAxis()+":"+m.GetEndAxis())
		}
		fmt.Fprintf(&b, "merged: %s\n", strings.Join(ranges, " "))
		panes, err := f.GetPanes(sheet)
		if err == nil && panes.Freeze {
			fmt.Fprintf(&b, "frozen: %s\n", panes.TopLeftCell)
		}
		cfs, err := f.GetConditionalFormats(sheet)
		if err != nil {
			t.Fatal(err)
		}
		var cfLines []string
		for rng, opts := range cfs {
			for _, o := range opts {
				cfLines = append(cfLines, fmt.Sprintf("conditional: %s %s %s/%s/%s", rng, o.Type, o.MinColor, o.MidColor, o.MaxColor))
			}
		}
		slices.Sort(cfLines)
		for _, l := range cfLines {
			b.WriteString(l + "\n")
		}
		for _, c := range charts[i+1] {
			b.WriteString("chart: " + c + "\n")
		}
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell := cellName(c+1, r+1)
				style, err := f.GetCellStyle(sheet, cell)
				if err != nil {
					t.Fatal(err)
				}
				format := numberFormat(t, f, style)
				if v == "" && format == "" {
					continue
				}
				typ, err := f.GetCellType(sheet, cell)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&b, "%s %s %q [%s]\n", cell, cellTypeName(typ, v), v, format)
			}
		}
	}
	return b.String()
}

func deref[T any](p *T) any {
	if p == nil {
		return "-"
	}
	return *p
}

func numberFormat(t testing.TB, f *excelize.File, style int) string {
	if style == 0 {
		return ""
	}
	s, err := f.GetStyle(style)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	if s.CustomNumFmt != nil {
		parts = append(parts, *s.CustomNumFmt)
	} else if s.NumFmt != 0 {
		parts = append(parts, fmt.Sprintf("numfmt %d", s.NumFmt))
	}
	if s.Font != nil && s.Font.Color != "" {
		parts = append(parts, "color "+s.Font.Color)
	}
	if s.Font != nil && s.Font.Bold {
		parts = append(parts, "bold")
	}
	return strings.Join(parts, ", ")
}

func cellTypeName(t excelize.CellType, v string) string {
	switch t {
	case excelize.CellTypeNumber, excelize.CellTypeUnset:
		if v == "" {
			return "empty"
		}
		return "number"
	case excelize.CellTypeDate:
		return "date"
	case excelize.CellTypeInlineString, excelize.CellTypeSharedString:
		return "text"
	case excelize.CellTypeFormula:
		return "formula"
	}
	return fmt.Sprintf("type%d", t)
}

var (
	relTarget  = regexp.MustCompile(`Target="([^"]+)"`)
	chartKinds = regexp.MustCompile(`<(?:c:)?(lineChart|barChart|areaChart|pieChart)>.*?</(?:c:)?(?:lineChart|barChart|areaChart|pieChart)>`)
	barDir     = regexp.MustCompile(`<(?:c:)?barDir val="(\w+)"`)
	formulas   = regexp.MustCompile(`<(?:c:)?f>([^<]+)</(?:c:)?f>`)
	titleText  = regexp.MustCompile(`<(?:c:)?title>.*?<a:t>([^<]*)</a:t>`)
	valueAxis  = regexp.MustCompile(`<(?:c:)?valAx>`)
)

// chartsBySheet describes the charts drawn on each sheet (by position in
// the workbook): kind, title, and the ranges of each series.
func chartsBySheet(t testing.TB, xlsx []byte) map[int][]string {
	zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		for _, f := range zr.File {
			if f.Name == name {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				b, _ := io.ReadAll(rc)
				return string(b)
			}
		}
		return ""
	}
	out := map[int][]string{}
	for i := 1; ; i++ {
		sheet := fmt.Sprintf("xl/worksheets/sheet%d.xml", i)
		if read(sheet) == "" {
			break
		}
		for _, m := range relTarget.FindAllStringSubmatch(read(fmt.Sprintf("xl/worksheets/_rels/sheet%d.xml.rels", i)), -1) {
			if !strings.Contains(m[1], "drawing") {
				continue
			}
			drawing := path.Clean(path.Join("xl/worksheets", m[1]))
			rels := path.Join(path.Dir(drawing), "_rels", path.Base(drawing)+".rels")
			for _, c := range relTarget.FindAllStringSubmatch(read(rels), -1) {
				xml := read(path.Clean(path.Join(path.Dir(drawing), c[1])))
				var desc []string
				if tt := titleText.FindStringSubmatch(xml); tt != nil {
					desc = append(desc, fmt.Sprintf("%q", tt[1]))
				}
				for _, k := range chartKinds.FindAllStringSubmatch(xml, -1) {
					kind := k[1]
					if d := barDir.FindStringSubmatch(k[0]); d != nil {
						kind += "/" + d[1]
					}
					var refs []string
					for _, fm := range formulas.FindAllStringSubmatch(k[0], -1) {
						refs = append(refs, html.UnescapeString(fm[1]))
					}
					desc = append(desc, kind+"("+strings.Join(refs, ", ")+")")
				}
				if n := len(valueAxis.FindAllString(xml, -1)); n > 1 {
					desc = append(desc, fmt.Sprintf("%d value axes", n))
				}
				out[i] = append(out[i], strings.Join(desc, " "))
			}
		}
	}
	return out
}

// lineDiff shows the lines that differ, with their numbers.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 40; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "%d:\n-%s\n+%s\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}
