package report

import (
	"time"

	"github.com/xuri/excelize/v2"
)

// list is a long table: a note in row 1, the header in row 2 (frozen, with
// filter buttons), then n rows that row produces on demand, so that no
// copy of a long list is held while it is written.
type list struct {
	b      *book
	sheet  string
	table  string // the Excel table's name, unique in the workbook
	note   string
	header []string
	styles []int
	n      int
	row    func(i int, cells []any) // fills cells with the values of row i
}

// widths fits each column to its header and its widest value.
func (t *list) widths() []float64 {
	w := make([]float64, len(t.header))
	for c, h := range t.header {
		w[c] = max(columnWidth(h), 10)
	}
	cells := make([]any, len(t.header))
	for i := 0; i < t.n; i++ {
		t.row(i, cells)
		for c, v := range cells {
			var text string
			switch v := v.(type) {
			case string:
				text = v
			case time.Time:
				text = "2026-01-01"
			case float64:
				text = t.b.meta.Currency + thousands(int64(v)) + ".00"
			case int64:
				text = thousands(v) + "0"
			}
			w[c] = max(w[c], columnWidth(text))
		}
	}
	return w
}

// prepare creates the sheet with its print titles.
func (t *list) prepare() (string, error) {
	name, err := t.b.sheet(t.sheet)
	if err != nil {
		return name, err
	}
	// Every printed page repeats the note and the header.
	err = t.b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: "'" + name + "'!$1:$2", Scope: name})
	return name, err
}

// stream writes the list with excelize's StreamWriter, which keeps memory
// flat in the number of rows.
func (t *list) stream() error {
	name, err := t.prepare()
	if err != nil {
		return err
	}
	// The stream writer writes the sheet's used range when it starts,
	// from what the sheet holds then: set it now from the rows to come.
	if err := t.b.f.SetSheetDimension(name, "A1:"+cellName(len(t.header), t.n+2)); err != nil {
		return err
	}
	sw, err := t.b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	// The stream writer puts each new column definition first, and
	// spreadsheet readers want them in ascending order: set them last to
	// first.
	widths := t.widths()
	for c := len(widths) - 1; c >= 0; c-- {
		if err := sw.SetColWidth(c+1, c+1, widths[c]); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{Value: t.note, StyleID: t.b.st.subtitle}}); err != nil {
		return err
	}
	head := make([]any, len(t.header))
	for i, h := range t.header {
		head[i] = excelize.Cell{Value: h, StyleID: t.b.st.header}
	}
	if err := sw.SetRow("A2", head, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	values := make([]any, len(t.header))
	cells := make([]any, len(t.header))
	for i := 0; i < t.n; i++ {
		t.row(i, values)
		for c, v := range values {
			cells[c] = excelize.Cell{Value: v, StyleID: t.styles[c]}
		}
		if err := sw.SetRow(cellName(1, i+3), cells); err != nil {
			return err
		}
	}
	if t.n > 0 {
		// A table gives the header filter buttons. (excelize's AutoFilter
		// would also drop the sheet's fit-to-page setting.)
		stripes := true
		err := sw.AddTable(&excelize.Table{
			Range:          "A2:" + cellName(len(t.header), t.n+2),
			Name:           t.table,
			StyleName:      "TableStyleLight1",
			ShowRowStripes: &stripes,
		})
		if err != nil {
			return err
		}
	}
	return sw.Flush()
}
