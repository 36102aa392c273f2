package report

import (
	"fmt"
	"strconv"
	"strings"

	"retention/history"
	"retention/transform"
)

// restatementsOf returns the restatements of one scope.
func restatementsOf(all []history.Restatement, s *transform.Scope) []history.Restatement {
	var out []history.Restatement
	for _, r := range all {
		if r.Company == s.Company && r.Department == s.Department {
			out = append(out, r)
		}
	}
	return out
}

// Cause says in words what arrived for a restated figure's period since
// it was published, split by department for the company's figures; ""
// when not known.
func (l Labels) Cause(r history.Restatement, currency string) string {
	if !r.CauseKnown {
		return ""
	}
	var parts []string
	for _, d := range r.ByDepartment {
		parts = append(parts, l.F("cause.department", l.DepartmentName(d.Department), l.volume(d.Orders, d.RevenueCents, currency)))
	}
	switch {
	case r.OrdersSince == 0 && r.RevenueSinceCents == 0 && len(parts) == 0:
		return l.T("cause.elsewhere")
	case r.OrdersSince == 0 && r.RevenueSinceCents == 0:
		return l.F("cause.moved", strings.Join(parts, l.T("cause.separator")))
	}
	text := l.F("cause.arrived", l.volume(r.OrdersSince, r.RevenueSinceCents, currency))
	switch d := r.ByDepartment; {
	case len(d) == 1 && d[0].Orders == r.OrdersSince && d[0].RevenueCents == r.RevenueSinceCents:
		return text + l.F("cause.all_in", l.DepartmentName(d[0].Department))
	case len(d) > 0:
		return text + l.F("cause.by_department", strings.Join(parts, l.T("cause.separator")))
	}
	return text
}

// volume is a change in orders and revenue, leaving out what did not move.
func (l Labels) volume(orders, cents int64, currency string) string {
	var what []string
	if orders != 0 {
		what = append(what, l.F("cause.orders", signed(orders)))
	}
	if cents != 0 {
		what = append(what, l.F("cause.revenue", signedMoney(currency, cents)))
	}
	return strings.Join(what, l.T("cause.and"))
}

func signed(n int64) string {
	if n > 0 {
		return "+" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

func signedMoney(currency string, cents int64) string {
	sign := "+"
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return sign + currency + thousands(cents/100) + fmt.Sprintf(".%02d", cents%100)
}
