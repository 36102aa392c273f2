package bgbb

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// MinCustomers is the fewest customers FitGroups fits (the spec's threshold).
const MinCustomers = 50

var (
	// ErrTooFew is returned, wrapped, when the groups hold fewer than
	// MinCustomers customers.
	ErrTooFew = errors.New("too few customers to fit")
	// ErrNotConverged is returned, wrapped with the reason, when the
	// maximum likelihood search does not end at a finite, sane optimum.
	ErrNotConverged = errors.New("the fit did not converge")
)

// maxLogParam bounds |log α|, |log β|, |log γ|, |log δ| of an accepted fit;
// beyond it (e^12 ≈ 160 000) the data push a parameter to 0 or infinity,
// and the "optimum" is an edge rather than an estimate.
const maxLogParam = 12

// searchLogParam bounds where the search may look: the likelihood is +Inf
// beyond it, so a run-away search stops instead of overflowing.
const searchLogParam = 30

// Fit is a maximum-likelihood fit.
type Fit struct {
	Params
	LogLikelihood float64 // at Params, as LogLikelihood computes it
	Customers     int64   // Σ Count
	Evaluations   int     // likelihood (with gradient) evaluations the search made
}

// FitGroups finds the parameters that maximise LogLikelihood over groups.
//
// Each group must be a possible history: 0 ≤ x ≤ n ≤ MaxN, t_x = 0 when
// x = 0 and x ≤ t_x ≤ n otherwise, Count > 0; otherwise the error is a
// *GroupError naming the first bad one. Fewer than MinCustomers customers
// in all is ErrTooFew. When the free search runs off to an edge (a
// parameter beyond e^±12: the data are the limit of a homogeneous p or θ,
// or of no drop-out), the maximum within e^±12 is the fit; a search that
// converges in neither way is ErrNotConverged. Both errors come wrapped.
//
// The result depends only on the multiset of groups, not their order, and
// is the same bit for bit from run to run.
func FitGroups(groups []Group) (Fit, error) { return FitGroupsWith(groups, FitOptions{}) }

// FitOptions shape a fit.
type FitOptions struct {
	// Start is where the search starts: the fit of nearby data (the same
	// customers a period before), from which it converges in a fraction of
	// the evaluations. When it lies at an edge (a log-parameter within half
	// a unit of ±12), the bounded search starts at once. nil starts where
	// FitGroups does.
	Start *Params
	// Coarse stops the searches at a gradient of 1e-4 per customer,
	// without the Newton finish and its check of the Hessian: parameters
	// to a few parts in a thousand, predictions to about 1e-4, for a fit
	// whose prediction is compared with an actual rate (a backtest).
	Coarse bool
}

// FitGroupsWith is FitGroups shaped by o. The result is the same maximum
// to within the tolerances, and the same bit for bit for the same groups
// and options.
func FitGroupsWith(groups []Group, o FitOptions) (Fit, error) {
	tol := precise
	if o.Coarse {
		tol = coarse
	}
	return fitFrom(groups, o.Start, tol)
}

// tolerance is how far a fit goes: the gradient per customer at which the
// free and the bounded searches stop, and whether Newton steps finish the
// free one.
type tolerance struct {
	free, edge float64
	polish     bool
}

var (
	precise = tolerance{free: bfgsGradTol, edge: edgeGradTol, polish: true}
	coarse  = tolerance{free: 1e-4, edge: 1e-4}
)

