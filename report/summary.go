package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

func (b *book) granularity() string { return b.l.T("granularity." + b.r.Period.G.String()) }

// headline metrics lead the summary: what a manager reads first.
var headline = []string{"retention_rate", "relative_churn_rate", "at_risk_retention_rate", "revenue",
	"active_customers", "new_customers", "purchase_frequency"}

func metricByKey(key string) transform.Metric {
	m, ok := transform.MetricByKey(key)
	if !ok {
		panic("report: no metric " + key)
	}
	return m
}

// shownMetrics are the metrics the summary's full list and the trend show:
// all of them but new_customers_per_month in a monthly report, where it is
// new_customers again.
func (b *book) shownMetrics() []transform.Metric {
	var out []transform.Metric
	for _, m := range transform.Metrics {
		if m.Key == "new_customers_per_month" && b.r.Period.G == transform.Month {
			continue
		}
		out = append(out, m)
	}
	return out
}

// summary: a first page that prints on one landscape sheet (the headline
// metrics beside the previous period, a year before and their targets;
// the revenue bridge with its waterfall; the retention trend), then every
// other metric the same way, and notes.
func (b *book) summary(title string, s *transform.Scope) error {
	g := b.grid("sheet.summary")
	t := b.comparison(g, s)
	b.summaryWidths(g, t.cols)
	if g.err == nil {
		// Narrow top and bottom margins: the first page holds a table and
		// two charts.
		side, top, edge := 0.7, 0.5, 0.25
		g.err = g.f.SetPageMargins(g.sheet, &excelize.PageLayoutMarginsOptions{
			Left: &side, Right: &side, Top: &top, Bottom: &top, Header: &edge, Footer: &edge})
	}
	row := b.banners(g, title, t.cols, s) + 1
	g.note(row, t.cols, b.l.T("section.headline"), b.st.section, 1000)
	row++
	t.header(row)
	row++
	for _, key := range headline {
		t.line(row, metricByKey(key), true)
		g.height(row, 18)
		row++
		if key == "retention_rate" {
			t.forecastLine(row)
			g.height(row, 18)
			row++
		}
	}
	row = b.bridge(g, s, row+1, t.cols)
	if g.err == nil {
		g.err = g.f.InsertPageBreak(g.sheet, cellName(1, row))
	}
	g.note(row, t.cols, b.l.T("section.all"), b.st.section, 1000)
	row++
	t.header(row)
	row++
	for _, m := range b.shownMetrics() {
		if !isHeadline(m.Key) {
			t.line(row, m, false)
			row++
		}
	}
	row++
	for _, n := range b.summaryNotes(s) {
		g.note(row, t.cols, n, b.st.note, 110)
		row++
	}
	return g.err
}

// summaryWidths sets the summary's column widths before anything is
// placed by them (the charts are): the labels' column as wide as the
// longest label, the bridge's amounts beside it, and the rest sharing the
// width of the two charts beside the bridge, so that the first page's
// table and charts end at one right edge.
func (b *book) summaryWidths(g *grid, cols int) {
	labels := []string{b.l.F("bridge.previous", b.r.Period), b.l.T("col.bridge_item")}
	for _, m := range transform.Metrics {
		labels = append(labels, "− "+b.l.T("metric."+m.Key))
	}
	widths := []float64{min(columnWidth(labels...)+1, 44), 17}
	rest := max(16, (float64(chartsWidth)/float64(cols-2)-5)/7)
	for range cols - 2 {
		widths = append(widths, rest)
	}
	for c, w := range widths {
		if g.err == nil {
			g.err = g.f.SetColWidth(g.sheet, cellCol(c+1), cellCol(c+1), w)
		}
	}
}

func isHeadline(key string) bool {
	for _, k := range headline {
		if k == key {
			return true
		}
	}
	return false
}

