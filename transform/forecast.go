package transform

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"retention/transform/bgbb"
)

// Forecast is the BG/BB model (the spec's Version 3) fitted to one scope
// at the end of one period T: every customer first active in the scope
// before T, with its n periods after the first up to T, the x of them it
// was active in and the index t_x of the last. It predicts T+1.
type Forecast struct {
	Period                    Period // T, the period fitted at the end of
	Alpha, Beta, Gamma, Delta float64
	LogLikelihood             float64
	Customers                 int64 // fitted
	// PredictedRetention is the expected retention rate of T+1: the mean
	// over A(T) of Pr(active in T+1 | x, t_x, n), T's base B(T+1). Invalid
	// when the fit is (Reason) or A(T) is empty.
	PredictedRetention Ratio
	// Fitted is false when the model could not be fitted: then every
	// figure is missing and Reason says why.
	Fitted bool
	Reason ForecastReason
	Detail string // the reason in words, with its numbers
}

// ForecastReason says why a forecast has no figures.
type ForecastReason uint8

// Reasons a forecast has no figures.
const (
	ForecastFitted       ForecastReason = iota // it has them
	ForecastTooFew                             // fewer than bgbb.MinCustomers customers fitted
	ForecastNotConverged                       // the likelihood's maximum was not found
	ForecastNoActive                           // fitted, but nobody was active in T: no rate to predict
)

// Key names the reason for machines and label tables.
func (r ForecastReason) Key() string {
	switch r {
	case ForecastTooFew:
		return "too_few_customers"
	case ForecastNotConverged:
		return "not_converged"
	case ForecastNoActive:
		return "no_active_customers"
	}
	return ""
}

// ForecastAt is the scope's forecast fitted at the end of period t, nil
// when t is outside the periods fitted (Result.Periods and the one
// before them).
func (s *Scope) ForecastAt(t Period) *Forecast {
	for i := range s.Forecasts {
		if s.Forecasts[i].Period == t {
			return &s.Forecasts[i]
		}
	}
	return nil
}

// Chance is a customer's outlook under its scope's forecast at the end of
// the reported period P.
type Chance struct {
	Alive      Ratio // Pr(alive at the end of P): still a customer
	ActiveNext Ratio // Pr(active in P+1): buys in the next period
}

// groupKey packs a customer's (x, t_x, n): each below 2^21.
type groupKey uint64

func packGroup(x, tx, n int32) groupKey {
	return groupKey(uint64(n)<<42 | uint64(tx)<<21 | uint64(x))
}

func (k groupKey) unpack() (x, tx, n int) {
	return int(k & (1<<21 - 1)), int(k >> 21 & (1<<21 - 1)), int(k >> 42)
}

// fcPoint is a customer's (x, t_x, n) at the end of one fitted period.
type fcPoint struct {
	key    groupKey
	in     bool // first active by then: fitted (n > 0) or scored as new (n = 0)
	active bool // active in the period
}

// forecastAcc counts one scope's customers by (x, t_x, n) at the end of
// each fitted period, index T - (first-1): those fitted (n > 0), and
// those active in T, which the prediction averages over.
//
// The fitted are counted as changes: a customer not active in T has at T
// its group of T-1 with n one more, so that fitted[0] holds the groups at
// the first period and fitted[i] only what differs from fitted[i-1] with
// every n shifted by one (a customer counted for the first time, or
// active: from its old group, shifted, to its new one). A customer costs a
// count per active period rather than per period; groups rebuilds them.
type forecastAcc struct {
	fitted []counts
	active []counts
}

// shifted is the group of a customer one period on without a purchase.
func (k groupKey) shifted() groupKey { return k + 1<<42 }

func newForecastAcc(w window) forecastAcc {
	n := int(w.p-w.first) + 2
	return forecastAcc{fitted: make([]counts, n), active: make([]counts, n)}
}

func (a *forecastAcc) add(points []fcPoint) {
	for i, pt := range points {
		if !pt.in {
			continue
		}
		if pt.active {
			a.active[i].add(pt.key, 1)
		}
		if _, _, n := pt.key.unpack(); n == 0 {
			continue // first active in T: scored, not fitted
		}
		switch prev := points[max(i-1, 0)]; {
		case i == 0 || !prev.in || prev.key>>42 == 0: // fitted from here on
			a.fitted[i].add(pt.key, 1)
		case pt.key != prev.key.shifted(): // active in T: moves
			a.fitted[i].add(pt.key, 1)
			a.fitted[i].add(prev.key.shifted(), -1)
		}
	}
}

// groups rebuilds the fitted customers of each period from the counts of
// changes (see forecastAcc).
func (a *forecastAcc) groups() []map[groupKey]int64 {
	out := make([]map[groupKey]int64, len(a.fitted))
	for i := range a.fitted {
		h := make(map[groupKey]int64, a.fitted[i].len())
		if i > 0 {
			for k, n := range out[i-1] {
				h[k.shifted()] = n
			}
		}
		for k, n := range a.fitted[i].all {
			if h[k] += n; h[k] == 0 {
				delete(h, k)
			}
		}
		out[i] = h
	}
	return out
}

