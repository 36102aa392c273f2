package transform_test

import (
	"testing"

	"retention/transform"
)

// FuzzParsePeriod: a period that parses prints back to a key that parses
// to the same period, and its neighbours are of the same granularity.
//
//	go test ./transform -run '^$' -fuzz FuzzParsePeriod -fuzztime 30s
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-09", "2026-Q3", "2026", "0001-01", "9999-12", "2026-13", "2026-q4", "", "-2026", "2026-09-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := transform.ParsePeriod(s)
		if err != nil {
			return
		}
		q, err := transform.ParsePeriod(p.String())
		if err != nil || q != p {
			t.Fatalf("%q parses to %v, which prints as %q and parses to %v, %v", s, p, p.String(), q, err)
		}
		if p.Add(1).Sub(p) != 1 || p.Add(-1).G != p.G {
			t.Fatalf("%v has odd neighbours", p)
		}
		if !p.Start(shanghai).Before(p.End(shanghai)) {
			t.Fatalf("%v starts %v, ends %v", p, p.Start(shanghai), p.End(shanghai))
		}
	})
}