// banners writes the summary's first rows: the title, the subtitle, the
// data-quality banner, the scope's missed targets and, when --force
// published past failed checks, the banner naming them. It returns the
// first row after them.
func (b *book) banners(g *grid, title string, cols int, s *transform.Scope) int {
	subtitle := b.l.F("subtitle", b.granularity(), b.r.Period, b.r.Location,
		b.meta.GeneratedAt.In(b.r.Location).Format("2006-01-02 15:04"), b.meta.RunID)
	g.note(1, cols, title, b.st.title, 1000)
	g.height(1, 28)
	g.note(2, cols, subtitle, b.st.subtitle, 1000)
	row := 3
	banner := func(text string, style int) {
		g.note(row, cols, text, style, 150)
		g.height(row, 4+16*float64(int(displayWidth(text)/150)+1))
		row++
	}

	q := b.scopeQuality()
	warnings := q.Warnings()
	switch {
	case b.unassigned():
		banner(b.unassignedText(), b.st.bannerWarn)
	case q.SkippedOrders+q.SkippedComplaints+warnings > 0:
		banner("⚠ "+b.l.F("note.quality_skipped", q.SkippedOrders, q.SkippedComplaints, warnings), b.st.bannerWarn)
	default:
		banner("✓ "+b.l.T("note.quality_ok"), b.st.bannerOK)
	}
	if missed := b.alertsOf(s); len(missed) > 0 {
		var parts []string
		for _, a := range missed {
			m := metricByKey(a.Metric)
			parts = append(parts, b.l.F("alert.item", b.l.T("metric."+m.Key), valueText(m.Of(s.Current()), b.meta.Currency),
				b.targetText(m, transform.Target{Min: a.Min, Max: a.Max})))
		}
		banner("⚠ "+b.l.F("note.alerts", len(missed), strings.Join(parts, b.l.T("signal.separator"))), b.st.bannerAlarm)
	}
	if len(b.meta.Forced) > 0 {
		var failed []string
		for _, f := range b.meta.Forced {
			failed = append(failed, b.l.Text(f))
		}
		banner("⚠ "+b.l.F("note.forced", strings.Join(failed, b.l.T("signal.separator"))), b.st.bannerAlarm)
	}
	return row
}

// alertsOf are the alerts of scope s.
func (b *book) alertsOf(s *transform.Scope) []transform.Alert {
	var out []transform.Alert
	for _, a := range b.meta.Alerts {
		if a.Company == s.Company && a.Department == s.Department {
			out = append(out, a)
		}
	}
	return out
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
	notes = append(notes, b.forecastNote(s))
	return append(notes, b.l.T("note.change"), b.l.T("note.empty"), b.l.T("note.scope"))
}

// comparison is the summary's table of a scope: each metric in this
// period, its target when one applies, the previous period and (but for
// years) the same period a year before, with the changes.
type comparison struct {
	b              *book
	g              *grid
	s              *transform.Scope
	cur, prev, ago *transform.Snapshot
	targets        []transform.Target // those that apply to the scope
	yearly         bool               // a year ago is the previous period: no columns of its own
	cols           int
}

func (b *book) comparison(g *grid, s *transform.Scope) *comparison {
	t := &comparison{b: b, g: g, s: s, cur: s.Current(), prev: s.Previous(), ago: &s.YearAgo,
		yearly: b.r.Period.G == transform.Year}
	scope := s.Department
	if s.Company {
		scope = transform.CompanyScope
	}
	for _, tg := range b.meta.Targets {
		if tg.AppliesTo(scope) {
			t.targets = append(t.targets, tg)
		}
	}
	t.cols = 6
	if t.yearly {
		t.cols = 4
	}
	if len(t.targets) > 0 {
		t.cols++
	}
	return t
}

// header writes the table's header in row.
func (t *comparison) header(row int) {
	b := t.b
	h := []string{b.l.T("col.metric"), b.l.F("col.current", t.cur.Period)}
	if len(t.targets) > 0 {
		h = append(h, b.l.T("col.target"))
	}
	h = append(h, b.l.F("col.previous", t.prev.Period), b.l.T("col.change_prev"))
	if !t.yearly {
		h = append(h, b.l.F("col.year_ago", t.ago.Period), b.l.T("col.change_year"))
	}
	for i, text := range h {
		t.g.put(i+1, row, text, b.st.header)
	}
	t.g.height(row, 30)
}

