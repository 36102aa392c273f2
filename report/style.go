package report

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

// Number formats that do not depend on the currency or the locale.
const (
	fmtCount    = "#,##0"
	fmtFraction = "0.0%"
	fmtNumber   = "0.00"
	fmtDate     = "yyyy-mm-dd"
)

// Tones of a change: whether it is good news for the metric.
const (
	toneWorse = iota
	toneNeutral
	toneBetter
	tones
)

// Font colours of the tones: dark red, grey, dark green (readable in
// print and in grey scale, unlike Excel's named colours).
var toneColors = [tones]string{"C00000", "595959", "1E7B34"}

type styles struct {
	title, subtitle, detail, header, section, text, label, strong, note, date int
	bannerWarn, bannerOK, bannerAlarm                                         int
	value, headline                                                           map[transform.Kind]int
	change                                                                    map[transform.Kind][tones]int
	valueTop, changeTop                                                       map[transform.Kind]int // at the top of a tall row
	missed                                                                    map[transform.Kind]int // a value that misses its target
	missedText                                                                int
	// Customer lists: a placeholder for a missing name or owner, in grey;
	// negative amounts in red, so that a refund is never read as a sale.
	placeholder int
	aside       int // text set off from the number before it: categories, notes
	wrapped     int // text that wraps in a column of capped width
	remark      int // aside, wrapped
	yes, no     int // centred; no in red
	negative    map[transform.Kind]int
	// A total row: bold, under a rule.
	totalLabel int
	total      map[transform.Kind]int
}

// quote makes s a literal inside a number format.
func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, "") + `"` }

// numberFormats returns, per kind, the format of a value and of a change
// (with ▲/▼ and the sign); money carries the currency symbol, changes of
// fractions are in percentage points.
func numberFormats(currency, points string) (value, change map[transform.Kind]string) {
	cur := quote(currency)
	money := cur + "#,##0.00;-" + cur + "#,##0.00"
	value = map[transform.Kind]string{
		transform.Count:    fmtCount,
		transform.Money:    money,
		transform.Fraction: fmtFraction,
		transform.Amount:   money,
		transform.Number:   fmtNumber,
	}
	arrows := func(body, unit string) string {
		return quote("▲ +"+unit) + body + ";" + quote("▼ -"+unit) + body + ";" + quote("– "+unit) + body
	}
	pts := quote(points)
	change = map[transform.Kind]string{
		transform.Count:    arrows("#,##0", ""),
		transform.Money:    arrows("#,##0.00", currency),
		transform.Fraction: quote("▲ +") + "0.0" + pts + ";" + quote("▼ -") + "0.0" + pts + ";" + quote("– ") + "0.0" + pts,
		transform.Amount:   arrows("#,##0.00", currency),
		transform.Number:   arrows("0.00", ""),
	}
	return value, change
}

// styleMaker makes cell styles of one font family, keeping the first
// error.
type styleMaker struct {
	f      *excelize.File
	family string
	err    error
}

// font names its family and size: a font without them is drawn in
// whatever the reader picks (LibreOffice picks a serif).
func (m *styleMaker) font(bold bool, size float64, color string) *excelize.Font {
	return &excelize.Font{Family: m.family, Bold: bold, Size: size, Color: color}
}

func (m *styleMaker) make(st *excelize.Style) int {
	if m.err != nil {
		return 0
	}
	var id int
	id, m.err = m.f.NewStyle(st)
	return id
}

func num(format string, font *excelize.Font) *excelize.Style {
	return &excelize.Style{CustomNumFmt: &format, Font: font}
}

// alarmFill marks a value that misses its target.
var alarmFill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FCE4E4"}}

func newStyles(f *excelize.File, currency, points, family string) (styles, error) {
	var s styles
	if err := f.SetDefaultFont(family); err != nil {
		return s, fmt.Errorf("setting the default font: %w", err)
	}
	m := &styleMaker{f: f, family: family}
	s.textStyles(m)
	s.numberStyles(m, currency, points)
	if m.err != nil {
		return s, fmt.Errorf("creating cell styles: %w", m.err)
	}
	return s, nil
}

