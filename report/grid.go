package report

import (
	"github.com/xuri/excelize/v2"

	"retention/transform"
)

// grid writes cells of one sheet in normal mode and keeps the first error.
type grid struct {
	f        *excelize.File
	sheet    string
	currency string
	err      error
	widths   map[int][]string
	// The last column and row holding a cell or a merged range: the
	// sheet's used range ends there.
	lastCol, lastRow int
}

// grid creates a sheet to be written in normal mode; finish sets its used
// range.
func (b *book) grid(key string) *grid {
	name, err := b.sheet(key)
	g := &grid{f: b.f, sheet: name, currency: b.meta.Currency, err: err, widths: map[int][]string{}}
	b.grids = append(b.grids, g)
	return g
}

// used counts the cell at col, row towards the used range.
func (g *grid) used(col, row int) {
	g.lastCol, g.lastRow = max(g.lastCol, col), max(g.lastRow, row)
}

// dimension writes the sheet's used range into it, so that readers that
// stream a sheet (openpyxl's read-only mode, BI importers) see all of it:
// excelize leaves every sheet at "A1".
func (g *grid) dimension() error {
	if g.lastCol == 0 {
		return nil
	}
	return g.f.SetSheetDimension(g.sheet, "A1:"+cellName(g.lastCol, g.lastRow))
}

// metric sets a metric's cell and counts its shown text towards the
// column's width.
func (g *grid) metric(col, row int, v transform.Value, style int) {
	g.widths[col] = append(g.widths[col], widthText(v, g.currency))
	g.set(col, row, cellValue(v), style)
}

func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

// put sets one cell; a nil value leaves it empty but styled. Its text
// counts towards the column's width.
func (g *grid) put(col, row int, v any, style int) {
	if s, ok := v.(string); ok {
		g.widths[col] = append(g.widths[col], s)
	}
	g.set(col, row, v, style)
}

func (g *grid) set(col, row int, v any, style int) {
	if g.err != nil {
		return
	}
	c := cellName(col, row)
	if v != nil || style != 0 {
		g.used(col, row)
	}
	if v != nil {
		if s, ok := v.(string); ok {
			g.err = g.f.SetCellStr(g.sheet, c, s)
		} else {
			g.err = g.f.SetCellValue(g.sheet, c, v)
		}
	}
	if g.err == nil && style != 0 {
		g.err = g.f.SetCellStyle(g.sheet, c, c, style)
	}
}

// note writes text across columns 1..span of a row, wrapped, with a row
// height for its length; it does not widen the columns.
func (g *grid) note(row, span int, text string, style int, width float64) {
	g.set(1, row, text, style)
	if g.err == nil && span > 1 {
		g.err = g.f.MergeCell(g.sheet, cellName(1, row), cellName(span, row))
		g.used(span, row)
	}
	if lines := int(displayWidth(text)/width) + 1; g.err == nil && lines > 1 {
		g.err = g.f.SetRowHeight(g.sheet, row, 15*float64(lines))
	}
}

// merge merges the range from col1, row1 to col2, row2.
func (g *grid) merge(col1, row1, col2, row2 int) {
	if g.err == nil {
		g.err = g.f.MergeCell(g.sheet, cellName(col1, row1), cellName(col2, row2))
		g.used(col2, row2)
	}
}

// fit sets each column's width from the texts written to it, and at least
// minWidth (for numbers).
func (g *grid) fit(cols int, minWidth float64) {
	for c := 1; c <= cols && g.err == nil; c++ {
		w := max(columnWidth(g.widths[c]...), minWidth)
		col, _ := excelize.ColumnNumberToName(c)
		g.err = g.f.SetColWidth(g.sheet, col, col, w)
	}
}

func (g *grid) height(row int, h float64) {
	if g.err == nil {
		g.err = g.f.SetRowHeight(g.sheet, row, h)
	}
}

func (g *grid) freeze(cols, rows int) {
	if g.err != nil {
		return
	}
	pane := "bottomRight"
	switch {
	case cols == 0:
		pane = "bottomLeft"
	case rows == 0:
		pane = "topRight"
	}
	g.err = g.f.SetPanes(g.sheet, &excelize.Panes{Freeze: true, XSplit: cols, YSplit: rows, TopLeftCell: cellName(cols+1, rows+1), ActivePane: pane})
}
