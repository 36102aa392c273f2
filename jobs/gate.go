package jobs

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"retention/config"
	"retention/report"
	"retention/transform"
)

// ErrGate is returned when a publishing check fails and --force was not
// given: nothing is published.
var ErrGate = errors.New("a check before publishing failed")

// gate runs the checks before publishing a result: the period has orders,
// they did not fall by more than MaxOrderDrop from the previous period's,
// and at most MaxSkippedRatio of the rows read were skipped.
func gate(res *transform.Result, g config.Gate) []report.CheckFailure {
	var out []report.CheckFailure
	cur, prev := res.Company.Current(), res.Company.Previous()
	switch {
	case cur.Orders == 0:
		out = append(out, report.CheckFailure{Check: report.CheckNoOrders, Period: res.Period})
	case prev.Orders > 0:
		if drop := float64(prev.Orders-cur.Orders) / float64(prev.Orders); drop > g.MaxOrderDrop {
			out = append(out, report.CheckFailure{Check: report.CheckOrderDrop, Period: res.Period, Share: drop,
				Limit: g.MaxOrderDrop, Now: cur.Orders, Before: prev.Orders})
		}
	}
	q := res.Quality
	skipped, read := q.SkippedOrders+q.SkippedComplaints, q.OrdersRead+q.ComplaintsRead
	if read > 0 {
		if share := float64(skipped) / float64(read); share > g.MaxSkippedRatio {
			out = append(out, report.CheckFailure{Check: report.CheckSkippedRows, Period: res.Period, Share: share,
				Limit: g.MaxSkippedRatio, Now: skipped, Before: read})
		}
	}
	return out
}

// gateError describes the failed checks of every period.
func gateError(failed map[transform.Period][]report.CheckFailure, periods []transform.Period) error {
	var parts []string
	for _, p := range periods {
		for _, f := range failed[p] {
			if s := f.String(); !slices.Contains(parts, s) { // skipped rows are the same for every period
				parts = append(parts, s)
			}
		}
	}
	return fail(kindGate, fmt.Errorf("%w, nothing published: %s (--force publishes anyway)", ErrGate, strings.Join(parts, "; ")))
}
