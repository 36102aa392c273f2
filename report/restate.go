package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"retention/transform"
)

// PublishedKey names one published figure.
type PublishedKey struct {
	Period     string
	Department string // "" with Company
	Company    bool
	Metric     string
}

// PublishedValue is a figure as it was published, and by which run.
type PublishedValue struct {
	Value       *float64 // nil: undefined (null)
	RunID       string
	GeneratedAt time.Time
}

// Published holds, for each figure, the value last published.
type Published map[PublishedKey]PublishedValue

// Add records the figures of one published manifest or store run, keeping
// for each figure the most recently generated value.
func (p Published) Add(k PublishedKey, v PublishedValue) {
	if old, ok := p[k]; ok && old.GeneratedAt.After(v.GeneratedAt) {
		return
	}
	p[k] = v
}

// ReadManifest adds the snapshots of a manifest to p. When run is not
// empty, only a manifest of that run counts.
func ReadManifest(r io.Reader, p Published, run string) (granularity string, err error) {
	var m struct {
		RunID       string                       `json:"run_id"`
		GeneratedAt string                       `json:"generated_at"`
		Granularity string                       `json:"granularity"`
		Snapshots   []map[string]json.RawMessage `json:"snapshots"`
	}
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return "", fmt.Errorf("reading manifest: %w", err)
	}
	if run != "" && m.RunID != run {
		return m.Granularity, nil
	}
	at, err := time.Parse(time.RFC3339, m.GeneratedAt)
	if err != nil {
		return "", fmt.Errorf("reading manifest %s: generated_at: %w", m.RunID, err)
	}
	for _, row := range m.Snapshots {
		var dept *string
		var period string
		json.Unmarshal(row["department"], &dept)
		json.Unmarshal(row["period"], &period)
		k := PublishedKey{Period: period, Company: dept == nil}
		if dept != nil {
			k.Department = *dept
		}
		for _, metric := range transform.Metrics {
			raw, ok := row[metric.Key]
			if !ok {
				continue
			}
			k.Metric = metric.Key
			var v *float64
			if err := json.Unmarshal(raw, &v); err != nil {
				return "", fmt.Errorf("reading manifest %s: %s of %s: %w", m.RunID, metric.Key, period, err)
			}
			p.Add(k, PublishedValue{Value: v, RunID: m.RunID, GeneratedAt: at})
		}
	}
	return m.Granularity, nil
}

// Restatement is a figure that moved since it was published.
type Restatement struct {
	Period     transform.Period
	Department string // "" for the company
	Company    bool
	Metric     transform.Metric
	Reported   PublishedValue
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
	scopes := append([]*transform.Scope{&r.Company}, ptrs(r.Departments)...)
	for _, s := range scopes {
		for i := range s.Snapshots {
			snap := &s.Snapshots[i]
			key := PublishedKey{Period: snap.Period.String(), Department: s.Department, Company: s.Company}
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
				continue
			}
			orders, revenue, ok := publishedVolume(pub, key.Period, key.Department, key.Company)
			var byDept []DepartmentChange
			if ok && s.Company {
				byDept = departmentChanges(r, snap.Period, pub)
			}
			for i := range found {
				if ok {
					found[i].CauseKnown = true
					found[i].OrdersSince = snap.Orders - orders
					found[i].RevenueSinceCents = snap.RevenueCents - revenue
					found[i].ByDepartment = byDept
				}
			}
			out = append(out, found...)
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
		if a.Department < b.Department {
			return -1
		}
		if a.Department > b.Department {
			return 1
		}
		return 0
	})
	return out
}

// publishedVolume is the orders and revenue (cents) published for a scope
// and period.
func publishedVolume(pub Published, period, dept string, company bool) (orders, revenueCents int64, ok bool) {
	o, okO := pub[PublishedKey{period, dept, company, "orders"}]
	r, okR := pub[PublishedKey{period, dept, company, "revenue"}]
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

// Of returns the restatements of one scope.
func restatementsOf(all []Restatement, s *transform.Scope) []Restatement {
	var out []Restatement
	for _, r := range all {
		if r.Company == s.Company && r.Department == s.Department {
			out = append(out, r)
		}
	}
	return out
}

// Float is v as a number of the manifest's unit (currency units for money).
func Float(v transform.Value) (float64, bool) {
	switch {
	case !v.Valid:
		return 0, false
	case v.Kind == transform.Count:
		return float64(v.Int), true
	case v.Kind == transform.Money:
		return float64(v.Int) / 100, true
	}
	return v.Float, true
}

// Cause says in words what arrived for a restated figure's period since
// it was published, split by department for the company's figures; ""
// when not known.
func (l Labels) Cause(r Restatement, currency string) string {
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
