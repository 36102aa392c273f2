package report

import (
	"strings"

	"retention/transform"
)

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

	q := b.scopeQuality()
	warnings := q.Warnings()
	height := 22.0
	switch {
	case b.unassigned():
		height = b.unassignedBanner(g, 3, cols)
	case q.SkippedOrders+q.SkippedComplaints+warnings > 0:
		g.note(3, cols, "⚠ "+b.l.F("note.quality_skipped", q.SkippedOrders, q.SkippedComplaints, warnings), b.st.bannerWarn, 1000)
	default:
		g.note(3, cols, "✓ "+b.l.T("note.quality_ok"), b.st.bannerOK, 1000)
	}
	g.height(3, height)
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
