package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
)

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

// parallelChunk is the smallest number of elements that a chunk gets, and
// chunks hold a multiple of parallelAlign elements (one 64-byte cache line
// of float32) so that no two goroutines write to the same line, which would
// make each wait for the other's.
const (
	parallelChunk = 1 << 13
	parallelAlign = 16
)

// chunksPerProc is how many chunks each goroutine gets on average: more
// than one, so that a goroutine that starts late or runs slowly leaves its
// share to the others instead of holding everyone up.
const chunksPerProc = 4

// parallelFor calls body(lo, hi) on disjoint ranges that cover [0, n), from
// up to runtime.GOMAXPROCS(0) goroutines at once, and returns when every
// call has returned. Each index stands for width elements (1 for a flat
// loop, the row length for a loop over rows), which sets how finely [0, n)
// may be cut. body must not depend on how the range is cut: it may only
// write to elements of its own range. Small loops (n*width <
// parallelMin) and a GOMAXPROCS of 1 run body(0, n) on the calling
// goroutine.
func parallelFor(n, width int, body func(lo, hi int)) {
	procs := runtime.GOMAXPROCS(0)
	if n*width < parallelMin || procs < 2 || n < 2 {
		body(0, n)
		return
	}
	// Chunks of at least parallelChunk elements, chunksPerProc of them per
	// goroutine when the loop is long enough.
	size := max(1, parallelChunk/width, (n+procs*chunksPerProc-1)/(procs*chunksPerProc))
	if width == 1 {
		size = (size + parallelAlign - 1) / parallelAlign * parallelAlign
	}
	chunks := (n + size - 1) / size
	if chunks < 2 {
		body(0, n)
		return
	}
	j := parallelJobs.Get().(*parallelJob)
	j.body, j.n, j.size, j.chunks = body, n, size, int32(chunks)
	j.next.Store(0)
	j.done.Store(0)
	helpers := min(procs, chunks) - 1
	j.refs.Store(int32(helpers) + 1)
	parallelStart(helpers, j)
	j.run()
	j.wait()
	j.release()
}

// A parallelJob is one parallelFor call: the workers and the caller claim
// its chunks from next and count the finished ones in done. It is reused
// once every goroutine it was handed to has let go of it (refs), because
// a worker may receive it after the caller has returned.
type parallelJob struct {
	body     func(lo, hi int)
	n, size  int
	chunks   int32
	next     atomic.Int32
	done     atomic.Int32
	refs     atomic.Int32
	finished chan struct{} // receives one value when done reaches chunks
}

var parallelJobs = sync.Pool{New: func() any {
	return &parallelJob{finished: make(chan struct{}, 1)}
}}

// run claims and runs chunks until none are left.
func (j *parallelJob) run() {
	for {
		c := j.next.Add(1) - 1
		if c >= j.chunks {
			return
		}
		lo := int(c) * j.size
		j.body(lo, min(lo+j.size, j.n))
		if j.done.Add(1) == j.chunks {
			j.finished <- struct{}{}
		}
	}
}

// waitSpins is how many times wait polls before it blocks: the chunks
// still running when the caller runs out of work are microseconds from
// done, and waking from sleep takes tens of them.
const waitSpins = 1 << 12

// wait returns once every chunk is done, leaving finished empty for the
// job's next use.
func (j *parallelJob) wait() {
	for i := 0; i < waitSpins && j.done.Load() < j.chunks; i++ {
		if i%64 == 63 {
			runtime.Gosched()
		}
	}
	<-j.finished
}

// release lets go of the job; the last goroutine to do so returns it to
// parallelJobs, dropping body so that the pool does not keep the caller's
// tensors alive.
func (j *parallelJob) release() {
	if j.refs.Add(-1) == 0 {
		j.body = nil
		parallelJobs.Put(j)
	}
}

// parallelWorkers is the pool of goroutines that help parallelFor. It keeps
// one goroutine per helper ever asked for at once (GOMAXPROCS-1 at most,
// unless GOMAXPROCS grows), so a steady stream of loops starts no
// goroutines.
var parallelWorkers struct {
	mu      sync.Mutex
	started int
	queue   chan *parallelJob
}

// parallelStart hands j to n workers. A job that does not fit in the queue
// is dropped: the workers are busy, and the caller will run its chunks.
func parallelStart(n int, j *parallelJob) {
	w := &parallelWorkers
	w.mu.Lock()
	if w.queue == nil {
		w.queue = make(chan *parallelJob, 64)
	}
	for w.started < n {
		w.started++
		go parallelWork(w.queue)
	}
	w.mu.Unlock()
	for range n {
		select {
		case w.queue <- j:
		default:
			j.release()
		}
	}
}

func parallelWork(queue <-chan *parallelJob) {
	for j := range queue {
		j.run()
		j.release()
	}
}
