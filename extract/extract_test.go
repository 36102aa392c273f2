package extract_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"retention/extract"
	"retention/extract/sourcetest"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func snapshot(t *testing.T, d *sourcetest.DB, loc *time.Location) *extract.Snapshot {
	t.Helper()
	return snapshotAt(t, d.DSN, loc)
}

// snapshotAt is a snapshot of the server at dsn, closed with the test.
func snapshotAt(t *testing.T, dsn string, loc *time.Location) *extract.Snapshot {
	t.Helper()
	ctx := context.Background()
	src, err := extract.Open(ctx, dsn, loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close() })
	return snap
}

func TestOrdersWorkedExample(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	snap := snapshot(t, d, shanghai)
	var got []extract.Order
	for o, err := range snap.Orders(context.Background(), extract.Query{Name: "source.orders", SQL: "SELECT * FROM orders ORDER BY order_id"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o)
	}
	if len(got) != 17 {
		t.Fatalf("read %d orders, want 17", len(got))
	}
	check := func(i int, id, cust, dept, ts string, cents int64, defect extract.Defect) {
		t.Helper()
		o := got[i]
		want, _ := time.ParseInLocation(time.DateTime, ts, shanghai)
		wantID := "" // ids are kept for the data-quality examples only
		if defect != extract.DefectNone {
			wantID = id
		}
		if o.ID != wantID || o.Customer() != cust || o.Department != dept || o.AmountCents != cents || o.Defect != defect ||
			(defect == extract.DefectNone && !o.OrderedAt.Equal(want)) {
			t.Errorf("order %d = %+v, want %s %q %q %s %d %v", i, o, id, cust, dept, ts, cents, defect)
		}
	}
	check(6, "7", "4", "华东", "2026-08-31 23:30:00", 50000, extract.DefectNone)
	check(12, "13", "5", "华东", "2026-09-13 10:00:00", -1000, extract.DefectNone)
	check(14, "15", "", "华东", "", 0, extract.DefectNullCustomer)
	check(15, "16", "6", "", "2026-09-03 10:00:00", 2500, extract.DefectNone)
	check(16, "17", "3", "华东", "2026-09-20 10:00:00", 0, extract.DefectNone)
}

func TestComplaintsWorkedExample(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	snap := snapshot(t, d, shanghai)
	var got []extract.Complaint
	for c, err := range snap.Complaints(context.Background(), extract.Query{Name: "source.complaints", SQL: "SELECT * FROM complaints ORDER BY complaint_id"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if len(got) != 4 {
		t.Fatalf("read %d complaints, want 4", len(got))
	}
	if c := got[0]; c.CustomerID != "3" || !c.Rated || c.Satisfaction != 2*extract.Point || c.ResolvedAt.Sub(c.CreatedAt) != 48*time.Hour || c.Category != "delivery" {
		t.Errorf("complaint 1 = %+v", c)
	}
	if c := got[1]; c.Rated || !c.ResolvedAt.IsZero() {
		t.Errorf("complaint 2 = %+v, want open and not rated", c)
	}
	if c := got[3]; c.CustomerID != "" || c.Defect != extract.DefectNone {
		t.Errorf("complaint 4 = %+v, want no customer and no defect", c)
	}
}

func TestSourceTimeZone(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t, "CREATE TABLE o (order_id BIGINT PRIMARY KEY, customer_id BIGINT, department VARCHAR(20), ordered_at DATETIME, amount DECIMAL(14,2))",
		"INSERT INTO o VALUES (1, 1, 'x', '2026-07-31 16:30:00', 1.00)")
	snap := snapshot(t, d, time.UTC)
	for o, err := range snap.Orders(context.Background(), extract.Query{Name: "q", SQL: "SELECT * FROM o"}) {
		if err != nil {
			t.Fatal(err)
		}
		if got := o.OrderedAt.In(shanghai).Format(time.DateTime); got != "2026-08-01 00:30:00" {
			t.Errorf("16:30 UTC read as %s in Shanghai", got)
		}
	}
}

func TestColumnsCaseInsensitiveAndExtra(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t, "CREATE TABLE sales (id BIGINT PRIMARY KEY, buyer VARCHAR(20), dept VARCHAR(20), ts DATETIME, total DECIMAL(14,2), note VARCHAR(20))",
		"INSERT INTO sales VALUES (1, 'C-001', 'East', '2026-09-01 00:00:00', 12.34, 'x')")
	snap := snapshot(t, d, shanghai)
	q := extract.Query{Name: "source.orders", SQL: "SELECT note, id AS ORDER_ID, buyer AS Customer_Id, dept AS department, ts AS ordered_at, total AS Amount FROM sales"}
	n := 0
	for o, err := range snap.Orders(context.Background(), q) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if o.Customer() != "C-001" || o.NumericCustomer || o.AmountCents != 1234 || o.Department != "East" {
			t.Errorf("got %+v", o)
		}
	}
	if n != 1 {
		t.Errorf("read %d rows, want 1", n)
	}
}

