package extract_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"retention/extract"
	"retention/extract/sourcetest"
)

// typedTable creates a table holding the spec's values in the types real
// schemas store them in, three rows (n = 1, 2, 3), written by an
// application whose session is at +08:00.
func typedTable(t *testing.T, d *sourcetest.DB) {
	t.Helper()
	ts := func(wall string) string { return d.TimestampLiteral(t, "+08:00", wall) }
	d.ExecInZone(t, "+08:00",
		`CREATE TABLE typed (
		  n INT PRIMARY KEY,
		  id_big BIGINT NULL, id_ubig BIGINT UNSIGNED NULL, id_text VARCHAR(30) NULL,
		  cust_big BIGINT NULL, cust_ubig BIGINT UNSIGNED NULL, cust_text VARCHAR(30) NULL,
		  amt_dec DECIMAL(14,2) NULL, amt_double DOUBLE NULL, amt_float FLOAT NULL, amt_text VARCHAR(30) NULL,
		  ts_dt6 DATETIME(6) NULL, ts_ts6 TIMESTAMP(6) NULL, ts_date DATE NULL, ts_text VARCHAR(40) NULL,
		  sat_tiny TINYINT NULL, sat_dec DECIMAL(3,1) NULL, sat_float FLOAT NULL, sat_text VARCHAR(10) NULL)`,
		`INSERT INTO typed VALUES
		 (1, 1, 18446744073709551615, 'A-1', 42, 42, 'C-42',
		  12.34, 0.1, 0.1, ' 12.50 ',
		  '2026-08-31 23:59:59.999999', `+ts("2026-08-31 23:59:59.999999")+`, '2026-08-31', '2026-08-31 23:59:59.999999',
		  4, 4.0, 4, ' 4 ')`,
		`INSERT INTO typed VALUES
		 (2, -5, 9223372036854775808, '7', -42, 18446744073709551615, ' 42',
		  -0.50, 123456.785, 1.005, '1e3',
		  '2026-09-01 00:00:00', `+ts("2026-09-01 00:00:00")+`, '2026-09-01', '2026-09-01T00:00:00',
		  0, 4.5, 2.5, 'good')`,
		`INSERT INTO typed VALUES
		 (3, 1, 18446744073709551615, 'A-1', 999999999999999999, 1000000000000000000, 'C-9',
		  0.00, 0.001, -2.5, 'ten',
		  '2026-09-01 03:00:00.5', `+ts("2026-09-01 03:00:00.5")+`, NULL, 'soon',
		  NULL, NULL, NULL, '4.0')`)
}

func readOrders(t *testing.T, snap *extract.Snapshot, sql string) []extract.Order {
	t.Helper()
	var got []extract.Order
	for o, err := range snap.Orders(context.Background(), extract.Query{Name: "source.orders", SQL: sql}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o)
	}
	if len(got) != 3 {
		t.Fatalf("%s: read %d rows, want 3", sql, len(got))
	}
	return got
}

// TestIDTypes: order and customer ids as BIGINT, BIGINT UNSIGNED (above
// 2^63 too) and text. A repeated order_id is another line of that order,
// not a defect: every row is read.
func TestIDTypes(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	typedTable(t, d)
	snap := snapshot(t, d, shanghai)
	type want struct {
		id      string // Order.ID: set on rows with a defect
		cust    string
		numeric bool
		defect  extract.Defect
	}
	tests := []struct {
		id, cust string
		want     [3]want
	}{
		{"id_big", "cust_big", [3]want{{"", "42", true, 0}, {"", "-42", false, 0},
			{"", "999999999999999999", true, 0}}},
		{"id_ubig", "cust_ubig", [3]want{{"", "42", true, 0}, {"", "18446744073709551615", false, 0},
			{"", "1000000000000000000", false, 0}}},
		{"id_text", "cust_text", [3]want{{"", "C-42", false, 0}, {"", " 42", false, 0},
			{"", "C-9", false, 0}}},
	}
	for _, tt := range tests {
		got := readOrders(t, snap, fmt.Sprintf("SELECT %s AS order_id, %s AS customer_id, 'x' AS department, ts_dt6 AS ordered_at, amt_dec AS amount FROM typed ORDER BY n", tt.id, tt.cust))
		for i, o := range got {
			w := tt.want[i]
			if o.ID != w.id || o.Customer() != w.cust || o.NumericCustomer != w.numeric || o.Defect != w.defect {
				t.Errorf("%s, %s row %d: id %q, customer %q numeric %v, defect %v; want %q, %q %v, %v",
					tt.id, tt.cust, i+1, o.ID, o.Customer(), o.NumericCustomer, o.Defect, w.id, w.cust, w.numeric, w.defect)
			}
		}
	}
}

