package report

import "retention/transform"

// putValue sets a cell of g from a list value: a styled one carries its
// own style.
func (g *grid) putValue(col, row int, v any, style int) {
	if s, ok := v.(styled); ok {
		v, style = s.value, s.style
	}
	g.put(col, row, v, style)
}

// ownerTotal adds up the owners' figures: the scope's, since every
// customer counts under one owner or under none.
func ownerTotal(owners []transform.OwnerStat) transform.OwnerStat {
	var t transform.OwnerStat
	for _, o := range owners {
		t.Base += o.Base
		t.Retained += o.Retained
		t.Churned += o.Churned
		t.ChurnedRevenuePrevCents += o.ChurnedRevenuePrevCents
		t.AtRisk += o.AtRisk
		t.ValueAtRisk += o.ValueAtRisk
		t.AtRiskPrev += o.AtRiskPrev
		t.AtRiskPrevKept += o.AtRiskPrevKept
	}
	return t
}

// owners: the scope's customers by sales rep, with what became of the
// base, the customers at risk now and how last period's were kept; a
// total row that is the scope's own figures.
func (b *book) owners(s *transform.Scope) error {
	g := b.grid("sheet.owners")
	header := []string{b.l.T("col.owner"), b.l.T("metric.base_customers"), b.l.T("metric.retained_customers"),
		b.l.T("metric.retention_rate"), b.l.T("metric.churned_customers"), b.l.T("col.churned_prev"),
		b.l.T("metric.at_risk_customers"), b.l.T("col.value_at_risk"), b.l.T("col.at_risk_prev"), b.l.T("col.kept"),
		b.l.T("metric.at_risk_retention_rate")}
	for i, h := range header {
		g.set(i+1, 1, h, b.st.header) // headers wrap; they do not widen the columns
	}
	g.height(1, 45)
	for i, o := range s.Owners {
		b.ownerRow(g, i+2, b.contact(o.Owner, "placeholder.owner"), o, b.st.value, b.st.text)
	}
	row := len(s.Owners) + 2
	if len(s.Owners) == 0 {
		g.put(1, row, b.l.T("note.none"), b.st.note)
		row++
	}
	b.ownerRow(g, row, b.l.T("total"), ownerTotal(s.Owners), b.st.total, b.st.totalLabel)
	g.fit(len(header), 12)
	g.freeze(1, 1)
	notes := []string{b.l.T("note.owners")}
	if b.meta.CustomersRead == 0 {
		notes = append(notes, b.l.T("note.owners_unknown"))
	}
	for i, n := range notes {
		g.note(row+2+i, len(header), n, b.st.note, 150)
	}
	return g.err
}

// ownerRow writes one owner's figures, or the total's, in row.
func (b *book) ownerRow(g *grid, row int, name any, o transform.OwnerStat, value map[transform.Kind]int, label int) {
	g.putValue(1, row, name, label)
	ratio := func(r transform.Ratio) any {
		if r.Valid {
			return r.Value
		}
		return nil
	}
	money, amount := any(money(o.ChurnedRevenuePrevCents)), any(o.ValueAtRisk)
	if o.ChurnedRevenuePrevCents < 0 {
		money = styled{money, b.st.negative[transform.Money]}
	}
	if o.ValueAtRisk < 0 {
		amount = styled{amount, b.st.negative[transform.Amount]}
	}
	cells := []any{o.Base, o.Retained, ratio(o.RetentionRate()), o.Churned, money, o.AtRisk, amount, o.AtRiskPrev, o.AtRiskPrevKept,
		ratio(o.AtRiskRetentionRate())}
	kinds := []transform.Kind{transform.Count, transform.Count, transform.Fraction, transform.Count, transform.Money, transform.Count,
		transform.Amount, transform.Count, transform.Count, transform.Fraction}
	for i, v := range cells {
		g.putValue(i+2, row, v, value[kinds[i]])
	}
	// Amounts count towards their columns' widths (bold in the total: a
	// little wider).
	g.widths[6] = append(g.widths[6], widthText(transform.Value{Kind: transform.Money, Int: o.ChurnedRevenuePrevCents, Valid: true}, g.currency)+"0")
	g.widths[8] = append(g.widths[8], widthText(transform.Value{Kind: transform.Amount, Float: o.ValueAtRisk, Valid: true}, g.currency)+"0")
}
