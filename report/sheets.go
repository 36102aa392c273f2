package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"retention/report/publication"
	"retention/transform"
)

// grid writes cells of one sheet in normal mode and keeps the first error.
type grid struct {
	f        *excelize.File
	sheet    string
	currency string
	err      error
	widths   map[int][]string
}

func (b *book) grid(key string) *grid {
	name, err := b.sheet(key)
	return &grid{f: b.f, sheet: name, currency: b.meta.Currency, err: err, widths: map[int][]string{}}
}

// metric sets a metric's cell and counts its shown text towards the
// column's width.
func (g *grid) metric(col, row int, v transform.Value, style int) {
	g.widths[col] = append(g.widths[col], shown(v, g.currency))
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
	}
	if lines := int(displayWidth(text)/width) + 1; g.err == nil && lines > 1 {
		g.err = g.f.SetRowHeight(g.sheet, row, 15*float64(lines))
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

func (b *book) granularity() string { return b.l.T("granularity." + b.r.Period.G.String()) }

// headline metrics lead the summary: what a manager reads first.
var headline = []string{"retention_rate", "relative_churn_rate", "purchase_frequency", "revenue", "active_customers", "new_customers"}

func metricByKey(key string) transform.Metric {
	for _, m := range transform.Metrics {
		if m.Key == key {
			return m
		}
	}
	panic("report: no metric " + key)
}

// summary: the headline metrics, then every metric, each beside the
// previous period and the same period a year before, with the change in
// words and colour, and a data-quality banner.
func (b *book) summary(title string, s *transform.Scope) error {
	g := b.grid("sheet.summary")
	if g.err == nil {
		g.err = b.onePage(g.sheet)
	}
	t := b.comparison(g, s)
	b.banners(g, title, t.cols)
	row := 5
	g.note(row, t.cols, b.l.T("section.headline"), b.st.section, 1000)
	row++
	t.header(row, false)
	row++
	for _, key := range headline {
		t.line(row, metricByKey(key), true)
		g.height(row, 20)
		row++
	}
	row++
	g.note(row, t.cols, b.l.T("section.all"), b.st.section, 1000)
	row++
	t.header(row, true)
	row++
	for _, m := range transform.Metrics {
		t.line(row, m, false)
		row++
	}
	row++
	notes := b.summaryNotes(s)
	g.fit(t.cols, 18)
	for _, n := range notes {
		g.note(row, t.cols, n, b.st.note, 110)
		row++
	}
	return g.err
}

// banners writes the summary's first rows: the title, the subtitle, the
// data-quality banner and, when --force published past failed checks,
// the banner naming them.
func (b *book) banners(g *grid, title string, cols int) {
	subtitle := b.l.F("subtitle", b.granularity(), b.r.Period, b.r.Location,
		b.meta.GeneratedAt.In(b.r.Location).Format("2006-01-02 15:04"), b.meta.RunID)
	g.note(1, cols, title, b.st.title, 1000)
	g.height(1, 28)
	g.note(2, cols, subtitle, b.st.subtitle, 1000)

	q := b.r.Quality
	warnings := q.Warnings()
	if q.SkippedOrders+q.SkippedComplaints+warnings > 0 {
		g.note(3, cols, "⚠ "+b.l.F("note.quality_skipped", q.SkippedOrders, q.SkippedComplaints, warnings), b.st.bannerWarn, 1000)
	} else {
		g.note(3, cols, "✓ "+b.l.T("note.quality_ok"), b.st.bannerOK, 1000)
	}
	g.height(3, 22)
	if len(b.meta.Forced) > 0 {
		var failed []string
		for _, f := range b.meta.Forced {
			failed = append(failed, b.l.Text(f))
		}
		g.note(4, cols, "⚠ "+b.l.F("note.forced", strings.Join(failed, b.l.T("signal.separator"))), b.st.bannerAlarm, 1000)
		g.height(4, 22)
	}
}

// summaryNotes are the notes below the summary's table.
func (b *book) summaryNotes(s *transform.Scope) []string {
	notes := []string{}
	if n := len(restatementsOf(b.meta.Restatements, s)); n > 0 {
		notes = append(notes, b.l.F("note.restated", n))
	} else {
		notes = append(notes, b.l.T("note.not_restated"))
	}
	if !s.Company {
		notes = append(notes, b.l.F("note.churned_count", len(s.Churned)))
	}
	return append(notes, b.l.T("note.change"), b.l.T("note.empty"), b.l.T("note.scope"))
}

// comparison is the summary's table of a scope: each metric in this
// period, the previous one and (but for years) the same period a year
// before, with the changes.
type comparison struct {
	b              *book
	g              *grid
	cur, prev, ago *transform.Snapshot
	yearly         bool // a year ago is the previous period: no columns of its own
	cols           int
}

func (b *book) comparison(g *grid, s *transform.Scope) *comparison {
	t := &comparison{b: b, g: g, cur: s.Current(), prev: s.Previous(), ago: &s.YearAgo,
		yearly: b.r.Period.G == transform.Year, cols: 7}
	if t.yearly {
		t.cols = 5
	}
	return t
}

// header writes the table's header in row, with the column of metric
// keys when key.
func (t *comparison) header(row int, key bool) {
	b := t.b
	h := []string{b.l.T("col.metric"), b.l.F("col.current", t.cur.Period), b.l.F("col.previous", t.prev.Period), b.l.T("col.change_prev")}
	if !t.yearly {
		h = append(h, b.l.F("col.year_ago", t.ago.Period), b.l.T("col.change_year"))
	}
	if key {
		h = append(h, b.l.T("col.key"))
	}
	for i, text := range h {
		t.g.put(i+1, row, text, b.st.header)
	}
}

// line writes metric m in row: strong for a headline, with its key
// otherwise.
func (t *comparison) line(row int, m transform.Metric, strong bool) {
	b, g := t.b, t.g
	c, p, y := m.Of(t.cur), m.Of(t.prev), m.Of(t.ago)
	label, value := b.st.label, b.st.value[m.Kind]
	if strong {
		label, value = b.st.strong, b.st.headline[m.Kind]
	}
	g.put(1, row, b.l.T("metric."+m.Key), label)
	g.metric(2, row, c, value)
	g.metric(3, row, p, b.st.value[m.Kind])
	g.put(4, row, changeValue(c, p), b.st.change[m.Kind][tone(m, c, p)])
	col := 5
	if !t.yearly {
		g.metric(5, row, y, b.st.value[m.Kind])
		g.put(6, row, changeValue(c, y), b.st.change[m.Kind][tone(m, c, y)])
		col = 7
	}
	if !strong {
		g.put(col, row, m.Key, b.st.detail)
	}
}

// trend: metrics down, the history periods across.
func (b *book) trend(s *transform.Scope) error {
	g := b.grid("sheet.trend")
	g.put(1, 1, b.l.T("col.metric"), b.st.header)
	for j, snap := range s.Snapshots {
		g.put(j+2, 1, snap.Period.String(), b.st.header)
	}
	for i, m := range transform.Metrics {
		g.put(1, i+2, b.l.T("metric."+m.Key), b.st.label)
		for j := range s.Snapshots {
			g.metric(j+2, i+2, m.Of(&s.Snapshots[j]), b.st.value[m.Kind])
		}
	}
	g.fit(len(s.Snapshots)+1, 12)
	g.freeze(1, 1)
	if g.err != nil {
		return g.err
	}
	// Charts below the table: rates, then revenue against active customers.
	n := len(s.Snapshots)
	rowOf := func(key string) int {
		for i, m := range transform.Metrics {
			if m.Key == key {
				return i + 2
			}
		}
		panic("report: no metric " + key)
	}
	series := func(key string) excelize.ChartSeries {
		r := rowOf(key)
		return excelize.ChartSeries{
			Name:       ref(g.sheet, 1, r, 1, r),
			Categories: ref(g.sheet, 2, 1, n+1, 1),
			Values:     ref(g.sheet, 2, r, n+1, r),
			Marker:     excelize.ChartMarker{Symbol: "circle", Size: 5},
		}
	}
	// The charts print on a page of their own, side by side.
	top := len(transform.Metrics) + 3
	if err := g.f.InsertPageBreak(g.sheet, cellName(1, top)); err != nil {
		return err
	}
	err := g.f.AddChart(g.sheet, cellName(1, top), &excelize.Chart{
		Type:      excelize.Line,
		Series:    []excelize.ChartSeries{series("retention_rate"), series("churn_rate"), series("relative_churn_rate")},
		Title:     b.chartTitle(b.l.T("chart.retention")),
		Legend:    excelize.ChartLegend{Position: "bottom", Font: b.chartFont()},
		XAxis:     excelize.ChartAxis{Font: *b.chartFont()},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, Font: *b.chartFont(), Minimum: zero()},
		Dimension: excelize.ChartDimension{Width: 700, Height: 380},
		Format:    chartFormat(),
	})
	if err != nil {
		return fmt.Errorf("adding the retention chart: %w", err)
	}
	revenue, active := series("revenue"), series("active_customers")
	revenue.Marker = excelize.ChartMarker{}
	// The second chart starts in the column after the first one's width.
	err = g.f.AddChart(g.sheet, cellName(chartColumn(g, 700), top), &excelize.Chart{
		Type:      excelize.Col,
		Series:    []excelize.ChartSeries{revenue},
		Title:     b.chartTitle(b.l.T("chart.revenue")),
		Legend:    excelize.ChartLegend{Position: "bottom", Font: b.chartFont()},
		XAxis:     excelize.ChartAxis{Font: *b.chartFont()},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}, Font: *b.chartFont(), Minimum: zero()},
		Dimension: excelize.ChartDimension{Width: 700, Height: 380},
		Format:    chartFormat(),
	}, &excelize.Chart{
		Type:   excelize.Line,
		Series: []excelize.ChartSeries{active},
		YAxis:  excelize.ChartAxis{Secondary: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}, Font: *b.chartFont(), Minimum: zero()},
		Format: chartFormat(),
	})
	if err != nil {
		return fmt.Errorf("adding the revenue chart: %w", err)
	}
	return nil
}

