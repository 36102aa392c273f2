package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"retention/transform"
)

// Manifest describes one published period: the run, the source rows, the
// files and every snapshot, in the flat form of the spec's worked example.
type Manifest struct {
	RunID       string         `json:"run_id"`
	GeneratedAt string         `json:"generated_at"` // RFC 3339
	Timezone    string         `json:"timezone"`
	Granularity string         `json:"granularity"`
	Period      string         `json:"period"`
	Source      SourceCounts   `json:"source"`
	Files       []File         `json:"files"`
	Snapshots   []SnapshotRow  `json:"snapshots"`
	Quality     []QualityEntry `json:"quality"`
	// QualityByDepartment breaks the rows read and skipped, and the
	// findings, down by the department of the rows (Unassigned for those
	// without one): the figures of each department workbook. Findings
	// that belong to no department (the customers query's) are in
	// Quality only.
	QualityByDepartment []DepartmentQuality `json:"quality_by_department"`
	// Restated counts the figures published before that this run moved
	// (the Restatements sheets).
	Restated int `json:"restated"`
	// RestatedScopes splits Restated by scope: each scope with a figure
	// that moved, the company first (what each workbook's Restatements
	// sheet lists, and its message says).
	RestatedScopes []ScopeCount `json:"restated_by_scope"`
	// Forced names the checks before publishing that failed when --force
	// published anyway.
	Forced []string `json:"forced,omitempty"`
	// Alerts are the targets the reported period broke.
	Alerts []AlertRow `json:"alerts"`
	// ComplaintCategories are the complaints of the reported period by
	// category, every scope, each category with a non-zero figure.
	ComplaintCategories []CategoryRow `json:"complaint_categories"`
	// Forecast is the BG/BB model of every scope fitted at the end of
	// each period of the history window and the one before: its
	// parameters and the retention it predicts for the period after (the
	// spec's Version 3).
	Forecast []ForecastRow `json:"forecast"`
}

// ForecastRow is the model fitted to one scope at the end of one period.
// When it could not be fitted, every figure is null and Reason says why.
type ForecastRow struct {
	Department             *string  `json:"department"` // nil for the company
	Period                 string   `json:"period"`     // fitted at its end; predicts the one after
	Alpha                  *float64 `json:"alpha"`
	Beta                   *float64 `json:"beta"`
	Gamma                  *float64 `json:"gamma"`
	Delta                  *float64 `json:"delta"`
	LogLikelihood          *float64 `json:"log_likelihood"`
	Customers              *int64   `json:"customers"` // fitted
	PredictedRetentionRate *float64 `json:"predicted_retention_rate"`
	Reason                 *string  `json:"reason"` // null when fitted
}

// Forecasts lists the forecast of every scope of r at the end of each
// period of its history window and the one before it (whose forecast
// predicts the window's first period), the company first.
func Forecasts(r *transform.Result) []ForecastRow {
	out := []ForecastRow{}
	for _, s := range r.Scopes() {
		for i := range s.Forecasts {
			fc := &s.Forecasts[i]
			row := ForecastRow{Department: department(s.Company, s.Department), Period: fc.Period.String()}
			if fc.Fitted {
				n := fc.Customers
				row.Alpha, row.Beta, row.Gamma, row.Delta = &fc.Alpha, &fc.Beta, &fc.Gamma, &fc.Delta
				row.LogLikelihood, row.Customers = &fc.LogLikelihood, &n
			}
			if fc.PredictedRetention.Valid {
				v := fc.PredictedRetention.Value
				row.PredictedRetentionRate = &v
			}
			if fc.Reason != transform.ForecastFitted {
				why := fc.Reason.Key() + ": " + fc.Detail
				row.Reason = &why
			}
			out = append(out, row)
		}
	}
	return out
}

// Run is what a manifest says of the run that publishes it, besides the
// result.
type Run struct {
	RunID         string
	GeneratedAt   time.Time
	Location      *time.Location // the report time zone
	CustomersRead int64          // rows of the customers query
	Restatements  []Restatement
	Alerts        []transform.Alert
	Forced        []string // the checks that failed when --force published anyway
}

// NewManifest describes the period of res as run publishes it; its files
// are listed once they are written.
func NewManifest(res *transform.Result, run Run) *Manifest {
	q := res.Quality
	return &Manifest{
		RunID:       run.RunID,
		GeneratedAt: run.GeneratedAt.In(run.Location).Format(time.RFC3339),
		Timezone:    run.Location.String(),
		Granularity: res.Period.G.String(),
		Period:      res.Period.String(),
		Source: SourceCounts{
			OrdersRows: q.OrdersRead, ComplaintsRows: q.ComplaintsRead, CustomersRows: run.CustomersRead,
			SkippedOrderRows: q.SkippedOrders, SkippedComplaintRows: q.SkippedComplaints,
		},
		Files:     []File{},
		Snapshots: Snapshots(res),
		Quality:   QualityEntries(q),
		Restated:  len(run.Restatements),
		Alerts:    Alerts(run.Alerts),
		Forced:    run.Forced,

		RestatedScopes: RestatedScopes(run.Restatements),

		ComplaintCategories: ComplaintCategories(res),
		QualityByDepartment: QualityByDepartment(q),
		Forecast:            Forecasts(res),
	}
}

