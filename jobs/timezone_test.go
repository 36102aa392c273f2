package jobs_test

import (
	"context"
	"math"
	"testing"
	"time"

	"retention/extract/sourcetest"
	"retention/jobs"
	"retention/transform"
)

// TestTimeZones runs the real pipeline, with the default configuration
// (report and source time zone Asia/Shanghai), over tables as a shop
// application writes them: orders.ordered_at a TIMESTAMP(6) and
// complaints' times DATETIME(6), written with the application's session
// at +08:00, around both ends of September (23:59:59.999999, 00:00:00,
// 03:00), satisfaction a DECIMAL(3,1) and every id BIGINT UNSIGNED. Every
// figure of August, September and October is worked out by hand below.
//
// It does so with the server's global time zone left alone (UTC on the
// test machine's MariaDB), set to +08:00 and set to -05:00: the figures
// must not change, since the job sets its own session's zone. The
// embedded server (go-mysql-server v0.20) reports TIMESTAMP columns as
// such but converts their values by no zone: the rows are given to it as
// the UTC text a real server keeps (sourcetest.TimestampLiteral), and the
// variants with a global zone, which cannot change anything there, run
// only on a real server (RETENTION_TEST_DSN).
//
// Not parallel: the variants change the zone of every new connection to
// the server while they run, and the package's parallel tests start only
// after this one.
func TestTimeZones(t *testing.T) {
	for _, global := range []string{"", "+08:00", "-05:00"} {
		name := "server zone as it is"
		if global != "" {
			name = "server zone " + global
		}
		t.Run(name, func(t *testing.T) {
			d := sourcetest.New(t)
			if global != "" && !d.ConvertsTimestamps() {
				t.Skip("the embedded server converts TIMESTAMP values by no zone, so its zone cannot matter; needs RETENTION_TEST_DSN")
			}
			shopTables(t, d)
			if global != "" {
				setGlobalZone(t, d, global)
			}
			c := testConfig(t, d, "")
			out, err := jobs.Run(context.Background(), jobs.RunOptions{Plan: plan(c, mustPeriod(t, "2026-10")),
				Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			m := readManifest(t, out.Dir)
			if m.Source["orders_rows"] != 12 || m.Source["complaints_rows"] != 6 || m.Source["skipped_order_rows"] != 0 ||
				m.Source["skipped_complaint_rows"] != 0 {
				t.Errorf("manifest source = %v, want 12 orders and 6 complaints read, none skipped", m.Source)
			}
			quality := map[string]float64{}
			for _, q := range m.Quality {
				quality[q["table"].(string)+"/"+q["reason"].(string)+"/"+q["handling"].(string)] = q["rows"].(float64)
			}
			// o9 is a refund; k6's 4.5 is a rating, read by value.
			if want := map[string]float64{"orders/amount_negative/noted": 1}; !sameCounts(quality, want) {
				t.Errorf("quality = %v, want %v", quality, want)
			}
			for _, period := range []string{"2026-08", "2026-09", "2026-10"} {
				// One department: the company's figures are its figures.
				for _, dept := range []any{"华东", nil} {
					got := findSnapshot(m, dept, period)
					if got == nil {
						t.Errorf("no snapshot of %v %s", dept, period)
						continue
					}
					for _, metric := range transform.Metrics {
						w, ok := shopFigures[period][metric.Key]
						if !ok {
							t.Fatalf("%s: %s not worked out", period, metric.Key)
						}
						if g := got[metric.Key]; !sameFigure(g, w) {
							t.Errorf("%v %s %s = %v, want %v", dept, period, metric.Key, g, w)
						}
					}
				}
			}
		})
	}
}

// shopTables creates the shop's orders and complaints, written by an
// application whose session is at +08:00. Customers: c1 = 1, c2 = 2,
// c3 = 3, c4 = 2^64-1 and c5 = 2^63, the last two beyond a signed
// BIGINT. Times are Shanghai wall-clock times.
func shopTables(t *testing.T, d *sourcetest.DB) {
	t.Helper()
	ts := func(wall string) string { return d.TimestampLiteral(t, "+08:00", wall) }
	d.ExecInZone(t, "+08:00",
		`CREATE TABLE orders (
		  order_id    BIGINT UNSIGNED PRIMARY KEY,
		  customer_id BIGINT UNSIGNED NULL,
		  department  VARCHAR(64) NULL,
		  ordered_at  TIMESTAMP(6) NULL,
		  amount      DECIMAL(14,2) NULL) DEFAULT CHARSET = utf8mb4`,
		`CREATE TABLE complaints (
		  complaint_id BIGINT UNSIGNED PRIMARY KEY,
		  customer_id  BIGINT UNSIGNED NULL,
		  department   VARCHAR(64) NULL,
		  created_at   DATETIME(6) NOT NULL,
		  resolved_at  DATETIME(6) NULL,
		  satisfaction DECIMAL(3,1) NULL,
		  category     VARCHAR(64) NULL) DEFAULT CHARSET = utf8mb4`,
		`INSERT INTO orders VALUES
		 (1,  1, '华东', `+ts("2026-07-10 12:00:00")+`, 100.00),
		 (2,  2, '华东', `+ts("2026-07-15 09:00:00")+`, 50.00),
		 (3,  1, '华东', `+ts("2026-08-31 23:59:59.999999")+`, 200.00),
		 (4,  3, '华东', `+ts("2026-08-20 10:00:00")+`, 30.00),
		 (5,  2, '华东', `+ts("2026-09-01 00:00:00")+`, 80.00),
		 (6,  18446744073709551615, '华东', `+ts("2026-09-01 03:00:00")+`, 40.00),
		 (7,  1, '华东', `+ts("2026-09-15 12:00:00.5")+`, 120.00),
		 (8,  9223372036854775808, '华东', `+ts("2026-09-30 23:59:59.999999")+`, 60.00),
		 (9,  1, '华东', `+ts("2026-09-10 10:00:00")+`, -20.00),
		 (10, 3, '华东', `+ts("2026-10-01 00:00:00")+`, 70.00),
		 (11, 18446744073709551615, '华东', `+ts("2026-10-01 03:00:00")+`, 90.00),
		 (18446744073709551614, 1, '华东', `+ts("2026-10-20 08:00:00")+`, 10.00)`,
		`INSERT INTO complaints VALUES
		 (1, 1, '华东', '2026-08-31 23:59:59.999999', '2026-09-01 00:00:00.000001', 4.0, 'delivery'),
		 (2, 2, '华东', '2026-09-01 00:00:00',        '2026-09-01 03:00:00.5',      2.0, 'delivery'),
		 (3, 18446744073709551615, '华东', '2026-09-01 03:00:00', NULL,            NULL, 'quality'),
		 (4, 3, '华东', '2026-09-30 23:59:59.999999', '2026-10-01 00:00:00',        5.0, 'quality'),
		 (5, 9223372036854775808, '华东', '2026-10-01 00:00:00', '2026-10-01 03:00:00', 3.0, 'delivery'),
		 (6, 1, '华东', '2026-10-01 03:00:00',        NULL,                         4.5, 'quality')`)
}

// shopFigures are the figures of shopTables, by period and metric, worked
// out by hand (nil: undefined).
//
// Orders by Shanghai month (purchases; o9 is a refund):
//
//	2026-07  c1 100 (o1), c2 50 (o2)
//	2026-08  c1 200 (o3, 23:59:59.999999 on the 31st), c3 30 (o4)
//	2026-09  c2 80 (o5, 00:00 on the 1st), c4 40 (o6, 03:00 on the 1st), c1 120 (o7), c1 -20 (o9),
//	         c5 60 (o8, 23:59:59.999999 on the 30th)
//	2026-10  c3 70 (o10, 00:00 on the 1st), c4 90 (o11, 03:00 on the 1st), c1 10 (o12)
//
// Read as Shanghai wall-clock text, as the job did before, the TIMESTAMPs
// that a UTC server returns would have put o5 and o6 in August, o10 and
// o11 in September.
//
// Active: A(07) = {c1, c2}, A(08) = {c1, c3}, A(09) = {c1, c2, c4, c5},
// A(10) = {c1, c3, c4}. First purchases: c1, c2 07; c3 08; c4, c5 09.
// Revenue: 08: c1 200 + c3 30 = 230; 09: c1 100 (120 - 20) + c2 80 +
// c4 40 + c5 60 = 280; 10: c1 10 + c3 70 + c4 90 = 170.
//
// Complaints by the month of created_at (DATETIME: Shanghai wall-clock):
//
//	2026-08  k1 c1, resolved after 2 µs, rated 4.0
//	2026-09  k2 c2, resolved after 3 h 0.5 s, rated 2.0; k3 c4, open; k4 c3, resolved after 1 µs, rated 5.0
//	2026-10  k5 c5, resolved after 3 h, rated 3.0; k6 c1, open, rated 4.5 (read by value: 4.5)
var shopFigures = map[string]map[string]any{
	"2026-08": {
		"active_customers":               2.0, // c1, c3
		"base_customers":                 2.0, // A(07) = {c1, c2}
		"new_customers":                  1.0, // c3
		"retained_customers":             1.0, // c1
		"churned_customers":              1.0, // c2
		"reactivated_customers":          0.0,
		"customer_base":                  3.0, // c1, c2, c3 in the 12 months to August
		"retention_rate":                 1.0 / 2,
		"churn_rate":                     1.0 / 2,
		"relative_churn_rate":            50.0 / 150, // c2's July revenue / the base's
		"revenue":                        230.0,
		"orders":                         2.0,
		"purchase_frequency":             2.0 / 2,
		"avg_spend_per_customer":         230.0 / 2,
		"avg_order_value":                230.0 / 2,
		"revenue_retention_rate":         200.0 / 150, // the base's August revenue (c1 200, c2 0) / its July revenue
		"new_customer_retention_rate":    1.0 / 2,     // of N(07) = {c1, c2}, c1 bought in August
		"new_customers_per_month":        1.0,
		"win_back_rate":                  nil, // nobody churned in July
		"complaints":                     1.0, // k1, at the last microsecond of August
		"complainants":                   1.0,
		"complaint_rate":                 1.0 / 2,
		"complaint_resolved_rate":        1.0,
		"avg_resolution_hours":           2.0 / 3_600_000_000, // 2 µs; whole milliseconds made it 0
		"complaint_satisfaction":         4.0,                 // DECIMAL 4.0; read as an integer it was "not rated"
		"complainant_retention_rate":     nil,                 // nobody of the base complained in July
		"non_complainant_retention_rate": 1.0 / 2,             // c1 of {c1, c2}
		// v2: Risk(08) = {c1}: k1 (created at the last microsecond of
		// August) is open at its end, resolved a microsecond into
		// September; c3 has no earlier active period. Risk(07) is empty.
		"at_risk_customers":            1.0,
		"at_risk_retention_rate":       nil,
		"revenue_new":                  30.0, // c3
		"revenue_reactivated":          0.0,
		"revenue_expansion":            100.0, // c1 100 -> 200
		"revenue_contraction":          0.0,
		"revenue_churned":              50.0, // c2's July
		"revenue_other":                0.0,
		"gross_revenue_retention_rate": 100.0 / 150, // c1 min(200, 100) / the base's July 150
	},
	"2026-09": {
		"active_customers":               4.0, // c1, c2, c4, c5
		"base_customers":                 2.0, // A(08) = {c1, c3}
		"new_customers":                  2.0, // c4, c5
		"retained_customers":             1.0, // c1
		"churned_customers":              1.0, // c3
		"reactivated_customers":          1.0, // c2, active in July
		"customer_base":                  5.0,
		"retention_rate":                 1.0 / 2,
		"churn_rate":                     1.0 / 2,
		"relative_churn_rate":            30.0 / 230, // c3's August revenue / the base's (c1 200 + c3 30)
		"revenue":                        280.0,
		"orders":                         4.0, // o5, o6, o7, o8; o9 is a refund
		"purchase_frequency":             4.0 / 4,
		"avg_spend_per_customer":         280.0 / 4,
		"avg_order_value":                280.0 / 4,
		"revenue_retention_rate":         100.0 / 230, // c1 100 + c3 0 in September / 230 in August
		"new_customer_retention_rate":    0.0,         // N(08) = {c3} did not buy
		"new_customers_per_month":        2.0,
		"win_back_rate":                  1.0, // L(08) = {c2} bought again
		"complaints":                     3.0, // k2, k3, k4
		"complainants":                   3.0, // c2, c4, c3
		"complaint_rate":                 3.0 / 4,
		"complaint_resolved_rate":        2.0 / 3,                                    // k2, k4
		"avg_resolution_hours":           (10_800_500_000.0 + 1) / 2 / 3_600_000_000, // (3 h 0.5 s + 1 µs) / 2
		"complaint_satisfaction":         (2.0 + 5) / 2,
		"complainant_retention_rate":     1.0, // of the base, c1 complained in August and bought
		"non_complainant_retention_rate": 0.0, // c3 did not complain and did not buy
		// v2: Risk(09) = {c2 (k2 rated 2.0), c4 (k3 open)}; c1's 100 is not
		// below half its average 150, k1 was resolved in September. Of
		// Risk(08) = {c1}, c1 bought.
		"at_risk_customers":            2.0,
		"at_risk_retention_rate":       1.0,
		"revenue_new":                  100.0, // c4 40 + c5 60
		"revenue_reactivated":          80.0,  // c2
		"revenue_expansion":            0.0,
		"revenue_contraction":          100.0, // c1 200 -> 100
		"revenue_churned":              30.0,  // c3's August
		"revenue_other":                0.0,
		"gross_revenue_retention_rate": 100.0 / 230, // c1 min(100, 200) / 230
	},
	"2026-10": {
		"active_customers":               3.0, // c1, c3, c4
		"base_customers":                 4.0, // A(09)
		"new_customers":                  0.0,
		"retained_customers":             2.0, // c1, c4
		"churned_customers":              2.0, // c2, c5
		"reactivated_customers":          1.0, // c3
		"customer_base":                  5.0,
		"retention_rate":                 2.0 / 4,
		"churn_rate":                     2.0 / 4,
		"relative_churn_rate":            (80.0 + 60) / 280, // c2 and c5 in September / the base's 280
		"revenue":                        170.0,
		"orders":                         3.0,
		"purchase_frequency":             3.0 / 3,
		"avg_spend_per_customer":         170.0 / 3,
		"avg_order_value":                170.0 / 3,
		"revenue_retention_rate":         (10.0 + 90) / 280, // c1 10, c2 0, c4 90, c5 0
		"new_customer_retention_rate":    1.0 / 2,           // of N(09) = {c4, c5}, c4 bought
		"new_customers_per_month":        0.0,
		"win_back_rate":                  1.0, // L(09) = {c3} bought again
		"complaints":                     2.0, // k5, k6
		"complainants":                   2.0, // c5, c1
		"complaint_rate":                 2.0 / 3,
		"complaint_resolved_rate":        1.0 / 2, // k5
		"avg_resolution_hours":           3.0,
		"complaint_satisfaction":         (3.0 + 4.5) / 2, // k5's 3.0 and k6's 4.5
		"complainant_retention_rate":     1.0 / 2,         // of the base, c2 and c4 complained in September; c4 bought
		"non_complainant_retention_rate": 1.0 / 2,         // c1 and c5 did not; c1 bought
		// v2: Risk(10) = {c4 (k3 still open), c1 (10 below half of 400/3,
		// and k6 open)}; c3's k4 was resolved at 00:00 on the 1st. Of
		// Risk(09) = {c2, c4}, c4 bought.
		"at_risk_customers":            2.0,
		"at_risk_retention_rate":       1.0 / 2,
		"revenue_new":                  0.0,
		"revenue_reactivated":          70.0,  // c3
		"revenue_expansion":            50.0,  // c4 40 -> 90
		"revenue_contraction":          90.0,  // c1 100 -> 10
		"revenue_churned":              140.0, // c2 80 + c5 60
		"revenue_other":                0.0,
		"gross_revenue_retention_rate": (10.0 + 40) / 280, // c1 min(10, 100) + c4 min(90, 40)
	},
}

// sameFigure compares a manifest value with a worked-out one: counts and
// money exactly (money has two decimals), ratios to 1e-12, so that an
// error of a microsecond in a mean resolution time shows.
func sameFigure(got, want any) bool {
	if got == nil || want == nil {
		return got == want
	}
	g, w := got.(float64), want.(float64)
	return math.Abs(g-w) <= 1e-12*math.Max(1, math.Abs(w))
}

func sameCounts(got, want map[string]float64) bool {
	if len(got) != len(want) {
		return false
	}
	for k, n := range want {
		if got[k] != n {
			return false
		}
	}
	return true
}

// setGlobalZone sets the server's global time zone, which every new
// connection starts with, until the test ends.
func setGlobalZone(t *testing.T, d *sourcetest.DB, zone string) {
	t.Helper()
	var was string
	if err := d.Conn().QueryRow("SELECT @@global.time_zone").Scan(&was); err != nil {
		t.Fatal(err)
	}
	d.Exec(t, "SET GLOBAL time_zone = '"+zone+"'")
	t.Cleanup(func() {
		if _, err := d.Conn().Exec("SET GLOBAL time_zone = '" + was + "'"); err != nil {
			t.Errorf("restoring the server's time zone to %s: %v", was, err)
		}
	})
}
