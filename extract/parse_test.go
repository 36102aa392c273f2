package extract

import (
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
	}
	for _, tt := range tests {
		got, ok, null := parseTime([]byte(tt.in), utc)
		if !got.Equal(tt.want) || ok != tt.ok || null != tt.null {
			t.Errorf("parseTime(%q) = %v, %v, %v; want %v, %v, %v", tt.in, got, ok, null, tt.want, tt.ok, tt.null)
		}
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	got, _, _ := parseTime([]byte("2026-07-31 16:30:00"), utc)
	if got.In(sh).Month() != time.August {
		t.Errorf("2026-07-31 16:30 UTC is %v in Shanghai, want August", got.In(sh))
	}
}
