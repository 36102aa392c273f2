package report

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

// departmentKPIs are the figures the departments are compared by, each
// beside its change against the previous period and a year before.
var departmentKPIs = []string{"retention_rate", "relative_churn_rate", "revenue", "active_customers", "at_risk_retention_rate"}

// departments: the departments compared on one page: the key figures
// with their changes, one row per department below the company's, and a
// chart of the retention rates. Unassigned (orders without a department)
// is no department: it stands apart, greyed, after a gap, and is never
// in the chart.
func (b *book) departments() error {
	g := b.grid("sheet.departments")
	if g.err == nil {
		g.err = b.onePage(g.sheet)
	}
	t, err := b.deptTable(g)
	if err != nil {
		return err
	}
	first, last, row := t.keyFigures()
	g.fit(t.cols(), 10)
	t.fitGroups()
	t.notes(row+1, t.cols(), b.l.T("note.change"))
	g.freeze(1, 3)
	if g.err != nil {
		return g.err
	}
	retention := 2 + slices.Index(departmentKPIs, "retention_rate")*t.per()
	err = g.f.AddChart(g.sheet, cellName(1, row+5), &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Categories: ref(g.sheet, 1, first, 1, last),
			Values:     ref(g.sheet, retention, first, retention, last),
		}},
		Title:      b.chartTitle(b.l.F("chart.departments", b.r.Period)),
		Legend:     excelize.ChartLegend{Position: "none"},
		VaryColors: new(bool),
		PlotArea:   excelize.ChartPlotArea{ShowVal: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0.0%"}},
		XAxis:      excelize.ChartAxis{Font: *b.chartFont()},
		YAxis:      excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, Font: *b.chartFont(), Minimum: zero()},
		Dimension:  excelize.ChartDimension{Width: 760, Height: 320},
		Format:     chartFormat(),
	})
	if err != nil {
		return fmt.Errorf("adding the departments chart: %w", err)
	}
	return nil
}

// departmentMetrics: every metric of the period, the company and each
// department side by side, Unassigned apart after an empty column.
func (b *book) departmentMetrics() error {
	g := b.grid("sheet.department_metrics")
	if g.err == nil {
		g.err = b.onePage(g.sheet)
	}
	t, err := b.deptTable(g)
	if err != nil {
		return err
	}
	row, cols := t.allMetrics()
	g.fit(cols, 12)
	t.notes(row+1, cols)
	g.freeze(1, 1)
	return g.err
}

// deptTable writes the departments' tables: the company and the
// departments (teams), and Unassigned apart.
type deptTable struct {
	b          *book
	g          *grid
	st         deptStyles
	yearly     bool // a year ago is the previous period: no columns of its own
	teams      []*transform.Scope
	unassigned *transform.Scope // nil when every row has a department
}

func (b *book) deptTable(g *grid) (*deptTable, error) {
	st, err := newDeptStyles(b)
	if err != nil {
		return nil, err
	}
	t := &deptTable{b: b, g: g, st: st, yearly: b.r.Period.G == transform.Year, teams: []*transform.Scope{&b.r.Company}}
	for i := range b.r.Departments {
		if s := &b.r.Departments[i]; s.Department == transform.Unassigned {
			t.unassigned = s
		} else {
			t.teams = append(t.teams, s)
		}
	}
	return t, nil
}

// notes writes from row on, across span columns whose widths are set,
// what the tables need said: counts do not add up, Unassigned is no
// department, and more.
func (t *deptTable) notes(row, span int, more ...string) {
	notes := []string{t.b.l.T("note.department_counts")}
	if t.unassigned != nil {
		notes = append(notes, t.b.l.T("note.unassigned"))
	}
	width := 0.0
	for c := 1; c <= span; c++ {
		w, err := t.g.f.GetColWidth(t.g.sheet, cellCol(c))
		if err != nil {
			w = 9
		}
		width += w
	}
	for _, n := range append(notes, more...) {
		t.g.note(row, span, n, t.b.st.note, width*0.9)
		row++
	}
}

// per is the columns of each key figure: this period, the change against
// the previous one and (but for years) against a year before.
func (t *deptTable) per() int {
	if t.yearly {
		return 2
	}
	return 3
}

