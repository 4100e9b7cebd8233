package tensor

import "github.com/chainrule/chainrule/internal/parallel"

// Sharing a long elementwise loop between goroutines.
//
// parallelFor cuts [0, n) into chunks that the calling goroutine and the
// workers of a small pool claim from a counter, so that a worker that
// starts late (or never: the machine may be busy) costs nothing but the
// help it would have given; the caller claims chunks too and never waits
// for a chunk that nobody has started. Every element is computed by the
// same code whatever the split and no loop reduces across elements, so
// results are bit-identical to a serial run (parallel_test.go checks it).
//
// Callers test n against parallelMin themselves and build the closure for
// parallelFor only above it: the closure escapes to the workers, and
// building it on every call would cost an allocation even for the small
// tensors that never use it.

// parallelMin is the number of elements from which a flat loop is shared.
// Below it, waking a worker (from a microsecond to tens of them on a busy
// machine) costs more than the half of the loop it would take over. On a
// 2-core AMD EPYC, sharing an in-place Add of float32 broke even at 32K
// elements and took a quarter off at 64K and 40% at 128K
// (BenchmarkParallelMin). It is a variable so that tests and benchmarks
// can force either path.
var parallelMin = 1 << 16

// parallelAlign is the multiple of elements that the chunks of a flat loop
// hold (a 64-byte cache line of float32).
const parallelAlign = parallel.Align

// parallelFor calls body(lo, hi) on disjoint ranges that cover [0, n), from
// up to runtime.GOMAXPROCS(0) goroutines at once, and returns when every
// call has returned. Each index stands for width elements (1 for a flat
// loop, the row length for a loop over rows). body must not depend on how
// the range is cut: it may only write to elements of its own range. Small
// loops (n*width < parallelMin) and a GOMAXPROCS of 1 run body(0, n) on
// the calling goroutine.
func parallelFor(n, width int, body func(lo, hi int)) {
	parallel.For(n, width, parallelMin, parallel.Func(body))
}
