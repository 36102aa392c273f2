package transform_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"retention/extract"
	"retention/transform"
)

// benchOrders makes n orders of customers customers over 34 months, in
// time order (as an orders table usually returns them), with refunds and
// eight departments, like bench/gen at scale.
func benchOrders(n, customers int) []extract.Order {
	r := rand.New(rand.NewPCG(7, 11))
	depts := []string{"华东", "华北", "华南", "西南", "华中", "东北", "西北", "线上/直营"}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, shanghai)
	span := time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai).Sub(start)
	out := make([]extract.Order, n)
	for i := range out {
		c := r.IntN(customers)
		amount := int64(100 + r.IntN(200000))
		if r.IntN(30) == 0 {
			amount = -amount
		}
		out[i] = extract.Order{
			CustomerNum: uint64(3_100_000_000_000_000 + c), NumericCustomer: true,
			Department:  depts[c%len(depts)],
			OrderedAt:   start.Add(time.Duration(int64(span) / int64(n) * int64(i))),
			AmountCents: amount,
		}
	}
	return out
}

// BenchmarkFold folds 1M orders of 100k customers in batches, as the job
// does: the cost per order of the transform stage.
//
//	go test ./transform -run '^$' -bench 'Fold|Compute' -benchmem
func BenchmarkFold(b *testing.B) {
	orders := benchOrders(1_000_000, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		st := transform.New(transform.Month, shanghai)
		for i := 0; i < len(orders); i += 256 {
			st.AddOrders(orders[i:min(i+256, len(orders))])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(orders)), "ns/order")
}

// BenchmarkCompute reports a period of a fold of 1M orders of 100k
// customers: every metric, list, cohort and tier.
func BenchmarkCompute(b *testing.B) {
	orders := benchOrders(1_000_000, 100_000)
	st := transform.New(transform.Month, shanghai)
	for i := 0; i < len(orders); i += 256 {
		st.AddOrders(orders[i:min(i+256, len(orders))])
	}
	p, _ := transform.ParsePeriod("2026-10")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Compute(p, transform.Options{History: 12, AtRiskLimit: 500}); err != nil {
			b.Fatal(err)
		}
	}
}
