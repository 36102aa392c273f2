package bgbb_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"retention/transform/bgbb"
	"retention/transform/bgbb/bgbbtest"
)

// donations reads the paper's data set: 11,104 donors of the 1995 cohort,
// six yearly opportunities (1996–2001).
func donations(t testing.TB) []bgbb.Group { return bgbbtest.Donations(t) }

// fitDonations fits the donations and returns them with the fit.
func fitDonations(t *testing.T) ([]bgbb.Group, bgbb.Fit) {
	t.Helper()
	groups := donations(t)
	fit, err := bgbb.FitGroups(groups)
	if err != nil {
		t.Fatal(err)
	}
	return groups, fit
}

func round(v float64, digits int) float64 {
	scale := math.Pow(10, float64(digits))
	return math.Round(v*scale) / scale
}

// TestFitDonations: the paper's estimates, to the digits it prints.
func TestFitDonations(t *testing.T) {
	t.Parallel()
	groups, fit := fitDonations(t)
	got := bgbb.Fit{
		Params:        bgbb.Params{Alpha: round(fit.Alpha, 3), Beta: round(fit.Beta, 3), Gamma: round(fit.Gamma, 3), Delta: round(fit.Delta, 3)},
		LogLikelihood: round(fit.LogLikelihood, 1),
		Customers:     fit.Customers,
	}
	want := bgbb.Fit{
		Params:        bgbb.Params{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783},
		LogLikelihood: -33225.6,
		Customers:     11104,
	}
	if got != want {
		t.Errorf("fit of the donations, rounded = %+v, want %+v (unrounded %+v)", got, want, fit)
	}
	if fit.Evaluations <= 0 {
		t.Errorf("Evaluations = %d, want > 0", fit.Evaluations)
	}
	if ll := bgbb.LogLikelihood(fit.Params, groups); ll != fit.LogLikelihood {
		t.Errorf("LogLikelihood(fit.Params) = %v, fit.LogLikelihood = %v; want them equal", ll, fit.LogLikelihood)
	}
	// The optimum: nudging any parameter by 0.1% lowers the likelihood.
	for k := range 4 {
		for _, f := range []float64{0.999, 1.001} {
			p := fit.Params
			*[]*float64{&p.Alpha, &p.Beta, &p.Gamma, &p.Delta}[k] *= f
			if ll := bgbb.LogLikelihood(p, groups); !(ll < fit.LogLikelihood) {
				t.Errorf("LogLikelihood(%+v) = %v, not below the fit's %v", p, ll, fit.LogLikelihood)
			}
		}
	}
}

// TestFitOrderFree: the same multiset of groups in any order, or with a
// history split over two rows, gives the same fit bit for bit, also when
// fits run side by side.
func TestFitOrderFree(t *testing.T) {
	t.Parallel()
	groups, want := fitDonations(t)
	r := rand.New(rand.NewPCG(3, 4))
	shuffled := slices.Clone(groups)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	split := slices.Clone(groups)
	split[0].Count -= 1000
	split = append(split, bgbb.Group{X: split[0].X, TX: split[0].TX, N: split[0].N, Count: 1000})
	reversed := slices.Clone(groups)
	slices.Reverse(reversed)
	inputs := []struct {
		name   string
		groups []bgbb.Group
	}{{"same", groups}, {"shuffled", shuffled}, {"reversed", reversed}, {"split", split}}

	fits, errs := make([]bgbb.Fit, len(inputs)), make([]error, len(inputs))
	var wg sync.WaitGroup
	for i, in := range inputs {
		wg.Go(func() { fits[i], errs[i] = bgbb.FitGroups(in.groups) })
	}
	wg.Wait()
	for i, in := range inputs {
		if errs[i] != nil {
			t.Errorf("%s: %v", in.name, errs[i])
		} else if fits[i] != want {
			t.Errorf("%s: fit = %+v, want %+v", in.name, fits[i], want)
		}
	}
	if !slices.Equal(groups, donations(t)) {
		t.Errorf("FitGroups changed its input")
	}
}

func TestFitRejects(t *testing.T) {
	t.Parallel()
	ok := bgbb.Group{X: 2, TX: 4, N: 6, Count: 100}
	huge := bgbb.Group{X: 2, TX: 4, N: 6, Count: math.MaxInt64}
	tests := []struct {
		name       string
		first, bad bgbb.Group // the bad one is second
		want       string
	}{
		{"negative n", ok, bgbb.Group{X: 0, TX: 0, N: -1, Count: 1}, "group 1 (x=0, t_x=0, n=-1, count=1): n is negative"},
		{"huge n", ok, bgbb.Group{X: 0, TX: 0, N: bgbb.MaxN + 1, Count: 1}, "group 1 (x=0, t_x=0, n=10001, count=1): n is above 10000"},
		{"negative x", ok, bgbb.Group{X: -1, TX: 0, N: 3, Count: 1}, "group 1 (x=-1, t_x=0, n=3, count=1): x is negative"},
		{"x above n", ok, bgbb.Group{X: 4, TX: 3, N: 3, Count: 1}, "group 1 (x=4, t_x=3, n=3, count=1): x is above n"},
		{"t_x without x", ok, bgbb.Group{X: 0, TX: 2, N: 3, Count: 1}, "group 1 (x=0, t_x=2, n=3, count=1): t_x is not 0 though x is 0"},
		{"x without t_x", ok, bgbb.Group{X: 1, TX: 0, N: 3, Count: 1}, "group 1 (x=1, t_x=0, n=3, count=1): t_x is below x"},
		{"t_x below x", ok, bgbb.Group{X: 3, TX: 2, N: 5, Count: 1}, "group 1 (x=3, t_x=2, n=5, count=1): t_x is below x"},
		{"t_x above n", ok, bgbb.Group{X: 1, TX: 4, N: 3, Count: 1}, "group 1 (x=1, t_x=4, n=3, count=1): t_x is above n"},
		{"no customers", ok, bgbb.Group{X: 1, TX: 1, N: 3, Count: 0}, "group 1 (x=1, t_x=1, n=3, count=0): count is not positive"},
		{"negative count", ok, bgbb.Group{X: 1, TX: 1, N: 3, Count: -5}, "group 1 (x=1, t_x=1, n=3, count=-5): count is not positive"},
		{"counts overflow", huge, bgbb.Group{X: 1, TX: 1, N: 3, Count: 1}, "group 1 (x=1, t_x=1, n=3, count=1): the counts overflow an int64"},
	}
	for _, tt := range tests {
		groups := []bgbb.Group{tt.first, tt.bad}
		_, err := bgbb.FitGroups(groups)
		var ge *bgbb.GroupError
		if !errors.As(err, &ge) || err.Error() != tt.want || ge.Index != 1 || ge.Group != tt.bad {
			t.Errorf("%s: FitGroups error = %v, want a *GroupError %q", tt.name, err, tt.want)
		}
		if ll := bgbb.LogLikelihood(bgbb.Params{Alpha: 1, Beta: 1, Gamma: 1, Delta: 1}, groups); !math.IsNaN(ll) {
			t.Errorf("%s: LogLikelihood = %v, want NaN", tt.name, ll)
		}
	}
}

