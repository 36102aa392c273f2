package report

import (
	"github.com/xuri/excelize/v2"

	"retention/transform"
)

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
	g.put(1, row, b.l.T("forecast.predicted"), b.st.label)
	g.put(2, row, "predicted_retention_rate", b.st.detail)
	g.put(3, row, b.l.T("def.predicted_retention_rate"), b.st.note)
	row += 2
	g.put(1, row, b.l.T("note.title"), b.st.header)
	row++
	notes := []string{b.l.T("note.textbook"), b.l.T("note.share_of_wallet"), b.l.T("note.tiers"), b.l.T("note.at_risk"), b.l.T("note.model"),
		b.l.T("note.bridge"), b.l.T("note.win_back"), b.l.T("note.targets"),
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
		if now, ok := r.Now.Number(); ok && r.Reported.Value != nil {
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
