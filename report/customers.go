package report

import (
	"strconv"
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

// column is one column of a customer list: its header, its style and the
// value it shows in row i.
type column struct {
	header string
	style  int
	value  func(i int) any
}

// wrapWidth is the widest a column of the wrapped or remark style gets:
// the three signals take two lines rather than a fifth of the page.
const wrapWidth = 30

// newList makes a list of n rows from its columns.
func (b *book) newList(sheet, table string, notes []string, n int, cols []column) *list {
	t := &list{b: b, sheet: sheet, table: table, notes: notes, n: n}
	for _, c := range cols {
		t.header = append(t.header, c.header)
		t.styles = append(t.styles, c.style)
		wrap := 0.0
		if c.style == b.st.wrapped || c.style == b.st.remark {
			wrap = wrapWidth
		}
		t.wraps = append(t.wraps, wrap)
	}
	t.row = func(i int, cells []any) {
		for c, col := range cols {
			cells[c] = col.value(i)
		}
	}
	return t
}

// contact shows a customer's name or owner, or the placeholder (greyed)
// when the customers query gives none.
func (b *book) contact(s, placeholder string) any {
	if strings.TrimSpace(s) == "" {
		return b.cached(placeholder, func() any { return styled{b.l.T(placeholder), b.st.placeholder} })
	}
	return Text(s)
}

// cached is the cell value of key, made once per workbook: a long list
// repeats a few labels on every row.
func (b *book) cached(key string, build func() any) any {
	if v, ok := b.cells[key]; ok {
		return v
	}
	if b.cells == nil {
		b.cells = map[string]any{}
	}
	v := build()
	b.cells[key] = v
	return v
}

// signedMoney is cents in currency units, red when negative.
func (b *book) signedMoney(cents int64) any {
	if cents < 0 {
		return styled{money(cents), b.st.negative[transform.Money]}
	}
	return money(cents)
}

// signedAmount is an amount in currency units, red when negative.
func (b *book) signedAmount(v float64) any {
	if v < 0 {
		return styled{v, b.st.negative[transform.Amount]}
	}
	return v
}

// signedRatio is a ratio, empty when undefined, red when negative.
func (b *book) signedRatio(r transform.Ratio) any {
	switch {
	case !r.Valid:
		return nil
	case r.Value < 0:
		return styled{r.Value, b.st.negative[transform.Fraction]}
	}
	return r.Value
}

// tier names a customer's value tier; one outside the base (new or
// reactivated this period) has none, said in grey.
func (b *book) tier(k transform.TierKind) any {
	if k == transform.TierNone {
		return b.cached("tier.none", func() any { return styled{b.l.T("tier.none"), b.st.placeholder} })
	}
	key := "tier." + k.Key()
	return b.cached(key, func() any { return b.l.T(key) })
}

// joined lists names with the locale's separator, each shown by name.
func (b *book) joined(items []string, name func(string) string) string {
	if len(items) == 0 {
		return ""
	}
	shown := make([]string, len(items))
	for i, s := range items {
		shown[i] = name(s)
	}
	return strings.Join(shown, b.l.T("list.separator"))
}

// category is the visible name of a complaint category.
func (b *book) category(c string) string {
	if c == transform.Uncategorized {
		return b.l.T("category.uncategorized")
	}
	return Text(c)
}

// remarks joins the remarks that apply; "" when none does.
func (b *book) remarks(keys ...string) string {
	var parts []string
	for _, k := range keys {
		if k != "" {
			parts = append(parts, b.l.T(k))
		}
	}
	return strings.Join(parts, b.l.T("list.separator"))
}

// who is the columns naming the customer of row i: id, name, owner and,
// company-wide, the departments it bought from (when depts is given).
func (b *book) who(s *transform.Scope, dir Directory, id func(int) string, depts func(int) []string) []column {
	st := b.st
	// The name and the owner of a row come from one lookup: a row's
	// columns are made one after the other.
	row, contact := -1, Contact{}
	lookup := func(i int) Contact {
		if i != row {
			row, contact = i, dir[id(i)]
		}
		return contact
	}
	cols := []column{
		{b.l.T("col.customer_id"), st.text, func(i int) any { return Text(id(i)) }},
		{b.l.T("col.customer_name"), st.text, func(i int) any { return b.contact(lookup(i).Name, "placeholder.name") }},
		{b.l.T("col.owner"), st.text, func(i int) any { return b.contact(lookup(i).Owner, "placeholder.owner") }},
	}
	if s.Company && depts != nil {
		cols = append(cols, column{b.l.T("col.departments"), st.text, func(i int) any { return b.joined(depts(i), b.l.DepartmentName) }})
	}
	return cols
}

func (b *book) churned(s *transform.Scope, dir Directory) *list {
	st := b.st
	c := func(i int) *transform.ChurnedCustomer { return &s.Churned[i] }
	cols := b.who(s, dir, func(i int) string { return c(i).CustomerID }, func(i int) []string { return c(i).Departments })
	cols = append(cols,
		column{b.l.T("col.tier"), st.text, func(i int) any { return b.tier(c(i).Tier) }},
		column{b.l.T("col.last_purchase"), st.date, func(i int) any { return b.date(c(i).LastPurchase) }},
		column{b.l.T("col.revenue_prev"), st.value[transform.Money], func(i int) any { return b.signedMoney(c(i).RevenuePrevCents) }},
		column{b.l.T("col.orders_prev"), st.value[transform.Count], func(i int) any { return c(i).OrdersPrev }},
		column{b.l.T("col.churn_share"), st.value[transform.Fraction], func(i int) any { return b.signedRatio(c(i).Share) }},
		column{b.l.F("col.revenue_history", len(b.r.Periods)), st.value[transform.Money], func(i int) any {
			return b.signedMoney(c(i).RevenueHistoryCents)
		}},
		column{b.l.T("col.categories_prev"), st.aside, func(i int) any { return b.joined(c(i).Categories, b.category) }},
	)
	cols = append(cols, b.chanceColumns(func(i int) transform.Chance { return c(i).Chance })...)
	cols = append(cols, column{b.l.T("col.remark"), st.remark, func(i int) any { return b.churnedRemark(c(i)) }})
	notes := []string{b.l.F("note.churned_count", len(s.Churned)), b.chanceNote(s)}
	return b.newList("sheet.churned", "Churned", notes, len(s.Churned), cols)
}

// churnedRemark says why a churned customer's figures look odd: refunds
// that outweighed purchases, or the complaints that made it a problem
// customer.
func (b *book) churnedRemark(c *transform.ChurnedCustomer) string {
	switch {
	case c.RevenuePrevCents < 0:
		return b.remarks("remark.refunds_prev")
	case c.RevenuePrevCents == 0:
		return b.remarks("remark.refunds_even_prev")
	case c.Tier == transform.TierProblem:
		// A problem customer with revenue: two or more complaints made it one.
		return b.remarks("remark.complaints_prev")
	}
	return ""
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
	c := func(i int) *transform.AtRiskCustomer { return &s.AtRisk[i] }
	cols := b.who(s, dir, func(i int) string { return c(i).CustomerID }, func(i int) []string { return c(i).Departments })
	cols = append(cols,
		column{b.l.T("col.tier"), st.text, func(i int) any { return b.tier(c(i).Tier) }},
		column{b.l.T("col.signals"), st.wrapped, func(i int) any { return b.signals(c(i).Signals) }},
		column{b.l.T("col.value_at_risk"), st.value[transform.Amount], func(i int) any { return b.signedAmount(c(i).ValueAtRisk) }},
		column{b.l.T("col.lookback"), st.value[transform.Count], func(i int) any { return int64(c(i).Lookback) }},
		column{b.l.T("col.orders_current"), st.value[transform.Count], func(i int) any { return c(i).Orders }},
		column{b.l.T("col.avg_orders"), st.value[transform.Number], func(i int) any {
			if c(i).Lookback == 0 {
				return nil
			}
			return c(i).AvgOrders
		}},
		column{b.l.T("col.revenue_current"), st.value[transform.Money], func(i int) any { return b.signedMoney(c(i).RevenueCents) }},
		column{b.l.T("col.last_purchase"), st.date, func(i int) any { return b.date(c(i).LastPurchase) }},
		column{b.l.T("col.open_complaints"), st.value[transform.Count], func(i int) any { return c(i).OpenComplaints }},
	)
	cols = append(cols, b.chanceColumns(func(i int) transform.Chance { return c(i).Chance })...)
	cols = append(cols, column{b.l.T("col.remark"), st.remark, func(i int) any { return b.atRiskRemark(c(i)) }})
	return b.newList("sheet.at_risk", "AtRisk", []string{note, b.l.T("note.at_risk_rule"), b.chanceNote(s)}, len(s.AtRisk), cols)
}

// chanceColumns are a list's columns of the forecast: each customer's
// chance to be still alive at the end of the period and to buy in the
// next one, as percentages; empty when the scope has no forecast.
func (b *book) chanceColumns(chance func(int) transform.Chance) []column {
	st := b.st
	return []column{
		{b.l.T("col.p_alive"), st.value[transform.Fraction], func(i int) any { return b.signedRatio(chance(i).Alive) }},
		{b.l.T("col.p_active_next"), st.value[transform.Fraction], func(i int) any { return b.signedRatio(chance(i).ActiveNext) }},
	}
}

// chanceNote says what the forecast's columns mean, or why they are
// empty.
func (b *book) chanceNote(s *transform.Scope) string {
	fc := s.ForecastAt(b.r.Period)
	if fc == nil || !fc.Fitted {
		return b.l.F("note.chance_none", b.forecastReason(fc))
	}
	return b.l.F("note.chance", b.r.Period, b.r.Period.Add(1))
}

// forecastReason says in the book's language why a forecast has no
// figures.
func (b *book) forecastReason(fc *transform.Forecast) string {
	if fc == nil {
		return b.l.T("forecast.not_fitted")
	}
	switch fc.Reason {
	case transform.ForecastTooFew:
		return b.l.F("forecast.too_few_customers", fc.Customers)
	case transform.ForecastNoActive:
		return b.l.T("forecast.no_active_customers")
	}
	return b.l.T("forecast.not_converged")
}

// atRiskRemark says why an at-risk customer's amounts are negative.
func (b *book) atRiskRemark(c *transform.AtRiskCustomer) string {
	var now, before string
	if c.RevenueCents < 0 {
		now = "remark.refunds_current"
	}
	if c.Lookback > 0 && c.ValueAtRisk < 0 {
		before = "remark.refunds_lookback"
	}
	return b.remarks(now, before)
}

// followUp lists the customers at risk at the end of P-1 with what each
// did in P: whether the work on them kept them.
func (b *book) followUp(s *transform.Scope, dir Directory) *list {
	st := b.st
	c := func(i int) *transform.FollowUp { return &s.AtRiskPrev[i] }
	cols := b.who(s, dir, func(i int) string { return c(i).CustomerID }, nil)
	cols = append(cols,
		column{b.l.T("col.signals_prev"), st.wrapped, func(i int) any { return b.signals(c(i).Signals) }},
		column{b.l.T("col.value_at_risk_prev"), st.value[transform.Amount], func(i int) any { return b.signedAmount(c(i).ValueAtRisk) }},
		column{b.l.T("col.revenue_prev"), st.value[transform.Money], func(i int) any { return b.signedMoney(c(i).RevenuePrevCents) }},
		column{b.l.T("col.bought"), st.yes, func(i int) any {
			if c(i).Bought {
				return b.l.T("yes")
			}
			return styled{b.l.T("no"), b.st.no}
		}},
		column{b.l.T("col.orders_current"), st.value[transform.Count], func(i int) any { return c(i).Orders }},
		column{b.l.T("col.revenue_current"), st.value[transform.Money], func(i int) any { return b.signedMoney(c(i).RevenueCents) }},
		column{b.l.T("col.recovered"), st.value[transform.Fraction], func(i int) any {
			if c(i).ValueAtRisk <= 0 {
				return nil
			}
			return b.signedRatio(transform.Ratio{Value: money(c(i).RevenueCents) / c(i).ValueAtRisk, Valid: true})
		}},
	)
	return b.newList("sheet.follow_up", "FollowUp", b.followUpNotes(s), len(s.AtRiskPrev), cols)
}

// followUpNotes: how many of last period's at-risk customers were kept,
// and which of them are listed.
func (b *book) followUpNotes(s *transform.Scope) []string {
	if s.AtRiskPrevTotal == 0 {
		return []string{b.l.T("note.follow_up_none")}
	}
	var kept int64
	for _, o := range s.Owners { // every customer of Risk(P-1) is under one owner, or none
		kept += o.AtRiskPrevKept
	}
	rate := ""
	if r := s.Current().AtRiskRetentionRate; r.Valid {
		rate = strconv.FormatFloat(r.Value*100, 'f', 1, 64) + "%"
	}
	listed := b.l.F("note.follow_up_all", s.AtRiskPrevTotal)
	if s.AtRiskPrevTotal > len(s.AtRiskPrev) {
		listed = b.l.F("note.follow_up_truncated", len(s.AtRiskPrev))
	}
	return []string{b.l.F("note.follow_up", s.AtRiskPrevTotal, kept, rate), listed}
}
