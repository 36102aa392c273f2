package transform

import "math/bits"

// counts is a count per group (x, t_x, n): an open-addressing table with
// linear probing, which the forecast's counting of every customer at each
// fitted period (tens of millions of increments in a large source) does
// in a fraction of a map's time. It never shrinks; a count may be zero.
type counts struct {
	slots []countSlot
	used  int
	shift uint8 // 64 - log2(len(slots))
}

type countSlot struct {
	key groupKey // the group + 1: 0 marks a free slot
	n   int64
}

// add adds d to the count of k.
func (c *counts) add(k groupKey, d int64) {
	if c.used >= len(c.slots)/2 {
		c.grow()
	}
	k++
	mask := len(c.slots) - 1
	for i := c.index(k); ; i = (i + 1) & mask {
		s := &c.slots[i]
		switch s.key {
		case k:
			s.n += d
			return
		case 0:
			s.key, s.n = k, d
			c.used++
			return
		}
	}
}

// index is k's first slot: Fibonacci hashing of the packed group.
func (c *counts) index(k groupKey) int {
	return int(uint64(k) * 0x9E3779B97F4A7C15 >> c.shift)
}

func (c *counts) grow() {
	old := c.slots
	size := max(64, 2*len(old))
	c.slots = make([]countSlot, size)
	c.shift = uint8(64 - bits.TrailingZeros(uint(size)))
	mask := size - 1
	for _, s := range old {
		if s.key == 0 {
			continue
		}
		i := c.index(s.key)
		for c.slots[i].key != 0 {
			i = (i + 1) & mask
		}
		c.slots[i] = s
	}
}

// len is the number of groups counted (some may have a count of zero).
func (c *counts) len() int { return c.used }

// all yields every group counted and its count, in no particular order.
func (c *counts) all(yield func(groupKey, int64) bool) {
	for _, s := range c.slots {
		if s.key != 0 && !yield(s.key-1, s.n) {
			return
		}
	}
}
