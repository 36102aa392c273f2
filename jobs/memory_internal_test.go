package jobs

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

func TestHeapLimit(t *testing.T) {
	for _, c := range []struct{ live, want int64 }{
		{0, minHeapLimit},
		{100 << 20, minHeapLimit},
		{248 << 20, minHeapLimit}, // 1.8 x 248 MiB is 446.4 MiB
		{250 << 20, 450 << 20},    // the state of a large source
		{1 << 30, 1843 << 20},     // 1.8 GiB
	} {
		if got := heapLimit(c.live); got/(1<<20) != c.want/(1<<20) {
			t.Errorf("heapLimit(%d MiB) = %d MiB, want %d MiB", c.live>>20, got>>20, c.want>>20)
		}
	}
}

// TestCapHeap: a run sets the limit and puts the one before back; with
// GOMEMLIMIT set the limit stays under it.
func TestCapHeap(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	before := debug.SetMemoryLimit(-1)
	t.Run("limit", func(t *testing.T) {
		t.Setenv("GOMEMLIMIT", "")
		h := capHeap(quiet)
		if got := debug.SetMemoryLimit(-1); got < minHeapLimit {
			t.Errorf("limit during the run %d MiB, want at least %d MiB", got>>20, minHeapLimit>>20)
		}
		// A second run at once shares it; the limit of before is back
		// when both have ended.
		h2 := capHeap(quiet)
		h.restore()
		h.restore()
		if got := debug.SetMemoryLimit(-1); got < minHeapLimit || got == before {
			t.Errorf("limit while a second run goes on %d MiB, want at least %d MiB", got>>20, minHeapLimit>>20)
		}
		h2.restore()
		if got := debug.SetMemoryLimit(-1); got != before {
			t.Errorf("limit after the runs %d, want %d", got, before)
		}
	})
	t.Run("GOMEMLIMIT", func(t *testing.T) {
		// The runtime takes GOMEMLIMIT when the program starts: as if it
		// had been 300 MiB.
		t.Setenv("GOMEMLIMIT", "300MiB")
		debug.SetMemoryLimit(300 << 20)
		defer debug.SetMemoryLimit(before)
		h := capHeap(quiet)
		h.update()
		if got := debug.SetMemoryLimit(-1); got != 300<<20 {
			t.Errorf("limit with GOMEMLIMIT=300MiB %d MiB, want 300 MiB (the ceiling, under %d MiB)", got>>20, minHeapLimit>>20)
		}
		h.restore()
		if got := debug.SetMemoryLimit(-1); got != 300<<20 {
			t.Errorf("limit after the run %d MiB, want GOMEMLIMIT's 300 MiB back", got>>20)
		}
	})
}
