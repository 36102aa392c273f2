package report

import (
	"strings"
	"time"

	"retention/transform"
)

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
