package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
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
			orders, okO := pub[PublishedKey{key.Period, key.Department, key.Company, "orders"}]
			revenue, okR := pub[PublishedKey{key.Period, key.Department, key.Company, "revenue"}]
			for i := range found {
				if okO && okR && orders.Value != nil && revenue.Value != nil {
					found[i].CauseKnown = true
					found[i].OrdersSince = snap.Orders - int64(math.Round(*orders.Value))
					found[i].RevenueSinceCents = snap.RevenueCents - int64(math.Round(*revenue.Value*100))
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

// FormatFigure prints a figure as the manifest has it.
func FormatFigure(v *float64, kind transform.Kind) string {
	if v == nil {
		return "—"
	}
	switch kind {
	case transform.Count:
		return strconv.FormatFloat(*v, 'f', 0, 64)
	case transform.Money, transform.Amount:
		return strconv.FormatFloat(*v, 'f', 2, 64)
	case transform.Fraction:
		return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}