func TestMissingColumn(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	snap := snapshot(t, d, shanghai)
	q := extract.Query{Name: "source.orders", SQL: "SELECT order_id, customer_id, department, ordered_at FROM orders"}
	var err error
	for _, err = range snap.Orders(context.Background(), q) {
		break
	}
	var ce *extract.ColumnError
	if !errors.As(err, &ce) || ce.Column != "amount" || ce.Query != "source.orders" {
		t.Fatalf("err = %v, want a ColumnError naming source.orders and amount", err)
	}
	if !strings.Contains(err.Error(), `"amount"`) || !strings.Contains(err.Error(), "source.orders") {
		t.Errorf("message %q does not name the query and the column", err)
	}
	if _, err := snap.Probe(context.Background(), q, extract.OrderColumns); !errors.As(err, &ce) {
		t.Errorf("Probe: err = %v, want a ColumnError", err)
	}
}

func TestBadQuery(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	snap := snapshot(t, d, shanghai)
	var err error
	for _, err = range snap.Orders(context.Background(), extract.Query{Name: "source.orders", SQL: "SELECT * FROM no_such_table"}) {
		break
	}
	var qe *extract.QueryError
	if !errors.As(err, &qe) || qe.Query != "source.orders" || !qe.Rejected() {
		t.Fatalf("err = %v, want a rejected QueryError naming source.orders", err)
	}
}

func TestDefects(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t, "CREATE TABLE o (order_id BIGINT PRIMARY KEY, customer_id VARCHAR(20), department VARCHAR(20), ordered_at VARCHAR(30), amount VARCHAR(30))",
		`INSERT INTO o VALUES
		 (1, '', 'x', '2026-09-01 00:00:00', '1'),
		 (2, 'c', 'x', NULL, '1'),
		 (3, 'c', 'x', 'soon', '1'),
		 (4, 'c', 'x', '2026-09-01 00:00:00', NULL),
		 (5, 'c', 'x', '2026-09-01 00:00:00', 'ten'),
		 (6, 'c', 'x', '2026-09-01 00:00:00', '1000000000000'),
		 (7, 'c', NULL, '2026-09-01 00:00:00', '1.005'),
		 (8, 'c', 'x', '0000-00-00 00:00:00', '1')`)
	snap := snapshot(t, d, shanghai)
	want := []extract.Defect{
		extract.DefectNullCustomer, extract.DefectNullTime, extract.DefectBadTime,
		extract.DefectNullAmount, extract.DefectBadAmount, extract.DefectAmountRange,
		extract.DefectNone, extract.DefectZeroTime,
	}
	i := 0
	for o, err := range snap.Orders(context.Background(), extract.Query{Name: "q", SQL: "SELECT * FROM o ORDER BY order_id"}) {
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprint(i + 1)
		if o.Defect != want[i] {
			t.Errorf("order %s: defect %v, want %v", id, o.Defect, want[i])
		}
		if o.Defect != extract.DefectNone && o.ID != id {
			t.Errorf("order %s with a defect has ID %q", id, o.ID)
		}
		if i == 6 && (o.AmountCents != 101 || o.Department != "" || o.Customer() != "c") {
			t.Errorf("order 7 = %+v, want 101 cents and no department", o)
		}
		i++
	}
	if i != len(want) {
		t.Errorf("read %d orders, want %d", i, len(want))
	}
}

// customers reads the customers query q of the ids in want.
func customers(t *testing.T, snap *extract.Snapshot, q extract.Query, want map[string]struct{}) ([]extract.Customer, extract.CustomerCounts) {
	t.Helper()
	var counts extract.CustomerCounts
	var got []extract.Customer
	for c, err := range snap.Customers(context.Background(), q, want, &counts) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	return got, counts
}

