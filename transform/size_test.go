package transform_test

import (
	"testing"

	"retention/extract"
	"retention/transform"
)

// TestSize: a State counts its customers, records and stats, and its
// bytes grow by 24 per (customer, department, period).
func TestSize(t *testing.T) {
	t.Parallel()
	st := transform.New(transform.Month, shanghai)
	if z := st.Size(); z.Customers != 0 || z.Periods != 0 || z.Bytes <= 0 {
		t.Fatalf("empty state: %+v", z)
	}
	orders := benchOrders(50_000, 2_000)
	st.AddOrders(orders)
	st.AddOrder(extract.Order{CustomerID: "C-1", Department: "华东", OrderedAt: orders[0].OrderedAt, AmountCents: 100})
	st.AddOrder(extract.Order{CustomerID: "C-1", Department: "华北", OrderedAt: orders[0].OrderedAt, AmountCents: 100})
	z := st.Size()
	if z.Customers != 2_001 || z.Records != 2_002 {
		t.Errorf("size = %+v, want 2001 customers in 2002 records", z)
	}
	if z.Periods < z.Records || z.Periods > 34*z.Records {
		t.Errorf("size = %+v: periods out of range", z)
	}
	// The same customers with more active periods: the arenas grow by
	// 24 bytes a period stat, give or take a chunk.
	few, many := transform.New(transform.Month, shanghai), transform.New(transform.Month, shanghai)
	few.AddOrders(benchOrders(20_000, 20_000))
	many.AddOrders(benchOrders(1_000_000, 20_000))
	f, m := few.Size(), many.Size()
	if f.Customers > 20_000 || m.Customers != 20_000 || m.Periods < 10*f.Periods {
		t.Fatalf("sizes %+v and %+v", f, m)
	}
	if per := float64(m.Bytes-f.Bytes) / float64(m.Periods-f.Periods); per < 23 || per > 26 {
		t.Errorf("%.1f bytes per added period stat, want about 24", per)
	}
}
