package extract_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"retention/extract"
	"retention/extract/embedded"
	"retention/extract/sourcetest"
)

// BenchmarkOrders streams 200 000 orders from the test server (the
// embedded one, or RETENTION_TEST_DSN's) through the extract stage: the
// driver, the parsing of every value, nothing else.
//
//	RETENTION_TEST_DSN='root@tcp(127.0.0.1:3306)/test' go test ./extract -run '^$' -bench Orders -benchmem
func BenchmarkOrders(b *testing.B) {
	const n = 200_000
	d := sourcetest.New(b)
	rows := make([][]any, n)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		rows[i] = []any{int64(i + 1), int64(3_100_000_000_000_000 + i%20_000), "华东",
			start.Add(time.Duration(i) * time.Minute), fmt.Sprintf("%d.%02d", 10+i%5000, i%100)}
	}
	d.Table(b, "orders", []embedded.Column{
		{Name: "order_id", Type: embedded.BigInt, PrimaryKey: true},
		{Name: "customer_id", Type: embedded.BigInt, Nullable: true},
		{Name: "department", Type: embedded.VarChar, Nullable: true},
		{Name: "ordered_at", Type: embedded.DateTime},
		{Name: "amount", Type: embedded.Decimal, Nullable: true},
	}, rows)
	ctx := context.Background()
	src, err := extract.Open(ctx, d.DSN, shanghai)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	q := extract.Query{Name: "source.orders", SQL: "SELECT order_id, customer_id, department, ordered_at, amount FROM orders"}
	b.ReportAllocs()
	for b.Loop() {
		snap, err := src.Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for o, err := range snap.Orders(ctx, q) {
			if err != nil || o.Defect != extract.DefectNone {
				b.Fatal(err, o.Defect)
			}
			got++
		}
		snap.Close()
		if got != n {
			b.Fatalf("read %d orders, want %d", got, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/order")
}
