package bgbb_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"retention/transform/bgbb"
)

// lbeta is log B(a, b), from math.Lgamma.
func lbeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

// naiveLogLikelihood is eq. (6) term by term, each Beta function from
// math.Lgamma, with no recurrence and no shared sums.
func naiveLogLikelihood(p bgbb.Params, groups []bgbb.Group) float64 {
	var ll float64
	for _, g := range groups {
		x, tx, n := float64(g.X), float64(g.TX), float64(g.N)
		l := math.Exp(lbeta(p.Alpha+x, p.Beta+n-x) - lbeta(p.Alpha, p.Beta) + lbeta(p.Gamma, p.Delta+n) - lbeta(p.Gamma, p.Delta))
		for i := 0.0; i <= n-tx-1; i++ {
			l += math.Exp(lbeta(p.Alpha+x, p.Beta+tx-x+i) - lbeta(p.Alpha, p.Beta) + lbeta(p.Gamma+1, p.Delta+tx+i) - lbeta(p.Gamma, p.Delta))
		}
		ll += float64(g.Count) * math.Log(l)
	}
	return ll
}

// randomGroups makes up to size possible histories with n ≤ maxN, some
// repeated, some sharing (x, t_x).
func randomGroups(r *rand.Rand, size, maxN int) []bgbb.Group {
	groups := make([]bgbb.Group, 0, size)
	for len(groups) < size {
		if len(groups) > 0 && r.IntN(5) == 0 { // the same history again, or a longer n
			g := groups[r.IntN(len(groups))]
			g.N += r.IntN(2) * r.IntN(maxN-g.N+1)
			groups = append(groups, g)
			continue
		}
		g := bgbb.Group{N: r.IntN(maxN + 1), Count: 1 + r.Int64N(1000)}
		if g.X = r.IntN(g.N + 1); g.X > 0 {
			g.TX = g.X + r.IntN(g.N-g.X+1)
		}
		groups = append(groups, g)
	}
	return groups
}

// TestLogLikelihoodNaive: LogLikelihood agrees with the naive eq. (6) for
// random parameters and groups.
func TestLogLikelihoodNaive(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 200 {
		p := bgbb.Params{Alpha: math.Exp(r.Float64()*6 - 3), Beta: math.Exp(r.Float64()*6 - 3), Gamma: math.Exp(r.Float64()*6 - 3), Delta: math.Exp(r.Float64()*6 - 3)}
		groups := randomGroups(r, 1+r.IntN(40), 1+r.IntN(40))
		got, want := bgbb.LogLikelihood(p, groups), naiveLogLikelihood(p, groups)
		if !(math.Abs(got-want) <= 1e-10*math.Abs(want)+1e-12) {
			t.Errorf("case %d: LogLikelihood(%+v, %v) = %v, naive %v", i, p, groups, got, want)
		}
	}
}

func TestLogLikelihoodNaN(t *testing.T) {
	t.Parallel()
	groups := []bgbb.Group{{X: 1, TX: 2, N: 3, Count: 10}}
	for _, p := range []bgbb.Params{
		{Alpha: 0, Beta: 1, Gamma: 1, Delta: 1},
		{Alpha: 1, Beta: -1, Gamma: 1, Delta: 1},
		{Alpha: 1, Beta: 1, Gamma: math.NaN(), Delta: 1},
		{Alpha: 1, Beta: 1, Gamma: 1, Delta: math.Inf(1)},
	} {
		if ll := bgbb.LogLikelihood(p, groups); !math.IsNaN(ll) {
			t.Errorf("LogLikelihood(%+v) = %v, want NaN", p, ll)
		}
	}
	if ll := bgbb.LogLikelihood(bgbb.Params{Alpha: 1, Beta: 1, Gamma: 1, Delta: 1}, nil); ll != 0 {
		t.Errorf("LogLikelihood of no groups = %v, want 0", ll)
	}
}
