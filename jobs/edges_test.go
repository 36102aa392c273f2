package jobs_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"retention/extract/sourcetest"
	"retention/jobs"
	"retention/transform"
)

// edgeTables creates a shop whose schema has the edges of the spec's
// "Version 2.1": refunds kept in a table of their own under their order's
// id (the orders query is a UNION ALL), an order of two identical lines,
// an order from 1965, an order at a wall-clock time that America/Asuncion
// skips (2023-10-01 00:30, clocks jump from 00:00 to 01:00), zero dates
// in ordered_at, created_at and resolved_at, an empty customer_id,
// ratings of 2.5, 2.0, 0 and 7 in a DECIMAL(3,1), a resolution before its
// creation and a repeated complaint_id. Times are wall-clock times in
// America/Asuncion, the report and source zone.
//
// The zero dates are DATETIME values, as legacy MySQL schemas keep them:
// a real server takes them with a statement-level sql_mode that allows
// them (SET STATEMENT, MariaDB); the embedded server takes them as they
// are.
func edgeTables(t *testing.T, d *sourcetest.DB) {
	t.Helper()
	zeroDates := ""
	if d.Embedded == nil {
		zeroDates = "SET STATEMENT sql_mode = '' FOR "
	}
	d.Exec(t,
		`CREATE TABLE orders (
		  seq INT PRIMARY KEY, order_id BIGINT NOT NULL, customer_id VARCHAR(20) NULL, department VARCHAR(20) NULL,
		  ordered_at DATETIME(6) NULL, amount DECIMAL(14,2) NOT NULL)`,
		zeroDates+`INSERT INTO orders VALUES
		 (1,  1, '1', '华东', '2023-09-05 10:00:00', 100.00),
		 (2,  2, '1', '华东', '2023-10-05 10:00:00', 200.00),
		 (3,  3, '2', '华东', '2023-09-10 10:00:00',  80.00),
		 (4,  3, '2', '华东', '2023-09-10 10:00:00',  80.00),
		 (5,  4, '3', '华东', '1965-06-01 10:00:00',  30.00),
		 (6,  5, '3', '华东', '2023-10-12 10:00:00',  40.00),
		 (7,  6, '4', '华东', '2023-10-01 00:30:00',  50.00),
		 (8,  7, '4', '华东', '0000-00-00 00:00:00',  10.00),
		 (9,  8, '',  '华东', '2023-10-03 10:00:00',  70.00),
		 (10, 9, '5', '华东', '2023-09-20 10:00:00',  60.00),
		 (11, 10, '6', NULL,  '2023-09-15 10:00:00',  25.00)`,
		`CREATE TABLE refunds (
		  order_id BIGINT NOT NULL, customer_id VARCHAR(20) NOT NULL, department VARCHAR(20) NOT NULL,
		  refunded_at DATETIME(6) NOT NULL, amount DECIMAL(14,2) NOT NULL)`,
		`INSERT INTO refunds VALUES
		 (2, '1', '华东', '2023-10-20 10:00:00', 50.00),
		 (3, '2', '华东', '2023-10-02 10:00:00', 30.00)`,
		`CREATE TABLE complaints (
		  seq INT PRIMARY KEY, complaint_id BIGINT NOT NULL, customer_id VARCHAR(20) NULL, department VARCHAR(20) NULL,
		  created_at DATETIME(6) NULL, resolved_at DATETIME(6) NULL, satisfaction DECIMAL(3,1) NULL, category VARCHAR(20) NULL)`,
		zeroDates+`INSERT INTO complaints VALUES
		 (1, 1, '1', '华东', '2023-10-03 10:00:00', '2023-10-03 14:00:00', 2.5, 'delivery'),
		 (2, 2, '2', '华东', '2023-10-05 10:00:00', '0000-00-00 00:00:00', 0.0, 'quality'),
		 (3, 3, '3', '华东', '2023-10-06 10:00:00', '2023-10-06 08:00:00', 7.0, 'quality'),
		 (4, 4, '',  '华东', '2023-10-07 10:00:00', '2023-10-08 10:00:00', 4.0, NULL),
		 (5, 5, '5', '华东', '0000-00-00 00:00:00', NULL,                  3.0, 'x'),
		 (6, 6, '4', '华东', '2023-10-09 10:00:00', '2023-10-09 11:30:00', 2.0, 'delivery'),
		 (7, 1, '1', '华东', '2023-10-03 10:00:00', NULL,                  1.0, 'again')`)
}

// edgeOrders is the orders query of the edge shop: orders and their
// refund lines, under the order's id.
const edgeOrders = `SELECT order_id, customer_id, department, ordered_at, amount FROM orders
UNION ALL
SELECT order_id, customer_id, department, refunded_at AS ordered_at, -amount AS amount FROM refunds`

