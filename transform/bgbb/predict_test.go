package bgbb_test

import (
	"math"
	"sync"
	"testing"

	"retention/transform/bgbb"
)

// node is a point of a tanh-sinh rule on (0, 1): log v, log(1−v), and the
// log of its weight.
type node struct{ logV, log1mV, logW float64 }

// tanhSinh returns the rule with step h on t ∈ [−4, 4]: v = (1 + tanh(π/2·sinh t))/2.
// Its nodes crowd towards 0 and 1 double-exponentially, so it integrates
// v^(a−1)·(1−v)^(b−1) times a smooth function to full precision even where
// a or b is below 1. log v and log(1−v) are computed without forming 1−v.
func tanhSinh(h float64) []node {
	var nodes []node
	for k := -int(4 / h); k <= int(4/h); k++ {
		t := float64(k) * h
		u := math.Pi / 2 * math.Sinh(t)
		logV := -math.Log1p(math.Exp(-2 * u))  // v = 1/(1+e^(−2u))
		log1mV := -math.Log1p(math.Exp(2 * u)) // 1−v = 1/(1+e^(2u))
		if 2*u > 700 {
			log1mV = -2 * u
		}
		if -2*u > 700 {
			logV = 2 * u
		}
		// dv/dt = π·cosh t · v·(1−v)
		nodes = append(nodes, node{logV, log1mV, math.Log(h*math.Pi*math.Cosh(t)) + logV + log1mV})
	}
	return nodes
}

var rule = sync.OnceValue(func() []node { return tanhSinh(1.0 / 32) })

// integrated is the second implementation: for a customer with history
// (x, t_x, n) it integrates the individual-level model over p ~ Beta(α,β)
// and θ ~ Beta(γ,δ), by a tanh-sinh product rule, and returns
//
//	alive  = P(alive in n+1 | data)
//	active = P(active in n+1 | data)
//	next5  = E[active periods among n+1…n+5 | data]
//
// where, given p and θ,
//
//	P(data)                 = p^x(1−p)^(n−x)(1−θ)^n + Σ_{i=0}^{n−t_x−1} p^x(1−p)^(t_x−x+i)·θ(1−θ)^(t_x+i)
//	P(data, alive in n+1)   = p^x(1−p)^(n−x)(1−θ)^(n+1)
//	P(data, active in n+1)  = p · P(data, alive in n+1)
//	E[active in n+1…n+5, data] = P(data, active in n+1) · Σ_{k=0}^{4} (1−θ)^k
func integrated(p bgbb.Params, x, tx, n int) (alive, active, next5 float64) {
	fx, ftx, fn := float64(x), float64(tx), float64(n)
	normP, normTh := lbeta(p.Alpha, p.Beta), lbeta(p.Gamma, p.Delta)
	var data, withAlive, withActive, withNext5 float64
	for _, a := range rule() { // p
		logP, log1mP := a.logV, a.log1mV
		densP := a.logW + (p.Alpha-1)*logP + (p.Beta-1)*log1mP - normP
		for _, b := range rule() { // θ
			logTh, log1mTh := b.logV, b.log1mV
			w := math.Exp(densP + b.logW + (p.Gamma-1)*logTh + (p.Delta-1)*log1mTh - normTh)
			if w == 0 {
				continue
			}
			lik := math.Exp(fx*logP + (fn-fx)*log1mP + fn*log1mTh)
			for i := 0.0; i <= fn-ftx-1; i++ {
				lik += math.Exp(fx*logP + (ftx-fx+i)*log1mP + logTh + (ftx+i)*log1mTh)
			}
			al := math.Exp(fx*logP + (fn-fx)*log1mP + (fn+1)*log1mTh)
			stay := math.Exp(log1mTh)
			data += w * lik
			withAlive += w * al
			withActive += w * al * math.Exp(logP)
			withNext5 += w * al * math.Exp(logP) * (1 + stay + stay*stay + stay*stay*stay + stay*stay*stay*stay)
		}
	}
	return withAlive / data, withActive / data, withNext5 / data
}

type history struct{ x, tx, n int }

// histories lists every possible (x, t_x, n) with n ≤ upTo.
func histories(upTo int) []history {
	var hs []history
	for n := 0; n <= upTo; n++ {
		hs = append(hs, history{0, 0, n})
		for x := 1; x <= n; x++ {
			for tx := x; tx <= n; tx++ {
				hs = append(hs, history{x, tx, n})
			}
		}
	}
	return hs
}

// TestPredictIntegrated: PAlive and PActiveNext agree with the integrated
// individual-level model.
func TestPredictIntegrated(t *testing.T) {
	t.Parallel()
	paper := bgbb.Params{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783}
	other := bgbb.Params{Alpha: 0.35, Beta: 4.2, Gamma: 2.5, Delta: 0.8}
	cases := []struct {
		p  bgbb.Params
		hs []history
	}{
		{paper, histories(6)},
		{paper, []history{{0, 0, 12}, {1, 1, 12}, {1, 12, 12}, {5, 9, 12}, {12, 12, 12}, {0, 0, 30}, {3, 4, 30}, {10, 25, 30}, {20, 30, 30}, {30, 30, 30}}},
		{other, histories(3)},
		{other, []history{{0, 0, 20}, {2, 3, 20}, {4, 20, 20}, {15, 19, 20}}},
	}
	for _, c := range cases {
		for _, h := range c.hs {
			alive, active, _ := integrated(c.p, h.x, h.tx, h.n)
			if got := c.p.PAlive(h.x, h.tx, h.n); !(math.Abs(got-alive) <= 1e-9*alive) {
				t.Errorf("%+v.PAlive(%d, %d, %d) = %v, integrated %v", c.p, h.x, h.tx, h.n, got, alive)
			}
			if got := c.p.PActiveNext(h.x, h.tx, h.n); !(math.Abs(got-active) <= 1e-9*active) {
				t.Errorf("%+v.PActiveNext(%d, %d, %d) = %v, integrated %v", c.p, h.x, h.tx, h.n, got, active)
			}
		}
	}
}