func (a *forecastAcc) merge(o *forecastAcc) {
	for i := range a.fitted {
		for k, n := range o.fitted[i].all {
			a.fitted[i].add(k, n)
		}
		for k, n := range o.active[i].all {
			a.active[i].add(k, n)
		}
	}
}

// loadForecast finds the customer's (x, t_x, n) at the end of each period
// fitted, from first-1 to p: its periods are its whole history in the
// scope, sorted, so that a customer whose first purchase lies years back
// has all its opportunities since.
func (f *profile) loadForecast(w window, periods []periodStat) {
	clear(f.fc)
	k := 0
	var first, last, x int32
	started := false
	for i := range f.fc {
		t := w.first - 1 + int32(i)
		for ; k < len(periods) && periods[k].period <= t; k++ {
			ps := periods[k]
			if ps.orders == 0 {
				continue
			}
			if !started {
				first, last, started = ps.period, ps.period, true
				continue
			}
			x, last = x+1, ps.period
		}
		if !started {
			continue
		}
		tx := int32(0)
		if x > 0 {
			tx = last - first
		}
		f.fc[i] = fcPoint{key: packGroup(x, tx, t-first), in: true, active: last == t}
	}
}

// fit fits the model to the scope at the end of each period from first-1
// to p, in that order, each search starting from the fit of the period
// before (the same customers, one period on), which converges in a
// fraction of the evaluations of a search from nothing.
func (a *forecastAcc) fit(w window, g Granularity) []Forecast {
	fitted := a.groups()
	out := make([]Forecast, len(fitted))
	var start *bgbb.Params
	for i := range out {
		// The last fit gives the lists' chances and the rate predicted for
		// P+1: to the digits. The others are the backtest's, compared with
		// rates shown to a tenth of a point: coarse.
		o := bgbb.FitOptions{Start: start, Coarse: i < len(out)-1}
		out[i] = fitOne(Period{G: g, N: w.first - 1 + int32(i)}, fitted[i], &a.active[i], o)
		if fc := &out[i]; fc.Fitted {
			start = &bgbb.Params{Alpha: fc.Alpha, Beta: fc.Beta, Gamma: fc.Gamma, Delta: fc.Delta}
		}
	}
	return out
}

// fitOne fits the model to the groups of one period, as o says, and
// predicts the next period's retention of those active in it.
func fitOne(t Period, fitted map[groupKey]int64, active *counts, o bgbb.FitOptions) Forecast {
	fc := Forecast{Period: t}
	groups := make([]bgbb.Group, 0, len(fitted))
	for k, n := range fitted {
		x, tx, nn := k.unpack()
		groups = append(groups, bgbb.Group{X: x, TX: tx, N: nn, Count: n})
		fc.Customers += n
	}
	fit, err := bgbb.FitGroupsWith(groups, o)
	switch {
	case errors.Is(err, bgbb.ErrTooFew):
		fc.Reason, fc.Detail = ForecastTooFew, fmt.Sprintf("%d customers to fit, at least %d needed", fc.Customers, bgbb.MinCustomers)
		return fc
	case err != nil:
		fc.Reason, fc.Detail = ForecastNotConverged, err.Error()
		return fc
	}
	fc.Fitted = true
	fc.Alpha, fc.Beta, fc.Gamma, fc.Delta = fit.Alpha, fit.Beta, fit.Gamma, fit.Delta
	fc.LogLikelihood = fit.LogLikelihood
	// The prediction sums in a fixed order, so that the same groups give
	// the same figure to the last bit however the customers were counted.
	type group struct {
		key groupKey
		n   int64
	}
	sorted := make([]group, 0, active.len())
	var n int64
	for k, c := range active.all {
		sorted = append(sorted, group{k, c})
		n += c
	}
	slices.SortFunc(sorted, func(a, b group) int { return cmp.Compare(a.key, b.key) })
	sum := 0.0
	for _, g := range sorted {
		x, tx, nn := g.key.unpack()
		sum += float64(g.n) * fit.PActiveNext(x, tx, nn)
	}
	if n == 0 {
		fc.Reason, fc.Detail = ForecastNoActive, "nobody was active in "+t.String()
		return fc
	}
	fc.PredictedRetention = Ratio{Value: sum / float64(n), Valid: true}
	return fc
}

// chance is a customer's outlook under a fitted forecast.
func (fc *Forecast) chance(k groupKey) Chance {
	if !fc.Fitted {
		return Chance{}
	}
	p := bgbb.Params{Alpha: fc.Alpha, Beta: fc.Beta, Gamma: fc.Gamma, Delta: fc.Delta}
	x, tx, n := k.unpack()
	return Chance{Alive: Ratio{Value: p.PAlive(x, tx, n), Valid: true}, ActiveNext: Ratio{Value: p.PActiveNext(x, tx, n), Valid: true}}
}
