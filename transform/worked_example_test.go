package transform_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"
	"time"

	"retention/extract"
	"retention/transform"
)

var shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(s string) time.Time {
	t, err := time.ParseInLocation(time.DateTime, s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// workedOrders and workedComplaints are ../testdata/spec/worked_example.sql
// as rows; the test against a real server loads the SQL itself.
func workedOrders() []extract.Order {
	o := func(id, cust, dept, ts string, cents int64) extract.Order {
		r := extract.Order{ID: id, CustomerID: cust, Department: dept, OrderedAt: at(ts), AmountCents: cents}
		if cust == "" {
			r.Defect = extract.DefectNullCustomer
		}
		return r
	}
	return []extract.Order{
		o("1", "1", "华东", "2026-07-03 10:00:00", 10000),
		o("2", "1", "华东", "2026-07-20 15:00:00", 5000),
		o("3", "2", "华东", "2026-07-05 09:00:00", 20000),
		o("4", "3", "华东", "2026-07-28 12:00:00", 3000),
		o("5", "1", "华东", "2026-08-02 11:00:00", 8000),
		o("6", "3", "华东", "2026-08-15 18:00:00", 3000),
		o("7", "4", "华东", "2026-08-31 23:30:00", 50000),
		o("8", "1", "华东", "2026-09-10 10:00:00", 12000),
		o("9", "2", "华东", "2026-09-01 00:00:00", 6000),
		o("10", "4", "华东", "2026-09-05 10:00:00", 10000),
		o("11", "4", "华东", "2026-09-25 10:00:00", 10000),
		o("12", "5", "华东", "2026-09-12 10:00:00", 4000),
		o("13", "5", "华东", "2026-09-13 10:00:00", -1000),
		o("14", "1", "华北", "2026-09-18 10:00:00", 7000),
		o("15", "", "华东", "2026-09-02 10:00:00", 99900),
		o("16", "6", "", "2026-09-03 10:00:00", 2500),
		o("17", "3", "华东", "2026-09-20 10:00:00", 0),
	}
}

func workedComplaints() []extract.Complaint {
	c := func(id, cust, created, resolved string, sat int, cat string) extract.Complaint {
		r := extract.Complaint{ID: id, CustomerID: cust, Department: "华东", CreatedAt: at(created), Satisfaction: extract.Rating(sat) * extract.Point, Rated: sat != 0, Category: cat}
		if resolved != "" {
			r.ResolvedAt = at(resolved)
		}
		return r
	}
	return []extract.Complaint{
		c("1", "3", "2026-08-10 09:00:00", "2026-08-12 09:00:00", 2, "delivery"),
		c("2", "1", "2026-08-20 14:00:00", "", 0, "quality"),
		c("3", "4", "2026-09-26 10:00:00", "2026-09-26 16:00:00", 5, "billing"),
		c("4", "", "2026-09-27 10:00:00", "", 0, "other"),
	}
}

// WorkedExample is ../testdata/spec/worked_example.json.
type WorkedExample struct {
	Granularity      string           `json:"granularity"`
	Timezone         string           `json:"timezone"`
	SkippedOrderRows int64            `json:"skipped_order_rows"`
	Rows             []map[string]any `json:"rows"`
}

func loadWorkedExample(t *testing.T) WorkedExample {
	t.Helper()
	b, err := os.ReadFile("../testdata/spec/worked_example.json")
	if err != nil {
		t.Fatal(err)
	}
	var w WorkedExample
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// workedResult is the worked example folded and computed for 2026-09 with
// 2026-08 beside it.
func workedResult(t *testing.T) *transform.Result {
	t.Helper()
	st := transform.New(transform.Month, shanghai)
	for _, o := range workedOrders() {
		st.AddOrder(o)
	}
	for _, c := range workedComplaints() {
		st.AddComplaint(c)
	}
	p, _ := transform.ParsePeriod("2026-09")
	res, err := st.Compute(p, transform.Options{History: 2, AtRiskLimit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestWorkedExample(t *testing.T) {
	t.Parallel()
	want := loadWorkedExample(t)
	res := workedResult(t)
	if got := res.Quality.SkippedOrders; got != want.SkippedOrderRows {
		t.Errorf("skipped orders = %d, want %d", got, want.SkippedOrderRows)
	}
	scopes := map[string]*transform.Scope{"": &res.Company}
	for i := range res.Departments {
		scopes[res.Departments[i].Department] = &res.Departments[i]
	}
	for _, row := range want.Rows {
		dept, _ := row["department"].(string)
		sc := scopes[dept]
		if sc == nil {
			t.Fatalf("no scope for department %q", dept)
		}
		var snap *transform.Snapshot
		for i := range sc.Snapshots {
			if sc.Snapshots[i].Period.String() == row["period"] {
				snap = &sc.Snapshots[i]
			}
		}
		if snap == nil {
			t.Fatalf("department %q has no snapshot for %v", dept, row["period"])
		}
		known := map[string]bool{"department": true, "period": true}
		for _, m := range transform.Metrics {
			known[m.Key] = true
		}
		for k := range row {
			if !known[k] {
				t.Errorf("the worked example has %s, which transform does not compute", k)
			}
		}
		for _, m := range transform.Metrics {
			w, ok := row[m.Key]
			if !ok {
				t.Errorf("worked example lacks %s", m.Key)
				continue
			}
			compareValue(t, dept+" "+snap.Period.String()+" "+m.Key, m.Of(snap), w)
		}
	}
}

// compareValue checks a metric against its JSON value: counts exactly,
// money to the cent, quotients to 1e-9, null as an invalid value.
func compareValue(t *testing.T, name string, got transform.Value, want any) {
	t.Helper()
	if want == nil {
		if got.Valid {
			t.Errorf("%s = %v, want null", name, got)
		}
		return
	}
	w := want.(float64)
	switch got.Kind {
	case transform.Count:
		if float64(got.Int) != w {
			t.Errorf("%s = %d, want %v", name, got.Int, w)
		}
	case transform.Money:
		if got.Int != int64(math.Round(w*100)) {
			t.Errorf("%s = %d cents, want %v", name, got.Int, w)
		}
	default:
		if !got.Valid || math.Abs(got.Float-w) > 1e-9 {
			t.Errorf("%s = %+v, want %v", name, got, w)
		}
	}
}
