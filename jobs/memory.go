package jobs

import (
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
)

// Heap headroom. With GOGC=50 (main) the heap may grow to 1.5 times what
// is live, and what is live peaks while Compute builds the figures from
// the folded state: about 1.7 times what was live after the fold (10M
// orders: 234 MB after the fold, 388 MB in Compute, a heap of 560 MB).
// capHeap sets a soft memory limit once the fold is done, so that the
// collector runs before the heap passes the larger of minHeapLimit and
// heapLimitFactor times the live heap of then: Compute's peak with some
// room to spare, not half as much again. A source too large for
// minHeapLimit gets a limit that grows with it, so the collector is never
// held under what the run needs (which would spend CPU on collections that
// free nothing).
const (
	minHeapLimit    = 448 << 20
	heapLimitFactor = 2
)

// capHeap sets the soft memory limit for the rest of a run, unless
// GOMEMLIMIT says otherwise, and returns what restores the one before.
func capHeap(log *slog.Logger) (restore func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	live := int64(sample[0].Value.Uint64())
	limit := max(minHeapLimit, heapLimitFactor*live)
	old := debug.SetMemoryLimit(limit)
	log.Info("heap limit", "stage", "extract", "live_mb", live>>20, "limit_mb", limit>>20)
	return func() { debug.SetMemoryLimit(old) }
}
