package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

// bridgeSteps are the revenue bridge's steps from the previous period's
// revenue to this one's, each with the sign it adds with.
var bridgeSteps = []struct {
	key  string
	sign int64
}{
	{"revenue_new", 1}, {"revenue_reactivated", 1}, {"revenue_expansion", 1},
	{"revenue_contraction", -1}, {"revenue_churned", -1}, {"revenue_other", 1},
}

// Columns of the data behind the summary's charts: hidden, right of
// everything shown (a chart plots hidden cells: excelize writes
// plotVisOnly false).
const (
	chartDataCol = 27 // AA: the waterfall's labels, its invisible base, then each bar kind's part above and below zero
	trendDataCol = 36 // AJ: the history's periods, retention, relative churn
)

// The waterfall's kinds of bar, each a colour: two series each (the part
// above zero and the part below), since a chart colours a series, not a
// point.
const (
	barTotal = iota
	barRise
	barFall
	barKinds
)

var barColors = [barKinds]string{"4472C4", "70AD47", "E06666"}

// bridge writes the revenue bridge of the reported period from row: how
// revenue went from the previous period's to this one's, step by step,
// with the net and gross revenue retention; beside it a waterfall of the
// steps and a small chart of retention over the history window. It
// returns the first row after the block.
func (b *book) bridge(g *grid, s *transform.Scope, row, cols int) int {
	cur, prev := s.Current(), s.Previous()
	g.note(row, cols, b.l.T("section.bridge"), b.st.section, 1000)
	row++
	top := row
	g.put(1, row, b.l.T("col.bridge_item"), b.st.header)
	g.put(2, row, b.l.T("col.amount"), b.st.header)
	row++
	level := prev.RevenueCents
	bars := 0
	bar := func(label string, from, to int64, kind int) {
		base, above, below := waterfall(from, to)
		g.set(chartDataCol, row, label, 0)
		g.set(chartDataCol+1, row, money(base), 0)
		g.set(chartDataCol+2+2*kind, row, money(above), 0)
		g.set(chartDataCol+3+2*kind, row, money(below), 0)
		bars++
	}
	line := func(label string, cents int64, style int) {
		g.put(1, row, label, style)
		g.put(2, row, money(cents), b.st.value[transform.Money])
		g.height(row, 18)
	}
	line(b.l.F("bridge.previous", prev.Period), prev.RevenueCents, b.st.strong)
	bar(prev.Period.String(), 0, prev.RevenueCents, barTotal)
	row++
	for _, step := range bridgeSteps {
		m := metricByKey(step.key)
		cents := step.sign * m.Of(cur).Int
		sign := "+ "
		if step.sign < 0 {
			sign = "− "
		} else if step.key == "revenue_other" {
			sign = "± "
		}
		line(sign+b.l.T("metric."+step.key), cents, b.st.label)
		kind := barRise
		if cents < 0 {
			kind = barFall
		}
		bar(b.l.T("bridge.short."+step.key), level, level+cents, kind)
		level += cents
		row++
	}
	line(b.l.F("bridge.current", cur.Period), cur.RevenueCents, b.st.strong)
	bar(cur.Period.String(), 0, cur.RevenueCents, barTotal)
	row++
	for _, key := range []string{"revenue_retention_rate", "gross_revenue_retention_rate"} {
		m := metricByKey(key)
		g.put(1, row, b.l.T("metric."+key), b.st.label)
		g.metric(2, row, m.Of(cur), b.st.value[m.Kind])
		g.height(row, 18)
		row++
	}
	split := bridgeChartCol + (cols-bridgeChartCol+2)/2 // the first column of the retention chart
	if g.err == nil {
		g.err = b.waterfallChart(g, top+1, bars, columnsPixels(g, bridgeChartCol, split))
	}
	if g.err == nil {
		g.err = g.f.SetColVisible(g.sheet, cellCol(chartDataCol)+":"+cellCol(trendDataCol+2), false)
	}
	if g.err == nil {
		g.err = b.retentionChart(g, s, top, split, columnsPixels(g, split, cols+1))
	}
	if g.err != nil {
		g.err = fmt.Errorf("writing the revenue bridge: %w", g.err)
	}
	// The block goes on below the charts: rows of the default 15 points
	// (20 pixels) until their height is passed.
	for px := blockPixels(g, top, row); px < chartHeight+10; px += 20 {
		g.height(row, 15)
		row++
	}
	return b.bridgeNote(g, s, row, cols)
}

// bridgeNote says below the bridge what its movements mean in this
// scope: they do not add up across departments (the spec's "departments
// vs company"). It leaves a row to the charts, whose legends reach below
// their anchor as LibreOffice and Excel draw them, and returns the first
// row after the block.
func (b *book) bridgeNote(g *grid, s *transform.Scope, row, cols int) int {
	note := b.l.T("note.bridge_department")
	if s.Company {
		note = b.l.T("note.bridge_company")
	}
	g.height(row, 15)
	g.note(row+1, cols, note, b.st.note, float64(columnsPixels(g, 1, cols+1))/8)
	return row + 3
}

