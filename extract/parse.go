package extract

import (
	"bytes"
	"math"
	"math/big"
	"time"
)

// maxCents is the largest magnitude DECIMAL(14,2) holds: 999 999 999 999.99.
const maxCents = 99_999_999_999_999

// parseCents reads a decimal amount ("-10.5", "100.00", "1e3") into cents
// without floating point. More than two decimal places are rounded half
// away from zero. ok is false for text that is not a number; inRange is
// false for a number beyond DECIMAL(14,2).
func parseCents(b []byte) (cents int64, ok, inRange bool) {
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i++
	}
	var whole int64
	intLen, significant, fracLen := 0, 0, 0
	var frac [3]byte // tenths, hundredths, and the digit that rounds
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		intLen++
		if significant > 0 || b[i] != '0' {
			significant++
		}
		if significant > 13 {
			return 0, true, false
		}
		whole = whole*10 + int64(b[i]-'0')
	}
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if fracLen < len(frac) {
				frac[fracLen] = b[i] - '0'
			}
			fracLen++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		return parseCentsSlow(b)
	}
	if i != len(b) || intLen+fracLen == 0 {
		return 0, false, false
	}
	cents = whole*100 + int64(frac[0])*10 + int64(frac[1])
	if frac[2] >= 5 {
		cents++
	}
	if cents > maxCents {
		return 0, true, false
	}
	if neg {
		cents = -cents
	}
	return cents, true, true
}

// parseCentsSlow handles exponents, as DOUBLE columns print them, exactly.
func parseCentsSlow(b []byte) (int64, bool, bool) {
	r, ok := new(big.Rat).SetString(string(b))
	if !ok {
		return 0, false, false
	}
	r.Mul(r, big.NewRat(100, 1))
	neg := r.Sign() < 0
	r.Abs(r)
	// round half away from zero: floor(r + 1/2)
	r.Add(r, big.NewRat(1, 2))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if !q.IsInt64() || q.Int64() > maxCents {
		return 0, true, false
	}
	c := q.Int64()
	if neg {
		c = -c
	}
	return c, true, true
}

// timeKind says what the text of a timestamp holds.
type timeKind uint8

const (
	timeOK   timeKind = iota // a date-time
	timeNull                 // NULL
	timeZero                 // the zero date, 0000-00-00 (with any time of day)
	timeBad                  // not a date-time
)

// parseTime reads a MySQL DATE, DATETIME or TIMESTAMP in its text form
// (2026-09-01, 2026-09-01 00:00:00, with up to 9 fractional digits, or a T
// separator) as a wall-clock time in z's zone. The zero date 0000-00-00
// is timeZero.
func parseTime(b []byte, z *zoneClock) (time.Time, timeKind) {
	n := len(b)
	if n < 10 {
		return time.Time{}, timeBad
	}
	date, kind := z.date([10]byte(b))
	if kind != timeOK {
		return time.Time{}, kind
	}
	var h, mi, s, ns int
	if n > 10 {
		if n < 19 || (b[10] != ' ' && b[10] != 'T') || b[13] != ':' || b[16] != ':' {
			return time.Time{}, timeBad
		}
		var okH, okM, okS bool
		h, okH = num(b[11:13])
		mi, okM = num(b[14:16])
		s, okS = num(b[17:19])
		if !okH || !okM || !okS || h > 23 || mi > 59 || s > 59 {
			return time.Time{}, timeBad
		}
		if n > 19 {
			if b[19] != '.' || n == 20 || n > 29 {
				return time.Time{}, timeBad
			}
			f, okF := num(b[20:])
			if !okF {
				return time.Time{}, timeBad
			}
			for k := n - 20; k < 9; k++ {
				f *= 10
			}
			ns = f
		}
	}
	return z.at(date, h, mi, s, ns), timeOK
}

// civilDate is a valid calendar date and its day number.
type civilDate struct {
	y    int
	m    time.Month
	d    int
	days int64 // since 1970-01-01
}

// zoneClock turns wall-clock times of a zone into instants. It remembers
// the span in which the zone's offset last stayed the same, so that most
// rows take arithmetic instead of the time package's zone lookup. Within a
// day of either end of the span it asks the time package, so that a
// wall-clock time that happens twice, or never, gets time.Date's answer
// whatever rows came before. It also remembers the last date it read:
// rows in time order share it, and the time of day is then all there is
// to read.
type zoneClock struct {
	loc         *time.Location
	from, until int64 // unix seconds well inside the span of offset; empty at first
	offset      int64

	cached   bool     // whether last holds a date
	lastText [10]byte // the text of last
	last     civilDate
}

func newZoneClock(loc *time.Location) *zoneClock { return &zoneClock{loc: loc} }

