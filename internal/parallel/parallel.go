// Package parallel shares a long loop over independent elements among
// goroutines, for the elementwise kernels of package tensor and the
// parameter updates of package optim.
//
// For cuts [0, n) into chunks that the calling goroutine and the workers of
// a small persistent pool claim from a counter, so that a worker that
// starts late (or never: the machine may be busy) costs nothing but the
// help it would have given; the caller claims chunks too and never waits
// for a chunk that nobody has started. Every element is computed by the
// same code whatever the split and no loop reduces across elements, so
// results are bit-identical to a serial run.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A Ranger processes the elements [lo, hi) of a loop. It must not depend
// on how the loop is cut, and may write only to elements of its own range.
type Ranger interface{ Range(lo, hi int) }

// Func adapts a function to a Ranger. Converting a function to it does not
// allocate, but a closure handed to other goroutines escapes: callers that
// must not allocate keep a Ranger value of their own instead.
type Func func(lo, hi int)

// Range calls f(lo, hi).
func (f Func) Range(lo, hi int) { f(lo, hi) }

// Chunk is the smallest number of elements a chunk gets, and Align the
// multiple of elements (one 64-byte cache line of float32) that chunks of
// a flat loop hold, so that no two goroutines write to the same line.
const (
	Chunk = 1 << 13
	Align = 16
)

// chunksPerProc is how many chunks each goroutine gets on average: more
// than one, so that a goroutine that starts late or runs slowly leaves its
// share to the others instead of holding everyone up.
const chunksPerProc = 4

// For calls r.Range on disjoint ranges that cover [0, n), from up to
// runtime.GOMAXPROCS(0) goroutines at once, and returns when every call has
// returned. Each index stands for width elements (1 for a flat loop, the row
// length for a loop over rows), which sets how finely [0, n) may be cut.
// A loop of fewer than minWork elements (n*width), or a GOMAXPROCS of 1,
// runs as r.Range(0, n) on the calling goroutine, allocating nothing.
func For(n, width, minWork int, r Ranger) {
	procs := runtime.GOMAXPROCS(0)
	if n*width < minWork || procs < 2 || n < 2 {
		r.Range(0, n)
		return
	}
	size := max(1, Chunk/width, (n+procs*chunksPerProc-1)/(procs*chunksPerProc))
	if width == 1 {
		size = (size + Align - 1) / Align * Align
	}
	chunks := (n + size - 1) / size
	if chunks < 2 {
		r.Range(0, n)
		return
	}
	j := jobs.Get().(*job)
	j.r, j.n, j.size, j.chunks = r, n, size, int32(chunks)
	j.next.Store(0)
	j.done.Store(0)
	helpers := min(procs, chunks) - 1
	j.refs.Store(int32(helpers) + 1)
	start(helpers, j)
	j.run()
	j.wait()
	j.release()
}

// A job is one For call: the workers and the caller claim its chunks from
// next and count the finished ones in done. It is reused once every
// goroutine it was handed to has let go of it (refs), because a worker may
// receive it after the caller has returned.
type job struct {
	r        Ranger
	n, size  int
	chunks   int32
	next     atomic.Int32
	done     atomic.Int32
	refs     atomic.Int32
	finished chan struct{} // receives one value when done reaches chunks
}

var jobs = sync.Pool{New: func() any {
	return &job{finished: make(chan struct{}, 1)}
}}

// run claims and runs chunks until none are left.
func (j *job) run() {
	for {
		c := j.next.Add(1) - 1
		if c >= j.chunks {
			return
		}
		lo := int(c) * j.size
		j.r.Range(lo, min(lo+j.size, j.n))
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
func (j *job) wait() {
	for i := 0; i < waitSpins && j.done.Load() < j.chunks; i++ {
		if i%64 == 63 {
			runtime.Gosched()
		}
	}
	<-j.finished
}

// release lets go of the job; the last goroutine to do so returns it to
// jobs, dropping r so that the pool does not keep the caller's data alive.
func (j *job) release() {
	if j.refs.Add(-1) == 0 {
		j.r = nil
		jobs.Put(j)
	}
}

// workers is the pool of goroutines that help For. It keeps one goroutine
// per helper ever asked for at once (GOMAXPROCS-1 at most, unless
// GOMAXPROCS grows), so a steady stream of loops starts no goroutines.
var workers struct {
	mu      sync.Mutex
	started int
	queue   chan *job
}

// start hands j to n workers. A job that does not fit in the queue is
// dropped: the workers are busy, and the caller will run its chunks.
func start(n int, j *job) {
	w := &workers
	w.mu.Lock()
	if w.queue == nil {
		w.queue = make(chan *job, 64)
	}
	for w.started < n {
		w.started++
		go work(w.queue)
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

func work(queue <-chan *job) {
	for j := range queue {
		j.run()
		j.release()
	}
}
