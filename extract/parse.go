package extract

import (
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

// parseTime reads a MySQL DATE, DATETIME or TIMESTAMP in its text form
// (2026-09-01, 2026-09-01 00:00:00, with up to 9 fractional digits, or a T
// separator) as a wall-clock time in loc. The zero date 0000-00-00 is
// reported as null.
func parseTime(b []byte, loc *time.Location) (t time.Time, ok, null bool) {
	n := len(b)
	if n < 10 || b[4] != '-' || b[7] != '-' {
		return time.Time{}, false, false
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, false, false
	}
	if y == 0 && mo == 0 && d == 0 {
		return time.Time{}, true, true
	}
	var h, mi, s, ns int
	if n > 10 {
		if n < 19 || (b[10] != ' ' && b[10] != 'T') || b[13] != ':' || b[16] != ':' {
			return time.Time{}, false, false
		}
		var okH, okM, okS bool
		h, okH = num(b[11:13])
		mi, okM = num(b[14:16])
		s, okS = num(b[17:19])
		if !okH || !okM || !okS || h > 23 || mi > 59 || s > 59 {
			return time.Time{}, false, false
		}
		if n > 19 {
			if b[19] != '.' || n == 20 || n > 29 {
				return time.Time{}, false, false
			}
			f, okF := num(b[20:])
			if !okF {
				return time.Time{}, false, false
			}
			for k := n - 20; k < 9; k++ {
				f *= 10
			}
			ns = f
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(time.Month(mo), y) {
		return time.Time{}, false, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ns, loc), true, false
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
