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
		in   string
		want time.Time
		kind timeKind
	}{
		{"2026-09-01 00:00:00", time.Date(2026, 9, 1, 0, 0, 0, 0, utc), timeOK},
		{"2026-08-31 23:59:59", time.Date(2026, 8, 31, 23, 59, 59, 0, utc), timeOK},
		{"2026-08-31T23:59:59", time.Date(2026, 8, 31, 23, 59, 59, 0, utc), timeOK},
		{"2026-01-01 10:00:00.5", time.Date(2026, 1, 1, 10, 0, 0, 500_000_000, utc), timeOK},
		{"2026-01-01 10:00:00.000001", time.Date(2026, 1, 1, 10, 0, 0, 1000, utc), timeOK},
		{"2026-02-28", time.Date(2026, 2, 28, 0, 0, 0, 0, utc), timeOK},
		{"2024-02-29 12:00:00", time.Date(2024, 2, 29, 12, 0, 0, 0, utc), timeOK},
		{"0000-00-00 00:00:00", time.Time{}, timeZero},
		{"0000-00-00", time.Time{}, timeZero},
		{"2026-02-29 00:00:00", time.Time{}, timeBad},
		{"2026-13-01", time.Time{}, timeBad},
		{"2026-09-01 24:00:00", time.Time{}, timeBad},
		{"2026-09-01 10:00", time.Time{}, timeBad},
		{"2026-09-01 10:00:00.", time.Time{}, timeBad},
		{"yesterday", time.Time{}, timeBad},
		{"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", time.Time{}, timeBad},
		{"2026-09-01 00:00:00", time.Date(2026, 9, 1, 0, 0, 0, 0, utc), timeOK},
		{"2026-09-01x00:00:00", time.Time{}, timeBad},
		{"2026-09-01 23:00:00", time.Date(2026, 9, 1, 23, 0, 0, 0, utc), timeOK},
		{"2026-09-01", time.Date(2026, 9, 1, 0, 0, 0, 0, utc), timeOK},
	}
	// Each case on a clock of its own, and all in turn on one clock, which
	// remembers the last date it read.
	shared := newZoneClock(utc)
	for _, tt := range tests {
		for _, z := range []*zoneClock{newZoneClock(utc), shared} {
			got, kind := parseTime([]byte(tt.in), z)
			if !got.Equal(tt.want) || kind != tt.kind {
				t.Errorf("parseTime(%q) = %v, %d; want %v, %d", tt.in, got, kind, tt.want, tt.kind)
			}
		}
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	got, _ := parseTime([]byte("2026-07-31 16:30:00"), newZoneClock(utc))
	if got.In(sh).Month() != time.August {
		t.Errorf("2026-07-31 16:30 UTC is %v in Shanghai, want August", got.In(sh))
	}
}

func TestParseRating(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in string
		v  Rating
		ok bool
	}{
		{"4", 4 * Point, true},
		{"4.0", 4 * Point, true}, // DECIMAL(3,1)
		{" 4 ", 4 * Point, true},
		{"\t5\r\n", 5 * Point, true},
		{"+3", 3 * Point, true},
		{"4.", 4 * Point, true},
		{"-1", -1 * Point, true},
		{"0.0", 0, true},
		{"10.00", 10 * Point, true},
		{"99999999999999999999", maxRating, true}, // far outside 1–5, and stays so
		{"-99999999999999999999", -maxRating, true},
		{"4.5", 4_500_000, true},
		{"2.5", 2_500_000, true},
		{"4.05", 4_050_000, true},
		{".5", 500_000, true},
		{"1.0000005", 1_000_001, true},   // half away from zero at the seventh decimal
		{"-1.0000005", -1_000_001, true}, // likewise below zero
		{"1.00000049", 1_000_000, true},
		{"2.333333333333", 2_333_333, true},
		{"1e0", 1 * Point, true},
		{"2.5E0", 2_500_000, true},
		{"25e-1", 2_500_000, true},
		{"1e400", maxRating, true},
		{"good", 0, false},
		{"4 stars", 0, false},
		{"", 0, false},
		{"  ", 0, false},
		{".", 0, false},
		{"-", 0, false},
		{"e5", 0, false},
		{"1e", 0, false},
		{"1e2/3", 0, false},
		{"0x10", 0, false},
	}
	for _, tt := range tests {
		if v, ok := parseRating([]byte(tt.in)); v != tt.v || ok != tt.ok {
			t.Errorf("parseRating(%q) = %d, %v; want %d, %v", tt.in, v, ok, tt.v, tt.ok)
		}
	}
}

