package extract

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// idSet remembers the ids of the rows read, to find repeated ones. Integer
// ids, usually dense (AUTO_INCREMENT), go into a bitmap in chunks of 65 536
// ids (8 KB per chunk: 10 million dense ids take 1.2 MB); text ids go into
// a set of 64-bit hashes (16 bytes each).
//
// The streams of several shards read one table at once into one set, so
// that an id repeated across shards is found as it is in one stream: each
// stream has an idSet of its own over their sharedIDs.
type idSet struct {
	chunks map[int64]*[1024]uint64
	last   int64 // the chunk of the previous integer id
	lastC  *[1024]uint64
	hashes map[uint64]struct{}
	seed   maphash.Seed
	shared *sharedIDs // nil: the set is this stream's alone
}

// sharedIDs holds the ids of one table read by several streams. Its maps
// are guarded by mu; the words of a chunk are set atomically, so that a
// stream takes the lock only to find the chunk of an id outside its last
// one.
type sharedIDs struct {
	mu     sync.Mutex
	chunks map[int64]*[1024]uint64
	hashes map[uint64]struct{}
	seed   maphash.Seed
}

func newIDSet() *idSet {
	return &idSet{chunks: map[int64]*[1024]uint64{}, last: -1 << 62, seed: maphash.MakeSeed()}
}

func newSharedIDs() *sharedIDs {
	return &sharedIDs{chunks: map[int64]*[1024]uint64{}, hashes: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
}

// stream is a stream's view of the shared set.
func (s *sharedIDs) stream() *idSet {
	return &idSet{last: -1 << 62, shared: s}
}

// addInt adds an integer id and reports whether it was there already.
func (s *idSet) addInt(id int64) bool {
	hi, lo := id>>16, uint64(id)&0xffff
	c := s.lastC
	if hi != s.last || c == nil {
		c = s.chunk(hi)
		s.last, s.lastC = hi, c
	}
	word, bit := &c[lo>>6], uint64(1)<<(lo&63)
	if s.shared != nil {
		return atomic.OrUint64(word, bit)&bit != 0
	}
	seen := *word&bit != 0
	*word |= bit
	return seen
}

// chunk returns the chunk of ids hi<<16 to hi<<16 + 65535, adding it as
// needed.
func (s *idSet) chunk(hi int64) *[1024]uint64 {
	chunks := s.chunks
	if s.shared != nil {
		s.shared.mu.Lock()
		defer s.shared.mu.Unlock()
		chunks = s.shared.chunks
	}
	c := chunks[hi]
	if c == nil {
		c = new([1024]uint64)
		chunks[hi] = c
	}
	return c
}

// addText adds a text id and reports whether it was there already.
func (s *idSet) addText(id []byte) bool {
	if sh := s.shared; sh != nil {
		h := maphash.Bytes(sh.seed, id)
		sh.mu.Lock()
		defer sh.mu.Unlock()
		_, seen := sh.hashes[h]
		sh.hashes[h] = struct{}{}
		return seen
	}
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
