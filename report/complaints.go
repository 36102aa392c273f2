package report

import "retention/transform"

// complaints: the complaints of P by category, and how the base's
// complainants of P-1 in each category were kept.
func (b *book) complaints(s *transform.Scope) error {
	g := b.grid("sheet.complaints")
	header := []string{b.l.T("col.category"), b.l.T("metric.complaints"), b.l.T("metric.complainants"), b.l.T("col.resolved"),
		b.l.T("col.resolved_rate"), b.l.T("col.base_complainants"), b.l.T("col.kept"), b.l.T("col.category_retention")}
	for i, h := range header {
		g.set(i+1, 1, h, b.st.header) // headers wrap; they do not widen the columns
	}
	g.height(1, 45)
	ratio := func(num, den int64) any {
		if den == 0 {
			return nil
		}
		return float64(num) / float64(den)
	}
	count, frac := b.st.value[transform.Count], b.st.value[transform.Fraction]
	for i, c := range s.Categories {
		row := i + 2
		g.put(1, row, b.category(c.Category), b.st.text)
		g.put(2, row, c.Complaints, count)
		g.put(3, row, c.Complainants, count)
		g.put(4, row, c.Resolved, count)
		g.put(5, row, ratio(c.Resolved, c.Complaints), frac)
		g.put(6, row, c.BaseComplainants, count)
		g.put(7, row, c.Retained, count)
		if r := c.RetentionRate(); r.Valid {
			g.put(8, row, r.Value, frac)
		} else {
			g.put(8, row, nil, frac)
		}
	}
	row := len(s.Categories) + 2
	if len(s.Categories) == 0 {
		g.put(1, row, b.l.T("note.none"), b.st.note)
		row++
	}
	g.fit(len(header), 12)
	g.freeze(1, 1)
	g.note(row+1, len(header), b.l.T("note.categories"), b.st.note, 110)
	return g.err
}