// TestZoneClock: the cached conversion agrees with time.Date for wall-clock
// times from 1900 to 2200 in zones with and without daylight saving time,
// visited in order and at random, the hours that happen twice included;
// a time that never happens (in a gap) is the first instant after the
// gap, wherever time.Date puts it.
func TestZoneClock(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for _, name := range []string{"Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"} {
		loc, _ := time.LoadLocation(name)
		z := newZoneClock(loc)
		check := func(y int, m time.Month, d, h, mi, s int) {
			got := z.instant(y, m, d, h, mi, s, 0)
			wall := time.Date(y, m, d, h, mi, s, 0, time.UTC)
			if inGap(wall, loc) {
				if !firstAfterGap(got, wall, loc) {
					t.Fatalf("%s %s is in a gap: %s is not the first instant after it", name, wall.Format(time.DateTime), got)
				}
				return
			}
			if want := time.Date(y, m, d, h, mi, s, 0, loc); !got.Equal(want) {
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

// wallClock is t's wall clock in loc, as a UTC time.
func wallClock(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// inGap reports whether the wall clock time wall (given in UTC) never
// happens in loc: no instant within a day of it shows it.
func inGap(wall time.Time, loc *time.Location) bool {
	// The instant that shows wall, if any, is wall minus one of the
	// offsets the zone has within a day of it.
	for h := -26; h <= 26; h++ {
		_, off := wall.Add(time.Duration(h) * time.Hour).In(loc).Zone()
		if wallClock(wall.Add(-time.Duration(off)*time.Second), loc).Equal(wall) {
			return false
		}
	}
	return true
}

// firstAfterGap reports whether got is the first instant after the gap
// that holds wall: got shows a later wall clock, and the instant before
// it an earlier one.
func firstAfterGap(got, wall time.Time, loc *time.Location) bool {
	return wallClock(got, loc).After(wall) && wallClock(got.Add(-time.Nanosecond), loc).Before(wall)
}

// TestDaylightSavingGap: wall-clock times that a zone skips are read as
// the instant just after the gap, on their calendar day, whether the gap
// is at midnight (America/Santiago, America/Havana) or in the night
// (America/New_York, Europe/Berlin), and whichever way time.Date would
// have moved them.
func TestDaylightSavingGap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone string
		wall string // in the gap
		want string // the instant just after it, in the zone
	}{
		{"America/New_York", "2026-03-08 02:30:00", "2026-03-08 03:00:00 -0400"},
		{"America/New_York", "2026-03-08 02:00:00", "2026-03-08 03:00:00 -0400"},
		{"America/New_York", "2026-03-08 02:59:59.999999", "2026-03-08 03:00:00 -0400"},
		{"Europe/Berlin", "2026-03-29 02:15:00", "2026-03-29 03:00:00 +0200"},
		{"America/Santiago", "2026-09-06 00:30:00", "2026-09-06 01:00:00 -0300"},
		{"America/Havana", "2026-03-08 00:00:00", "2026-03-08 01:00:00 -0400"},
		{"Australia/Lord_Howe", "2026-10-04 02:10:00", "2026-10-04 02:30:00 +1100"},
	}
	for _, tt := range tests {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Fatal(err)
		}
		want, err := time.ParseInLocation("2006-01-02 15:04:05 -0700", tt.want, loc)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range []*zoneClock{newZoneClock(loc), warmed(loc)} {
			got, kind := parseTime([]byte(tt.wall), z)
			if kind != timeOK || !got.Equal(want) {
				t.Errorf("%s %s: %s (%d), want %s", tt.zone, tt.wall, got.In(loc), kind, want)
			}
			if got.In(loc).Day() != want.Day() {
				t.Errorf("%s %s: on day %d", tt.zone, tt.wall, got.In(loc).Day())
			}
		}
		// The times around the gap read as time.Date reads them.
		for _, around := range []time.Duration{-24 * time.Hour, -90 * time.Minute, 90 * time.Minute, 24 * time.Hour} {
			wall := want.Add(around)
			text := wall.Format("2006-01-02 15:04:05")
			got, _ := parseTime([]byte(text), newZoneClock(loc))
			if !got.Equal(wall) {
				t.Errorf("%s %s: %s, want %s", tt.zone, text, got, wall)
			}
		}
	}
}

// warmed is a clock that has read a time of the day before, so that it
// remembers a span of offset.
func warmed(loc *time.Location) *zoneClock {
	z := newZoneClock(loc)
	parseTime([]byte("2026-01-01 12:00:00"), z)
	return z
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