// line writes metric m in row, strong for a headline; a value that misses
// its target is marked.
func (t *comparison) line(row int, m transform.Metric, strong bool) {
	b, g := t.b, t.g
	c, p, y := m.Of(t.cur), m.Of(t.prev), m.Of(t.ago)
	label, value := b.st.label, b.st.value[m.Kind]
	if strong {
		label, value = b.st.strong, b.st.headline[m.Kind]
	}
	g.put(1, row, b.l.T("metric."+m.Key), label)
	col := 3 // the previous period's
	if len(t.targets) > 0 {
		text, missed := t.target(m, c)
		style := b.st.detail
		if missed {
			value, style = b.st.missed[m.Kind], b.st.missedText
		}
		g.put(3, row, text, style)
		col = 4
	}
	g.metric(2, row, c, value)
	g.metric(col, row, p, b.st.value[m.Kind])
	g.put(col+1, row, changeValue(c, p), b.st.change[m.Kind][tone(m, c, p)])
	if !t.yearly {
		g.metric(col+2, row, y, b.st.value[m.Kind])
		g.put(col+3, row, changeValue(c, y), b.st.change[m.Kind][tone(m, c, y)])
	}
}

// forecastLine writes the retention rate the model predicts for the next
// period, beside the current one: as predicted at the end of this period,
// of the previous one and of the year before (each for the period after
// it), with the changes.
func (t *comparison) forecastLine(row int) {
	b, g := t.b, t.g
	at := func(s *transform.Snapshot) transform.Value {
		v := transform.Value{Kind: transform.Fraction}
		if fc := t.s.ForecastAt(s.Period); fc != nil && fc.PredictedRetention.Valid {
			v.Float, v.Valid = fc.PredictedRetention.Value, true
		}
		return v
	}
	m := metricByKey("retention_rate")
	c, p, y := at(t.cur), at(t.prev), at(t.ago)
	g.put(1, row, b.l.F("forecast.next", t.cur.Period.Add(1)), b.st.label)
	g.metric(2, row, c, b.st.value[transform.Fraction])
	col := 3
	if len(t.targets) > 0 {
		col = 4
	}
	g.metric(col, row, p, b.st.value[transform.Fraction])
	g.put(col+1, row, changeValue(c, p), b.st.change[transform.Fraction][tone(m, c, p)])
	if !t.yearly {
		g.metric(col+2, row, y, b.st.value[transform.Fraction])
		g.put(col+3, row, changeValue(c, y), b.st.change[transform.Fraction][tone(m, c, y)])
	}
}

// target is the text of m's targets in this scope, and whether v misses
// one of them.
func (t *comparison) target(m transform.Metric, v transform.Value) (string, bool) {
	var texts []string
	missed := false
	n, ok := v.Number()
	for _, tg := range t.targets {
		if tg.Metric != m.Key {
			continue
		}
		text := t.b.targetText(m, tg)
		if ok && !tg.Holds(n) {
			missed = true
			text = "✗ " + text
		}
		texts = append(texts, text)
	}
	return strings.Join(texts, "; "), missed
}

// targetText shows a target's bounds in the metric's unit: ≥ 60.0%,
// ≤ ¥1,000.00, 60.0%–80.0%.
func (b *book) targetText(m transform.Metric, tg transform.Target) string {
	show := func(x float64) string { return boundText(m.Kind, x, b.meta.Currency) }
	switch {
	case tg.Min != nil && tg.Max != nil:
		return show(*tg.Min) + "–" + show(*tg.Max)
	case tg.Min != nil:
		return "≥ " + show(*tg.Min)
	case tg.Max != nil:
		return "≤ " + show(*tg.Max)
	}
	return ""
}

// boundText shows a bound given in the manifest's unit as a value of kind
// is shown.
func boundText(kind transform.Kind, x float64, currency string) string {
	switch kind {
	case transform.Fraction:
		return fmt.Sprintf("%.1f%%", x*100)
	case transform.Money, transform.Amount:
		return moneyText(currency, int64(math.Round(x*100)))
	case transform.Count:
		return thousands(int64(x))
	}
	return fmt.Sprintf("%.2f", x)
}

// forecastNote says what the predicted retention is, in two plain
// sentences, or why there is none.
func (b *book) forecastNote(s *transform.Scope) string {
	fc := s.ForecastAt(b.r.Period)
	if fc == nil || !fc.PredictedRetention.Valid {
		return b.l.F("note.forecast_none", b.forecastReason(fc))
	}
	return b.l.F("note.forecast", fc.Customers)
}
