package demo

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"retention/transform"
)

func month(t *testing.T, s string) transform.Period {
	t.Helper()
	p, err := transform.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGenerateIsDeterministic: the same last month gives the same data,
// another month other data.
func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := Generate(month(t, "2026-09"), 200), Generate(month(t, "2026-09"), 200)
	if !reflect.DeepEqual(a, b) {
		t.Error("two generations ending with 2026-09 differ")
	}
	if c := Generate(month(t, "2026-10"), 200); reflect.DeepEqual(a.Orders, c.Orders) {
		t.Error("generations ending with 2026-09 and 2026-10 have the same orders")
	}
}

// TestGenerateShape: the rows fit their tables, fall in the 24 months, and
// carry the dirt the demo is there to show.
func TestGenerateShape(t *testing.T) {
	t.Parallel()
	last := month(t, "2026-09")
	d := Generate(last, Customers)
	start, end := last.Add(-23).Start(time.UTC), last.End(time.UTC) // wall-clock times in UTC fields
	var noCustomer, noAmount, refunds int
	for _, tbl := range d.Tables() {
		for _, row := range tbl.Rows {
			if len(row) != len(tbl.Columns) {
				t.Fatalf("%s row %v has %d values for %d columns", tbl.Name, row, len(row), len(tbl.Columns))
			}
		}
	}
	for _, o := range d.Orders {
		if o[1] == nil {
			noCustomer++
		}
		if o[4] == nil {
			noAmount++
		} else if strings.HasPrefix(o[4].(string), "-") {
			refunds++
		}
		if at := o[3].(time.Time); at.Before(start) || !at.Before(end) {
			t.Fatalf("order %v outside %s..%s", o, last.Add(-23), last)
		}
	}
	if len(d.Customers) != Customers || noCustomer != 12 || noAmount == 0 || refunds == 0 {
		t.Errorf("%d customers, %d orders without customer, %d without amount, %d refunds", len(d.Customers), noCustomer, noAmount, refunds)
	}
	for i, name := range formulaNames {
		if d.Customers[i][1] != name {
			t.Errorf("customer %d is named %v, want %q", i, d.Customers[i][1], name)
		}
	}
}

func TestWriteSQL(t *testing.T) {
	t.Parallel()
	d := Generate(month(t, "2026-09"), 50)
	var b bytes.Buffer
	if err := d.WriteSQL(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, tbl := range d.Tables() {
		if !strings.Contains(s, "DROP TABLE IF EXISTS "+tbl.Name+";\nCREATE TABLE "+tbl.Name+" (") {
			t.Errorf("the script does not create %s", tbl.Name)
		}
		if n := strings.Count(s, "INSERT INTO "+tbl.Name+" VALUES"); n != (len(tbl.Rows)+999)/1000 {
			t.Errorf("%d INSERTs into %s for %d rows", n, tbl.Name, len(tbl.Rows))
		}
	}
	if rows := strings.Count(s, "),\n(") + strings.Count(s, "VALUES\n("); rows != len(d.Orders)+len(d.Complaints)+len(d.Customers) {
		t.Errorf("the script holds %d rows, the data %d", rows, len(d.Orders)+len(d.Complaints)+len(d.Customers))
	}
}
