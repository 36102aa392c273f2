package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

// scopeQuality is what the workbook's data-quality banner and sheet
// count: every row in the company's, the department's own rows in a
// department's (findings without a department, such as the customers
// query's, are in the company's only).
func (b *book) scopeQuality() transform.Quality {
	if b.scope == nil || b.scope.Company {
		return b.r.Quality
	}
	return b.r.Quality.Departments[b.scope.Department]
}

// unassigned says whether the workbook is that of Unassigned: the rows
// without a department.
func (b *book) unassigned() bool {
	return b.scope != nil && !b.scope.Company && b.scope.Department == transform.Unassigned
}

// unassignedText is the banner of Unassigned's summary: what its workbook
// sums up is a data-quality matter, not a team.
func (b *book) unassignedText() string {
	q := b.scopeQuality()
	return "⚠ " + b.l.F("note.unassigned_book", q.OrdersRead, q.ComplaintsRead)
}

// The data-quality sheet's columns: a label, then narrow columns of
// numbers (qualityWidth wide). A finding's texts span several of them,
// so that every table's numbers stand in narrow columns.
const (
	qualityCols  = 14
	qualityWidth = 12
)

// findingSpans are the first column and the width in columns of a
// finding's handling, reason and examples.
var findingSpans = [3][2]int{{3, 4}, {7, 5}, {12, 3}}

// quality: the data-quality sheet. A department's counts its own rows,
// then lists apart what concerns the whole company (the customers
// query); the company's counts every row, then breaks them down by
// department.
func (b *book) quality() error {
	g := b.grid("sheet.quality")
	q := b.scopeQuality()
	company := b.scope.Company
	if company {
		g.note(1, qualityCols, b.l.T("quality.scope_company"), b.st.subtitle, 1000)
	} else {
		g.note(1, qualityCols, b.l.F("quality.scope_department", b.l.DepartmentName(b.scope.Department)), b.st.subtitle, 1000)
	}
	wrap, err := newWrapStyles(b)
	if err != nil {
		return err
	}
	reads := []qualityRead{
		{transform.TableOrders, q.OrdersRead, q.SkippedOrders},
		{transform.TableComplaints, q.ComplaintsRead, q.SkippedComplaints},
	}
	customers := qualityRead{transform.TableCustomers, b.meta.CustomersRead, skippedRows(b.r.Quality.Findings, transform.TableCustomers)}
	if company {
		reads = append(reads, customers)
	}
	row := b.qualityReads(g, 3, reads)
	row = b.findings(g, row+1, q.Findings, wrap)
	if company {
		b.qualityByDepartment(g, row+1)
	} else {
		// What the customers query held concerns every department's
		// lists, and no department in particular.
		row++
		g.note(row, qualityCols, b.l.T("quality.company_wide"), b.st.section, 1000)
		row = b.qualityReads(g, row+1, []qualityRead{customers})
		b.findings(g, row+1, companyWide(&b.r.Quality), wrap)
	}
	g.fit(1, 10)
	if g.err == nil {
		g.err = g.f.SetColWidth(g.sheet, "B", cellCol(qualityCols), qualityWidth)
	}
	return g.err
}

// qualityRead is the rows of one table: read, and skipped of those.
type qualityRead struct {
	table         string
	read, skipped int64
}

// qualityReads writes the table of rows read and skipped from row on
// and returns the row after it.
func (b *book) qualityReads(g *grid, row int, reads []qualityRead) int {
	for i, h := range []string{b.l.T("col.table"), b.l.T("quality.read"), b.l.T("quality.skipped")} {
		g.set(i+1, row, h, b.st.header)
	}
	g.height(row, 30)
	row++
	for _, r := range reads {
		g.put(1, row, b.l.T("table."+r.table), b.st.label)
		g.put(2, row, r.read, b.st.value[transform.Count])
		g.put(3, row, r.skipped, b.st.value[transform.Count])
		row++
	}
	return row
}

