package extract

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"time"
)

func TestParseCents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		cents       int64
		ok, inRange bool
	}{
		{"100.00", 10000, true, true},
		{"-10.00", -1000, true, true},
		{"0.00", 0, true, true},
		{"0", 0, true, true},
		{"+3.5", 350, true, true},
		{".5", 50, true, true},
		{"7.", 700, true, true},
		{"1.005", 101, true, true},
		{"1.004999", 100, true, true},
		{"-1.005", -101, true, true},
		{"999999999999.99", 99999999999999, true, true},
		{"999999999999.995", 0, true, false},
		{"-1000000000000.00", 0, true, false},
		{"00000000000000000001.25", 125, true, true},
		{"1e3", 100000, true, true},
		{"1.5E-2", 2, true, true},
		{"-2.5e-3", -0, true, true},
		{"1e20", 0, true, false},
		{"", 0, false, false},
		{"-", 0, false, false},
		{".", 0, false, false},
		{"abc", 0, false, false},
		{"1.2.3", 0, false, false},
		{"12 ", 0, false, false},
	}
	for _, tt := range tests {
		cents, ok, inRange := parseCents([]byte(tt.in))
		if cents != tt.cents || ok != tt.ok || inRange != tt.inRange {
			t.Errorf("parseCents(%q) = %d, %v, %v; want %d, %v, %v", tt.in, cents, ok, inRange, tt.cents, tt.ok, tt.inRange)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	utc := time.UTC
	tests := []struct {
		in       string
		want     time.Time
		ok, null bool
	}{
		{"2026-09-01 00:00:00", time.Date(2026, 9, 1, 0, 0, 0, 0, utc), true, false},
		{"2026-08-31 23:59:59", time.Date(2026, 8, 31, 23, 59, 59, 0, utc), true, false},
		{"2026-08-31T23:59:59", time.Date(2026, 8, 31, 23, 59, 59, 0, utc), true, false},
		{"2026-01-01 10:00:00.5", time.Date(2026, 1, 1, 10, 0, 0, 500_000_000, utc), true, false},
		{"2026-01-01 10:00:00.000001", time.Date(2026, 1, 1, 10, 0, 0, 1000, utc), true, false},
		{"2026-02-28", time.Date(2026, 2, 28, 0, 0, 0, 0, utc), true, false},
		{"2024-02-29 12:00:00", time.Date(2024, 2, 29, 12, 0, 0, 0, utc), true, false},
		{"0000-00-00 00:00:00", time.Time{}, true, true},
		{"0000-00-00", time.Time{}, true, true},
		{"2026-02-29 00:00:00", time.Time{}, false, false},
		{"2026-13-01", time.Time{}, false, false},
		{"2026-09-01 24:00:00", time.Time{}, false, false},
		{"2026-09-01 10:00", time.Time{}, false, false},
		{"2026-09-01 10:00:00.", time.Time{}, false, false},
		{"yesterday", time.Time{}, false, false},
		{"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", time.Time{}, false, false},
		{"2026-09-01 00:00:00", time.Date(2026, 9, 1, 0, 0, 0, 0, utc), true, false},
		{"2026-09-01x00:00:00", time.Time{}, false, false},
		{"2026-09-01 23:00:00", time.Date(2026, 9, 1, 23, 0, 0, 0, utc), true, false},
		{"2026-09-01", time.Date(2026, 9, 1, 0, 0, 0, 0, utc), true, false},
	}
	// Each case on a clock of its own, and all in turn on one clock, which
	// remembers the last date it read.
	shared := newZoneClock(utc)
	for _, tt := range tests {
		for _, z := range []*zoneClock{newZoneClock(utc), shared} {
			got, ok, null := parseTime([]byte(tt.in), z)
			if !got.Equal(tt.want) || ok != tt.ok || null != tt.null {
				t.Errorf("parseTime(%q) = %v, %v, %v; want %v, %v, %v", tt.in, got, ok, null, tt.want, tt.ok, tt.null)
			}
		}
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	got, _, _ := parseTime([]byte("2026-07-31 16:30:00"), newZoneClock(utc))
	if got.In(sh).Month() != time.August {
		t.Errorf("2026-07-31 16:30 UTC is %v in Shanghai, want August", got.In(sh))
	}
}

func TestParseRating(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		v     int
		whole bool
	}{
		{"4", 4, true},
		{"4.0", 4, true}, // DECIMAL(3,1)
		{" 4 ", 4, true},
		{"\t5\r\n", 5, true},
		{"+3", 3, true},
		{"4.", 4, true},
		{"-1", -1, true},
		{"0.0", 0, true},
		{"10.00", 10, true},
		{"99999999999999999999", maxRating, true}, // far outside 1–5, and stays so
		{"4.5", 0, false},
		{"4.05", 0, false},
		{"good", 0, false},
		{"4 stars", 0, false},
		{"", 0, false},
		{"  ", 0, false},
		{".", 0, false},
		{"-", 0, false},
		{"1e0", 0, false},
	}
	for _, tt := range tests {
		if v, whole := parseRating([]byte(tt.in)); v != tt.v || whole != tt.whole {
			t.Errorf("parseRating(%q) = %d, %v; want %d, %v", tt.in, v, whole, tt.v, tt.whole)
		}
	}
}

// TestZoneClock: the cached conversion agrees with time.Date for wall-clock
// times from 1900 to 2200 in zones with and without daylight saving time,
// visited in order and at random, the hours that happen twice or never
// included.
func TestZoneClock(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for _, name := range []string{"Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"} {
		loc, _ := time.LoadLocation(name)
		z := newZoneClock(loc)
		check := func(y int, m time.Month, d, h, mi, s int) {
			want := time.Date(y, m, d, h, mi, s, 0, loc)
			if got := z.instant(y, m, d, h, mi, s, 0); !got.Equal(want) {
				t.Fatalf("%s %04d-%02d-%02d %02d:%02d:%02d: %s, want %s", name, y, m, d, h, mi, s, got, want)
			}
		}
		for day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2027; day = day.Add(97 * time.Minute) {
			check(day.Year(), day.Month(), day.Day(), day.Hour(), day.Minute(), day.Second())
		}
		for range 50000 {
			y := 1900 + r.IntN(300)
			m := time.Month(1 + r.IntN(12))
			check(y, m, 1+r.IntN(daysIn(m, y)), r.IntN(24), r.IntN(60), r.IntN(60))
		}
	}
	for _, d := range []struct {
		y    int
		m    time.Month
		d    int
		want int64
	}{{1970, 1, 1, 0}, {1969, 12, 31, -1}, {2000, 3, 1, 11017}, {1900, 1, 1, -25567}, {2099, 12, 31, 47481}} {
		if got := daysFromCivil(d.y, d.m, d.d); got != d.want {
			t.Errorf("daysFromCivil(%d-%d-%d) = %d, want %d", d.y, d.m, d.d, got, d.want)
		}
	}
}

// FuzzParseCents: a decimal text parses to the cents big.Rat computes,
// rounded half away from zero, or is refused; never a panic.
//
//	go test ./extract -run '^$' -fuzz FuzzParseCents -fuzztime 30s
func FuzzParseCents(f *testing.F) {
	for _, s := range []string{"100.00", "-10.005", "1e3", ".5", "999999999999.99", "1000000000000", "abc", "", "-", "1.2.3", "0.0000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cents, ok, inRange := parseCents([]byte(s))
		if !ok || !inRange {
			return
		}
		r, good := new(big.Rat).SetString(s)
		if !good {
			t.Fatalf("%q parsed to %d cents, but it is not a number", s, cents)
		}
		r.Mul(r, big.NewRat(100, 1))
		// |r - cents| <= 1/2, and exactly 1/2 only when rounding away from zero.
		diff := new(big.Rat).Sub(r, big.NewRat(cents, 1))
		half := big.NewRat(1, 2)
		if new(big.Rat).Abs(diff).Cmp(half) > 0 {
			t.Fatalf("%q parsed to %d cents, %s away", s, cents, diff.FloatString(4))
		}
		if new(big.Rat).Abs(diff).Cmp(half) == 0 && diff.Sign()*r.Sign() > 0 {
			t.Fatalf("%q rounded %s towards zero to %d", s, r.FloatString(4), cents)
		}
	})
}
