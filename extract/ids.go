package extract

import (
	"hash/maphash"
	"unicode/utf8"
)

// idSet remembers the ids of the rows read, to find repeated ones. Integer
// ids, usually dense (AUTO_INCREMENT), go into a bitmap in chunks of 65 536
// ids (8 KB per chunk: 10 million dense ids take 1.2 MB); text ids go into
// a set of 64-bit hashes (16 bytes each).
type idSet struct {
	chunks map[int64]*[1024]uint64
	last   int64 // the chunk of the previous integer id
	lastC  *[1024]uint64
	hashes map[uint64]struct{}
	seed   maphash.Seed
}

func newIDSet() *idSet {
	return &idSet{chunks: map[int64]*[1024]uint64{}, last: -1 << 62, seed: maphash.MakeSeed()}
}

// addInt adds an integer id and reports whether it was there already.
func (s *idSet) addInt(id int64) bool {
	hi, lo := id>>16, uint64(id)&0xffff
	c := s.lastC
	if hi != s.last || c == nil {
		c = s.chunks[hi]
		if c == nil {
			c = new([1024]uint64)
			s.chunks[hi] = c
		}
		s.last, s.lastC = hi, c
	}
	word, bit := &c[lo>>6], uint64(1)<<(lo&63)
	seen := *word&bit != 0
	*word |= bit
	return seen
}

// addText adds a text id and reports whether it was there already.
func (s *idSet) addText(id []byte) bool {
	if s.hashes == nil {
		s.hashes = map[uint64]struct{}{}
	}
	h := maphash.Bytes(s.seed, id)
	_, seen := s.hashes[h]
	s.hashes[h] = struct{}{}
	return seen
}

// add adds the id in column i of the row; it reports whether the id is
// NULL or empty, and whether it was read before.
func (s *idSet) add(r *rowReader, i int) (missing, repeated bool) {
	if n, ok := r.integer(i); ok {
		return false, s.addInt(n)
	}
	b := r.col(i)
	if len(b) == 0 {
		return true, false
	}
	return false, s.addText(b)
}

// validText reports whether every text value b holds is valid UTF-8.
func validText(bs ...[]byte) bool {
	for _, b := range bs {
		if !utf8.Valid(b) {
			return false
		}
	}
	return true
}
