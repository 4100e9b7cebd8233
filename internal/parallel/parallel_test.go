package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestForCoversEachIndexOnce checks that For hands every index of [0, n)
// to exactly one Range call, for loops below and above the sharing
// threshold, flat and by rows, with ranges aligned as documented.
func TestForCoversEachIndexOnce(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	for _, tc := range []struct{ n, width, min int }{
		{0, 1, 0}, {1, 1, 0}, {100, 1, 1 << 20}, {Chunk*3 + 5, 1, 1}, {Chunk*10 + 17, 1, 1},
		{1000, 64, 1}, {7, 4096, 1},
	} {
		hits := make([]atomic.Int32, tc.n)
		var mu sync.Mutex
		var bad []string
		For(tc.n, tc.width, tc.min, Func(func(lo, hi int) {
			if tc.width == 1 && hi < tc.n && hi%Align != 0 {
				mu.Lock()
				bad = append(bad, "a flat range ends off a cache line")
				mu.Unlock()
			}
			for i := lo; i < hi; i++ {
				hits[i].Add(1)
			}
		}))
		for i := range hits {
			if h := hits[i].Load(); h != 1 {
				t.Fatalf("n=%d width=%d: index %d visited %d times", tc.n, tc.width, i, h)
			}
		}
		if len(bad) > 0 {
			t.Errorf("n=%d: %s", tc.n, bad[0])
		}
	}
}

// TestForInlineBelowThreshold checks that a short loop runs on the calling
// goroutine as a single call, without allocating.
func TestForInlineBelowThreshold(t *testing.T) {
	calls := 0
	r := Func(func(lo, hi int) {
		if lo != 0 || hi != 1000 {
			t.Errorf("Range(%d, %d), want Range(0, 1000)", lo, hi)
		}
		calls++
	})
	if a := testing.AllocsPerRun(10, func() { For(1000, 1, 1<<16, r) }); a != 0 {
		t.Errorf("%v allocations per short loop, want 0", a)
	}
	if calls != 11 {
		t.Errorf("%d calls, want 11", calls)
	}
}
