package bgbb

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// LogLikelihood is Σ Count·log L(p | x, t_x, n) over groups, the paper's
// eq. (6) weighted by Count. It is NaN when a parameter is not positive and
// finite or a group is not a possible history (see FitGroups).
func LogLikelihood(p Params, groups []Group) float64 {
	if !p.valid() {
		return math.NaN()
	}
	if _, err := validate(groups); err != nil {
		return math.NaN()
	}
	return newEvaluator(canonical(groups)).eval(p, nil)
}

// evaluator computes the log-likelihood of one canonical group list, and its
// gradient, at many parameters. Its tables are reused from one evaluation to
// the next, so an evaluator belongs to one goroutine.
//
// With j = t_x + i, eq. (6) is L = A(x, n) + Σ_{j=t_x}^{n−1} T(x, j) with
//
//	A(x, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
//	T(x, j) = B(α+x, β+j−x)/B(α,β) · B(γ+1, δ+j)/B(γ,δ)
//
// and B(a, b+1) = B(a, b)·b/(a+b) gives each from the one before (see
// walk), starting from A(x, t_x) = T(x, t_x)·(γ+δ+t_x)/γ. So in
// units of T(x, t_x), L = q + s with q = A(x, n)/T(x, t_x) and s the sum of
// r = T(x, j)/T(x, t_x), both products of ratios below 1: nothing overflows,
// and what underflows is below the rounding of s ≥ 1. Groups sharing
// (x, t_x) continue one walk as n grows, and each group costs one log.
//
// The only log-gamma values, in log T(x, t_x), and the digamma values of
// the gradient are table lookups: lgamma(a+k) and ψ(a+k) for a in α, β,
// α+β, δ, γ+δ and k = 0…max n + 1, each table filled by
// lgamma(a+k+1) = lgamma(a+k) + log(a+k) and ψ(a+k+1) = ψ(a+k) + 1/(a+k).
type evaluator struct {
	groups            []Group // canonical
	customers         float64
	maxN              int
	alpha, beta, alBe series // α+k, β+k, α+β+k
	delta, gammaDelta series // δ+k, γ+δ+k
}

// series holds lgamma(a+k) and, when a gradient is asked for, ψ(a+k).
type series struct{ lg, dg []float64 }

func (s *series) fill(a float64, n int, digamma bool) {
	s.lg = s.lg[:0]
	v := lgamma(a)
	for k := range n {
		s.lg = append(s.lg, v)
		v += math.Log(a + float64(k))
	}
	if !digamma {
		return
	}
	s.dg = s.dg[:0]
	v = mathext.Digamma(a)
	for k := range n {
		s.dg = append(s.dg, v)
		v += 1 / (a + float64(k))
	}
}

func lgamma(a float64) float64 {
	v, _ := math.Lgamma(a)
	return v
}

func newEvaluator(groups []Group) *evaluator {
	e := &evaluator{groups: groups}
	for _, g := range groups {
		e.maxN = max(e.maxN, g.N)
		e.customers += float64(g.Count)
	}
	return e
}

