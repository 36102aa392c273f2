package jobs

import (
	"context"
	"iter"
)

// Rows are read and folded in batches, by two goroutines: while one batch
// is folded, the next ones are read and parsed.
const (
	batchRows    = 256
	batchesAhead = 16
)

// pipe carries the rows of one query in batches from the goroutine that
// reads them to the one that folds them.
type pipe[T any] struct {
	full, free chan []T
}

func newPipe[T any]() *pipe[T] {
	p := &pipe[T]{full: make(chan []T, batchesAhead), free: make(chan []T, batchesAhead+2)}
	for range batchesAhead + 2 {
		p.free <- make([]T, 0, batchRows)
	}
	return p
}

// send reads rows into batches and sends them until the rows end, rows
// yields an error or ctx is done, and then closes the pipe. It runs on
// the reading goroutine.
func (p *pipe[T]) send(ctx context.Context, rows iter.Seq2[T, error]) error {
	defer close(p.full)
	batch := <-p.free
	for row, err := range rows {
		if err != nil {
			return err
		}
		if batch = append(batch, row); len(batch) == batchRows {
			select {
			case p.full <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = (<-p.free)[:0]
		}
	}
	p.full <- batch
	return nil
}

// each calls fold with every batch until the pipe is closed. It runs on
// the folding goroutine.
func (p *pipe[T]) each(fold func([]T)) {
	for batch := range p.full {
		fold(batch)
		p.free <- batch
	}
}
