// Package bgbbtest gives tests the BG/BB paper's data set
// (testdata/bgbb/donations.csv: Fader, Hardie & Shang 2010, the 11,104
// first-time donors of 1995 with six yearly opportunities, 1996–2001), as
// groups for fitting and as each donor's years, for loading as orders.
package bgbbtest

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"retention/transform/bgbb"
)

// Cohort is the year of every donor's first gift.
const Cohort = 1995

// Donations reads the data set as groups (x, t_x, n = 6, donors).
func Donations(tb testing.TB) []bgbb.Group {
	tb.Helper()
	_, here, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(here), "..", "..", "..", "testdata", "bgbb", "donations.csv")
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], []string{"frequency", "recency", "n", "n_custs"}) {
		tb.Fatalf("donations.csv does not start with the header frequency,recency,n,n_custs")
	}
	var groups []bgbb.Group
	for i, row := range rows[1:] {
		var v [4]int
		for k, s := range row {
			if v[k], err = strconv.Atoi(s); err != nil {
				tb.Fatalf("donations.csv row %d: %v", i+2, err)
			}
		}
		groups = append(groups, bgbb.Group{X: v[0], TX: v[1], N: v[2], Count: int64(v[3])})
	}
	return groups
}

// Donors calls fn for each donor, numbered from 1, with the years it gave
// in: Cohort, then x of the years after it, the last Cohort+t_x and those
// before it consecutive (the model reads only x, t_x and n).
func Donors(tb testing.TB, fn func(donor int, years []int)) {
	tb.Helper()
	donor := 0
	for _, g := range Donations(tb) {
		if g.N != 6 {
			tb.Fatalf("a history of %d opportunities; the paper's have 6", g.N)
		}
		years := []int{Cohort}
		for k := range g.X {
			years = append(years, Cohort+g.TX-k)
		}
		for range g.Count {
			donor++
			fn(donor, years)
		}
	}
	if donor != 11104 {
		tb.Fatalf("read %d donors, the paper has 11,104", donor)
	}
}