// eval returns the log-likelihood at p. When grad is not nil (length 4), it
// also stores there the gradient with respect to log α, log β, log γ and
// log δ. The log-likelihood is the same, bit for bit, either way.
func (e *evaluator) eval(p Params, grad []float64) float64 {
	withGrad := grad != nil
	size := e.maxN + 2 // k = 0…max n + 1: γ+δ+1+j for j up to max n
	e.alpha.fill(p.Alpha, size, withGrad)
	e.beta.fill(p.Beta, size, withGrad)
	e.alBe.fill(p.Alpha+p.Beta, size, withGrad)
	e.delta.fill(p.Delta, size, withGrad)
	e.gammaDelta.fill(p.Gamma+p.Delta, size, withGrad)
	lgG := lgamma(p.Gamma)
	lgG1 := lgG + math.Log(p.Gamma)
	a, b, ab, d, gd := &e.alpha, &e.beta, &e.alBe, &e.delta, &e.gammaDelta
	// −log B(α,β) − log B(γ,δ)
	c := -(a.lg[0] + b.lg[0] - ab.lg[0]) - (lgG + d.lg[0] - gd.lg[0])

	var ll float64
	var gA, gB, gG, gD float64 // Σ Count·∂log L/∂param, less the parts common to A and T
	gs := e.groups
	for start := 0; start < len(gs); {
		x, tx := gs[start].X, gs[start].TX
		end := start + 1
		for end < len(gs) && gs[end].X == x && gs[end].TX == tx {
			end++
		}
		logT0 := a.lg[x] + b.lg[tx-x] - ab.lg[tx] + lgG1 + d.lg[tx] - gd.lg[tx+1] + c
		wk := p.walkFrom(tx)
		var sAB, sB, sGD1, sD float64 // Σ r·ψ(α+β+j), r·ψ(β+j−x), r·ψ(γ+δ+1+j), r·ψ(δ+j)
		for _, g := range gs[start:end] {
			for j := wk.n; j < g.N; j++ {
				if withGrad {
					sAB += wk.r * ab.dg[j]
					sB += wk.r * b.dg[j-x]
					sGD1 += wk.r * gd.dg[j+1]
					sD += wk.r * d.dg[j]
				}
				wk.step(p, x)
			}
			q, s := wk.q, wk.s
			w := float64(g.Count)
			ll += w * (logT0 + math.Log(q+s))
			if !withGrad {
				continue
			}
			// ∂log L = (q·∂log A + Σ r·∂log T)/(q + s). The parts the same
			// for A and every T add up to 1 × themselves and are added once
			// below.
			n := g.N
			wT := 1 / (q + s)
			wA := q * wT
			gA += w * (a.dg[x] - wA*ab.dg[n] - wT*sAB)
			gB += w * (wA*(b.dg[n-x]-ab.dg[n]) + wT*(sB-sAB))
			gG += w * (-wA*gd.dg[n] + wT*(s/p.Gamma-sGD1))
			gD += w * (wA*(d.dg[n]-gd.dg[n]) + wT*(sD-sGD1))
		}
		start = end
	}
	if withGrad {
		nc := e.customers
		gA += nc * (ab.dg[0] - a.dg[0])
		gB += nc * (ab.dg[0] - b.dg[0])
		gG += nc * gd.dg[0]
		gD += nc * (gd.dg[0] - d.dg[0])
		grad[0], grad[1], grad[2], grad[3] = p.Alpha*gA, p.Beta*gB, p.Gamma*gG, p.Delta*gD
	}
	return ll
}

// paramsAt is the parameters at log-parameters u, where eval's gradient is.
func paramsAt(u []float64) Params {
	return Params{Alpha: math.Exp(u[0]), Beta: math.Exp(u[1]), Gamma: math.Exp(u[2]), Delta: math.Exp(u[3])}
}

// walk is the recurrence of eq. (6) for one history (x, t_x) as n grows
// from t_x (see evaluator): q = A(x, n)/T(x, t_x), r = T(x, n)/T(x, t_x),
// s = Σ_{j=t_x}^{n−1} T(x, j)/T(x, t_x), so that L = T(x, t_x)·(q + s).
type walk struct {
	n       int
	q, r, s float64
}

func (p Params) walkFrom(tx int) walk {
	return walk{n: tx, q: (p.Gamma + p.Delta + float64(tx)) / p.Gamma, r: 1}
}

// step takes w from n to n+1 by B(a, b+1) = B(a, b)·b/(a+b).
func (w *walk) step(p Params, x int) {
	fn := float64(w.n)
	c := (p.Beta + fn - float64(x)) * (p.Delta + fn) / (p.Alpha + p.Beta + fn)
	w.s += w.r
	w.q *= c / (p.Gamma + p.Delta + fn)
	w.r *= c / (p.Gamma + p.Delta + 1 + fn)
	w.n++
}
