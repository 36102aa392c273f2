package bgbb

import "math"

// PAlive is the probability that a customer with history (x, t_x, n) is
// alive in period n+1, the paper's eq. (11):
//
//	B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L(α,β,γ,δ | x, t_x, n)
//
// It is NaN when p or the history is not valid (see FitGroups).
func (p Params) PAlive(x, tx, n int) float64 {
	if !p.valid() || historyProblem(x, tx, n) != "" {
		return math.NaN()
	}
	// With A, T, q and s as in walk, eq. (11) is
	// A(x, n)·(δ+n)/(γ+δ+n) / L = q/(q+s) · (δ+n)/(γ+δ+n).
	w := p.walkFrom(tx)
	for w.n < n {
		w.step(p, x)
	}
	return w.q / (w.q + w.s) * (p.Delta + float64(n)) / (p.Gamma + p.Delta + float64(n))
}

// PActiveNext is the probability that a customer with history (x, t_x, n)
// is active in period n+1: the paper's conditional expectation
// E[X(n, n+n*) | x, t_x, n], eq. (13), with n* = 1. For one period eq. (13)
// reduces to B(α+x+1, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L, which is
// PAlive times (α+x)/(α+β+n), the mean of p given the history and being
// alive.
//
// It is NaN when p or the history is not valid (see FitGroups).
func (p Params) PActiveNext(x, tx, n int) float64 {
	return p.PAlive(x, tx, n) * (p.Alpha + float64(x)) / (p.Alpha + p.Beta + float64(n))
}