func (t *deptTable) cols() int { return 1 + len(departmentKPIs)*t.per() }

// keyFigures writes the title in row 1 and the table of key figures
// from row 2 on, its header on two rows. It returns the rows of the
// company and of the last department (the chart's range), and the row
// after the table.
func (t *deptTable) keyFigures() (first, last, end int) {
	b, g := t.b, t.g
	cur, prev, ago := t.teams[0].Current(), t.teams[0].Previous(), &t.teams[0].YearAgo
	title := b.l.F("dept.title", cur.Period, prev.Period, ago.Period)
	if t.yearly {
		title = b.l.F("dept.title_yearly", cur.Period, prev.Period)
	}
	g.note(1, t.cols(), title, b.st.section, 1000)
	g.height(1, 22)
	g.put(1, 2, b.l.T("col.department"), b.st.header)
	g.set(1, 3, nil, b.st.header)
	g.merge(1, 2, 1, 3)
	sub := []string{b.l.T("dept.current"), b.l.T("col.change_prev"), b.l.T("col.change_year")}
	for i, key := range departmentKPIs {
		col := 2 + i*t.per()
		// Merged over the key's columns: its text does not widen the first.
		name := b.l.T("metric." + key)
		if metricByKey(key).Kind == transform.Fraction {
			name = b.l.F("dept.points", name)
		}
		g.set(col, 2, name, b.st.header)
		for j := range t.per() {
			g.set(col+j, 2, nil, b.st.header)
			g.set(col+j, 3, sub[j], b.st.header) // wraps rather than widens
		}
		g.merge(col, 2, col+t.per()-1, 2)
	}
	g.height(2, 30)
	g.height(3, 30)
	row := 4
	for i, s := range t.teams {
		label := b.st.label
		if i == 0 {
			label = b.st.strong
		}
		t.keyRow(row, s, label, nil)
		g.height(row, 18)
		row++
	}
	first, last = 4, row-1
	if t.unassigned != nil {
		g.height(row, 8) // the gap that sets it apart
		t.keyRow(row+1, t.unassigned, t.st.muted.label, &t.st.muted)
		g.height(row+1, 18)
		row += 2
	}
	return first, last, row
}

// fitGroups widens the columns of each key figure whose name, merged
// over them, would not fit on one line.
func (t *deptTable) fitGroups() {
	g := t.g
	for i := range departmentKPIs {
		col := 2 + i*t.per()
		name, _ := g.f.GetCellValue(g.sheet, cellName(col, 2))
		widths := make([]float64, t.per())
		sum := 0.0
		for j := range widths {
			w, err := g.f.GetColWidth(g.sheet, cellCol(col+j))
			if err != nil {
				w = 9
			}
			widths[j] = w
			sum += w
		}
		short := columnWidth(name) - sum
		for j := 0; short > 0 && j < len(widths) && g.err == nil; j++ {
			g.err = g.f.SetColWidth(g.sheet, cellCol(col+j), cellCol(col+j), widths[j]+short/float64(len(widths)))
		}
	}
}

// keyRow writes one scope's key figures in row; muted styles, when
// given, grey it and drop the colours of good and bad news. Changes of
// ratios are in percentage points, said in the header.
func (t *deptTable) keyRow(row int, s *transform.Scope, label int, muted *mutedStyles) {
	b, g := t.b, t.g
	g.put(1, row, b.l.scopeName(s), label)
	cur, prev, ago := s.Current(), s.Previous(), &s.YearAgo
	for i, key := range departmentKPIs {
		m := metricByKey(key)
		col := 2 + i*t.per()
		c := m.Of(cur)
		value := b.st.value[m.Kind]
		if muted != nil {
			value = muted.value[m.Kind]
		}
		g.metric(col, row, c, value)
		against := []transform.Value{m.Of(prev)}
		if !t.yearly {
			against = append(against, m.Of(ago))
		}
		for j, p := range against {
			style := b.st.change[m.Kind][tone(m, c, p)]
			if m.Kind == transform.Fraction {
				style = t.st.points[tone(m, c, p)]
			}
			if muted != nil {
				style = muted.change[m.Kind]
			}
			g.widths[col+1+j] = append(g.widths[col+1+j], shownChange(c, p, g.currency))
			g.put(col+1+j, row, changeValue(c, p), style)
		}
	}
}