// ref is an absolute reference to a range of sheet.
func ref(sheet string, c1, r1, c2, r2 int) string {
	a, _ := excelize.CoordinatesToCellName(c1, r1, true)
	z, _ := excelize.CoordinatesToCellName(c2, r2, true)
	return "'" + strings.ReplaceAll(sheet, "'", "''") + "'!" + a + ":" + z
}

func (b *book) chartFont() *excelize.Font {
	return &excelize.Font{Family: b.l.T("font"), Size: 9, Color: "404040"}
}

func zero() *float64 {
	z := 0.0
	return &z
}

// chartColumn is the first column right of a chart of the given width in
// pixels placed at column A (a column of width w is about 7w+5 pixels).
func chartColumn(g *grid, pixels int) int {
	x := 0.0
	for c := 1; ; c++ {
		w, err := g.f.GetColWidth(g.sheet, cellCol(c))
		if err != nil {
			w = 9
		}
		x += w*7 + 5
		if x > float64(pixels)+10 {
			return c + 1
		}
	}
}

func cellCol(c int) string {
	s, _ := excelize.ColumnNumberToName(c)
	return s
}

func (b *book) chartTitle(text string) excelize.ChartTitle {
	return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: text, Font: &excelize.Font{Family: b.l.T("font"), Bold: true, Size: 12}}}}
}

