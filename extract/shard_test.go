package extract_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"retention/extract"
	"retention/extract/sourcetest"
)

func TestShardSQL(t *testing.T) {
	t.Parallel()
	const q = "SELECT * FROM orders"
	tests := []struct {
		sql  string
		k, n int
		want string
	}{
		{q, 0, 1, q},
		{q, 0, 3, "SELECT * FROM (SELECT * FROM orders) AS retention_shard WHERE MOD(CRC32(retention_shard.`customer_id`), 3) = 0" +
			" OR retention_shard.`customer_id` IS NULL"},
		{q, 2, 3, "SELECT * FROM (SELECT * FROM orders) AS retention_shard WHERE MOD(CRC32(retention_shard.`customer_id`), 3) = 2"},
		{"SELECT * FROM orders PARTITION (p{shard})", 1, 4, "SELECT * FROM orders PARTITION (p1)"},
		{"SELECT * FROM orders WHERE MOD(customer_id, {shards}) = {shard}", 0, 1, "SELECT * FROM orders WHERE MOD(customer_id, 1) = 0"},
		{"SELECT * FROM orders WHERE MOD(customer_id, {shards}) = {shard}", 3, 8, "SELECT * FROM orders WHERE MOD(customer_id, 8) = 3"},
	}
	for _, tt := range tests {
		if got := extract.ShardSQL(tt.sql, tt.k, tt.n); got != tt.want {
			t.Errorf("ShardSQL(%q, %d, %d) = %q, want %q", tt.sql, tt.k, tt.n, got, tt.want)
		}
	}
}

// TestShardsReadEveryRowOnce: the shards of a read together return every
// row of one stream exactly once, rows without a customer (NULL or
// empty) in shard 0, whatever the ids (numbers, negative, text); an order
// id repeated in rows of two customers is two lines, and a complaint id
// repeated so (in two shards, most likely) is still found.
func TestShardsReadEveryRowOnce(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.Exec(t, "CREATE TABLE orders (order_id BIGINT, customer_id VARCHAR(32), department VARCHAR(32), ordered_at DATETIME, amount DECIMAL(14,2))")
	var values []string
	ids := []string{"NULL", "''", "'7'", "'007'", "'-12'", "'3.5'", "'客户-1'", "'C-0042'", "'9223372036854775807'"}
	for i := range 400 {
		values = append(values, fmt.Sprintf("(%d, %s, '华东', '2026-09-01 10:00:00', '%d.00')", i+1, ids[i%len(ids)], i+1))
	}
	// Order 5 again, of another customer.
	values = append(values, "(5, '8', '华东', '2026-09-02 10:00:00', '1.00')")
	d.Exec(t, "INSERT INTO orders VALUES "+strings.Join(values, ", "))
	// The same as complaints: complaint 5 again, of another customer.
	d.Exec(t, "CREATE TABLE complaints AS SELECT order_id AS complaint_id, customer_id, department, ordered_at AS created_at, "+
		"ordered_at AS resolved_at, 4 AS satisfaction, 'c' AS category FROM orders")

	ctx := context.Background()
	src, err := extract.Open(ctx, d.DSN, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	q := extract.Query{Name: "source.orders", SQL: "SELECT * FROM orders"}
	qc := extract.Query{Name: "source.complaints", SQL: "SELECT * FROM complaints"}
	// Of the two rows of complaint 5, the one read second is the repeat,
	// and which one that is depends on the order the shards read: rows
	// are compared without their defects, and the repeats counted.
	read := func(snaps []*extract.Snapshot) (rows []string, nulls []int, dups int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, snap := range snaps {
			wg.Go(func() {
				for o, err := range snap.Orders(ctx, q) {
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					rows = append(rows, fmt.Sprintf("%s %d", o.Customer(), o.AmountCents))
					switch o.Defect {
					case extract.DefectNullCustomer:
						nulls = append(nulls, snap.Shard)
					case extract.DefectNone:
					default:
						t.Errorf("order of %q: defect %v", o.Customer(), o.Defect)
					}
					mu.Unlock()
				}
				for c, err := range snap.Complaints(ctx, qc) {
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					rows = append(rows, "complaint "+c.CustomerID+" "+c.ID)
					if c.Defect == extract.DefectDuplicateID {
						dups++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for _, snap := range snaps {
			snap.Close()
		}
		slices.Sort(rows)
		return rows, nulls, dups
	}
	one, err := src.Shards(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := read(one)
	for _, n := range []int{2, 3, 5} {
		snaps, err := src.Shards(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		got, nulls, dups := read(snaps)
		if !slices.Equal(got, want) {
			t.Errorf("%d shards read %d rows, one stream %d; they differ", n, len(got), len(want))
		}
		if len(got) != 2*401 {
			t.Errorf("%d shards read %d rows, want %d", n, len(got), 2*401)
		}
		if len(nulls) != 90 || slices.ContainsFunc(nulls, func(k int) bool { return k != 0 }) {
			t.Errorf("%d shards: rows without a customer read by shards %v, want 90 by shard 0", n, nulls)
		}
		if dups != 1 {
			t.Errorf("%d shards found %d repeated complaint ids, want 1", n, dups)
		}
	}
}

// TestShardsBegin: every shard of a read is in a read-only transaction on
// a connection of its own.
func TestShardsBegin(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "../testdata/spec/worked_example.sql")
	p := d.Proxy(t)
	ctx := context.Background()
	src, err := extract.Open(ctx, p.DSN(), shanghai)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snaps, err := src.Shards(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	for k, snap := range snaps {
		if snap.Shard != k || snap.Shards != 4 || snap.AsOf != "" {
			t.Errorf("snapshot %d is shard %d of %d, as of %q", k, snap.Shard, snap.Shards, snap.AsOf)
		}
		snap.Close()
	}
	begun := p.Count("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
	if d.Embedded != nil {
		// The embedded server does not know WITH CONSISTENT SNAPSHOT (nor
		// keeps snapshots): the shards begin as one stream does.
		begun = p.Count("START TRANSACTION READ ONLY")
	}
	if begun != 4 || p.Count("ROLLBACK") != 4 {
		t.Errorf("began %d transactions and rolled back %d, want 4 each; queries: %q", begun, p.Count("ROLLBACK"), p.Queries())
	}
}