// edgeFigures are the figures of 2023-10 in the edge shop, worked out by
// hand from the spec (the 1965 order, the line repeated and the refund
// lines counted, the zero-dated and customer-less rows skipped).
//
//	华东 rows used   Sep: c1 +100; c2 +80 +80 (order 3's two lines); c5 +60
//	                 Oct: c1 +200 −50 (refund line of order 2); c2 −30
//	                      (refund line of order 3); c3 +40; c4 +50 (at
//	                      00:30 on the 1st, in the gap: 01:00, October)
//	                 1965-06: c3 +30
//	(unassigned)     Sep: c6 +25
//
//	华东: A(Sep) = {1,2,5}, A(Oct) = {1,3,4}; B = {1,2,5}, R = {1},
//	L = {2,5}; N(Oct) = {4} (c3 bought in 1965: reactivated, W = {3}).
//	Company: B = A(Sep) = {1,2,5,6}, L = {2,5,6}.
//
//	Complaints of Oct (all 华东): k1 c1 4 h, 2.5; k2 c2 open (zero
//	resolved_at), 0 (out of range); k3 c3 resolved before created (counted
//	resolved, not timed), 7 (out of range); k4 no customer, 24 h, 4.0; k6
//	c4 1.5 h, 2.0 (rated ≤ 2: an at-risk signal); k5 (zero created_at) and
//	the second complaint 1 are skipped.
//
//	Risk(Oct) = {4}: c1 bought as in Sep and its 2.5 is not ≤ 2; c3's
//	earlier period (1965) had one order of 30, Oct one of 40; its 7 is no
//	rating. Risk(Sep) = {} (nobody had an earlier period or a complaint).
var edgeFigures = map[any]map[string]any{
	"华东": {
		"active_customers": 3.0, "base_customers": 3.0, "new_customers": 1.0, "retained_customers": 1.0,
		"churned_customers": 2.0, "reactivated_customers": 1.0, "customer_base": 5.0,
		"retention_rate": 1.0 / 3, "churn_rate": 2.0 / 3,
		"relative_churn_rate": (160.0 + 60) / 320, // L's Sep revenue over B's
		"revenue":             210.0,              // 150 + 40 + 50 − 30
		"orders":              3.0, "purchase_frequency": 1.0, "avg_spend_per_customer": 70.0, "avg_order_value": 70.0,
		"revenue_retention_rate":      (150.0 - 30) / 320,
		"new_customer_retention_rate": 1.0 / 3, // N(Sep) = {1,2,5}
		"new_customers_per_month":     1.0,
		"win_back_rate":               nil, // L(Sep) is empty
		"complaints":                  5.0, "complainants": 4.0, "complaint_rate": 4.0 / 3,
		"complaint_resolved_rate":        4.0 / 5,
		"avg_resolution_hours":           (4 + 24 + 1.5) / 3.0,
		"complaint_satisfaction":         (2.5 + 4 + 2) / 3,
		"complainant_retention_rate":     nil,
		"non_complainant_retention_rate": 1.0 / 3,
		"at_risk_customers":              1.0, "at_risk_retention_rate": nil,
		"revenue_new": 50.0, "revenue_reactivated": 40.0, "revenue_expansion": 50.0, "revenue_contraction": 0.0,
		"revenue_churned": 220.0, "revenue_other": -30.0, // 210 − 320 = 50 + 40 + 50 − 0 − 220 − 30
		"gross_revenue_retention_rate": 100.0 / 320,
	},
	nil: {
		"active_customers": 3.0, "base_customers": 4.0, "new_customers": 1.0, "retained_customers": 1.0,
		"churned_customers": 3.0, "reactivated_customers": 1.0, "customer_base": 6.0,
		"retention_rate": 1.0 / 4, "churn_rate": 3.0 / 4,
		"relative_churn_rate": (160.0 + 60 + 25) / 345,
		"revenue":             210.0,
		"orders":              3.0, "purchase_frequency": 1.0, "avg_spend_per_customer": 70.0, "avg_order_value": 70.0,
		"revenue_retention_rate":      (150.0 - 30) / 345,
		"new_customer_retention_rate": 1.0 / 4,
		"new_customers_per_month":     1.0,
		"win_back_rate":               nil,
		"complaints":                  5.0, "complainants": 4.0, "complaint_rate": 4.0 / 3,
		"complaint_resolved_rate":        4.0 / 5,
		"avg_resolution_hours":           (4 + 24 + 1.5) / 3.0,
		"complaint_satisfaction":         (2.5 + 4 + 2) / 3,
		"complainant_retention_rate":     nil,
		"non_complainant_retention_rate": 1.0 / 4,
		"at_risk_customers":              1.0, "at_risk_retention_rate": nil,
		"revenue_new": 50.0, "revenue_reactivated": 40.0, "revenue_expansion": 50.0, "revenue_contraction": 0.0,
		"revenue_churned": 245.0, "revenue_other": -30.0, // 210 − 345 = 50 + 40 + 50 − 0 − 245 − 30
		"gross_revenue_retention_rate": 100.0 / 345,
	},
}