func TestFitTooFew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		groups []bgbb.Group
		tooFew bool
	}{
		{"none", nil, true},
		{"49", []bgbb.Group{{X: 1, TX: 1, N: 2, Count: 20}, {X: 0, TX: 0, N: 2, Count: 29}}, true},
		{"50", []bgbb.Group{{X: 1, TX: 1, N: 2, Count: 20}, {X: 0, TX: 0, N: 2, Count: 30}}, false},
	}
	for _, tt := range tests {
		fit, err := bgbb.FitGroups(tt.groups)
		if got := errors.Is(err, bgbb.ErrTooFew); got != tt.tooFew {
			t.Errorf("%s: FitGroups error = %v, want ErrTooFew: %v", tt.name, err, tt.tooFew)
		}
		if tt.tooFew && fit.Params != (bgbb.Params{}) {
			t.Errorf("%s: FitGroups params = %+v with ErrTooFew, want none", tt.name, fit.Params)
		}
	}
	if bgbb.MinCustomers != 50 {
		t.Errorf("MinCustomers = %d, want the spec's 50", bgbb.MinCustomers)
	}
}

// TestFitDegenerate: data that push a parameter to 0 or infinity fit to
// finite parameters or return ErrNotConverged, never NaN with no error.
func TestFitDegenerate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		groups []bgbb.Group
	}{
		{"everyone active every period", []bgbb.Group{{X: 6, TX: 6, N: 6, Count: 500}}},
		{"everyone active every period, mixed n", []bgbb.Group{{X: 1, TX: 1, N: 1, Count: 100}, {X: 3, TX: 3, N: 3, Count: 100}, {X: 12, TX: 12, N: 12, Count: 100}}},
		{"nobody ever active again", []bgbb.Group{{X: 0, TX: 0, N: 6, Count: 500}}},
		{"nobody ever active again, mixed n", []bgbb.Group{{X: 0, TX: 0, N: 1, Count: 100}, {X: 0, TX: 0, N: 5, Count: 100}, {X: 0, TX: 0, N: 40, Count: 100}}},
		{"no opportunities yet", []bgbb.Group{{X: 0, TX: 0, N: 0, Count: 500}}},
		{"one period each, half active", []bgbb.Group{{X: 0, TX: 0, N: 1, Count: 50}, {X: 1, TX: 1, N: 1, Count: 50}}},
	}
	for _, tt := range tests {
		fit, err := bgbb.FitGroups(tt.groups)
		switch {
		case err == nil:
			for _, v := range []float64{fit.Alpha, fit.Beta, fit.Gamma, fit.Delta, fit.LogLikelihood} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s: fit = %+v with no error", tt.name, fit)
				}
			}
			t.Logf("%s: fit %+v", tt.name, fit)
		case errors.Is(err, bgbb.ErrNotConverged):
			if fit.Params != (bgbb.Params{}) {
				t.Errorf("%s: params %+v with %v, want none", tt.name, fit.Params, err)
			}
			t.Logf("%s: %v", tt.name, err)
		default:
			t.Errorf("%s: FitGroups error = %v, want nil or ErrNotConverged", tt.name, err)
		}
	}
}

// TestFitRecovers: 200,000 customers simulated from known parameters fit
// back close to them.
func TestFitRecovers(t *testing.T) {
	t.Parallel()
	for _, want := range []bgbb.Params{
		{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783},
		{Alpha: 0.4, Beta: 2.5, Gamma: 1.5, Delta: 6},
	} {
		fit, err := bgbb.FitGroups(simulate(42, want, 200_000, 36))
		if err != nil {
			t.Errorf("%+v: %v", want, err)
			continue
		}
		got := [4]float64{fit.Alpha, fit.Beta, fit.Gamma, fit.Delta}
		for k, w := range [4]float64{want.Alpha, want.Beta, want.Gamma, want.Delta} {
			if math.Abs(got[k]/w-1) > 0.1 {
				t.Errorf("simulated from %+v, fit %+v: parameter %d is off by more than 10%%", want, fit.Params, k)
				break
			}
		}
		t.Logf("simulated from %+v, fit %+v", want, fit)
	}
}
