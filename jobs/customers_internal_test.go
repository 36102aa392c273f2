package jobs

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"retention/extract"
	"retention/transform"
)

// TestApplyCustomers: the customers' rows, taken by several goroutines,
// give what one pass in the query's order gives: each customer's first
// row, the repeats counted with the first of them as examples in the
// query's order, and the listable customers (active in the periods or
// the one before) in the directory with their first row's name and
// owner.
func TestApplyCustomers(t *testing.T) {
	st := transform.New(transform.Month, time.UTC)
	// Customers 0-199 bought in 2026-09, 200-299 in 2025-01 only; text
	// ids t0-t49 in 2026-08.
	for i := range 300 {
		month := "2026-09"
		if i >= 200 {
			month = "2025-01"
		}
		at, _ := time.Parse("2006-01-02", month+"-10")
		st.AddOrder(extract.Order{ID: fmt.Sprint(i), CustomerID: fmt.Sprint(i + 1000), Department: "d", OrderedAt: at, AmountCents: 100})
	}
	for i := range 50 {
		at, _ := time.Parse("2006-01-02", "2026-08-10")
		st.AddOrder(extract.Order{ID: fmt.Sprint("t", i), CustomerID: fmt.Sprint("t", i), Department: "d", OrderedAt: at, AmountCents: 100})
	}
	// The rows: every customer once, then every third again with another
	// name and owner, then customers the state does not know.
	rows := &customerRows{}
	var want []string // the repeats, in the query's order
	add := func(id, name, owner string) {
		if !rows.add(id, name, owner) {
			t.Fatal("rows.add refused a row")
		}
	}
	ids := []string{}
	for i := range 300 {
		ids = append(ids, fmt.Sprint(i+1000))
	}
	for i := range 50 {
		ids = append(ids, fmt.Sprint("t", i))
	}
	for i, id := range ids {
		add(id, "name "+id, fmt.Sprint("rep", i%7))
	}
	for i := len(ids) - 1; i >= 0; i -= 3 {
		add(ids[i], "again", "other")
		want = append(want, ids[i])
	}
	add("99999", "unknown", "rep1")
	add("zz", "unknown", "rep1")
	rows.counts.Read = int64(len(rows.owner))

	p, _ := transform.ParsePeriod("2026-09")
	cust := rows.apply(st, []transform.Period{p}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if cust.dups != int64(len(want)) || !slices.Equal(cust.dupIDs, want[:transform.MaxExamples]) {
		t.Errorf("repeats %d %v, want %d %v", cust.dups, cust.dupIDs, len(want), want[:transform.MaxExamples])
	}
	if len(cust.dir) != 250 {
		t.Errorf("%d customers listable, want 250 (those of 2026-08 and 2026-09)", len(cust.dir))
	}
	for i, id := range ids {
		c, ok := cust.dir[id]
		if listable := i < 200 || i >= 300; ok != listable {
			t.Errorf("customer %s listable %v, want %v", id, ok, listable)
			continue
		}
		if ok && (c.ID != id || c.Name != "name "+id || c.Owner != fmt.Sprint("rep", i%7)) {
			t.Errorf("customer %s = %+v, want its first row", id, c)
		}
	}
	// The owners are in the state: known customers all have one.
	res, err := st.Compute(p, transform.Options{History: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Company.Owners {
		if o.Owner == "" || o.Owner == "other" {
			t.Errorf("owner %q in the figures: a repeated row's owner, or none", o.Owner)
		}
	}
}
