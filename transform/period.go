package transform

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Granularity is the length of a reporting period.
type Granularity uint8

// Granularities.
const (
	Month Granularity = iota + 1
	Quarter
	Year
)

// Granularities lists every granularity, shortest first.
var Granularities = []Granularity{Month, Quarter, Year}

func (g Granularity) String() string {
	switch g {
	case Month:
		return "month"
	case Quarter:
		return "quarter"
	case Year:
		return "year"
	}
	return "granularity(" + strconv.Itoa(int(g)) + ")"
}

// Months is the number of calendar months in one period.
func (g Granularity) Months() int {
	switch g {
	case Quarter:
		return 3
	case Year:
		return 12
	}
	return 1
}

// ParseGranularity reads "month", "quarter" or "year".
func ParseGranularity(s string) (Granularity, error) {
	for _, g := range Granularities {
		if s == g.String() {
			return g, nil
		}
	}
	return 0, fmt.Errorf("%q is not one of month, quarter, year", s)
}

// Period is one month, quarter or year. Periods of one granularity are
// consecutive integers, so P-1 is p.Add(-1).
type Period struct {
	G Granularity
	N int32 // year*12+month-1, year*4+quarter-1 or year
}

// PeriodOf returns the period of g that contains t in loc.
func PeriodOf(t time.Time, g Granularity, loc *time.Location) Period {
	y, m, _ := t.In(loc).Date()
	return Period{G: g, N: periodIndex(g, y, m)}
}

func periodIndex(g Granularity, y int, m time.Month) int32 {
	switch g {
	case Quarter:
		return int32(y*4 + (int(m)-1)/3)
	case Year:
		return int32(y)
	}
	return int32(y*12 + int(m) - 1)
}

// LatestComplete is the last period of g that ended before now in loc.
func LatestComplete(now time.Time, g Granularity, loc *time.Location) Period {
	return PeriodOf(now, g, loc).Add(-1)
}

// Add returns the period k periods after p (before it when k < 0).
func (p Period) Add(k int) Period { return Period{G: p.G, N: p.N + int32(k)} }

// Sub returns the number of periods from q to p.
func (p Period) Sub(q Period) int { return int(p.N - q.N) }

// Start is the first instant of p in loc.
func (p Period) Start(loc *time.Location) time.Time {
	y, m := p.yearMonth()
	return midnight(y, m, 1, loc)
}

// End is the first instant after p in loc.
func (p Period) End(loc *time.Location) time.Time { return p.Add(1).Start(loc) }

func (p Period) yearMonth() (int, time.Month) {
	n := int(p.N)
	switch p.G {
	case Quarter:
		return floorDiv(n, 4), time.Month(mod(n, 4)*3 + 1)
	case Year:
		return n, time.January
	}
	return floorDiv(n, 12), time.Month(mod(n, 12) + 1)
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func mod(a, b int) int { return a - floorDiv(a, b)*b }

// String gives the period key: 2026-09, 2026-Q3 or 2026.
func (p Period) String() string {
	y, m := p.yearMonth()
	switch p.G {
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", y, (int(m)-1)/3+1)
	case Year:
		return fmt.Sprintf("%04d", y)
	}
	return fmt.Sprintf("%04d-%02d", y, int(m))
}

// ParsePeriod reads a period key (2026-09, 2026-Q3 or 2026); its form gives
// the granularity.
func ParsePeriod(s string) (Period, error) {
	bad := fmt.Errorf("period %q is not of the form 2026-09, 2026-Q3 or 2026", s)
	if len(s) < 4 || !digits(s[:4]) {
		return Period{}, bad
	}
	y, _ := strconv.Atoi(s[:4])
	if y < 1 {
		return Period{}, bad
	}
	rest := s[4:]
	switch {
	case rest == "":
		return Period{G: Year, N: int32(y)}, nil
	case len(rest) == 3 && rest[0] == '-' && digits(rest[1:]):
		m, _ := strconv.Atoi(rest[1:])
		if m < 1 || m > 12 {
			return Period{}, bad
		}
		return Period{G: Month, N: periodIndex(Month, y, time.Month(m))}, nil
	case len(rest) == 3 && strings.EqualFold(rest[:2], "-Q") && rest[2] >= '1' && rest[2] <= '4':
		return Period{G: Quarter, N: int32(y*4 + int(rest[2]-'1'))}, nil
	}
	return Period{}, bad
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
