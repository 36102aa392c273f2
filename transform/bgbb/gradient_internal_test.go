package bgbb

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// TestGradient: the analytic gradient the fit uses agrees with central
// differences of the log-likelihood.
func TestGradient(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 50 {
		var groups []Group
		for range 1 + r.IntN(30) {
			g := Group{N: r.IntN(25), Count: 1 + r.Int64N(100)}
			if g.X = r.IntN(g.N + 1); g.X > 0 {
				g.TX = g.X + r.IntN(g.N-g.X+1)
			}
			groups = append(groups, g)
		}
		if _, err := validate(groups); err != nil {
			t.Fatal(err)
		}
		e := newEvaluator(canonical(groups))
		u := []float64{r.Float64()*4 - 2, r.Float64()*4 - 2, r.Float64()*4 - 2, r.Float64()*4 - 2}
		got := make([]float64, 4)
		e.eval(paramsAt(u), got)
		want := fd.Gradient(nil, func(u []float64) float64 { return e.eval(paramsAt(u), nil) }, u, &fd.Settings{Formula: fd.Central})
		for k := range 4 {
			if math.Abs(got[k]-want[k]) > 1e-6*(1+math.Abs(want[k])) {
				t.Errorf("case %d at %v: gradient %v, central differences %v", i, paramsAt(u), got, want)
				break
			}
		}
	}
}
