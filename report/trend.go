package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

// trendTop is the row of the trend table's header: the charts come first,
// on the first screen and the first printed page, in rows of 16 points
// that hold them.
const (
	trendTop         = 21
	trendChartHeight = 330 // pixels
)

// trend: charts of retention, revenue and the revenue bridge over the
// history window, then every metric down and the periods across.
func (b *book) trend(s *transform.Scope) error {
	g := b.grid("sheet.trend")
	metrics := b.shownMetrics()
	g.put(1, trendTop, b.l.T("col.metric"), b.st.header)
	for j, snap := range s.Snapshots {
		g.put(j+2, trendTop, snap.Period.String(), b.st.header)
	}
	rows := map[string]int{}
	row := trendTop + 1
	for _, m := range metrics {
		rows[m.Key] = row
		g.put(1, row, b.l.T("metric."+m.Key), b.st.label)
		for j := range s.Snapshots {
			g.metric(j+2, row, m.Of(&s.Snapshots[j]), b.st.value[m.Kind])
		}
		row++
		if m.Key == "retention_rate" {
			// Beside the actual rate, the rate the model predicted for the
			// period at the end of the one before: the backtest.
			rows[predictedKey] = row
			b.predictedRow(g, s, row)
			row++
		}
	}
	g.note(row+1, len(s.Snapshots)+1, b.backtestNote(s), b.st.note, float64(columnsPixels(g, 1, len(s.Snapshots)+2))/8)
	// The bridge's falls as negative amounts, for its chart: hidden rows
	// below the table.
	falls := row + 3
	for i, key := range []string{"revenue_contraction", "revenue_churned"} {
		row := falls + i
		rows["-"+key] = row
		g.put(1, row, "− "+b.l.T("metric."+key), b.st.label)
		for j := range s.Snapshots {
			g.set(j+2, row, -money(metricByKey(key).Of(&s.Snapshots[j]).Int), b.st.value[transform.Money])
		}
		if g.err == nil {
			g.err = g.f.SetRowVisible(g.sheet, row, false)
		}
	}
	g.fit(len(s.Snapshots)+1, 12)
	g.freeze(1, 0)
	for r := 1; r < trendTop; r++ {
		g.height(r, 16) // 19 rows of 16 points: 405 pixels, the charts and a margin for readers that draw rows smaller
	}
	if g.err == nil {
		g.err = g.f.InsertPageBreak(g.sheet, cellName(1, trendTop-1))
	}
	if g.err != nil {
		return g.err
	}
	return b.trendCharts(g, len(s.Snapshots), rows)
}

// predictedKey names the trend's row of predicted retention.
const predictedKey = "predicted_retention_rate"

// predictedRow writes the retention rate predicted for each period shown,
// by the forecast fitted at the end of the one before.
func (b *book) predictedRow(g *grid, s *transform.Scope, row int) {
	g.put(1, row, b.l.T("forecast.predicted_row"), b.st.label)
	for j, snap := range s.Snapshots {
		v := transform.Value{Kind: transform.Fraction}
		if fc := s.ForecastAt(snap.Period.Add(-1)); fc != nil && fc.PredictedRetention.Valid {
			v.Float, v.Valid = fc.PredictedRetention.Value, true
		}
		g.metric(j+2, row, v, b.st.value[transform.Fraction])
	}
}

// backtestNote says how far the predictions shown were from the rates
// that followed: their mean absolute error, in percentage points.
func (b *book) backtestNote(s *transform.Scope) string {
	sum, n := 0.0, 0
	for i := range s.Snapshots {
		snap := &s.Snapshots[i]
		fc := s.ForecastAt(snap.Period.Add(-1))
		if fc == nil || !fc.PredictedRetention.Valid || !snap.RetentionRate.Valid {
			continue
		}
		sum += math.Abs(fc.PredictedRetention.Value - snap.RetentionRate.Value)
		n++
	}
	if n == 0 {
		return b.l.T("note.backtest_none")
	}
	return b.l.F("note.backtest", n, sum/float64(n)*100)
}

