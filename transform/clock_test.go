package transform

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestClock: the cached clock agrees with the time package for instants
// from 1900 to 2200 in zones with and without daylight saving time,
// visited in time order (as rows mostly arrive), at random, and across
// every transition.
func TestClock(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range []string{"Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range Granularities {
			c := clock{g: g, loc: loc}
			check := func(u int64) {
				tm := time.Unix(u, 0)
				p, day := c.at(tm)
				y, m, d := tm.In(loc).Date()
				want := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
				if p != PeriodOf(tm, g, loc).N || int64(day) != want {
					t.Fatalf("%s %s %s: clock says period %d day %d, want %d and %d", name, g, tm.In(loc), p, day, PeriodOf(tm, g, loc).N, want)
				}
			}
			lo, hi := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
			for u := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix(); u < time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Unix(); u += 3571 {
				check(u)
			}
			for range 20000 {
				check(lo + r.Int64N(hi-lo))
			}
			for tm := time.Unix(lo, 0).In(loc); tm.Unix() < hi; {
				_, end := tm.ZoneBounds()
				if end.IsZero() {
					break
				}
				for _, d := range []int64{-3601, -1, 0, 1, 3601} {
					check(end.Unix() + d)
				}
				if !end.After(tm) {
					// ZoneBounds can stop at the end of a leap year in the
					// zone's rule-based future (Go 1.26); step over it.
					end = tm.Add(time.Hour)
				}
				tm = end
			}
		}
	}
}