// textStyles makes the styles of titles, headers, labels, notes, banners
// and the lists' texts.
func (s *styles) textStyles(m *styleMaker) {
	mk, font := m.make, m.font
	s.title = mk(&excelize.Style{Font: font(true, 16, ""), Alignment: &excelize.Alignment{Vertical: "center"}})
	s.subtitle = mk(&excelize.Style{Font: font(false, 11, "595959")})
	// Secondary text beside numbers (metric keys, example ids), set off
	// from them by an indent.
	s.detail = mk(&excelize.Style{NumFmt: 49, Font: font(false, 10, "595959"), Alignment: &excelize.Alignment{Indent: 1}})
	s.header = mk(&excelize.Style{
		Font:      font(true, 11, ""),
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	s.section = mk(&excelize.Style{Font: font(true, 12, "1F3864"),
		Border: []excelize.Border{{Type: "bottom", Color: "1F3864", Style: 2}}})
	s.text = mk(&excelize.Style{NumFmt: 49, Font: font(false, 11, "")}) // "@": text, even if it looks like a number
	s.label = mk(&excelize.Style{Font: font(false, 11, ""), Alignment: &excelize.Alignment{Vertical: "top"}})
	s.strong = mk(&excelize.Style{Font: font(true, 12, ""), Alignment: &excelize.Alignment{Vertical: "center"}})
	s.note = mk(&excelize.Style{Font: font(false, 11, "595959"), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	banner := func(color, fill string, bold bool) int {
		return mk(&excelize.Style{Font: font(bold, 11, color), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill}},
			Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	}
	s.bannerWarn, s.bannerAlarm, s.bannerOK = banner("7F4F00", "FFE699", true), banner("FFFFFF", "C00000", true), banner("1E7B34", "E2EFDA", false)
	s.date = mk(num(fmtDate, font(false, 11, "")))
	s.placeholder = mk(&excelize.Style{NumFmt: 49, Font: font(false, 11, "808080")})
	s.aside = mk(&excelize.Style{NumFmt: 49, Font: font(false, 11, ""), Alignment: &excelize.Alignment{Horizontal: "left", Indent: 1}})
	s.wrapped = mk(&excelize.Style{NumFmt: 49, Font: font(false, 11, ""), Alignment: &excelize.Alignment{WrapText: true}})
	s.remark = mk(&excelize.Style{NumFmt: 49, Font: font(false, 11, ""), Alignment: &excelize.Alignment{Horizontal: "left", Indent: 1, WrapText: true}})
	s.yes = mk(&excelize.Style{NumFmt: 49, Font: font(false, 11, ""), Alignment: &excelize.Alignment{Horizontal: "center"}})
	s.no = mk(&excelize.Style{NumFmt: 49, Font: font(false, 11, toneColors[toneWorse]), Alignment: &excelize.Alignment{Horizontal: "center"}})
	s.missedText = mk(&excelize.Style{NumFmt: 49, Font: font(true, 10, toneColors[toneWorse]), Fill: alarmFill, Alignment: &excelize.Alignment{Indent: 1}})
}

// numberStyles makes, for each kind of metric, the styles of its values
// and changes, plain, headline, at the top of a tall row, missing a
// target, negative and in a total row.
func (s *styles) numberStyles(m *styleMaker, currency, points string) {
	mk, font := m.make, m.font
	// Numbers at the top of their row, like labels, for rows whose note
	// wraps onto more lines.
	numTop := func(format string, font *excelize.Font) *excelize.Style {
		st := num(format, font)
		st.Alignment = &excelize.Alignment{Vertical: "top"}
		return st
	}
	valueFmt, changeFmt := numberFormats(currency, points)
	s.value, s.headline = map[transform.Kind]int{}, map[transform.Kind]int{}
	s.change = map[transform.Kind][tones]int{}
	s.valueTop, s.changeTop = map[transform.Kind]int{}, map[transform.Kind]int{}
	s.missed, s.negative, s.total = map[transform.Kind]int{}, map[transform.Kind]int{}, map[transform.Kind]int{}
	rule := []excelize.Border{{Type: "top", Color: "000000", Style: 1}}
	s.totalLabel = mk(&excelize.Style{Font: font(true, 11, ""), Border: rule})
	for _, k := range []transform.Kind{transform.Count, transform.Money, transform.Fraction, transform.Amount, transform.Number} {
		s.value[k] = mk(num(valueFmt[k], font(false, 11, "")))
		s.headline[k] = mk(num(valueFmt[k], font(true, 12, "")))
		var c [tones]int
		for t := range c {
			c[t] = mk(num(changeFmt[k], font(false, 11, toneColors[t])))
		}
		s.change[k] = c
		s.valueTop[k] = mk(numTop(valueFmt[k], font(false, 11, "")))
		s.changeTop[k] = mk(numTop(changeFmt[k], font(false, 11, toneColors[toneNeutral])))
		missed := num(valueFmt[k], font(true, 12, toneColors[toneWorse]))
		missed.Fill = alarmFill
		s.missed[k] = mk(missed)
		s.negative[k] = mk(num(valueFmt[k], font(false, 11, toneColors[toneWorse])))
		total := num(valueFmt[k], font(true, 11, ""))
		total.Border = rule
		s.total[k] = mk(total)
	}
}

// tone says whether the change from prev to cur is good news for m.
func tone(m transform.Metric, cur, prev transform.Value) int {
	if !cur.Valid || !prev.Valid || m.Better == 0 {
		return toneNeutral
	}
	d := 0
	switch {
	case cur.Kind == transform.Count || cur.Kind == transform.Money:
		d = cmp.Compare(cur.Int, prev.Int)
	default:
		d = cmp.Compare(cur.Float, prev.Float)
	}
	switch d * m.Better {
	case 1:
		return toneBetter
	case -1:
		return toneWorse
	}
	return toneNeutral
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

// widthText approximates the text a value's cell shows, for column
// widths only (its digits are not the value's; valueText shows a value).
func widthText(v transform.Value, currency string) string {
	if !v.Valid {
		return ""
	}
	switch v.Kind {
	case transform.Count:
		return thousands(v.Int)
	case transform.Money:
		return currency + "-" + thousands(v.Int/100) + ".00"
	case transform.Amount:
		return currency + "-" + thousands(int64(v.Float)) + ".00"
	case transform.Fraction:
		return strconv.FormatFloat(v.Float*100, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(v.Float, 'f', 2, 64)
}

// thousands writes n with thousands separators.
// thousandsLen is len(thousands(n)).
func thousandsLen(n int64) int {
	u := uint64(n)
	if n < 0 {
		u = -u
	}
	d := 1
	for ; u >= 10; u /= 10 {
		d++
	}
	l := d + (d-1)/3
	if n < 0 {
		l++
	}
	return l
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// moneyText shows an amount in cents as a money cell does: ¥1,234.50.
func moneyText(currency string, cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return sign + currency + thousands(cents/100) + fmt.Sprintf(".%02d", cents%100)
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
	w := 0.0
	for _, t := range texts {
		w = max(w, displayWidth(t))
	}
	return fitWidth(w)
}

// fitWidth is the width of a column whose widest text is w wide: two to
// spare, at least 8, at most 60.
func fitWidth(w float64) float64 { return min(max(8, w+2), 60) }
