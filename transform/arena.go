package transform

// arenaChunk is the number of values in one chunk of an arena.
const arenaChunk = 1 << 14

// arena is a growable array of pointer-free values, kept in fixed-size
// chunks: growing it never copies what it holds (nor needs the memory of a
// copy), pointers to its values stay valid, and the garbage collector has
// nothing to scan in it.
type arena[T any] struct {
	chunks [][]T
	n      int32
}

// add appends a zero value and returns its index and address.
func (a *arena[T]) add() (int32, *T) {
	i := a.n
	if int(i)%arenaChunk == 0 {
		a.chunks = append(a.chunks, make([]T, arenaChunk))
	}
	a.n++
	return i, &a.chunks[i/arenaChunk][i%arenaChunk]
}

// at returns the address of value i.
func (a *arena[T]) at(i int32) *T { return &a.chunks[i/arenaChunk][i%arenaChunk] }

// len is the number of values.
func (a *arena[T]) len() int { return int(a.n) }

// appendAll appends a copy of every value of o, each changed by fix.
func (a *arena[T]) appendAll(o *arena[T], fix func(*T)) {
	for c, chunk := range o.chunks {
		n := min(arenaChunk, int(o.n)-c*arenaChunk)
		for i := range chunk[:n] {
			_, v := a.add()
			*v = chunk[i]
			fix(v)
		}
	}
}
