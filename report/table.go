package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"retention/history"
	"retention/transform"
)

// WriteRestatementTable prints restatements as the Restatements sheet has
// them, as a table for a terminal: columns aligned by display width, in
// which Chinese characters take two.
func (l Labels) WriteRestatementTable(w io.Writer, rs []history.Restatement, currency string, loc *time.Location) error {
	rows := [][]string{{l.T("col.period"), l.T("col.department"), l.T("col.metric"), l.T("col.reported"),
		l.T("col.reported_at"), l.T("col.now"), l.T("col.difference"), l.T("col.cause")}}
	for _, r := range rs {
		dept := l.T("company")
		if !r.Company {
			dept = l.DepartmentName(r.Department)
		}
		var now *float64
		if f, ok := r.Now.Number(); ok {
			now = &f
		}
		k := r.Metric.Kind
		rows = append(rows, []string{r.Period.String(), dept, l.T("metric." + r.Metric.Key),
			figure(r.Reported.Value, k, currency), r.Reported.GeneratedAt.In(loc).Format("2006-01-02 15:04"),
			figure(now, k, currency), l.difference(r.Reported.Value, now, k, currency), l.Cause(r, currency)})
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], columns(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			if i == len(row)-1 { // the cause: last, unpadded
				b.WriteString(cell)
				break
			}
			pad := widths[i] - columns(cell)
			if i >= 3 && i != 4 { // figures align right
				b.WriteString(strings.Repeat(" ", pad) + cell)
			} else {
				b.WriteString(cell + strings.Repeat(" ", pad))
			}
			b.WriteString("  ")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, strings.TrimRight(b.String(), " "))
	return err
}

// figure is a published or recomputed figure as text: money with its
// currency, ratios in percent, counts whole; "—" when undefined.
// valueText shows a metric's value as its cell does: ¥1,234.50, 81.3%.
func valueText(v transform.Value, currency string) string {
	n, ok := v.Number()
	if !ok {
		return figure(nil, v.Kind, currency)
	}
	return figure(&n, v.Kind, currency)
}

func figure(v *float64, kind transform.Kind, currency string) string {
	if v == nil {
		return "—"
	}
	switch kind {
	case transform.Count:
		return thousands(int64(math.Round(*v)))
	case transform.Money, transform.Amount:
		return strings.TrimPrefix(signedMoney(currency, int64(math.Round(*v*100))), "+") // a minus only
	case transform.Fraction: // rounded half away from zero, as the workbooks' formats show it
		return strconv.FormatFloat(math.Round(*v*1000)/10, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(math.Round(*v*100)/100, 'f', 2, 64)
}

// difference is now minus was: ratios in percentage points.
func (l Labels) difference(was, now *float64, kind transform.Kind, currency string) string {
	if was == nil || now == nil {
		return "—"
	}
	d := *now - *was
	switch kind {
	case transform.Count:
		return signed(int64(math.Round(d)))
	case transform.Money, transform.Amount:
		return signedMoney(currency, int64(math.Round(*now*100))-int64(math.Round(*was*100)))
	case transform.Fraction:
		return fmt.Sprintf("%+.1f", d*100) + l.T("unit.points")
	}
	return fmt.Sprintf("%+.2f", d)
}

// columns is the number of terminal columns s takes.
func columns(s string) int {
	n := 0
	for _, r := range s {
		n++
		if wide(r) {
			n++
		}
	}
	return n
}
