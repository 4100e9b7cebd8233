package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// minWorkPerThread is the number of multiply-adds (m*n*k) that one more
// goroutine must get before it is worth waking: below it, handing work over
// and meeting at barriers costs more than it saves.
const minWorkPerThread = 64 * 64 * 64

// maxThreads is the limit set by SetThreads; 0 means runtime.GOMAXPROCS(0).
var maxThreads atomic.Int32

// SetThreads limits the number of goroutines one Gemm call uses to n, or
// to runtime.GOMAXPROCS(0) when n <= 0 (the default), and returns the
// previous limit. It is meant for benchmarks and for programs that run
// several products at once and want each on one core.
func SetThreads(n int) int {
	return int(maxThreads.Swap(int32(max(0, n))))
}

// threadsFor returns how many goroutines an m×n×k product should use.
func threadsFor(m, n, k int) int {
	limit := int(maxThreads.Load())
	procs := runtime.GOMAXPROCS(0)
	if limit <= 0 || limit > procs {
		limit = procs
	}
	work := m * n * k
	return max(1, min(limit, work/minWorkPerThread))
}

// A task is split into parts 0..n-1 that run on different goroutines.
type task interface{ run(part int) }

type workItem struct {
	task task
	part int
	done *sync.WaitGroup
}

// workers is a pool of goroutines that run the parts of tasks. It keeps
// one goroutine per extra part ever asked for, so a steady stream of calls
// starts no goroutines.
//
// The queue is FIFO and a task's parts are queued together, so the oldest
// unfinished task always has its parts at the head of the queue or running:
// a part that waits at a barrier for its siblings cannot be starved by parts
// of later tasks, and concurrent Gemm calls cannot deadlock.
var workers struct {
	mu      sync.Mutex
	started int
	queue   chan workItem
}

// parallel runs tk.run(0), ..., tk.run(n-1) concurrently, part 0 on the
// calling goroutine, and returns when all are done. done must be a
// WaitGroup with a zero count that lives as long as tk.
func parallel(n int, tk task, done *sync.WaitGroup) {
	workers.mu.Lock()
	if workers.queue == nil {
		workers.queue = make(chan workItem, 64)
	}
	for workers.started < n-1 {
		workers.started++
		go work(workers.queue)
	}
	done.Add(n - 1)
	for part := 1; part < n; part++ {
		workers.queue <- workItem{tk, part, done}
	}
	workers.mu.Unlock()
	tk.run(0)
	done.Wait()
}

func work(queue <-chan workItem) {
	for it := range queue {
		it.task.run(it.part)
		it.done.Done()
	}
}

// barrier makes n goroutines wait for each other, any number of times.
// Waiters spin briefly, since the parts of a product arrive close together,
// then sleep so that a descheduled sibling gets the core.
type barrier struct {
	n     int32
	count atomic.Int32
	gen   atomic.Uint32
	mu    sync.Mutex
	cond  sync.Cond // cond.L = &mu
}

func (b *barrier) wait() {
	g := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.mu.Lock()
		b.gen.Add(1)
		b.mu.Unlock()
		b.cond.Broadcast()
		return
	}
	for i := range 2000 {
		if b.gen.Load() != g {
			return
		}
		if i >= 100 {
			runtime.Gosched()
		}
	}
	b.mu.Lock()
	for b.gen.Load() == g {
		b.cond.Wait()
	}
	b.mu.Unlock()
}
