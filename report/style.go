package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

// Number formats.
const (
	fmtCount    = "#,##0"
	fmtMoney    = "#,##0.00"
	fmtFraction = "0.0%"
	fmtNumber   = "0.00"
	fmtDate     = "yyyy-mm-dd"

	fmtChangeCount  = "+#,##0;-#,##0;0"
	fmtChangeMoney  = "+#,##0.00;-#,##0.00;0.00"
	fmtChangePoints = `+0.0" pp";-0.0" pp";0.0" pp"`
	fmtChangeNumber = "+0.00;-0.00;0.00"
)

type styles struct {
	title, subtitle, header, text, label, note, date int
	value, change                                    map[transform.Kind]int
}

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	num := func(format string) *excelize.Style {
		return &excelize.Style{CustomNumFmt: &format}
	}
	s.title = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}})
	s.subtitle = mk(&excelize.Style{Font: &excelize.Font{Color: "595959"}})
	s.header = mk(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	s.text = mk(&excelize.Style{NumFmt: 49}) // "@": text, even if it looks like a number
	s.label = mk(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}})
	s.note = mk(&excelize.Style{Font: &excelize.Font{Color: "595959"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	s.date = mk(num(fmtDate))
	s.value = map[transform.Kind]int{
		transform.Count:    mk(num(fmtCount)),
		transform.Money:    mk(num(fmtMoney)),
		transform.Fraction: mk(num(fmtFraction)),
		transform.Amount:   mk(num(fmtMoney)),
		transform.Number:   mk(num(fmtNumber)),
	}
	s.change = map[transform.Kind]int{
		transform.Count:    mk(num(fmtChangeCount)),
		transform.Money:    mk(num(fmtChangeMoney)),
		transform.Fraction: mk(num(fmtChangePoints)),
		transform.Amount:   mk(num(fmtChangeMoney)),
		transform.Number:   mk(num(fmtChangeNumber)),
	}
	if err != nil {
		return s, fmt.Errorf("creating cell styles: %w", err)
	}
	return s, nil
}

// cellValue is the value a metric's cell holds: nil (an empty cell) when
// undefined, money in currency units.
func cellValue(v transform.Value) any {
	if !v.Valid {
		return nil
	}
	switch v.Kind {
	case transform.Count:
		return v.Int
	case transform.Money:
		return money(v.Int)
	}
	return v.Float
}

// changeValue is cur - prev in the unit of the change format: percentage
// points for fractions.
func changeValue(cur, prev transform.Value) any {
	if !cur.Valid || !prev.Valid {
		return nil
	}
	switch cur.Kind {
	case transform.Count:
		return cur.Int - prev.Int
	case transform.Money:
		return money(cur.Int - prev.Int)
	case transform.Fraction:
		return (cur.Float - prev.Float) * 100
	}
	return cur.Float - prev.Float
}

// money converts cents to currency units for a cell. The division is
// correctly rounded, so the cell shows exactly the cents.
func money(cents int64) float64 { return float64(cents) / 100 }

// displayWidth estimates a text's width in Excel column units: East Asian
// wide characters take two.
func displayWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if wide(r) {
			w += 2.1
		} else {
			w++
		}
	}
	return w
}

func wide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115F || r == 0x2329 || r == 0x232A ||
		(r >= 0x2E80 && r <= 0xA4CF && r != 0x303F) ||
		(r >= 0xAC00 && r <= 0xD7A3) ||
		(r >= 0xF900 && r <= 0xFAFF) ||
		(r >= 0xFE30 && r <= 0xFE4F) ||
		(r >= 0xFF00 && r <= 0xFF60) ||
		(r >= 0xFFE0 && r <= 0xFFE6) ||
		(r >= 0x20000 && r <= 0x3FFFD))
}

// columnWidth fits the widest text, within bounds.
func columnWidth(texts ...string) float64 {
	w := 8.0
	for _, t := range texts {
		w = max(w, displayWidth(t)+2)
	}
	return min(w, 60)
}
