package transform_test

import (
	"testing"
	"time"

	"retention/transform"
)

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"2026-09", "2026-01", "2026-12", "2026-Q1", "2026-Q4", "2026", "1999-Q2"} {
		p, err := transform.ParsePeriod(s)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", s, err)
			continue
		}
		if p.String() != s {
			t.Errorf("ParsePeriod(%q).String() = %q", s, p)
		}
	}
	for _, s := range []string{"", "2026-13", "2026-00", "2026-9", "2026-Q5", "2026-Q0", "26-09", "2026-09-01", "0000", "abcd", "2026Q3"} {
		if p, err := transform.ParsePeriod(s); err == nil {
			t.Errorf("ParsePeriod(%q) = %v, want an error", s, p)
		}
	}
}

func TestPeriodArithmetic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		at                    string
		month, quarter, year  string
		latestM, latestQ, lnY string
	}{
		{"2026-11-23 09:00:00", "2026-11", "2026-Q4", "2026", "2026-10", "2026-Q3", "2025"},
		{"2026-01-01 00:00:00", "2026-01", "2026-Q1", "2026", "2025-12", "2025-Q4", "2025"},
		{"2025-12-31 23:59:59", "2025-12", "2025-Q4", "2025", "2025-11", "2025-Q3", "2024"},
	}
	for _, tt := range tests {
		now := at(tt.at)
		for g, want := range map[transform.Granularity][2]string{
			transform.Month: {tt.month, tt.latestM}, transform.Quarter: {tt.quarter, tt.latestQ}, transform.Year: {tt.year, tt.lnY},
		} {
			if got := transform.PeriodOf(now, g, shanghai).String(); got != want[0] {
				t.Errorf("PeriodOf(%s, %s) = %s, want %s", tt.at, g, got, want[0])
			}
			if got := transform.LatestComplete(now, g, shanghai).String(); got != want[1] {
				t.Errorf("LatestComplete(%s, %s) = %s, want %s", tt.at, g, got, want[1])
			}
		}
	}
	q, _ := transform.ParsePeriod("2026-Q1")
	if got := q.Add(-1).String(); got != "2025-Q4" {
		t.Errorf("2026-Q1 - 1 = %s", got)
	}
	if start, end := q.Start(shanghai), q.End(shanghai); !start.Equal(at("2026-01-01 00:00:00")) || !end.Equal(at("2026-04-01 00:00:00")) {
		t.Errorf("2026-Q1 spans %v..%v", start, end)
	}
	// Shanghai midnight is 16:00 UTC the day before.
	if got := transform.PeriodOf(time.Date(2026, 8, 31, 16, 0, 0, 0, time.UTC), transform.Month, shanghai).String(); got != "2026-09" {
		t.Errorf("2026-08-31 16:00 UTC is in %s in Shanghai", got)
	}
}

// TestPeriodStartInGap: a period that begins at a midnight the zone skips
// (America/Asuncion, 2023-10-01: clocks jump from 00:00 to 01:00) begins
// at the first instant of its first day, not an hour before on the day
// before, where time.Date would put it.
func TestPeriodStartInGap(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("America/Asuncion")
	if err != nil {
		t.Fatal(err)
	}
	oct, err := transform.ParsePeriod("2023-10")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2023, 10, 1, 4, 0, 0, 0, time.UTC) // 01:00 -03, the instant after the gap
	if got := oct.Start(loc); !got.Equal(want) {
		t.Errorf("2023-10 starts at %s, want %s", got, want.In(loc))
	}
	if got := oct.Add(-1).End(loc); !got.Equal(want) {
		t.Errorf("2023-09 ends at %s, want %s", got, want.In(loc))
	}
	if got := oct.Add(-1).Start(loc); !got.Equal(time.Date(2023, 9, 1, 0, 0, 0, 0, loc)) {
		t.Errorf("2023-09 starts at %s", got)
	}
}