// findings writes the table of findings from row on and returns the row
// after it.
func (b *book) findings(g *grid, row int, fs []transform.Finding, wrap wrapStyles) int {
	g.set(1, row, b.l.T("col.table"), b.st.header)
	g.set(2, row, b.l.T("col.rows"), b.st.header)
	for i, h := range []string{b.l.T("col.handling"), b.l.T("col.reason"), b.l.T("col.examples")} {
		spanCell(g, row, findingSpans[i], h, b.st.header)
	}
	g.height(row, 30)
	row++
	if len(fs) == 0 {
		g.put(1, row, b.l.T("note.none"), b.st.note)
		return row + 1
	}
	for _, f := range fs {
		examples := make([]string, len(f.Examples))
		for i, e := range f.Examples {
			examples[i] = Text(e)
		}
		g.put(1, row, b.l.T("table."+f.Table), b.st.label)
		g.put(2, row, f.Count, b.st.valueTop[transform.Count])
		texts := []string{b.l.T("handling." + f.Handling.String()), b.l.T("reason." + f.Reason), strings.Join(examples, ", ")}
		lines := 1
		for i, text := range texts {
			style := wrap.label
			if i == 2 {
				style = wrap.detail
			}
			spanCell(g, row, findingSpans[i], text, style)
			lines = max(lines, int(displayWidth(text)/float64(findingSpans[i][1]*qualityWidth-2))+1)
		}
		if lines > 1 {
			g.height(row, 15*float64(lines))
		}
		row++
	}
	return row
}

// spanCell writes text in row across the columns of span (first column,
// columns), merged, in style.
func spanCell(g *grid, row int, span [2]int, text string, style int) {
	g.set(span[0], row, text, style)
	for c := span[0] + 1; c < span[0]+span[1]; c++ {
		g.set(c, row, nil, style)
	}
	g.merge(span[0], row, span[0]+span[1]-1, row)
}

// wrapStyles are the wrapped texts of the findings.
type wrapStyles struct{ label, detail int }

func newWrapStyles(b *book) (wrapStyles, error) {
	family := b.l.T("font")
	label, err := b.f.NewStyle(&excelize.Style{Font: &excelize.Font{Family: family, Size: 11},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true, Indent: 2}})
	if err != nil {
		return wrapStyles{}, fmt.Errorf("creating the data-quality styles: %w", err)
	}
	detail, err := b.f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Family: family, Size: 10, Color: "595959"},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true, Indent: 2}})
	if err != nil {
		return wrapStyles{}, fmt.Errorf("creating the data-quality styles: %w", err)
	}
	return wrapStyles{label, detail}, nil
}

// qualityByDepartment writes, from row on, each department's rows read
// and skipped and its warnings: the figures of its own workbook.
func (b *book) qualityByDepartment(g *grid, row int) {
	g.note(row, qualityCols, b.l.T("quality.by_department"), b.st.section, 1000)
	row++
	header := []string{b.l.T("col.department"), b.l.T("quality.orders_read"), b.l.T("quality.orders_skipped"),
		b.l.T("quality.complaints_read"), b.l.T("quality.complaints_skipped"), b.l.T("quality.warnings")}
	for i, h := range header {
		g.set(i+1, row, h, b.st.header)
	}
	g.height(row, 30)
	row++
	depts := slices.SortedFunc(maps.Keys(b.r.Quality.Departments), transform.CompareDepartments)
	count := b.st.value[transform.Count]
	for _, d := range depts {
		q := b.r.Quality.Departments[d]
		g.put(1, row, b.l.DepartmentName(d), b.st.label)
		for i, n := range []int64{q.OrdersRead, q.SkippedOrders, q.ComplaintsRead, q.SkippedComplaints, q.Warnings()} {
			g.put(i+2, row, n, count)
		}
		row++
	}
}

// skippedRows counts the skipped rows of table among the findings.
func skippedRows(fs []transform.Finding, table string) int64 {
	var n int64
	for _, f := range fs {
		if f.Table == table && f.Handling == transform.Skipped {
			n += f.Count
		}
	}
	return n
}

// companyWide is what is left of the company's findings once every
// department's are taken off: the findings that belong to no department,
// such as the customers query's. Their examples are those no department
// lists.
func companyWide(q *transform.Quality) []transform.Finding {
	var out []transform.Finding
	for _, f := range q.Findings {
		n, theirs := f.Count, map[string]bool{}
		for _, dq := range q.Departments {
			for _, df := range dq.Findings {
				if df.Table == f.Table && df.Reason == f.Reason && df.Handling == f.Handling {
					n -= df.Count
					for _, e := range df.Examples {
						theirs[e] = true
					}
				}
			}
		}
		if n <= 0 {
			continue
		}
		f.Count = n
		f.Examples = slices.DeleteFunc(slices.Clone(f.Examples), func(e string) bool { return theirs[e] })
		out = append(out, f)
	}
	return out
}
