package transform

import (
	"math/bits"
	"time"
)

// maxElapsedSeconds caps a single resolution time at about 34 800 years,
// far beyond any date a source can hold (extract reads years 0000–9999),
// so that its microseconds always fit in 63 bits.
const maxElapsedSeconds = 1 << 40

// elapsed is to - from in whole microseconds, exactly: time.Time.Sub
// saturates beyond 292 years, and the sources' DATETIME(6) and
// TIMESTAMP(6) count microseconds. ok is false when to is before from.
func elapsed(from, to time.Time) (us uint64, ok bool) {
	if to.Before(from) {
		return 0, false
	}
	secs := min(to.Unix()-from.Unix(), maxElapsedSeconds)
	frac := int64(to.Nanosecond()/1000) - int64(from.Nanosecond()/1000) // -999 999 … 999 999
	return uint64(secs*1_000_000 + frac), true
}

// micros is a sum of durations in microseconds, 128 bits wide: ten
// million complaints resolved after 10 000 years each (3.2e17 µs) would
// overflow an int64, never this (it holds 2^64 such durations).
type micros struct{ hi, lo uint64 }

func (m *micros) add(us uint64) {
	var carry uint64
	m.lo, carry = bits.Add64(m.lo, us, 0)
	m.hi += carry
}

func (m *micros) addSum(o micros) {
	var carry uint64
	m.lo, carry = bits.Add64(m.lo, o.lo, 0)
	m.hi += o.hi + carry
}

// meanHours is the sum divided by n, in hours; invalid when n is 0. The
// division is exact (whole microseconds and remainder) before the one
// conversion to float64, so the mean is as exact as a float64 can be.
func (m micros) meanHours(n int64) Ratio {
	if n <= 0 {
		return Ratio{}
	}
	d := uint64(n)
	qHi, r := m.hi/d, m.hi%d
	qLo, r := bits.Div64(r, m.lo, d)
	us := float64(qHi)*0x1p64 + float64(qLo) + float64(r)/float64(d)
	return Ratio{Value: us / 3_600_000_000, Valid: true}
}
