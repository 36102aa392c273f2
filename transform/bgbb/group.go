package bgbb

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// MaxN is the largest number of opportunities a Group may have: the
// likelihood keeps tables of that length, so an absurd n is refused rather
// than allocated. Ten thousand periods is over eight centuries of months.
const MaxN = 10_000

// Group is the customers who share a history (x, t_x, n): N opportunities
// (periods after the first active one), X active periods among them, TX the
// index 1…N of the last active one, 0 when X is 0.
type Group struct {
	X, TX, N int
	Count    int64 // customers with this history, > 0
}

// Params are the model's four parameters, all > 0: p ~ Beta(Alpha, Beta) is
// the chance of being active in a period while alive, θ ~ Beta(Gamma, Delta)
// the chance of dropping out at the start of each later period.
type Params struct {
	Alpha, Beta, Gamma, Delta float64
}

// GroupError is a Group that is not a possible history.
type GroupError struct {
	Index  int // in the slice given
	Group  Group
	Reason string
}

func (e *GroupError) Error() string {
	g := e.Group
	return fmt.Sprintf("group %d (x=%d, t_x=%d, n=%d, count=%d): %s", e.Index, g.X, g.TX, g.N, g.Count, e.Reason)
}

// historyProblem says why (x, t_x, n) is not a possible history, or "".
func historyProblem(x, tx, n int) string {
	switch {
	case n < 0:
		return "n is negative"
	case n > MaxN:
		return fmt.Sprintf("n is above %d", MaxN)
	case x < 0:
		return "x is negative"
	case x > n:
		return "x is above n"
	case x == 0 && tx != 0:
		return "t_x is not 0 though x is 0"
	case tx < x:
		return "t_x is below x"
	case tx > n:
		return "t_x is above n"
	}
	return ""
}

// validate checks every group and returns the number of customers.
func validate(groups []Group) (int64, error) {
	var total int64
	for i, g := range groups {
		reason := historyProblem(g.X, g.TX, g.N)
		if reason == "" && g.Count <= 0 {
			reason = "count is not positive"
		}
		if reason == "" && total > math.MaxInt64-g.Count {
			reason = "the counts overflow an int64"
		}
		if reason != "" {
			return 0, &GroupError{Index: i, Group: g, Reason: reason}
		}
		total += g.Count
	}
	return total, nil
}

// canonical returns a sorted copy of valid groups, by (x, t_x, n), with the
// counts of equal histories added: the same multiset of groups in any order
// gives the same slice, so sums over it are bit-identical.
func canonical(groups []Group) []Group {
	s := slices.Clone(groups)
	slices.SortFunc(s, func(a, b Group) int {
		return cmp.Or(cmp.Compare(a.X, b.X), cmp.Compare(a.TX, b.TX), cmp.Compare(a.N, b.N))
	})
	out := s[:0]
	for _, g := range s {
		if k := len(out) - 1; k >= 0 && out[k].X == g.X && out[k].TX == g.TX && out[k].N == g.N {
			out[k].Count += g.Count
			continue
		}
		out = append(out, g)
	}
	return out
}

// valid reports whether all four parameters are finite and positive.
func (p Params) valid() bool {
	for _, v := range [...]float64{p.Alpha, p.Beta, p.Gamma, p.Delta} {
		if !(v > 0) || math.IsInf(v, 1) {
			return false
		}
	}
	return true
}
