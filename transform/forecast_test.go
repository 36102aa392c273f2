package transform_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"retention/extract"
	"retention/transform"
	"retention/transform/bgbb"
	"retention/transform/bgbb/bgbbtest"
)

// donationOrders are the BG/BB paper's data set (testdata/bgbb) as orders:
// each of the 11,104 donors gives in 1995, its first year, and then in x
// of the years 1996–2001, the last of them 1995+t_x (the years before it
// consecutive: the model reads only x, t_x and n). Customer ids are D1,
// D2, …; one department, amounts of ¥10.
func donationOrders(t testing.TB) []extract.Order {
	t.Helper()
	var orders []extract.Order
	bgbbtest.Donors(t, func(donor int, years []int) {
		for _, y := range years {
			orders = append(orders, extract.Order{CustomerID: fmt.Sprintf("D%d", donor), Department: "fund",
				OrderedAt: time.Date(y, time.June, 1, 12, 0, 0, 0, shanghai), AmountCents: 1000})
		}
	})
	return orders
}

// TestForecastReproducesThePaper: the paper's data set, loaded as orders
// and reported at year granularity for 2001, gives its estimates to the
// digits it shows (Fader, Hardie & Shang 2010, the MLE of section 4): α
// 1.204, β 0.750, γ 0.657, δ 2.783, log-likelihood −33,225.6; the
// department's forecast is the company's.
func TestForecastReproducesThePaper(t *testing.T) {
	t.Parallel()
	st := fold(transform.Year, shanghai, donationOrders(t), nil)
	res, err := st.Compute(transform.Period{G: transform.Year, N: 2001}, transform.Options{History: 3, AtRiskLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Scopes() {
		fc := s.ForecastAt(res.Period)
		if fc == nil || !fc.Fitted {
			t.Fatalf("%q: no forecast at 2001: %+v", s.Department, fc)
		}
		got := fmt.Sprintf("α %.3f β %.3f γ %.3f δ %.3f LL %.1f n %d", fc.Alpha, fc.Beta, fc.Gamma, fc.Delta, fc.LogLikelihood, fc.Customers)
		if want := "α 1.204 β 0.750 γ 0.657 δ 2.783 LL -33225.6 n 11104"; got != want {
			t.Errorf("%q: %s, want %s", s.Department, got, want)
		}
		// Everyone active in 2001 bought in 2001: x ≥ 1, t_x = 6. The
		// predicted rate is the mean of their chances, by hand from the
		// paper's closed forms at the fitted parameters.
		p := bgbb.Params{Alpha: fc.Alpha, Beta: fc.Beta, Gamma: fc.Gamma, Delta: fc.Delta}
		counts := map[int]int{1: 129, 2: 234, 3: 357, 4: 512, 5: 728, 6: 1203} // donors with t_x = 6, by x
		var sum float64
		var n int
		for x, c := range counts {
			sum += float64(c) * p.PActiveNext(x, 6, 6)
			n += c
		}
		if got := s.Current().ActiveCustomers; got != int64(n) {
			t.Errorf("%q: %d active in 2001, the data set has %d", s.Department, got, n)
		}
		if !fc.PredictedRetention.Valid || math.Abs(fc.PredictedRetention.Value-sum/float64(n)) > 1e-12 {
			t.Errorf("%q: predicted retention %v, want %v", s.Department, fc.PredictedRetention, sum/float64(n))
		}
	}
}

// naiveGroups computes, from the orders alone, each customer's (x, t_x,
// n) at the end of period t in one scope (dept "" for the company): its
// first purchase period f, n = t − f, x the periods after f up to t with a
// purchase, t_x the last of them − f. It is the spec's "who is fitted"
// written out directly, for comparing with transform's.
func naiveGroups(orders []extract.Order, g transform.Granularity, loc *time.Location, dept string, t transform.Period) (fitted, active map[[3]int]int64) {
	periods := map[string]map[int32]bool{}
	for _, o := range orders {
		if o.Defect != extract.DefectNone || o.AmountCents <= 0 || dept != "" && o.Department != dept {
			continue
		}
		if periods[o.CustomerID] == nil {
			periods[o.CustomerID] = map[int32]bool{}
		}
		periods[o.CustomerID][naivePeriod(o.OrderedAt, g, loc).N] = true
	}
	fitted, active = map[[3]int]int64{}, map[[3]int]int64{}
	for _, ps := range periods {
		var list []int32
		for p := range ps {
			if p <= t.N {
				list = append(list, p)
			}
		}
		if len(list) == 0 {
			continue
		}
		slices.Sort(list)
		f, last := list[0], list[len(list)-1]
		x, n := len(list)-1, int(t.N-f)
		tx := 0
		if x > 0 {
			tx = int(last - f)
		}
		k := [3]int{x, tx, n}
		if n > 0 {
			fitted[k]++
		}
		if last == t.N {
			active[k]++
		}
	}
	return fitted, active
}

// TestForecastAgainstNaiveGroups: on the differential test's generated
// data, the company's and a department's forecasts at the end of every
// fitted period are those of fitting bgbb to the customers grouped by
// hand (naiveGroups): the same customers, parameters and predicted rate.
func TestForecastAgainstNaiveGroups(t *testing.T) {
	t.Parallel()
	d := genData(naiveSeeds[0])
	st := fold(transform.Month, shanghai, d.orders, d.complaints)
	p := transform.Period{G: transform.Month, N: 2025*12 + 5} // 2025-06
	res, err := st.Compute(p, transform.Options{History: 6, AtRiskLimit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, dept := range []string{"", "华东"} {
		s := &res.Company
		if dept != "" {
			s = scopeNamed(t, res, dept)
		}
		for tt := res.Periods[0].Add(-1); tt.N <= p.N; tt = tt.Add(1) {
			got := s.ForecastAt(tt)
			fitted, active := naiveGroups(d.orders, transform.Month, shanghai, dept, tt)
			var groups []bgbb.Group
			var customers, n int64
			for k, c := range fitted {
				groups = append(groups, bgbb.Group{X: k[0], TX: k[1], N: k[2], Count: c})
				customers += c
			}
			fit, err := bgbb.FitGroups(groups)
			if err != nil {
				if got == nil || got.Fitted {
					t.Errorf("%q %s: fitting by hand: %v; transform's forecast %+v", dept, tt, err, got)
				}
				continue
			}
			var sum float64
			for k, c := range active {
				sum += float64(c) * fit.PActiveNext(k[0], k[1], k[2])
				n += c
			}
			// transform starts each search from the period before's fit,
			// and fits the backtest's periods (all but P) coarsely: the
			// same maximum, to the search's tolerances.
			tol, predTol := 1e-3, 1e-6
			if tt != p {
				tol, predTol = 1e-2, 1e-3
			}
			if got == nil || !got.Fitted || got.Customers != customers || !nearFit(got, fit, tol) ||
				math.Abs(got.PredictedRetention.Value-sum/float64(n)) > predTol {
				t.Errorf("%q %s: forecast %+v, want %d customers, %+v (log-likelihood %v), predicted %v", dept, tt, got, customers, fit.Params,
					fit.LogLikelihood, sum/float64(n))
			}
		}
	}
}

// nearFit reports whether a forecast is the fit f to the tolerances of a
// search: the same log-likelihood, and each parameter within tol
// (relative), but those at an edge (beyond e^11), where the likelihood is
// flat.
func nearFit(got *transform.Forecast, f bgbb.Fit, tol float64) bool {
	if math.Abs(got.LogLikelihood-f.LogLikelihood) > 1e-6*math.Abs(f.LogLikelihood) {
		return false
	}
	for _, p := range [][2]float64{{got.Alpha, f.Alpha}, {got.Beta, f.Beta}, {got.Gamma, f.Gamma}, {got.Delta, f.Delta}} {
		edge := math.Abs(math.Log(p[0])) > 11 || math.Abs(math.Log(p[1])) > 11
		if !edge && math.Abs(p[0]-p[1]) > tol*p[1] {
			return false
		}
	}
	return true
}

func scopeNamed(t *testing.T, res *transform.Result, dept string) *transform.Scope {
	t.Helper()
	for i := range res.Departments {
		if res.Departments[i].Department == dept {
			return &res.Departments[i]
		}
	}
	t.Fatalf("no department %q", dept)
	return nil
}