func TestCustomersFiltered(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t, "CREATE TABLE customers (customer_id BIGINT PRIMARY KEY, name VARCHAR(40), owner VARCHAR(40), city VARCHAR(40))",
		"INSERT INTO customers VALUES (1, '=SUM(A1)', '王五', 'x'), (2, '李四', NULL, 'y'), (3, '张三', '王五', 'z')")
	snap := snapshot(t, d, shanghai)
	ctx := context.Background()
	ok, err := snap.TableExists(ctx, "customers")
	if err != nil || !ok {
		t.Fatalf("TableExists(customers) = %v, %v", ok, err)
	}
	if ok, err := snap.TableExists(ctx, "nothing"); err != nil || ok {
		t.Fatalf("TableExists(nothing) = %v, %v", ok, err)
	}
	got, counts := customers(t, snap, extract.Query{Name: "source.customers", SQL: "SELECT * FROM customers ORDER BY customer_id"},
		map[string]struct{}{"1": {}, "2": {}})
	if counts.Read != 3 || len(got) != 2 || got[0].Name != "=SUM(A1)" || got[0].Owner != "王五" || got[1].Owner != "" {
		t.Errorf("read %d, got %+v", counts.Read, got)
	}
	p, err := snap.Probe(ctx, extract.Query{Name: "source.customers", SQL: "SELECT * FROM customers"}, extract.CustomerColumns)
	if err != nil || p.Rows != 3 || len(p.Times) != 0 {
		t.Errorf("Probe = %+v, %v; want 3 rows and no timestamp column", p, err)
	}
}

// TestCustomersColumnsAsWritten: the customers query may spell its
// columns in any case and return more of them; a row without an id and one
// with text that is not UTF-8 are counted; a missing column names itself.
func TestCustomersColumnsAsWritten(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t, "CREATE TABLE clients (id VARCHAR(20), label VARBINARY(40), rep VARCHAR(40), city VARCHAR(40))",
		"INSERT INTO clients VALUES ('c1', 'Acme', '王五', 'x'), (NULL, 'nobody', 'y', 'y'), ('c3', X'42FF', NULL, 'z')")
	snap := snapshot(t, d, shanghai)
	ctx := context.Background()
	q := extract.Query{Name: "source.customers", SQL: "SELECT city, id AS CUSTOMER_ID, label AS Name, rep AS Owner FROM clients ORDER BY id"}
	got, counts := customers(t, snap, q, nil)
	want := []extract.Customer{{ID: "c1", Name: "Acme", Owner: "王五"}, {ID: "c3", Name: "B\xff"}}
	if !slices.Equal(got, want) {
		t.Errorf("customers = %+q, want %+q", got, want)
	}
	if counts.Read != 3 || counts.MissingID != 1 || counts.InvalidUTF8 != 1 || !slices.Equal(counts.Invalid, []string{"c3"}) {
		t.Errorf("counts = %+v, want 3 read, 1 without id, 1 with invalid text (c3)", counts)
	}

	q.SQL = "SELECT id AS customer_id, label AS name FROM clients"
	var err error
	for _, err = range snap.Customers(ctx, q, nil, &extract.CustomerCounts{}) {
		break
	}
	var ce *extract.ColumnError
	if !errors.As(err, &ce) || ce.Query != "source.customers" || ce.Column != "owner" {
		t.Errorf("customers query without owner: %v, want a ColumnError naming source.customers and owner", err)
	}
}

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	if _, err := extract.Open(context.Background(), "reporter:s3cr3t!@tcp(127.0.0.1:1)/shop", shanghai); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("Open on a closed port: err = %v; want an error without the password", err)
	}
}

// TestReadInBinary: on MariaDB and MySQL the orders and complaints come
// as prepared statements, in the binary protocol, and read as in text (the
// worked example's orders: TestOrdersWorkedExample reads them on the
// server the tests run against); on the embedded server, in text.
func TestReadInBinary(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	p := d.Proxy(t)
	ctx := context.Background()
	snap := snapshotAt(t, p.DSN(), shanghai)
	var cents int64
	n := 0
	for o, err := range snap.Orders(ctx, extract.Query{Name: "source.orders", SQL: "SELECT order_id, customer_id, department, ordered_at, amount FROM orders"}) {
		if err != nil {
			t.Fatal(err)
		}
		cents += o.AmountCents
		n++
	}
	for _, err := range snap.Complaints(ctx, extract.Query{Name: "source.complaints", SQL: "SELECT * FROM complaints"}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != 17 || cents != 149500 {
		t.Errorf("%d orders of %d cents, want 17 of 149500 (as read in text)", n, cents)
	}
	want := 2 // the orders and the complaints
	if d.Embedded != nil {
		want = 0
	}
	if got := p.Prepared(); got != want {
		t.Errorf("%d queries prepared, want %d", got, want)
	}
}
