package jobs

import (
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The heap of a run. The garbage collector runs at Go's default, GOGC=100:
// the heap may grow to twice what is live, which keeps collections rare
// while the orders stream (each row leaves some garbage in the driver) and
// costs little where the live heap is small. Where it is large, a soft
// memory limit (runtime/debug.SetMemoryLimit) keeps the heap near what the
// run needs: the larger of minHeapLimit and heapLimitFactor times the live
// heap, raised as the state grows while the orders are folded. What is
// live peaks in Compute at about 1.7 times what was live after the fold
// (10M orders: 236 MB after the fold, 402 MB in Compute), so a limit of
// 1.8 times the state's live heap leaves Compute room, and a source too
// large for minHeapLimit gets a limit that grows with it: the collector is
// never held under what the run needs, which would spend CPU on
// collections that free nothing. GOMEMLIMIT, when set, is a ceiling: the
// limit never goes above it (a container's memory limit, less some room).
const (
	minHeapLimit    = 448 << 20
	heapLimitFactor = 1.8
	// heapCheckBatches is how many batches of orders a fold takes between
	// looks at the live heap.
	heapCheckBatches = 512
)

// heapCap is the memory limit of one run. Runs of one process at once
// (tests, a schedule's overlapping commands) share the limit: the largest
// any of them needs, set from the first to begin until the last ends,
// when the limit of before is put back.
type heapCap struct {
	log  *slog.Logger
	done bool
}

var heapRuns struct {
	sync.Mutex
	n       int   // runs under way
	old     int64 // the limit before the first of them
	ceiling int64 // GOMEMLIMIT's, or no ceiling
	limit   int64 // the limit set, 0 before the first update
}

// capHeap sets the memory limit for a run.
func capHeap(log *slog.Logger) *heapCap {
	h := &heapCap{log: log}
	heapRuns.Lock()
	if heapRuns.n == 0 {
		heapRuns.old, heapRuns.limit = debug.SetMemoryLimit(-1), 0
		heapRuns.ceiling = math.MaxInt64
		if os.Getenv("GOMEMLIMIT") != "" {
			heapRuns.ceiling = heapRuns.old // the runtime read it when the program started
		}
	}
	heapRuns.n++
	heapRuns.Unlock()
	h.update()
	return h
}

// update raises the limit to what the live heap calls for now. A fold
// calls it every heapCheckBatches batches, from each shard's goroutine.
func (h *heapCap) update() {
	if h == nil {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	limit := heapLimit(int64(sample[0].Value.Uint64()))
	heapRuns.Lock()
	defer heapRuns.Unlock()
	limit = min(limit, heapRuns.ceiling)
	if limit <= heapRuns.limit {
		return
	}
	raised := heapRuns.limit != 0
	heapRuns.limit = limit
	debug.SetMemoryLimit(limit)
	if raised {
		h.log.Info("heap limit raised", "stage", "extract", "limit_mb", limit>>20)
	}
}

// heapLimit is the memory limit for a live heap of live bytes.
func heapLimit(live int64) int64 {
	return max(minHeapLimit, int64(heapLimitFactor*float64(live)))
}

// restore ends the run's part in the limit: the last run to end puts back
// the limit of before. It may be called more than once.
func (h *heapCap) restore() {
	if h == nil || h.done {
		return
	}
	h.done = true
	heapRuns.Lock()
	defer heapRuns.Unlock()
	if heapRuns.n--; heapRuns.n == 0 {
		debug.SetMemoryLimit(heapRuns.old)
	}
}
