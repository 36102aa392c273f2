package history

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"retention/transform"
)

// Restatement is a figure that moved since it was published.
type Restatement struct {
	Period     transform.Period
	Department string // "" for the company
	Company    bool
	Metric     transform.Metric
	Reported   Figure
	Now        transform.Value
	// Orders and revenue (cents) of the same scope and period that arrived
	// since the figure was published (now minus then): the likely cause.
	OrdersSince, RevenueSinceCents int64
	CauseKnown                     bool
	// ByDepartment splits the company's arrivals by department, largest
	// revenue change first; empty for a department's own figures.
	ByDepartment []DepartmentChange
}

// DepartmentChange is what arrived for one department and period since it
// was published.
type DepartmentChange struct {
	Department           string
	Orders, RevenueCents int64
}

// Tolerance says how far a published figure may move before it counts as
// restated: ratios by Points percentage points; money and averages of
// money by a cent; other quotients by a hundredth; counts by one.
type Tolerance struct{ Points float64 }

// moved reports whether now differs from the published value beyond tol.
func (tol Tolerance) moved(now transform.Value, was *float64) bool {
	if !now.Valid || was == nil {
		return now.Valid != (was != nil)
	}
	switch now.Kind {
	case transform.Count:
		return float64(now.Int) != *was
	case transform.Money:
		return now.Int != int64(math.Round(*was*100))
	case transform.Fraction:
		return math.Abs(now.Float-*was)*100 > tol.Points+1e-9
	case transform.Amount:
		return math.Abs(now.Float-*was) >= 0.01-1e-9
	}
	return math.Abs(now.Float-*was) >= 0.01-1e-9
}

// Restate compares every figure of r's history window with what was last
// published for it and lists those that moved beyond tol, by period,
// scope and metric.
func Restate(r *transform.Result, pub Published, tol Tolerance) []Restatement {
	var out []Restatement
	scopes := []*transform.Scope{&r.Company}
	for i := range r.Departments {
		scopes = append(scopes, &r.Departments[i])
	}
	for _, s := range scopes {
		for i := range s.Snapshots {
			out = append(out, restateSnapshot(r, s, &s.Snapshots[i], pub, tol)...)
		}
	}
	slices.SortStableFunc(out, func(a, b Restatement) int {
		if a.Period != b.Period {
			return a.Period.Sub(b.Period)
		}
		if a.Company != b.Company {
			if a.Company {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Department, b.Department)
	})
	return out
}

// restateSnapshot lists the figures of one scope and period that moved,
// with what arrived since as their likely cause.
func restateSnapshot(r *transform.Result, s *transform.Scope, snap *transform.Snapshot, pub Published, tol Tolerance) []Restatement {
	key := Key{Period: snap.Period.String(), Department: s.Department, Company: s.Company}
	var found []Restatement
	for _, m := range transform.Metrics {
		key.Metric = m.Key
		was, ok := pub[key]
		if !ok {
			continue // never published: nothing to restate
		}
		if now := m.Of(snap); tol.moved(now, was.Value) {
			found = append(found, Restatement{Period: snap.Period, Department: s.Department, Company: s.Company,
				Metric: m, Reported: was, Now: now})
		}
	}
	if len(found) == 0 {
		return nil
	}
	orders, revenue, ok := publishedVolume(pub, key.Period, key.Department, key.Company)
	if !ok {
		return found
	}
	var byDept []DepartmentChange
	if s.Company {
		byDept = departmentChanges(r, snap.Period, pub)
	}
	for i := range found {
		found[i].CauseKnown = true
		found[i].OrdersSince = snap.Orders - orders
		found[i].RevenueSinceCents = snap.RevenueCents - revenue
		found[i].ByDepartment = byDept
	}
	return found
}

// publishedVolume is the orders and revenue (cents) published for a scope
// and period.
func publishedVolume(pub Published, period, dept string, company bool) (orders, revenueCents int64, ok bool) {
	o, okO := pub[Key{period, dept, company, "orders"}]
	r, okR := pub[Key{period, dept, company, "revenue"}]
	if !okO || !okR || o.Value == nil || r.Value == nil {
		return 0, 0, false
	}
	return int64(math.Round(*o.Value)), int64(math.Round(*r.Value * 100)), true
}

// departmentChanges lists, for period p, the orders and revenue of each
// department now minus what was published, over the departments of both:
// a department that was published and has since gone (its orders were
// moved to another) shows what it lost.
func departmentChanges(r *transform.Result, p transform.Period, pub Published) []DepartmentChange {
	now := map[string][2]int64{}
	for i := range r.Departments {
		d := &r.Departments[i]
		for j := range d.Snapshots {
			if snap := &d.Snapshots[j]; snap.Period == p {
				now[d.Department] = [2]int64{snap.Orders, snap.RevenueCents}
			}
		}
	}
	depts := map[string]bool{}
	for d := range now {
		depts[d] = true
	}
	for k := range pub {
		if k.Period == p.String() && !k.Company {
			depts[k.Department] = true
		}
	}
	var out []DepartmentChange
	for d := range depts {
		orders, revenue, _ := publishedVolume(pub, p.String(), d, false) // not published: nothing then
		c := DepartmentChange{Department: d, Orders: now[d][0] - orders, RevenueCents: now[d][1] - revenue}
		if c.Orders != 0 || c.RevenueCents != 0 {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b DepartmentChange) int {
		if x, y := abs(a.RevenueCents), abs(b.RevenueCents); x != y {
			return cmp.Compare(y, x)
		}
		return strings.Compare(a.Department, b.Department)
	})
	return out
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
