package transform

import (
	"math"
	"math/big"
	"testing"
	"time"
)

func TestElapsed(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		from, to time.Time
		us       uint64
		ok       bool
	}{
		{"one microsecond", base, base.Add(time.Microsecond), 1, true},
		{"across a second", base.Add(999_999 * time.Microsecond), base.Add(time.Second + time.Microsecond), 2, true},
		{"same instant", base, base, 0, true},
		{"zones do not matter", base, base.In(time.FixedZone("+08", 8*3600)).Add(time.Hour), 3_600_000_000, true},
		// time.Time.Sub saturates at 292 years; this does not
		{"8 000 years", time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9971, 1, 1, 0, 0, 0, 1000, time.UTC),
			uint64(time.Date(9971, 1, 1, 0, 0, 0, 0, time.UTC).Unix()-time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC).Unix())*1_000_000 + 1, true},
		{"before", base, base.Add(-time.Microsecond), 0, false},
	}
	for _, tt := range tests {
		if us, ok := elapsed(tt.from, tt.to); us != tt.us || ok != tt.ok {
			t.Errorf("%s: elapsed = %d, %v; want %d, %v", tt.name, us, ok, tt.us, tt.ok)
		}
	}
}

// TestMicrosNeverOverflows: ten million complaints resolved after 8 000
// years each sum to more than an int64 holds; the mean stays exact.
func TestMicrosNeverOverflows(t *testing.T) {
	t.Parallel()
	const n = 10_000_000
	long, _ := elapsed(time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_000, time.UTC))
	if n*float64(long) < math.MaxInt64 {
		t.Fatalf("%d × %d µs fits an int64: the test proves nothing", n, long)
	}
	var a, b micros
	for i := range n {
		us := long - uint64(i%7) // not all equal, so the mean has a remainder
		if i%2 == 0 {
			a.add(us)
		} else {
			b.add(us)
		}
	}
	a.addSum(b)
	sum := new(big.Int).Lsh(new(big.Int).SetUint64(a.hi), 64)
	sum.Add(sum, new(big.Int).SetUint64(a.lo))
	want := new(big.Int).Mul(big.NewInt(n), new(big.Int).SetUint64(long))
	want.Sub(want, big.NewInt(n/7*(0+1+2+3+4+5+6)+(0+1+2))) // i%7 over 0..n-1: n/7 full cycles and n%7 = 3 more
	if sum.Cmp(want) != 0 {
		t.Fatalf("sum = %s µs, want %s", sum, want)
	}
	mean, _ := new(big.Rat).SetFrac(want, big.NewInt(n*3_600_000_000)).Float64()
	ulp := math.Nextafter(mean, math.Inf(1)) - mean
	if got := a.meanHours(n); !got.Valid || math.Abs(got.Value-mean) > ulp {
		t.Errorf("meanHours = %+v, want %v within a unit in the last place", got, mean)
	}
	if got := (micros{}).meanHours(0); got.Valid {
		t.Errorf("mean of nothing = %+v, want undefined", got)
	}
}
