package extract

import (
	"database/sql/driver"
	"time"
)

// sessionTimeZone is the time zone of every session the job opens, as
// the value of SET time_zone: UTC, as an offset, so that it needs no named
// time-zone tables on the server.
const sessionTimeZone = "'+00:00'"

// TimeColumn says how the values of a timestamp column become instants,
// decided once per query from the type the server reports for it.
//
// A TIMESTAMP is an instant: the server keeps it in UTC and hands it over
// in the session's time zone, which the job sets to UTC, whatever the
// server's own zone. Every other type (DATETIME, DATE, text, and a
// computed column the server reports as one of them) is wall-clock time
// in the source time zone.
type TimeColumn struct {
	Name    string         // as the query returns it
	Type    string         // as the server reports it: TIMESTAMP, DATETIME, DATE, VARCHAR …; "" when it does not say
	Instant bool           // a TIMESTAMP: read as UTC
	Zone    *time.Location // the source time zone, for wall-clock columns
}

func (c TimeColumn) String() string {
	typ := c.Type
	if typ == "" {
		typ = "(type not reported)"
	}
	if c.Instant {
		return c.Name + " " + typ + ": instant"
	}
	return c.Name + " " + typ + ": wall-clock " + c.Zone.String()
}

// isTimeColumn reports whether a required column holds a timestamp.
func isTimeColumn(name string) bool {
	switch name {
	case "ordered_at", "created_at", "resolved_at":
		return true
	}
	return false
}

// timeColumns decides how each timestamp column among the required ones
// is read: a TimeColumn for each (nil for the other columns) and the clock
// that turns its text into instants, one per column so that each keeps
// its own span of offsets.
func timeColumns(rows driver.Rows, cols, required []string, idx []int, loc *time.Location) ([]*TimeColumn, []*zoneClock) {
	typed, _ := rows.(driver.RowsColumnTypeDatabaseTypeName)
	times := make([]*TimeColumn, len(required))
	clocks := make([]*zoneClock, len(required))
	for i, name := range required {
		if !isTimeColumn(name) {
			continue
		}
		c := &TimeColumn{Name: cols[idx[i]], Zone: loc}
		if typed != nil {
			c.Type = typed.ColumnTypeDatabaseTypeName(idx[i])
		}
		c.Instant = c.Type == "TIMESTAMP"
		if c.Instant {
			c.Zone = time.UTC
		}
		times[i], clocks[i] = c, newZoneClock(c.Zone)
	}
	return times, clocks
}