func chartFormat() excelize.GraphicOptions {
	yes := true
	return excelize.GraphicOptions{OffsetX: 5, OffsetY: 5, PrintObject: &yes}
}

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

// date is the calendar day of t in the report time zone, as a time whose
// wall clock Excel reads as that date.
func (b *book) date(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	y, m, d := t.In(b.r.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (b *book) churned(s *transform.Scope, dir Directory) *list {
	st := b.st
	return &list{b: b, sheet: "sheet.churned", table: "Churned",
		note: b.l.F("note.churned_count", len(s.Churned)),
		header: []string{b.l.T("col.customer_id"), b.l.T("col.customer_name"), b.l.T("col.owner"), b.l.T("col.last_purchase"),
			b.l.T("col.revenue_prev"), b.l.T("col.orders_prev"), b.l.T("col.churn_share")},
		styles: []int{st.text, st.text, st.text, st.date, st.value[transform.Money], st.value[transform.Count], st.value[transform.Fraction]},
		n:      len(s.Churned),
		row: func(i int, cells []any) {
			c := &s.Churned[i]
			who := dir[c.CustomerID]
			var share any
			if c.Share.Valid {
				share = c.Share.Value
			}
			cells[0], cells[1], cells[2], cells[3] = Text(c.CustomerID), Text(who.Name), Text(who.Owner), b.date(c.LastPurchase)
			cells[4], cells[5], cells[6] = money(c.RevenuePrevCents), c.OrdersPrev, share
		},
	}
}

func (b *book) signals(sig transform.Signal) string {
	var parts []string
	for _, s := range transform.Signals {
		if sig&s != 0 {
			parts = append(parts, b.l.T("signal."+s.Key()))
		}
	}
	return strings.Join(parts, b.l.T("signal.separator"))
}

func (b *book) atRisk(s *transform.Scope, dir Directory) *list {
	st := b.st
	note := b.l.F("note.at_risk_all", s.AtRiskTotal)
	if s.AtRiskTotal > len(s.AtRisk) {
		note = b.l.F("note.at_risk_truncated", s.AtRiskTotal, len(s.AtRisk))
	}
	return &list{b: b, sheet: "sheet.at_risk", table: "AtRisk", note: note,
		header: []string{b.l.T("col.customer_id"), b.l.T("col.customer_name"), b.l.T("col.owner"), b.l.T("col.signals"),
			b.l.T("col.value_at_risk"), b.l.T("col.lookback"), b.l.T("col.orders_current"), b.l.T("col.avg_orders"),
			b.l.T("col.revenue_current"), b.l.T("col.last_purchase"), b.l.T("col.open_complaints")},
		styles: []int{st.text, st.text, st.text, st.text, st.value[transform.Money], st.value[transform.Count], st.value[transform.Count],
			st.value[transform.Number], st.value[transform.Money], st.date, st.value[transform.Count]},
		n: len(s.AtRisk),
		row: func(i int, cells []any) {
			c := &s.AtRisk[i]
			who := dir[c.CustomerID]
			var avgOrders any
			if c.Lookback > 0 {
				avgOrders = c.AvgOrders
			}
			cells[0], cells[1], cells[2], cells[3] = Text(c.CustomerID), Text(who.Name), Text(who.Owner), b.signals(c.Signals)
			cells[4], cells[5], cells[6], cells[7] = c.ValueAtRisk, int64(c.Lookback), c.Orders, avgOrders
			cells[8], cells[9], cells[10] = money(c.RevenueCents), b.date(c.LastPurchase), c.OpenComplaints
		},
	}
}

func (b *book) cohorts(s *transform.Scope) error {
	g := b.grid("sheet.cohorts")
	h := len(s.Cohorts)
	g.put(1, 1, b.l.T("col.cohort"), b.st.header)
	g.put(2, 1, b.l.T("col.cohort_size"), b.st.header)
	for k := 0; k < h; k++ {
		g.put(k+3, 1, b.l.F("col.cohort_k", k), b.st.header)
	}
	for i, c := range s.Cohorts {
		g.put(1, i+2, c.Period.String(), b.st.label)
		g.put(2, i+2, c.Size, b.st.value[transform.Count])
		for k := range c.Active {
			var v any
			if r := c.Rate(k); r.Valid {
				v = r.Value
			}
			g.put(k+3, i+2, v, b.st.value[transform.Fraction])
		}
	}
	g.fit(h+2, 9)
	g.freeze(2, 1)
	if g.err == nil && h > 1 {
		// A heat map of the retention from +1 on (+0 is 100 % by definition).
		g.err = g.f.SetConditionalFormat(g.sheet, cellName(4, 2)+":"+cellName(h+2, h+1), []excelize.ConditionalFormatOptions{{
			Type: "3_color_scale", Criteria: "=",
			MinType: "min", MidType: "percentile", MidValue: "50", MaxType: "max",
			MinColor: "#F8696B", MidColor: "#FFEB84", MaxColor: "#63BE7B",
		}})
	}
	return g.err
}

func (b *book) tiers(s *transform.Scope) error {
	g := b.grid("sheet.tiers")
	header := []string{b.l.T("col.tier"), b.l.T("metric.base_customers"), b.l.T("metric.retained_customers"), b.l.T("metric.churned_customers"),
		b.l.T("metric.retention_rate"), b.l.T("metric.relative_churn_rate"), b.l.T("col.tier_revenue_prev"), b.l.T("col.tier_churned_prev")}
	for i, h := range header {
		g.put(i+1, 1, h, b.st.header)
	}
	ratio := func(r transform.Ratio) any {
		if r.Valid {
			return r.Value
		}
		return nil
	}
	for i, t := range s.Tiers {
		row := i + 2
		count, frac, mon := b.st.value[transform.Count], b.st.value[transform.Fraction], b.st.value[transform.Money]
		g.put(1, row, b.l.T("tier."+t.Kind.Key()), b.st.label)
		g.put(2, row, t.Base, count)
		g.put(3, row, t.Retained, count)
		g.put(4, row, t.Churned, count)
		g.put(5, row, ratio(t.RetentionRate), frac)
		g.put(6, row, ratio(t.RelativeChurnRate), frac)
		g.put(7, row, money(t.RevenuePrevCents), mon)
		g.put(8, row, money(t.ChurnedPrevCents), mon)
	}
	g.fit(len(header), 12)
	g.note(len(s.Tiers)+3, len(header), b.l.T("note.tiers"), b.st.note, 100)
	return g.err
}

func (b *book) quality() error {
	g := b.grid("sheet.quality")
	q := b.r.Quality
	g.put(1, 1, b.l.T("col.table"), b.st.header)
	g.put(2, 1, b.l.T("quality.read"), b.st.header)
	reads := []struct {
		table string
		n     int64
	}{{transform.TableOrders, q.OrdersRead}, {transform.TableComplaints, q.ComplaintsRead}, {transform.TableCustomers, b.meta.CustomersRead}}
	for i, r := range reads {
		g.put(1, i+2, b.l.T("table."+r.table), b.st.label)
		g.put(2, i+2, r.n, b.st.value[transform.Count])
	}
	row := len(reads) + 3
	header := []string{b.l.T("col.table"), b.l.T("col.handling"), b.l.T("col.reason"), b.l.T("col.rows"), b.l.T("col.examples")}
	for i, h := range header {
		g.put(i+1, row, h, b.st.header)
	}
	row++
	if len(q.Findings) == 0 {
		g.put(1, row, b.l.T("note.none"), b.st.note)
	}
	for _, f := range q.Findings {
		handling := "handling." + f.Handling.String()
		examples := make([]string, len(f.Examples))
		for i, e := range f.Examples {
			examples[i] = Text(e)
		}
		g.put(1, row, b.l.T("table."+f.Table), b.st.label)
		g.put(2, row, b.l.T(handling), b.st.label)
		g.put(3, row, b.l.T("reason."+f.Reason), b.st.label)
		g.put(4, row, f.Count, b.st.value[transform.Count])
		g.put(5, row, strings.Join(examples, ", "), b.st.detail)
		row++
	}
	g.fit(len(header), 12)
	return g.err
}

func (b *book) definitions() error {
	g := b.grid("sheet.definitions")
	for i, h := range []string{b.l.T("col.metric"), b.l.T("col.key"), b.l.T("col.definition")} {
		g.put(i+1, 1, h, b.st.header)
	}
	row := 2
	for _, m := range transform.Metrics {
		g.put(1, row, b.l.T("metric."+m.Key), b.st.label)
		g.put(2, row, m.Key, b.st.detail)
		g.put(3, row, b.l.T("def."+m.Key), b.st.note)
		row++
	}
	row++
	g.put(1, row, b.l.T("note.title"), b.st.header)
	row++
	notes := []string{b.l.T("note.textbook"), b.l.T("note.share_of_wallet"), b.l.T("note.tiers"), b.l.T("note.at_risk"),
		b.l.T("note.scope"), b.l.F("note.periods", b.r.Location), b.l.T("note.empty")}
	for _, n := range notes {
		g.note(row, 3, n, b.st.note, 140)
		row++
	}
	if g.err == nil {
		g.err = g.f.SetColWidth(g.sheet, "A", "A", 28)
	}
	if g.err == nil {
		g.err = g.f.SetColWidth(g.sheet, "B", "B", 32)
	}
	if g.err == nil {
		g.err = g.f.SetColWidth(g.sheet, "C", "C", 90)
	}
	g.freeze(0, 1)
	return g.err
}

// departments: every department's metrics of the period side by side.
func (b *book) departments() error {
	g := b.grid("sheet.departments")
	if g.err == nil {
		g.err = b.onePage(g.sheet)
	}
	scopes := append([]*transform.Scope{&b.r.Company}, ptrs(b.r.Departments)...)
	g.put(1, 1, b.l.T("col.metric"), b.st.header)
	for j, s := range scopes {
		g.put(j+2, 1, b.l.scopeName(s), b.st.header)
	}
	for i, m := range transform.Metrics {
		g.put(1, i+2, b.l.T("metric."+m.Key), b.st.label)
		for j, s := range scopes {
			g.metric(j+2, i+2, m.Of(s.Current()), b.st.value[m.Kind])
		}
	}
	g.fit(len(scopes)+1, 12)
	g.freeze(1, 1)
	if g.err != nil {
		return g.err
	}
	r := 0
	for i, m := range transform.Metrics {
		if m.Key == "retention_rate" {
			r = i + 2
		}
	}
	err := g.f.AddChart(g.sheet, cellName(1, len(transform.Metrics)+3), &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name:       ref(g.sheet, 1, r, 1, r),
			Categories: ref(g.sheet, 2, 1, len(scopes)+1, 1),
			Values:     ref(g.sheet, 2, r, len(scopes)+1, r),
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

func ptrs(s []transform.Scope) []*transform.Scope {
	out := make([]*transform.Scope, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

// causeWidth is about the text the cause column holds on a line at its
// widest (columnWidth's limit); longer causes wrap.
const causeWidth = 58

// restatements: the figures of the scope that moved since they were
// published, with the value then, now, the difference and the likely
// cause.
func (b *book) restatements(s *transform.Scope) error {
	g := b.grid("sheet.restatements")
	rs := restatementsOf(b.meta.Restatements, s)
	header := []string{b.l.T("col.period"), b.l.T("col.metric"), b.l.T("col.reported"), b.l.T("col.reported_at"),
		b.l.T("col.now"), b.l.T("col.difference"), b.l.T("col.cause")}
	for i, h := range header {
		g.put(i+1, 1, h, b.st.header)
	}
	if len(rs) == 0 {
		g.note(2, len(header), b.l.T("note.not_restated"), b.st.note, 1000)
	}
	for i, r := range rs {
		row := i + 2
		k := r.Metric.Kind
		g.put(1, row, r.Period.String(), b.st.label)
		g.put(2, row, b.l.T("metric."+r.Metric.Key), b.st.label)
		var was any
		if r.Reported.Value != nil {
			was = *r.Reported.Value
		}
		g.set(3, row, was, b.st.valueTop[k])
		g.put(4, row, r.Reported.GeneratedAt.In(b.r.Location).Format("2006-01-02 15:04"), b.st.label)
		g.metric(5, row, r.Now, b.st.valueTop[k])
		var diff any
		if now, ok := publication.Float(r.Now); ok && r.Reported.Value != nil {
			d := now - *r.Reported.Value
			if k == transform.Fraction {
				d *= 100
			}
			diff = d
		}
		g.set(6, row, diff, b.st.changeTop[k])
		cause := b.l.Cause(r, b.meta.Currency)
		g.put(7, row, cause, b.st.note)
		if lines := int(displayWidth(cause)/causeWidth) + 1; lines > 1 {
			g.height(row, 15*float64(lines))
		}
	}
	g.fit(len(header), 16)
	g.freeze(0, 1)
	return g.err
}
