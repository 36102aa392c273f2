package transform

// CompanyScope names the company in a Target's scopes.
const CompanyScope = "company"

// Target is a rule on one metric of the reported period: its value must
// not fall below Min nor rise above Max (either may be absent). Money is
// compared in currency units, ratios as fractions.
type Target struct {
	Metric string
	Min    *float64
	Max    *float64
	// Scopes are the departments (and CompanyScope for the company) the
	// rule applies to; empty applies it to the company and every
	// department but Unassigned.
	Scopes []string
}

// Alert is a Target that the reported period broke in one scope.
type Alert struct {
	Department string // "" for the company
	Company    bool
	Period     Period
	Metric     string
	Value      float64
	Min, Max   *float64
}

// Alerts checks every target against the reported period of every scope
// of r, the company first, then the departments in r's order, and returns
// the broken ones. An undefined value breaks nothing; a target naming a
// metric that does not exist breaks nothing either (the configuration
// refuses such a key before a run).
func Alerts(r *Result, targets []Target) []Alert {
	var out []Alert
	for _, sc := range r.Scopes() {
		name := sc.Department
		if sc.Company {
			name = CompanyScope
		}
		for _, t := range targets {
			if !t.AppliesTo(name) {
				continue
			}
			v, ok := MetricValue(sc.Current(), t.Metric)
			if !ok || t.Holds(v) {
				continue
			}
			out = append(out, Alert{Department: sc.Department, Company: sc.Company, Period: r.Period, Metric: t.Metric,
				Value: v, Min: t.Min, Max: t.Max})
		}
	}
	return out
}

// AppliesTo reports whether the target applies to a scope: a department
// name, or CompanyScope. Without scopes of its own a target applies to the
// company and every department but Unassigned, which is no team (its
// orders lack a department); naming Unassigned applies it there too.
func (t Target) AppliesTo(scope string) bool {
	if len(t.Scopes) == 0 {
		return scope != Unassigned
	}
	for _, s := range t.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// Holds reports whether v is within the target's bounds.
func (t Target) Holds(v float64) bool {
	return (t.Min == nil || v >= *t.Min) && (t.Max == nil || v <= *t.Max)
}

// MetricValue is the value of the metric key in s as a Number; ok is false
// for an undefined value or an unknown key.
func MetricValue(s *Snapshot, key string) (v float64, ok bool) {
	m, found := MetricByKey(key)
	if !found {
		return 0, false
	}
	return m.Of(s).Number()
}

// MetricByKey finds a metric of Metrics by its key.
func MetricByKey(key string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Key == key {
			return m, true
		}
	}
	return Metric{}, false
}
