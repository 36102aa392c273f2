package transform

import "time"

// clock turns instants into periods and days of the report time zone. It
// remembers the span in which the zone's offset last stayed the same, so
// that most rows take an addition and a division instead of a zone lookup.
type clock struct {
	g   Granularity
	loc *time.Location

	from, until int64 // unix seconds in which offset holds; empty at first
	offset      int64 // seconds east of UTC

	// The day of the last instant, as local days since 1970: rows in time
	// order share it.
	lastDay    int64
	lastPeriod int32
	hasDay     bool
}

// at returns the period of g that holds t, and t's day: days since
// 1970-01-01 in the zone.
func (c *clock) at(t time.Time) (period, day int32) {
	u := t.Unix()
	if u < c.from || u >= c.until {
		_, off := t.In(c.loc).Zone()
		start, end := t.In(c.loc).ZoneBounds()
		c.offset = int64(off)
		c.from, c.until = minInt64, maxInt64
		if !start.IsZero() {
			c.from = start.Unix()
		}
		if !end.IsZero() {
			c.until = end.Unix()
		}
	}
	d := floorDiv64(u+c.offset, 86400)
	if !c.hasDay || d != c.lastDay {
		y, m, _ := civil(d)
		c.lastDay, c.lastPeriod, c.hasDay = d, periodIndex(c.g, y, m), true
	}
	return c.lastPeriod, int32(d)
}

const (
	minInt64 = -1 << 63
	maxInt64 = 1<<63 - 1
)

func floorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// civil converts days since 1970-01-01 to a calendar date (proleptic
// Gregorian; Howard Hinnant's algorithm).
func civil(days int64) (int, time.Month, int) {
	z := days + 719468
	era := floorDiv64(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return int(y), time.Month(m), int(d)
}

// dayTime is the first instant of a day in loc.
func dayTime(day int32, loc *time.Location) time.Time {
	y, m, d := civil(int64(day))
	return midnight(y, m, d, loc)
}

// midnight is the first instant of a day in loc: its midnight, or where
// the clocks jump over midnight (00:00 to 01:00 in America/Asuncion on
// 2023-10-01), the instant just after the gap, on that day. time.Date
// may put a time in a gap an hour back, on the day before.
func midnight(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if _, _, day := t.Date(); day != d {
		_, end := t.ZoneBounds()
		return end
	}
	return t
}