// AlertRow is one broken target: the scope, the metric, its value (in the
// unit of the snapshots: money in currency units) and the bounds it broke
// (null where the rule sets none).
type AlertRow struct {
	Department *string  `json:"department"` // nil for the company
	Period     string   `json:"period"`
	Metric     string   `json:"metric"`
	Value      float64  `json:"value"`
	Min        *float64 `json:"min"`
	Max        *float64 `json:"max"`
}

// ScopeCount is a count of one scope: the company (Department nil) or a
// department.
type ScopeCount struct {
	Department *string `json:"department"`
	Count      int     `json:"restated"`
}

// RestatedScopes counts the restatements of each scope, the company first,
// then the departments by name.
func RestatedScopes(rs []Restatement) []ScopeCount {
	company, depts := 0, map[string]int{}
	for _, r := range rs {
		if r.Company {
			company++
		} else {
			depts[r.Department]++
		}
	}
	out := []ScopeCount{}
	if company > 0 {
		out = append(out, ScopeCount{Count: company})
	}
	for _, d := range slices.Sorted(maps.Keys(depts)) {
		out = append(out, ScopeCount{Department: &d, Count: depts[d]})
	}
	return out
}

// CategoryRow is one complaint category of one scope in the reported
// period.
type CategoryRow struct {
	Department       *string `json:"department"` // nil for the company
	Period           string  `json:"period"`
	Category         string  `json:"category"` // (uncategorized) for NULL or empty
	Complaints       int64   `json:"complaints"`
	Complainants     int64   `json:"complainants"`
	Resolved         int64   `json:"resolved"`
	BaseComplainants int64   `json:"base_complainants"`
	Retained         int64   `json:"retained"`
}

// Alerts converts the alerts of a run.
func Alerts(alerts []transform.Alert) []AlertRow {
	out := []AlertRow{}
	for _, a := range alerts {
		out = append(out, AlertRow{Department: department(a.Company, a.Department), Period: a.Period.String(), Metric: a.Metric,
			Value: a.Value, Min: a.Min, Max: a.Max})
	}
	return out
}

// ComplaintCategories lists the complaint categories of every scope of r
// (the company first) in the reported period.
func ComplaintCategories(r *transform.Result) []CategoryRow {
	out := []CategoryRow{}
	for _, s := range r.Scopes() {
		for _, c := range s.Categories {
			out = append(out, CategoryRow{Department: department(s.Company, s.Department), Period: r.Period.String(),
				Category: c.Category, Complaints: c.Complaints, Complainants: c.Complainants, Resolved: c.Resolved,
				BaseComplainants: c.BaseComplainants, Retained: c.Retained})
		}
	}
	return out
}

// department is the manifest's department of a scope: null for the
// company.
func department(company bool, name string) *string {
	if company {
		return nil
	}
	return &name
}

// SourceCounts are the rows the run read and skipped.
type SourceCounts struct {
	OrdersRows           int64 `json:"orders_rows"`
	ComplaintsRows       int64 `json:"complaints_rows"`
	CustomersRows        int64 `json:"customers_rows"`
	SkippedOrderRows     int64 `json:"skipped_order_rows"`
	SkippedComplaintRows int64 `json:"skipped_complaint_rows"`
}

// File is one workbook of the period.
type File struct {
	Path       string  `json:"path"`       // relative to the period's directory
	Department *string `json:"department"` // nil for the company workbook
	SHA256     string  `json:"sha256"`
	Bytes      int64   `json:"bytes"`
}

// QualityEntry is one data-quality finding.
type QualityEntry struct {
	Table    string   `json:"table"`
	Reason   string   `json:"reason"`
	Handling string   `json:"handling"` // skipped, repaired or noted
	Rows     int64    `json:"rows"`
	Examples []string `json:"examples"`
}

// DepartmentQuality is the data quality of one department's rows.
type DepartmentQuality struct {
	Department           string         `json:"department"`
	OrdersRows           int64          `json:"orders_rows"`
	ComplaintsRows       int64          `json:"complaints_rows"`
	SkippedOrderRows     int64          `json:"skipped_order_rows"`
	SkippedComplaintRows int64          `json:"skipped_complaint_rows"`
	Quality              []QualityEntry `json:"quality"`
}

// SnapshotRow is one scope and period with every metric key.
type SnapshotRow struct {
	Department *string // nil for the company
	Snapshot   transform.Snapshot
}

