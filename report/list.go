package report

import (
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// list is a long table: its notes in the first rows, each across the
// table's width, then the header (frozen, with filter buttons), then n
// rows that row produces on demand, so that no copy of a long list is
// held while it is written.
type list struct {
	b      *book
	sheet  string
	table  string   // the Excel table's name, unique in the workbook
	notes  []string // what the list is and how it is sorted, above the header
	header []string
	styles []int // each column's style; a styled value overrides it
	// wraps caps a column's width: a longer text wraps onto more lines
	// and its row grows (the column's style must wrap); 0 for none.
	wraps []float64
	n     int
	row   func(i int, cells []any) // fills cells with the values of row i
}

// styled is a list value with a style of its own: a negative amount in
// red, a placeholder in grey.
type styled struct {
	value any
	style int
}

// cell is the value and style of column c holding v.
func (t *list) cell(c int, v any) (any, int) {
	if s, ok := v.(styled); ok {
		return s.value, s.style
	}
	return v, t.styles[c]
}

// widths fits each column to its header and its widest value.
func (t *list) widths() []float64 {
	w := make([]float64, len(t.header))
	for c, h := range t.header {
		w[c] = headerWidth(h)
	}
	cells := make([]any, len(t.header))
	currency := displayWidth(t.b.meta.Currency)
	for i := 0; i < t.n; i++ {
		t.row(i, cells)
		for c, v := range cells {
			v, _ = t.cell(c, v)
			var text float64 // the display width of the value's text
			switch v := v.(type) {
			case string:
				text = displayWidth(v)
			case time.Time:
				text = float64(len("2026-01-01"))
			case float64: // money: ¥1,234.00
				text = currency + float64(thousandsLen(int64(v))+len(".00"))
			case int64: // a count, one digit to spare
				text = float64(thousandsLen(v) + 1)
			}
			w[c] = max(w[c], fitWidth(text))
		}
	}
	for c := range w {
		if c < len(t.wraps) && t.wraps[c] > 0 {
			w[c] = min(w[c], t.wraps[c])
		}
	}
	return w
}

// lineHeight is the height of a line of text in a row.
const lineHeight = 16

// height is the height row values need for a text wrapped in its column;
// 0, the default height, for one line.
func (t *list) height(values []any, widths []float64) float64 {
	lines := 1
	for c := range t.wraps {
		if t.wraps[c] == 0 {
			continue
		}
		v, _ := t.cell(c, values[c])
		if s, ok := v.(string); ok {
			lines = max(lines, textLines(s, widths[c]))
		}
	}
	if lines == 1 {
		return 0
	}
	return lineHeight * float64(lines)
}

// headerWidth is the width a header needs on the two lines its row has
// room for: half its length, or its longest word (a line breaks between
// words, and anywhere between Chinese characters).
func headerWidth(h string) float64 {
	w, word := displayWidth(h)/2+2, 0.0
	for _, r := range h {
		switch {
		case r == ' ' || wide(r):
			word = 0
		default:
			word++
			w = max(w, word)
		}
	}
	return max(min(columnWidth(h), w+2), 10)
}

// textLines estimates the lines s takes wrapped in a column of width: a
// line breaks between words, and anywhere between Chinese characters;
// Latin letters run narrower than the digits a column's width counts.
func textLines(s string, width float64) int {
	room := width - 1
	lines, line, word := 1, 0.0, 0.0
	flush := func() {
		if line > 0 && line+word > room {
			lines++
			line = 0
		}
		line += word
		word = 0
	}
	for _, r := range s {
		switch {
		case r == ' ':
			flush()
			line += 0.9
		case wide(r):
			flush()
			word = 2.1
			flush()
		default:
			word += 0.9
		}
	}
	flush()
	return lines
}

// headerRow is the row of the header; the data follow it.
func (t *list) headerRow() int { return len(t.notes) + 1 }

// prepare creates the sheet with its print titles.
func (t *list) prepare() (string, error) {
	name, err := t.b.sheet(t.sheet)
	if err != nil {
		return name, err
	}
	// Every printed page repeats the notes and the header.
	titles := "'" + name + "'!$1:$" + strconv.Itoa(t.headerRow())
	err = t.b.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: titles, Scope: name})
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
	if err := t.b.f.SetSheetDimension(name, "A1:"+cellName(len(t.header), t.headerRow()+t.n)); err != nil {
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
	hr := t.headerRow()
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: hr, TopLeftCell: cellName(1, hr+1), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := t.streamNotes(sw, widths); err != nil {
		return err
	}
	head := make([]any, len(t.header))
	for i, h := range t.header {
		head[i] = excelize.Cell{Value: h, StyleID: t.b.st.header}
	}
	if err := sw.SetRow(cellName(1, hr), head, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	// The row's cells are set in place: SetRow takes pointers to cells,
	// which are then not copied to the heap for every cell of every row.
	values := make([]any, len(t.header))
	cells, row := make([]any, len(t.header)), make([]excelize.Cell, len(t.header))
	for c := range cells {
		cells[c] = &row[c]
	}
	for i := 0; i < t.n; i++ {
		t.row(i, values)
		for c, v := range values {
			v, style := t.cell(c, v)
			if s, ok := v.(string); ok && s == "" {
				v = nil // an empty cell with the column's style, not an empty text
			}
			row[c] = excelize.Cell{Value: v, StyleID: style}
		}
		if err := sw.SetRow(cellName(1, hr+1+i), cells, excelize.RowOpts{Height: t.height(values, widths)}); err != nil {
			return err
		}
	}
	if t.n > 0 {
		// A table gives the header filter buttons. (excelize's AutoFilter
		// would also drop the sheet's fit-to-page setting.)
		stripes := true
		err := sw.AddTable(&excelize.Table{
			Range:          cellName(1, hr) + ":" + cellName(len(t.header), hr+t.n),
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

// streamNotes writes the notes, each merged across the table's width and
// wrapped onto as many lines as it needs there.
func (t *list) streamNotes(sw *excelize.StreamWriter, widths []float64) error {
	total := 0.0
	for _, w := range widths {
		total += w
	}
	for i, note := range t.notes {
		row := i + 1
		lines := int(displayWidth(note)/max(total-2, 10)) + 1
		cell := []any{excelize.Cell{Value: note, StyleID: t.b.st.note}}
		if err := sw.SetRow(cellName(1, row), cell, excelize.RowOpts{Height: 16 * float64(lines)}); err != nil {
			return err
		}
		if len(t.header) > 1 {
			if err := sw.MergeCell(cellName(1, row), cellName(len(t.header), row)); err != nil {
				return err
			}
		}
	}
	return nil
}