// TestRealSchemaEdges: every rule of the spec's "Version 2.1" on a shop
// that has them all, through the real pipeline over the MySQL protocol
// (the embedded server, or RETENTION_TEST_DSN): each figure of 2023-10,
// the data-quality counts naming each case, the targets' default scope,
// the day the gap's order is listed on, and check's count of order ids on
// more than one row.
func TestRealSchemaEdges(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	edgeTables(t, d)
	c := testConfig(t, d, `
timezone: America/Asuncion
report: {locale: en}
targets:
  - {metric: retention_rate, min: 0.5}
  - {metric: churned_customers, max: 0, departments: ["(unassigned)"]}
`)
	c.Source.Orders = edgeOrders
	c.Source.Complaints = "SELECT * FROM complaints ORDER BY seq"
	opt := jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2023-10")), Now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), Logger: quiet}
	out, err := jobs.Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, out.Dir)
	if m.Source["orders_rows"] != 13 || m.Source["skipped_order_rows"] != 2 || m.Source["complaints_rows"] != 7 ||
		m.Source["skipped_complaint_rows"] != 2 {
		t.Errorf("manifest source = %v, want 13 order rows (2 skipped) and 7 complaint rows (2 skipped)", m.Source)
	}
	for dept, want := range edgeFigures {
		got := findSnapshot(m, dept, "2023-10")
		if got == nil {
			t.Fatalf("no snapshot of %v 2023-10", dept)
		}
		for _, metric := range transform.Metrics {
			w, ok := want[metric.Key]
			if !ok {
				t.Fatalf("%v: %s not worked out", dept, metric.Key)
			}
			if g := got[metric.Key]; !sameFigure(g, w) {
				t.Errorf("%v 2023-10 %s = %v, want %v", dept, metric.Key, g, w)
			}
		}
	}

	quality := map[string]float64{}
	for _, q := range m.Quality {
		quality[q["table"].(string)+"/"+q["reason"].(string)+"/"+q["handling"].(string)] = q["rows"].(float64)
	}
	wantQuality := map[string]float64{
		"orders/customer_id_missing/skipped":            1, // '' is NULL
		"orders/timestamp_zero/skipped":                 1,
		"orders/amount_negative/noted":                  2, // the refund lines
		"orders/department_missing/noted":               1,
		"complaints/timestamp_zero/skipped":             1,
		"complaints/id_duplicate/skipped":               1, // complaint_id stays a key
		"complaints/satisfaction_out_of_range/repaired": 2, // 0 and 7
		"complaints/resolved_before_created/repaired":   1,
		"complaints/complaint_without_customer/noted":   1,
	}
	if !sameCounts(quality, wantQuality) {
		t.Errorf("quality = %v,\nwant %v", quality, wantQuality)
	}

	// Targets: the first rule's default scope is the company and every
	// named department, not (unassigned) (retention 0 there); the second
	// names (unassigned) and covers it.
	var alerts []string
	for _, a := range m.Alerts {
		dept, _ := a["department"].(string)
		alerts = append(alerts, dept+"/"+a["metric"].(string))
	}
	slices.Sort(alerts)
	if want := []string{"(unassigned)/churned_customers", "/retention_rate", "华东/retention_rate"}; !slices.Equal(alerts, want) {
		t.Errorf("alerts %q, want %q", alerts, want)
	}

	// The order at 00:30 on 2023-10-01, a time the zone skips, is on its
	// calendar day: c4's last purchase in the at-risk list.
	f, err := excelize.OpenFile(filepath.Join(out.Dir, "华东.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := sheetRows(t, f, "At risk")
	col := slices.Index(headerOf(rows, "Last purchase"), "Last purchase")
	row := rowOf(rows, "4", col+1)
	if col < 0 || row == nil {
		t.Fatalf("no customer 4 or no Last purchase column in the at-risk list: %q", rows)
	}
	serial, err := strconv.ParseFloat(row[col], 64)
	if err != nil {
		t.Fatalf("customer 4's last purchase: %v", err)
	}
	if got, _ := excelize.ExcelDateToTime(serial, false); got.Format(time.DateOnly) != "2023-10-01" {
		t.Errorf("customer 4's last purchase is %s, want 2023-10-01", got.Format(time.DateOnly))
	}

	// check: the order_ids on more than one row, as information.
	var buf bytes.Buffer
	if err := jobs.Check(context.Background(), opt, &buf); err != nil {
		t.Fatal(err)
	}
	if want := "order_id: 2 values on more than one row"; !strings.Contains(buf.String(), want) {
		t.Errorf("check printed\n%s\nwant a line with %q", buf.String(), want)
	}
}