// MarshalJSON writes department, period and the metric keys in the spec's
// order; money with exactly two decimals, undefined ratios as null.
func (r SnapshotRow) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"department":`)
	if r.Department == nil {
		b.WriteString("null")
	} else {
		d, err := json.Marshal(*r.Department)
		if err != nil {
			return nil, err
		}
		b.Write(d)
	}
	b.WriteString(`,"period":"` + r.Snapshot.Period.String() + `"`)
	for _, m := range transform.Metrics {
		b.WriteString(`,"` + m.Key + `":`)
		b.WriteString(jsonValue(m.Of(&r.Snapshot)))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func jsonValue(v transform.Value) string {
	switch {
	case !v.Valid:
		return "null"
	case v.Kind == transform.Count:
		return strconv.FormatInt(v.Int, 10)
	case v.Kind == transform.Money:
		return decimalCents(v.Int)
	}
	return strconv.FormatFloat(v.Float, 'g', -1, 64)
}

// decimalCents formats an amount in cents as a decimal with two places.
func decimalCents(c int64) string {
	sign := ""
	u := uint64(c)
	if c < 0 {
		sign, u = "-", uint64(-c)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// Snapshots lists every scope of r (the company first) for each period of
// the history window.
func Snapshots(r *transform.Result) []SnapshotRow {
	var rows []SnapshotRow
	for _, s := range r.Scopes() {
		dept := department(s.Company, s.Department)
		for _, snap := range s.Snapshots {
			rows = append(rows, SnapshotRow{Department: dept, Snapshot: snap})
		}
	}
	return rows
}

// QualityEntries converts the findings of a fold.
func QualityEntries(q transform.Quality) []QualityEntry {
	out := []QualityEntry{}
	for _, f := range q.Findings {
		ex := f.Examples
		if ex == nil {
			ex = []string{}
		}
		out = append(out, QualityEntry{Table: f.Table, Reason: f.Reason, Handling: f.Handling.String(), Rows: f.Count, Examples: ex})
	}
	return out
}

// QualityByDepartment converts the breakdown of a fold by department,
// sorted as the results' departments are: by name, Unassigned last.
func QualityByDepartment(q transform.Quality) []DepartmentQuality {
	out := []DepartmentQuality{}
	for _, d := range slices.SortedFunc(maps.Keys(q.Departments), transform.CompareDepartments) {
		dq := q.Departments[d]
		out = append(out, DepartmentQuality{Department: d, OrdersRows: dq.OrdersRead, ComplaintsRows: dq.ComplaintsRead,
			SkippedOrderRows: dq.SkippedOrders, SkippedComplaintRows: dq.SkippedComplaints, Quality: QualityEntries(dq)})
	}
	return out
}

// WriteManifest writes m as indented JSON: the one encoder of the format.
func WriteManifest(w io.Writer, m *Manifest) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("writing manifest: %w", err)
	}
	return nil
}

// Record is a published manifest as read back: the run that wrote it, its
// files and the figures of its snapshots. (The snapshots themselves are not
// rebuilt: a manifest holds their figures, not the sets behind them.)
type Record struct {
	RunID       string
	GeneratedAt time.Time
	Granularity string
	Period      string
	Files       []File
	// Values holds every figure of every scope and period of the
	// manifest's history window; nil for an undefined ratio.
	Values map[Key]*float64
	// Restated, RestatedScopes and Alerts are the manifest's, for the
	// messages that carry its workbooks.
	Restated       int
	RestatedScopes []ScopeCount
	Alerts         []AlertRow
}

// ReadManifest decodes a manifest that WriteManifest wrote: the one
// decoder of the format.
func ReadManifest(r io.Reader) (*Record, error) {
	var m struct {
		RunID       string                       `json:"run_id"`
		GeneratedAt string                       `json:"generated_at"`
		Granularity string                       `json:"granularity"`
		Period      string                       `json:"period"`
		Files       []File                       `json:"files"`
		Snapshots   []map[string]json.RawMessage `json:"snapshots"`
		Restated    int                          `json:"restated"`
		Scopes      []ScopeCount                 `json:"restated_by_scope"`
		Alerts      []AlertRow                   `json:"alerts"`
	}
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	at, err := time.Parse(time.RFC3339, m.GeneratedAt)
	if err != nil {
		return nil, fmt.Errorf("reading manifest %s: generated_at: %w", m.RunID, err)
	}
	rec := &Record{RunID: m.RunID, GeneratedAt: at, Granularity: m.Granularity, Period: m.Period, Files: m.Files,
		Values: map[Key]*float64{}, Restated: m.Restated, RestatedScopes: m.Scopes, Alerts: m.Alerts}
	for _, row := range m.Snapshots {
		var dept *string
		var period string
		if err := json.Unmarshal(row["department"], &dept); err != nil {
			return nil, fmt.Errorf("reading manifest %s: a snapshot's department: %w", m.RunID, err)
		}
		if err := json.Unmarshal(row["period"], &period); err != nil || period == "" {
			return nil, fmt.Errorf("reading manifest %s: a snapshot without its period", m.RunID)
		}
		k := Key{Period: period, Company: dept == nil}
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
				return nil, fmt.Errorf("reading manifest %s: %s of %s: %w", m.RunID, metric.Key, period, err)
			}
			rec.Values[k] = v
		}
	}
	return rec, nil
}