// allMetrics writes every metric of every scope from row 1 on: metrics
// down, the company and the departments across, Unassigned after an
// empty column. It returns the row after the table and its columns.
func (t *deptTable) allMetrics() (end, cols int) {
	b, g := t.b, t.g
	g.put(1, 1, b.l.T("col.metric"), b.st.header)
	type column struct {
		col   int
		s     *transform.Scope
		muted bool
	}
	var scopes []column
	for j, s := range t.teams {
		scopes = append(scopes, column{j + 2, s, false})
	}
	if t.unassigned != nil {
		scopes = append(scopes, column{len(t.teams) + 3, t.unassigned, true})
	}
	for _, c := range scopes {
		header := b.st.header
		if c.muted {
			header = t.st.muted.header
		}
		g.put(c.col, 1, b.l.scopeName(c.s), header)
	}
	for i, m := range transform.Metrics {
		row := 2 + i
		g.put(1, row, b.l.T("metric."+m.Key), b.st.label)
		for _, c := range scopes {
			style := b.st.value[m.Kind]
			if c.muted {
				style = t.st.muted.value[m.Kind]
			}
			g.metric(c.col, row, m.Of(c.s.Current()), style)
		}
	}
	return 2 + len(transform.Metrics), scopes[len(scopes)-1].col
}

// shownChange approximates the text of a change's cell, for column
// widths.
func shownChange(cur, prev transform.Value, currency string) string {
	d := changeValue(cur, prev)
	switch v := d.(type) {
	case int64:
		return "▲ +" + thousands(v)
	case float64:
		if cur.Kind == transform.Fraction {
			return "▲ +" + strconv.FormatFloat(v, 'f', 1, 64)
		}
		return "▲ +" + currency + thousands(int64(v)) + ".00"
	}
	return ""
}

// deptStyles are the departments sheet's own styles.
type deptStyles struct {
	// points are the changes of ratios, by tone: percentage points
	// without the unit, which the header gives.
	points [tones]int
	muted  mutedStyles
}

// mutedStyles grey what is shown apart from the departments: no colours
// of good or bad news.
type mutedStyles struct {
	label, header int
	value, change map[transform.Kind]int
}

// mutedColor is the grey of Unassigned.
const mutedColor = "808080"

// pointsFormat is a change of a ratio in percentage points, with its
// arrow and sign.
const pointsFormat = `"▲ +"0.0;"▼ -"0.0;"– "0.0`

func newDeptStyles(b *book) (deptStyles, error) {
	family := b.l.T("font")
	font := &excelize.Font{Family: family, Size: 11, Color: mutedColor, Italic: true}
	m := mutedStyles{value: map[transform.Kind]int{}, change: map[transform.Kind]int{}}
	var st deptStyles
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = b.f.NewStyle(st)
		return id
	}
	m.label = mk(&excelize.Style{Font: font, Alignment: &excelize.Alignment{Vertical: "top"}})
	m.header = mk(&excelize.Style{
		Font:      &excelize.Font{Family: family, Size: 11, Bold: true, Color: mutedColor},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EDEDED"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "BFBFBF", Style: 1}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	for tn := range st.points {
		format := pointsFormat
		st.points[tn] = mk(&excelize.Style{CustomNumFmt: &format, Font: &excelize.Font{Family: family, Size: 11, Color: toneColors[tn]}})
	}
	valueFmt, changeFmt := numberFormats(b.meta.Currency, b.l.T("unit.points"))
	for _, k := range []transform.Kind{transform.Count, transform.Money, transform.Fraction, transform.Amount, transform.Number} {
		vf, cf := valueFmt[k], changeFmt[k]
		if k == transform.Fraction {
			cf = pointsFormat
		}
		m.value[k] = mk(&excelize.Style{CustomNumFmt: &vf, Font: font})
		m.change[k] = mk(&excelize.Style{CustomNumFmt: &cf, Font: font})
	}
	st.muted = m
	if err != nil {
		return st, fmt.Errorf("creating the departments sheet's styles: %w", err)
	}
	return st, nil
}