// trendCharts draws the trend sheet's three charts side by side above the
// table, from the table's rows.
func (b *book) trendCharts(g *grid, n int, rows map[string]int) error {
	series := func(key string) excelize.ChartSeries {
		r := rows[key]
		return excelize.ChartSeries{
			Name:       ref(g.sheet, 1, r, 1, r),
			Categories: ref(g.sheet, 2, trendTop, n+1, trendTop),
			Values:     ref(g.sheet, 2, r, n+1, r),
			Marker:     excelize.ChartMarker{Symbol: "circle", Size: 5},
		}
	}
	width := uint(max(360, columnsPixels(g, 1, n+2)/3-10))
	axis := func(format string) excelize.ChartAxis {
		return excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: format}, Font: *b.chartFont()}
	}
	chart := func(title string, typ excelize.ChartType, ss ...excelize.ChartSeries) *excelize.Chart {
		return &excelize.Chart{Type: typ, Series: ss, Title: b.chartTitle(title),
			Legend: excelize.ChartLegend{Position: "bottom", Font: b.chartFont()},
			XAxis:  excelize.ChartAxis{Font: *b.chartFont(), Alignment: excelize.Alignment{TextRotation: -45}},
			YAxis:  axis("0%"), Dimension: excelize.ChartDimension{Width: width, Height: trendChartHeight}, Format: chartFormat()}
	}
	predicted := series(predictedKey)
	predicted.Line = excelize.LineOptions{Dash: excelize.LineDashDash}
	retention := chart(b.l.T("chart.retention"), excelize.Line, series("retention_rate"), predicted, series("relative_churn_rate"))
	retention.YAxis.Minimum = zero()
	revenue, active := series("revenue"), series("active_customers")
	revenue.Marker = excelize.ChartMarker{}
	sales := chart(b.l.T("chart.revenue"), excelize.Col, revenue)
	sales.YAxis = axis("#,##0")
	activeLine := &excelize.Chart{Type: excelize.Line, Series: []excelize.ChartSeries{active},
		YAxis: excelize.ChartAxis{Secondary: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}, Font: *b.chartFont(), Minimum: zero()}, Format: chartFormat()}
	var steps []excelize.ChartSeries
	for _, key := range []string{"revenue_new", "revenue_reactivated", "revenue_expansion", "-revenue_contraction", "-revenue_churned", "revenue_other"} {
		ss := series(key)
		ss.Marker = excelize.ChartMarker{}
		steps = append(steps, ss)
	}
	bridge := chart(b.l.T("section.bridge"), excelize.ColStacked, steps...)
	bridge.YAxis = axis("#,##0")
	bridge.XAxis.TickLabelPosition = excelize.ChartTickLabelLow // below the falls, not across them
	overlap := 100
	bridge.Overlap = &overlap
	second := 1 + trendChartCols(g, 1, int(width))
	third := second + trendChartCols(g, second, int(width))
	for _, c := range []struct {
		col    int
		charts []*excelize.Chart
		what   string
	}{{1, []*excelize.Chart{retention}, "retention"}, {second, []*excelize.Chart{sales, activeLine}, "revenue"}, {third, []*excelize.Chart{bridge}, "revenue bridge"}} {
		if err := g.f.AddChart(g.sheet, cellName(c.col, 1), c.charts[0], c.charts[1:]...); err != nil {
			return fmt.Errorf("adding the %s chart: %w", c.what, err)
		}
	}
	return nil
}

// trendChartCols is how many columns from from a chart of the given
// width in pixels covers.
func trendChartCols(g *grid, from, pixels int) int {
	n := 1
	for columnsPixels(g, from, from+n) < pixels+10 {
		n++
	}
	return n
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

func cellCol(c int) string {
	s, _ := excelize.ColumnNumberToName(c)
	return s
}

func (b *book) chartTitle(text string) excelize.ChartTitle {
	return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: text, Font: &excelize.Font{Family: b.l.T("font"), Bold: true, Size: 12}}}}
}

func chartFormat() excelize.GraphicOptions { return chartOffset(0) }

// chartOffset places a chart x pixels right of its cell.
func chartOffset(x int) excelize.GraphicOptions {
	yes := true
	return excelize.GraphicOptions{OffsetX: 5 + x, OffsetY: 5, PrintObject: &yes}
}