func fitFrom(groups []Group, start *Params, tol tolerance) (Fit, error) {
	total, err := validate(groups)
	if err != nil {
		return Fit{}, err
	}
	if total < MinCustomers {
		return Fit{}, fmt.Errorf("fitting %d customers: %w (the least is %d)", total, ErrTooFew, MinCustomers)
	}
	e := newEvaluator(canonical(groups))
	u0 := make([]float64, 4)
	edge := false
	if start != nil {
		for k, p := range []float64{start.Alpha, start.Beta, start.Gamma, start.Delta} {
			if !(p > 0) || math.IsInf(p, 0) {
				u0 = make([]float64, 4) // not a fit: start where FitGroups does
				edge = false
				break
			}
			u0[k] = math.Log(p)
			edge = edge || math.Abs(u0[k]) > maxLogParam-0.5
		}
	}
	fit, reason := Fit{}, "the previous period's fit lay at an edge"
	var stopped []float64 // where a free search that failed stopped
	if !edge {
		fit, stopped, reason = search(e, u0, tol)
	}
	if reason != "" {
		// The free search ran off to an edge: the data are the limit of
		// a model whose p or θ is the same for everyone (a Beta whose
		// parameters grow without bound at a fixed mean), or in which
		// nobody drops out. Its maximum within the bounds is that limit
		// to within e^-12 (searchBounded).
		from := u0
		if stopped != nil {
			from = stopped
		}
		bounded, why := searchBounded(e, from, tol)
		bounded.Evaluations += fit.Evaluations
		if why == "" {
			fit, reason = bounded, ""
		} else {
			fit, reason = Fit{Evaluations: bounded.Evaluations}, reason+"; within e^±12: "+why
		}
	}
	fit.Customers = total
	if reason != "" { // fit holds no parameters
		return fit, fmt.Errorf("fitting %d customers in %d groups: %w: %s", total, len(e.groups), ErrNotConverged, reason)
	}
	return fit, nil
}

// search minimises −log-likelihood per customer over the log-parameters:
// BFGS from α = β = γ = δ = 1 until the gradient is below bfgsGradTol, then
// Newton steps on the analytic gradient until it is below polishGradTol.
// It returns the fit and "", or a Fit with only Evaluations and why there
// is none.
//
// Two stages because the likelihood's rounding (about 1e-15 per customer)
// hides the last digits of the optimum from a line search, which compares
// values; the gradient is exact to about 1e-13, and Newton steps need only
// it. In the flattest direction of the paper's data (curvature 0.004 per
// customer) a gradient of 1e-6 still leaves the estimate off by 2e-4.
func search(e *evaluator, u0 []float64, tol tolerance) (Fit, []float64, string) {
	var evals int
	var lastU, lastG [4]float64
	var lastF float64
	ready := false
	// at evaluates at u unless u is where it last did: the optimiser asks
	// for the value and the gradient of one point separately.
	at := func(u []float64) (float64, [4]float64) {
		if ready && [4]float64(u) == lastU {
			return lastF, lastG
		}
		lastU, ready = [4]float64(u), true
		lastF, lastG = math.Inf(1), [4]float64{}
		for _, v := range u {
			if !(math.Abs(v) <= searchLogParam) {
				return lastF, lastG
			}
		}
		evals++
		var g [4]float64
		ll := e.eval(paramsAt(u), g[:])
		if math.IsNaN(ll) || math.IsInf(ll, 0) {
			return lastF, lastG
		}
		lastF = -ll / e.customers
		for k := range g {
			lastG[k] = -g[k] / e.customers
		}
		return lastF, lastG
	}
	gradAt := func(u []float64) [4]float64 { _, g := at(u); return g }
	problem := optimize.Problem{
		Func: func(u []float64) float64 { f, _ := at(u); return f },
		Grad: func(grad, u []float64) { _, g := at(u); copy(grad, g[:]) },
	}
	settings := &optimize.Settings{
		GradientThreshold: tol.free,
		MajorIterations:   1000,
		FuncEvaluations:   5000,
		Recorder:          runOff{},
	}
	res, err := optimize.Minimize(problem, slices.Clone(u0), settings, &optimize.BFGS{GradStopThreshold: tol.free})
	var why string
	switch {
	case res == nil:
		return Fit{Evaluations: evals}, nil, fmt.Sprintf("the optimiser did not start: %v", err)
	case err != nil:
		why = fmt.Sprintf("the optimiser stopped with %v: %v", res.Status, err)
	case res.Status != optimize.GradientThreshold:
		why = fmt.Sprintf("the optimiser stopped with %v", res.Status)
	}
	// A parameter out of bounds is the likeliest reason for any failure, and
	// the one a reader can act on: it comes first.
	if out := outOfBounds(res.X); out != "" {
		why = out
	}
	if why != "" {
		return Fit{Evaluations: evals}, slices.Clone(res.X), why
	}
	u, why := res.X, ""
	if tol.polish {
		u, why = polish(res.X, gradAt)
	}
	if why != "" {
		return Fit{Evaluations: evals}, slices.Clone(u), why
	}
	fit, ok := finishFit(e, u, evals)
	if !ok {
		return Fit{Evaluations: evals}, nil, fmt.Sprintf("the log-likelihood is %g at %s", fit.LogLikelihood, describe(u))
	}
	return fit, nil, ""
}