// date reads a date in the form 2026-09-01.
func (z *zoneClock) date(b [10]byte) (c civilDate, kind timeKind) {
	if z.cached && b == z.lastText {
		return z.last, timeOK
	}
	if b[4] != '-' || b[7] != '-' {
		return c, timeBad
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	if !ok1 || !ok2 || !ok3 {
		return c, timeBad
	}
	if y == 0 && mo == 0 && d == 0 {
		return c, timeZero
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(time.Month(mo), y) {
		return c, timeBad
	}
	c = civilDate{y: y, m: time.Month(mo), d: d, days: daysFromCivil(y, time.Month(mo), d)}
	z.cached, z.lastText, z.last = true, b, c
	return c, timeOK
}

// instant is time.Date(y, m, d, h, mi, s, ns, loc) for a valid date.
func (z *zoneClock) instant(y int, m time.Month, d, h, mi, s, ns int) time.Time {
	return z.at(civilDate{y: y, m: m, d: d, days: daysFromCivil(y, m, d)}, h, mi, s, ns)
}

// at is the instant of a date and a time of day in the clock's zone:
// time.Date's, but for a time that the zone skips (clocks jump from 00:00
// to 01:00, and 00:30 never happens), which is read as the instant just
// after the gap, on its calendar day.
func (z *zoneClock) at(c civilDate, h, mi, s, ns int) time.Time {
	local := c.days*86400 + int64(h*3600+mi*60+s)
	if u := local - z.offset; u >= z.from && u < z.until {
		return time.Unix(u, int64(ns)).In(z.loc)
	}
	t := time.Date(c.y, c.m, c.d, h, mi, s, ns, z.loc)
	if t2, gap := afterGap(t, local); gap {
		return t2 // no span is remembered: the next row asks again
	}
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	z.offset, z.from, z.until = int64(off), math.MinInt64, math.MaxInt64
	if !start.IsZero() {
		z.from = start.Unix() + 86400
	}
	if !end.IsZero() {
		z.until = end.Unix() - 86400
	}
	return t
}

// afterGap reports whether t, time.Date's answer for the wall-clock time
// local (seconds since 1970-01-01 on the wall clock), shows another wall
// clock: local falls in a gap of the zone, and time.Date moved it by the
// gap's length, forward or back. The instant just after the gap is then
// the zone change next to t.
func afterGap(t time.Time, local int64) (time.Time, bool) {
	_, off := t.Zone()
	shown := t.Unix() + int64(off)
	if shown == local {
		return t, false
	}
	start, end := t.ZoneBounds()
	if shown > local { // moved forward: t is after the change
		return start, true
	}
	return end, true // moved back: t is before the change
}

// daysFromCivil is the number of days from 1970-01-01 to a date of the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y int, m time.Month, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := yy / 400
	if yy < 0 && yy%400 != 0 {
		era--
	}
	yoe := yy - era*400
	mp := (int64(m) + 9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func num(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// maxRating bounds the ratings kept as they are: any number beyond it is
// as far outside 1–5 as it.
const maxRating = 1 << 40 * Point

// parseRating reads a rating given as text by value into millionths of a
// point: a decimal number with or without a sign, a fraction ("4.0", as
// DECIMAL(3,1) prints it; "2.5") or an exponent ("2.5e0", as a DOUBLE may
// print), with blanks around it (" 4 "). Decimals beyond the sixth are
// rounded half away from zero. ok is false for anything else: "good", an
// empty text.
func parseRating(b []byte) (v Rating, ok bool) {
	b = trimBlanks(b)
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, i = b[0] == '-', 1
	}
	var whole int64
	digits := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		whole = min(whole*10+int64(b[i]-'0'), int64(maxRating/Point))
		digits++
	}
	var frac, scale int64 = 0, int64(Point)
	roundUp := false
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			switch {
			case scale > 1:
				scale /= 10
				frac += int64(b[i]-'0') * scale
			case scale == 1:
				roundUp, scale = b[i] >= '5', 0
			}
			digits++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') && digits > 0 {
		return ratingSlow(b)
	}
	if digits == 0 || i != len(b) {
		return 0, false
	}
	v = Rating(whole)*Point + Rating(frac)
	if roundUp {
		v++
	}
	v = min(v, maxRating)
	if neg {
		v = -v
	}
	return v, true
}

// ratingSlow reads a rating with an exponent (1.5e0, 25E-1) exactly.
func ratingSlow(b []byte) (Rating, bool) {
	e := bytes.IndexAny(b, "eE")
	exp := b[e+1:]
	if len(exp) > 0 && (exp[0] == '-' || exp[0] == '+') {
		exp = exp[1:]
	}
	if _, ok := num(exp); !ok || len(exp) == 0 || len(exp) > 4 {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(string(b))
	if !ok {
		return 0, false
	}
	r.Mul(r, big.NewRat(int64(Point), 1))
	neg := r.Sign() < 0
	r.Abs(r)
	r.Add(r, big.NewRat(1, 2)) // half away from zero: floor(|r| + 1/2)
	q := new(big.Int).Quo(r.Num(), r.Denom())
	v := maxRating
	if q.IsInt64() {
		v = min(Rating(q.Int64()), maxRating)
	}
	if neg {
		v = -v
	}
	return v, true
}

// trimBlanks cuts the spaces, tabs and line breaks around a number given
// as text, which MySQL ignores when it reads one.
func trimBlanks(b []byte) []byte {
	for len(b) > 0 && isBlank(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isBlank(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