// TestPredictNoOpportunities: with n = 0 nothing has been seen, and the
// probabilities are the population's: δ/(γ+δ) alive after one drop-out
// chance, times α/(α+β) to be active.
func TestPredictNoOpportunities(t *testing.T) {
	t.Parallel()
	for _, p := range []bgbb.Params{
		{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783},
		{Alpha: 0.35, Beta: 4.2, Gamma: 2.5, Delta: 0.8},
		{Alpha: math.Exp(-12), Beta: math.Exp(12), Gamma: math.Exp(12), Delta: math.Exp(-12)},
	} {
		alive, active := p.Delta/(p.Gamma+p.Delta), p.Alpha/(p.Alpha+p.Beta)*p.Delta/(p.Gamma+p.Delta)
		if got := p.PAlive(0, 0, 0); math.Abs(got-alive) > 1e-15*alive {
			t.Errorf("%+v.PAlive(0, 0, 0) = %v, want δ/(γ+δ) = %v", p, got, alive)
		}
		if got := p.PActiveNext(0, 0, 0); math.Abs(got-active) > 1e-15*active {
			t.Errorf("%+v.PActiveNext(0, 0, 0) = %v, want α/(α+β)·δ/(γ+δ) = %v", p, got, active)
		}
	}
}

// TestPredictDonations: the paper's Table 6, P(alive in 2002), for three
// donors, as lifetimes' tests check it; and the total expected donations in
// 2002–2006 of Hardie's spreadsheet ("Conditional Expectations (II)",
// 12,884.2), which eq. (13) gives for five periods. PActiveNext is eq. (13)
// for one period only, so the five-period total is the integrated model's
// at the fitted parameters: it vouches for the fit and for the second
// implementation the other tests hold PActiveNext to.
func TestPredictDonations(t *testing.T) {
	t.Parallel()
	groups, fit := fitDonations(t)
	for _, c := range []struct {
		h    history
		want float64
	}{
		{history{0, 0, 6}, 0.11}, // last donation in 1995, none since
		{history{2, 4, 6}, 0.59}, // two repeat donations, the last in 1999
		{history{6, 6, 6}, 0.93}, // every year
	} {
		if got := fit.PAlive(c.h.x, c.h.tx, c.h.n); round(got, 2) != c.want {
			t.Errorf("PAlive(%d, %d, %d) = %v, want %.2f", c.h.x, c.h.tx, c.h.n, got, c.want)
		}
	}
	var total float64
	for _, g := range groups {
		_, _, next5 := integrated(fit.Params, g.X, g.TX, g.N)
		total += float64(g.Count) * next5
	}
	if round(total, 1) != 12884.2 {
		t.Errorf("expected donations in 2002–2006 = %v, want 12884.2", total)
	}
}

// TestPredictLongHistories: for n up to MaxN and parameters at the edges a
// fit accepts, both probabilities are finite and in [0, 1], and PActiveNext
// ≤ PAlive.
func TestPredictLongHistories(t *testing.T) {
	t.Parallel()
	edge := []float64{math.Exp(-12), 0.3, 1, 4, math.Exp(12)}
	for _, a := range edge {
		for _, b := range edge {
			for _, g := range edge {
				for _, d := range edge {
					p := bgbb.Params{Alpha: a, Beta: b, Gamma: g, Delta: d}
					for _, n := range []int{0, 1, 120, 1000, bgbb.MaxN} {
						for _, h := range []history{{0, 0, n}, {n / 2, n / 2, n}, {n / 2, n, n}, {min(1, n), min(1, n), n}, {n, n, n}, {max(n-1, 0), n, n}} {
							if h.x == 0 {
								h.tx = 0
							}
							alive, active := p.PAlive(h.x, h.tx, h.n), p.PActiveNext(h.x, h.tx, h.n)
							if !(alive >= 0 && alive <= 1 && active >= 0 && active <= alive) {
								t.Fatalf("%+v: PAlive(%d, %d, %d) = %v, PActiveNext = %v", p, h.x, h.tx, h.n, alive, active)
							}
						}
					}
				}
			}
		}
	}
	// A customer silent for long is less likely alive than one who just bought.
	p := bgbb.Params{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783}
	if silent, recent := p.PAlive(10, 20, 1000), p.PAlive(10, 1000, 1000); !(silent < recent) {
		t.Errorf("PAlive(10, 20, 1000) = %v, not below PAlive(10, 1000, 1000) = %v", silent, recent)
	}
}

func TestPredictInvalid(t *testing.T) {
	t.Parallel()
	p := bgbb.Params{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783}
	for _, h := range []history{{-1, 0, 3}, {4, 4, 3}, {0, 1, 3}, {2, 1, 3}, {1, 4, 3}, {0, 0, -1}} {
		if v := p.PAlive(h.x, h.tx, h.n); !math.IsNaN(v) {
			t.Errorf("PAlive(%d, %d, %d) = %v, want NaN", h.x, h.tx, h.n, v)
		}
		if v := p.PActiveNext(h.x, h.tx, h.n); !math.IsNaN(v) {
			t.Errorf("PActiveNext(%d, %d, %d) = %v, want NaN", h.x, h.tx, h.n, v)
		}
	}
	if v := (bgbb.Params{Alpha: 1, Beta: 0, Gamma: 1, Delta: 1}).PAlive(1, 1, 1); !math.IsNaN(v) {
		t.Errorf("PAlive with β = 0 is %v, want NaN", v)
	}
}