// TestAmountTypes: amounts as DECIMAL, DOUBLE, FLOAT and text, read by
// value into cents: a DOUBLE as the shortest decimal that is the same
// double (as the server prints it), a FLOAT as the shortest that is the
// same float (1.005, not 1.00499999523).
func TestAmountTypes(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	typedTable(t, d)
	snap := snapshot(t, d, shanghai)
	tests := []struct {
		col    string
		cents  [3]int64
		defect [3]extract.Defect
	}{
		{"amt_dec", [3]int64{1234, -50, 0}, [3]extract.Defect{}},
		// 123456.785 rounds half away from zero; 0.001 is a tenth of a cent
		{"amt_double", [3]int64{10, 12345679, 0}, [3]extract.Defect{}},
		{"amt_float", [3]int64{10, 101, -250}, [3]extract.Defect{}},
		{"amt_text", [3]int64{1250, 100000, 0}, [3]extract.Defect{0, 0, extract.DefectBadAmount}},
	}
	for _, tt := range tests {
		got := readOrders(t, snap, "SELECT n AS order_id, cust_big AS customer_id, 'x' AS department, ts_dt6 AS ordered_at, "+tt.col+" AS amount FROM typed ORDER BY n")
		for i, o := range got {
			if o.AmountCents != tt.cents[i] || o.Defect != tt.defect[i] {
				t.Errorf("%s row %d: %d cents, defect %v; want %d, %v", tt.col, i+1, o.AmountCents, o.Defect, tt.cents[i], tt.defect[i])
			}
		}
	}
}

// TestTimestampTypes: a TIMESTAMP(6) is the instant the application
// wrote, whatever source.timezone says; DATETIME(6), DATE and text are
// wall-clock times in source.timezone; microseconds are kept.
func TestTimestampTypes(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	typedTable(t, d)
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04:05.999999", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// The rows' Shanghai wall-clock times as instants.
	written := [3]time.Time{utc("2026-08-31 15:59:59.999999"), utc("2026-08-31 16:00:00"), utc("2026-08-31 19:00:00.5")}
	// The same wall-clock times read in UTC.
	asUTC := [3]time.Time{utc("2026-08-31 23:59:59.999999"), utc("2026-09-01 00:00:00"), utc("2026-09-01 03:00:00.5")}
	tests := []struct {
		col    string
		source *time.Location
		want   [3]time.Time // zero for a row with a defect
		defect [3]extract.Defect
	}{
		{"ts_ts6", shanghai, written, [3]extract.Defect{}},
		{"ts_ts6", time.UTC, written, [3]extract.Defect{}},
		{"ts_dt6", shanghai, written, [3]extract.Defect{}},
		{"ts_dt6", time.UTC, asUTC, [3]extract.Defect{}},
		{"ts_date", shanghai, [3]time.Time{utc("2026-08-30 16:00:00"), utc("2026-08-31 16:00:00")}, [3]extract.Defect{2: extract.DefectNullTime}},
		{"ts_text", shanghai, [3]time.Time{written[0], written[1]}, [3]extract.Defect{2: extract.DefectBadTime}},
		{"ts_text", time.UTC, [3]time.Time{asUTC[0], asUTC[1]}, [3]extract.Defect{2: extract.DefectBadTime}},
	}
	for _, tt := range tests {
		snap := snapshot(t, d, tt.source)
		got := readOrders(t, snap, "SELECT n AS order_id, cust_big AS customer_id, 'x' AS department, "+tt.col+" AS ordered_at, amt_dec AS amount FROM typed ORDER BY n")
		for i, o := range got {
			if o.Defect != tt.defect[i] || !o.OrderedAt.Equal(tt.want[i]) {
				t.Errorf("%s in %s row %d: %v, defect %v; want %v, %v", tt.col, tt.source, i+1, o.OrderedAt.UTC(), o.Defect, tt.want[i].UTC(), tt.defect[i])
			}
		}
	}
}