// The summary's charts, in pixels: their height, and the width of both
// side by side, from the column after the bridge's table; the waterfall
// takes the first half of those columns, the retention chart the rest.
const (
	chartHeight    = 260
	chartsWidth    = 700
	bridgeChartCol = 3
)

// columnsPixels is the width in pixels of columns from to to-1 (a column
// of width w is about 7w+5 pixels).
func columnsPixels(g *grid, from, to int) int {
	px := 0
	for c := from; c < to; c++ {
		w, err := g.f.GetColWidth(g.sheet, cellCol(c))
		if err != nil {
			w = 9
		}
		px += int(w*7 + 5)
	}
	return px
}

// blockPixels is the height in pixels of rows from to to-1.
func blockPixels(g *grid, from, to int) int {
	px := 0.0
	for r := from; r < to; r++ {
		h, err := g.f.GetRowHeight(g.sheet, r)
		if err != nil {
			h = 15
		}
		px += h * 4 / 3
	}
	return int(px)
}

// waterfall splits a bar from level from to level to into the stacked
// columns that draw it: an invisible base, and the visible part above and
// below zero (a bar may cross it).
func waterfall(from, to int64) (base, rise, fall int64) {
	lo, hi := min(from, to), max(from, to)
	switch {
	case lo >= 0:
		return lo, hi - lo, 0
	case hi <= 0:
		return hi, 0, lo - hi
	}
	return 0, hi, lo
}

// waterfallChart draws the bridge's bars from the data in the hidden
// columns, rows first to first+bars-1.
func (b *book) waterfallChart(g *grid, first, bars, width int) error {
	end := first + bars - 1
	labels := ref(g.sheet, chartDataCol, first, chartDataCol, end)
	name := ref(g.sheet, 1, first-2, 1, first-2) // the block's title
	series := []excelize.ChartSeries{{Name: name, Categories: labels,
		Values: ref(g.sheet, chartDataCol+1, first, chartDataCol+1, end), Fill: excelize.Fill{Type: "pattern", Pattern: 0}}}
	for kind, color := range barColors {
		for part := range 2 {
			col := chartDataCol + 2 + 2*kind + part
			series = append(series, excelize.ChartSeries{Name: name, Categories: labels,
				Values: ref(g.sheet, col, first, col, end), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}})
		}
	}
	gap, overlap := uint(40), 100
	return g.f.AddChart(g.sheet, cellName(bridgeChartCol, first-1), &excelize.Chart{
		Type:      excelize.ColStacked,
		Series:    series,
		Title:     b.chartTitle(b.l.F("chart.bridge", b.r.Period)),
		Legend:    excelize.ChartLegend{Position: "none"},
		XAxis:     excelize.ChartAxis{Font: *b.chartFont(), Alignment: excelize.Alignment{TextRotation: -45}},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}, Font: *b.chartFont()},
		Dimension: excelize.ChartDimension{Width: uint(width - 10), Height: chartHeight},
		GapWidth:  &gap,
		Overlap:   &overlap,
		Format:    chartFormat(),
	})
}

// retentionChart is the history window's retention and relative churn,
// beside the waterfall.
func (b *book) retentionChart(g *grid, s *transform.Scope, top, col, width int) error {
	first := top + 1
	g.set(trendDataCol+1, top, b.l.T("metric.retention_rate"), 0)
	g.set(trendDataCol+2, top, b.l.T("metric.relative_churn_rate"), 0)
	for i := range s.Snapshots {
		snap := &s.Snapshots[i]
		g.set(trendDataCol, first+i, snap.Period.String(), 0)
		g.set(trendDataCol+1, first+i, cellValue(metricByKey("retention_rate").Of(snap)), 0)
		g.set(trendDataCol+2, first+i, cellValue(metricByKey("relative_churn_rate").Of(snap)), 0)
	}
	if g.err != nil {
		return g.err
	}
	end := first + len(s.Snapshots) - 1
	series := func(col int) excelize.ChartSeries {
		return excelize.ChartSeries{
			Name:       ref(g.sheet, col, top, col, top), // a literal name with a space would read as a reference
			Categories: ref(g.sheet, trendDataCol, first, trendDataCol, end),
			Values:     ref(g.sheet, col, first, col, end),
			Marker:     excelize.ChartMarker{Symbol: "circle", Size: 4},
		}
	}
	return g.f.AddChart(g.sheet, cellName(col, top), &excelize.Chart{
		Type:      excelize.Line,
		Series:    []excelize.ChartSeries{series(trendDataCol + 1), series(trendDataCol + 2)},
		Title:     b.chartTitle(b.l.T("chart.retention_small")),
		Legend:    excelize.ChartLegend{Position: "bottom", Font: b.chartFont()},
		XAxis:     excelize.ChartAxis{Font: *b.chartFont(), Alignment: excelize.Alignment{TextRotation: -45}},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, Font: *b.chartFont(), Minimum: zero()},
		Dimension: excelize.ChartDimension{Width: uint(width - 10), Height: chartHeight},
		Format:    chartFormat(),
	})
}
