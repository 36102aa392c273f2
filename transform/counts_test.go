package transform

import (
	"math/rand/v2"
	"testing"
)

// TestCounts compares the forecast's count table with a map over keys
// that collide in few and in many bits, the group 0 among them.
func TestCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var c counts
	want := map[groupKey]int64{}
	for i := range 200_000 {
		var k groupKey
		switch i % 3 {
		case 0:
			k = packGroup(rng.Int32N(40), rng.Int32N(40), rng.Int32N(40))
		case 1:
			k = groupKey(rng.IntN(8)) << 42
		default:
			k = groupKey(rng.Uint64N(1 << 63))
		}
		d := rng.Int64N(5) - 2
		c.add(k, d)
		want[k] += d
	}
	if c.len() != len(want) {
		t.Fatalf("len %d, want %d", c.len(), len(want))
	}
	seen := 0
	for k, n := range c.all {
		seen++
		if w, ok := want[k]; !ok || w != n {
			t.Fatalf("group %#x: count %d, want %d (present %v)", uint64(k), n, w, ok)
		}
	}
	if seen != len(want) {
		t.Fatalf("all yielded %d groups, want %d", seen, len(want))
	}
	for range c.all {
		break // stopping early must not panic
	}
}
