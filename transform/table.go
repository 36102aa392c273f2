package transform

import (
	"hash/maphash"
	"strconv"
)

// table is an open-addressing hash table of customers. A slot holds the
// customer's key and its first department record, so that finding the
// customer of a row and its record costs one cache line; it holds no
// pointer, so the garbage collector does not scan it.
//
// Numeric ids (up to 18 digits, no leading zero: the usual BIGINT) are
// their own key and need no text at all; other ids are keyed by a hash
// with the top bit set and checked against their text.
type table struct {
	slots []slot
	used  int
	texts []string // ids that are not numeric, by slot.text-1
	seed  maphash.Seed
}

type slot struct {
	key   uint64
	text  int32 // 0: empty; -1: numeric id; else 1 + index in texts
	owner int32 // ownerUnknown, ownerNone, or 1 + index in State.owners
	rec   record
}

const textKey = 1 << 63

func newTable() table {
	return table{slots: make([]slot, 1024), seed: maphash.MakeSeed()}
}

// key returns the table key of an id and whether the id is numeric.
func (t *table) key(id string) (uint64, bool) {
	if n, ok := numericID(id); ok {
		return n, true
	}
	return maphash.String(t.seed, id) | textKey, false
}

// numericID reads an id of up to 18 decimal digits without a leading zero
// (so that "007" and "7" stay different customers): the ids that extract
// may hand over as numbers (below extract.MaxNumericID).
func numericID(id string) (uint64, bool) {
	if len(id) == 0 || len(id) > 18 || (id[0] == '0' && len(id) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// home is the first slot to probe for key.
func (t *table) home(key uint64) int {
	return int((key * 0x9E3779B97F4A7C15) >> 32 & uint64(len(t.slots)-1))
}

// find returns the slot of the customer with key (and, for a text key,
// id), adding it with an empty record in department d when new. The
// address is valid until the next call.
func (t *table) find(key uint64, id string, d int32) *slot {
	numeric := key&textKey == 0
	mask := len(t.slots) - 1
	for i := t.home(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.text == 0 {
			if t.used+1 > len(t.slots)*7/10 {
				t.grow()
				return t.find(key, id, d)
			}
			t.used++
			s.key = key
			s.text = -1
			if !numeric {
				t.texts = append(t.texts, id)
				s.text = int32(len(t.texts))
			}
			s.rec = record{dept: d, next: -1, periods: -1, complaints: -1}
			return s
		}
		if s.key == key && (numeric || t.texts[s.text-1] == id) {
			return s
		}
	}
}

// lookup returns the slot of a customer, or nil if it is not known.
func (t *table) lookup(key uint64, id string) *slot {
	numeric := key&textKey == 0
	mask := len(t.slots) - 1
	for i := t.home(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.text == 0 {
			return nil
		}
		if s.key == key && (numeric || t.texts[s.text-1] == id) {
			return s
		}
	}
}

// peek returns the latest period stat of the first record of a customer,
// if it is known, without adding anything; -1 otherwise.
func (t *table) peek(key uint64, id string) int32 {
	if s := t.lookup(key, id); s != nil {
		return s.rec.periods
	}
	return -1
}

func (t *table) grow() {
	old := t.slots
	t.slots = make([]slot, 2*len(old))
	mask := len(t.slots) - 1
	for _, s := range old {
		if s.text == 0 {
			continue
		}
		i := t.home(s.key)
		for t.slots[i].text != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// id is the customer id of a used slot.
func (t *table) id(s *slot) string {
	if s.text > 0 {
		return t.texts[s.text-1]
	}
	return strconv.FormatUint(s.key, 10)
}