// TestSatisfactionTypes: satisfaction as TINYINT, DECIMAL(3,1), FLOAT and
// text, read by value (4.5 is 4.5); a value that is not a number is
// flagged, never silently "not rated". A DATETIME and a TIMESTAMP sit side by side
// in one query, and a resolved_at that cannot be read flags the
// complaint instead of dropping it.
func TestSatisfactionTypes(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	typedTable(t, d)
	snap := snapshot(t, d, shanghai)
	type rating struct {
		v              extract.Rating
		rated, invalid bool
	}
	const point = extract.Point
	tests := []struct {
		col  string
		want [3]rating
	}{
		{"sat_tiny", [3]rating{{4 * point, true, false}, {0, true, false}, {}}}, // 0 is a number: transform finds it out of range
		{"sat_dec", [3]rating{{4 * point, true, false}, {4_500_000, true, false}, {}}},
		{"sat_float", [3]rating{{4 * point, true, false}, {2_500_000, true, false}, {}}},
		{"sat_text", [3]rating{{4 * point, true, false}, {0, false, true}, {4 * point, true, false}}},
	}
	for _, tt := range tests {
		q := extract.Query{Name: "source.complaints", SQL: "SELECT n AS complaint_id, cust_big AS customer_id, 'x' AS department, ts_dt6 AS created_at, ts_ts6 AS resolved_at, " +
			tt.col + " AS satisfaction, 'c' AS category FROM typed ORDER BY n"}
		i := 0
		for c, err := range snap.Complaints(context.Background(), q) {
			if err != nil {
				t.Fatal(err)
			}
			w := tt.want[i]
			invalid := c.Flags&extract.FlagSatisfactionInvalid != 0
			if c.Satisfaction != w.v || c.Rated != w.rated || invalid != w.invalid {
				t.Errorf("%s row %d: satisfaction %d rated %v invalid %v; want %d %v %v", tt.col, i+1, c.Satisfaction, c.Rated, invalid, w.v, w.rated, w.invalid)
			}
			// The TIMESTAMP(6) resolved_at is the instant the DATETIME(6)
			// created_at names in Shanghai.
			if c.Defect != extract.DefectNone || !c.ResolvedAt.Equal(c.CreatedAt) || c.CreatedAt.IsZero() {
				t.Errorf("%s row %d: created %v, resolved %v, defect %v; want the same instant twice", tt.col, i+1, c.CreatedAt, c.ResolvedAt, c.Defect)
			}
			i++
		}
		if i != 3 {
			t.Errorf("%s: read %d complaints, want 3", tt.col, i)
		}
	}

	q := extract.Query{Name: "source.complaints", SQL: "SELECT n AS complaint_id, cust_big AS customer_id, 'x' AS department, ts_dt6 AS created_at, ts_text AS resolved_at, sat_tiny AS satisfaction, 'c' AS category FROM typed ORDER BY n"}
	var got []extract.Complaint
	for c, err := range snap.Complaints(context.Background(), q) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if len(got) != 3 {
		t.Fatalf("read %d complaints, want 3", len(got))
	}
	for i, c := range got[:2] {
		if c.Flags != 0 || !c.ResolvedAt.Equal(c.CreatedAt) {
			t.Errorf("row %d: resolved %v, flags %b; want %v", i+1, c.ResolvedAt, c.Flags, c.CreatedAt)
		}
	}
	if c := got[2]; c.Defect != extract.DefectNone || c.Flags != extract.FlagResolvedAtInvalid || !c.ResolvedAt.IsZero() || c.CreatedAt.IsZero() {
		t.Errorf("resolved_at 'soon': %+v; want the complaint, flagged resolved_at invalid", c)
	}
}

// TestProbeTimeColumns: Probe says how each timestamp column will be read,
// from the type the server reports.
func TestProbeTimeColumns(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	typedTable(t, d)
	snap := snapshot(t, d, shanghai)
	ctx := context.Background()
	p, err := snap.Probe(ctx, extract.Query{Name: "source.complaints", SQL: "SELECT n AS complaint_id, cust_big AS customer_id, 'x' AS department, ts_dt6 AS Created_At, ts_ts6 AS resolved_at, sat_dec AS satisfaction, 'c' AS category FROM typed"},
		extract.ComplaintColumns)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range p.Times {
		lines = append(lines, c.String())
	}
	if want := []string{"Created_At DATETIME: wall-clock Asia/Shanghai", "resolved_at TIMESTAMP: instant"}; fmt.Sprint(lines) != fmt.Sprint(want) || p.Rows != 3 {
		t.Errorf("Probe: %d rows, %q; want 3, %q", p.Rows, lines, want)
	}
	for col, typ := range map[string]string{"ts_date": "DATE", "ts_text": "VARCHAR"} {
		p, err := snap.Probe(ctx, extract.Query{Name: "source.orders", SQL: "SELECT n AS order_id, cust_big AS customer_id, 'x' AS department, " + col + " AS ordered_at, amt_dec AS amount FROM typed"},
			extract.OrderColumns)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Times) != 1 || p.Times[0].Type != typ || p.Times[0].Instant || p.Times[0].Zone != shanghai {
			t.Errorf("Probe of %s: %+v; want %s read as wall-clock time in Shanghai", col, p.Times, typ)
		}
	}
}
