package main

import (
	"runtime"
	"slices"
	"time"
)

// A sample is one timed run of a workload on one side.
type sample struct {
	sec    float64 // seconds per call
	iters  int     // calls timed
	bytes  float64 // bytes allocated per call (Go only)
	allocs float64 // heap allocations per call (Go only)
}

// measure times fn the way torch_bench.py's measure does, so that the two
// sides differ only in what fn does: warm up for a quarter of the budget
// and at least minIters calls, collect garbage, then call fn until budget
// has passed and at least minIters calls were made. (With one warm-up call
// a 100 ms step was timed while its optimiser state and the buffer pool
// were still filling: the 1024-wide Adam step at one thread counted 929
// KiB per step, ten times its steady state.) Bytes and allocations are
// the steady state of the timed calls, as testing.B's ReportAllocs counts
// them.
func measure(budget time.Duration, minIters int, fn func()) sample {
	warmUntil := time.Now().Add(budget / 4)
	for range minIters {
		fn()
	}
	for time.Now().Before(warmUntil) {
		fn()
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	iters := 0
	start := time.Now()
	var elapsed time.Duration
	for {
		fn()
		iters++
		if elapsed = time.Since(start); elapsed >= budget && iters >= minIters {
			break
		}
	}
	runtime.ReadMemStats(&after)
	return sample{
		sec:    elapsed.Seconds() / float64(iters),
		iters:  iters,
		bytes:  float64(after.TotalAlloc-before.TotalAlloc) / float64(iters),
		allocs: float64(after.Mallocs-before.Mallocs) / float64(iters),
	}
}

// median returns the median of xs (the mean of the middle two for an even
// count), or 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
