package bgbb_test

import (
	"testing"

	"retention/transform/bgbb"
)

// BenchmarkFit fits customers simulated from the paper's estimates, each
// with 1…maxN opportunities: the cost of one scope and period of a report.
//
//	go test ./transform/bgbb -run '^$' -bench Fit
func BenchmarkFit(b *testing.B) {
	paper := bgbb.Params{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783}
	for _, bc := range []struct {
		name            string
		customers, maxN int
	}{
		{"3500_customers_n_to_120", 3_500, 120}, // about 2,000 groups
		{"100k_customers_n_to_60", 100_000, 60},
		{"100k_customers_n_to_120", 100_000, 120},
	} {
		groups := simulate(1, paper, bc.customers, bc.maxN)
		b.Run(bc.name, func(b *testing.B) {
			var evals int
			for b.Loop() {
				fit, err := bgbb.FitGroups(groups)
				if err != nil {
					b.Fatal(err)
				}
				evals = fit.Evaluations
			}
			b.ReportMetric(float64(len(groups)), "groups")
			b.ReportMetric(float64(evals), "evaluations")
		})
	}
}
