package report

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"retention/transform"
)

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