// searchBounded minimises −log-likelihood per customer with every
// log-parameter kept inside ±maxLogParam: u = B·tanh(v/B), B = maxLogParam,
// searched over v by BFGS from v = 0. A parameter that the data push to an
// edge stops at it (its gradient in v vanishes there), and the others
// converge as in the free search. There is no Newton finish: along an edge
// the likelihood is flat, and the free parameters' BFGS tolerance is the
// fit's.
func searchBounded(e *evaluator, u0 []float64, tol tolerance) (Fit, string) {
	var evals int
	const b = maxLogParam
	v0 := make([]float64, 4) // u0 in v: v = B·atanh(u/B), inside the bounds
	for k, u := range u0 {
		v0[k] = b * math.Atanh(max(min(u/b, 0.999), -0.999))
	}
	toU := func(v []float64) []float64 {
		u := make([]float64, len(v))
		for k := range v {
			u[k] = b * math.Tanh(v[k]/b)
		}
		return u
	}
	eval := func(v []float64, grad []float64) float64 {
		u := toU(v)
		evals++
		var g [4]float64
		ll := e.eval(paramsAt(u), g[:])
		if math.IsNaN(ll) || math.IsInf(ll, 0) {
			return math.Inf(1)
		}
		if grad != nil {
			for k := range g {
				t := math.Tanh(v[k] / b)
				grad[k] = -g[k] / e.customers * (1 - t*t)
			}
		}
		return -ll / e.customers
	}
	problem := optimize.Problem{
		Func: func(v []float64) float64 { return eval(v, nil) },
		Grad: func(grad, v []float64) { eval(v, grad) },
	}
	settings := &optimize.Settings{GradientThreshold: tol.edge, MajorIterations: 1000, FuncEvaluations: 5000}
	res, err := optimize.Minimize(problem, v0, settings, &optimize.BFGS{GradStopThreshold: tol.edge})
	if res == nil {
		return Fit{Evaluations: evals}, fmt.Sprintf("the optimiser did not start: %v", err)
	}
	if err != nil || res.Status != optimize.GradientThreshold {
		// Along an edge the likelihood is flat to its rounding, and the
		// line search can fail to find a lower value where the gradient
		// is all but zero already: that is the optimum too.
		var g [4]float64
		eval(res.X, g[:])
		if norm := maxAbs(g); !(norm < boundedGradTol) {
			return Fit{Evaluations: evals}, fmt.Sprintf("the optimiser stopped with %v (gradient %.1e at %s)", res.Status, norm, describe(toU(res.X)))
		}
	}
	fit := Fit{Params: paramsAt(toU(res.X)), Evaluations: evals}
	fit.LogLikelihood = e.eval(fit.Params, nil)
	if math.IsNaN(fit.LogLikelihood) || math.IsInf(fit.LogLikelihood, 0) {
		return Fit{Evaluations: evals}, fmt.Sprintf("the log-likelihood is %g at %s", fit.LogLikelihood, describe(toU(res.X)))
	}
	return fit, ""
}

// finishFit is the fit at u, where the search converged: false when its
// log-likelihood is not finite.
func finishFit(e *evaluator, u []float64, evals int) (Fit, bool) {
	fit := Fit{Params: paramsAt(u), Evaluations: evals}
	fit.LogLikelihood = e.eval(fit.Params, nil)
	return fit, !math.IsNaN(fit.LogLikelihood) && !math.IsInf(fit.LogLikelihood, 0)
}

// runOff stops the free search as soon as an iterate has a log-parameter a
// unit beyond ±maxLogParam: the data push it to an edge, and going on to
// searchLogParam only spends evaluations. The bounded search takes over
// from there.
type runOff struct{}

var errRanOff = errors.New("a parameter ran off to an edge")

func (runOff) Init() error { return nil }

func (runOff) Record(loc *optimize.Location, _ optimize.Operation, _ *optimize.Stats) error {
	for _, v := range loc.X {
		if math.Abs(v) > maxLogParam+1 {
			return errRanOff
		}
	}
	return nil
}

// outOfBounds names the first log-parameter outside ±maxLogParam, or "".
func outOfBounds(u []float64) string {
	for k, v := range u {
		if !(math.Abs(v) <= maxLogParam) {
			return fmt.Sprintf("%s = %g is outside e^±%d", paramNames[k], math.Exp(v), maxLogParam)
		}
	}
	return ""
}

const (
	bfgsGradTol    = 1e-6  // per customer, in log-parameters
	edgeGradTol    = 1e-5  // the bounded search's: along an edge a tenth of the free search's precision moves a prediction by about 1e-4
	boundedGradTol = 1e-4  // per customer, where the bounded search's line search fails: a unit of log-parameter moves the mean log-likelihood by less than this
	polishGradTol  = 1e-10 // ditto; the gradient's own error is about 1e-13
	polishSteps    = 8
)

// polish takes Newton steps from u, where BFGS stopped within the bounds,
// with the Hessian from central differences of grad, until the gradient is
// below polishGradTol. It returns that point and "", or why there is none:
// a Hessian that is not positive definite (a flat likelihood, or no strict
// minimum), or steps that stop helping without leaving the bounds.
func polish(u []float64, grad func([]float64) [4]float64) ([]float64, string) {
	u = slices.Clone(u)
	g := grad(u)
	for range polishSteps {
		const step = 1e-5
		var jac [4][4]float64 // jac[j][i] = ∂g_i/∂u_j
		v := slices.Clone(u)
		for j := range 4 {
			v[j] = u[j] + step
			hi := grad(v)
			v[j] = u[j] - step
			lo := grad(v)
			v[j] = u[j]
			for i := range 4 {
				jac[j][i] = (hi[i] - lo[i]) / (2 * step)
			}
		}
		h := mat.NewSymDense(4, nil)
		for i := range 4 {
			for j := i; j < 4; j++ {
				h.SetSym(i, j, (jac[i][j]+jac[j][i])/2)
			}
		}
		norm := maxAbs(g)
		var chol mat.Cholesky
		if !chol.Factorize(h) {
			return u, fmt.Sprintf("the Hessian is not positive definite at %s (gradient %.1e)", describe(u), norm)
		}
		if norm < polishGradTol {
			return u, ""
		}
		var dx mat.VecDense
		if err := chol.SolveVecTo(&dx, mat.NewVecDense(4, g[:])); err != nil {
			return u, fmt.Sprintf("the Hessian is singular at %s: %v", describe(u), err)
		}
		// The full step first, then shorter ones: where the likelihood is
		// far from quadratic, the step can overshoot.
		next, ng, ok := slices.Clone(u), g, false
		for t := 1.0; t >= 1.0/64 && !ok; t /= 2 {
			for i := range next {
				next[i] = u[i] - t*dx.AtVec(i)
			}
			if outOfBounds(next) == "" {
				ng = grad(next)
				ok = maxAbs(ng) < norm
			}
		}
		if !ok {
			return u, fmt.Sprintf("Newton steps stopped reducing the gradient at %s (gradient %.1e)", describe(u), norm)
		}
		u, g = next, ng
	}
	return u, fmt.Sprintf("the gradient is still %.1e after %d Newton steps, at %s", maxAbs(g), polishSteps, describe(u))
}

func maxAbs(g [4]float64) float64 {
	return max(math.Abs(g[0]), math.Abs(g[1]), math.Abs(g[2]), math.Abs(g[3]))
}

var paramNames = [4]string{"alpha", "beta", "gamma", "delta"}

// describe names the parameters at u, for a reason.
func describe(u []float64) string {
	p := paramsAt(u)
	return fmt.Sprintf("alpha=%.4g, beta=%.4g, gamma=%.4g, delta=%.4g", p.Alpha, p.Beta, p.Gamma, p.Delta)
}
