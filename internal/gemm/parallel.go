package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// minWorkPerThread is the number of multiply-adds (m*n*k) that one more
// goroutine must get before it is worth waking: below it, handing work over
// costs more than it saves.
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
	return max(1, min(limit, m*n*k/minWorkPerThread))
}

// A part is a share of a job that a worker runs; the job itself hands out
// the work, so a part that starts late (or never) costs nothing but its
// absence. drop is called instead of runPart for a part that will not run.
type part interface {
	runPart()
	drop()
}

// workers is a pool of goroutines that run parts. It keeps one goroutine
// per helper ever asked for at once, so a steady stream of calls starts no
// goroutines. Nothing a part does waits for another part to start, so
// concurrent calls sharing the pool cannot deadlock.
var workers struct {
	mu      sync.Mutex
	started int
	queue   chan part
}

// parallel hands p to n workers and returns without waiting for them. If
// the queue is full, the parts that do not fit are dropped: the caller's
// goroutine does their work.
func parallel(n int, p part) {
	workers.mu.Lock()
	if workers.queue == nil {
		workers.queue = make(chan part, 64)
	}
	for workers.started < n {
		workers.started++
		go work(workers.queue)
	}
	workers.mu.Unlock()
	for range n {
		select {
		case workers.queue <- p:
		default:
			p.drop()
		}
	}
}

// workerSpin is how long a worker polls for the next part after finishing
// one before it blocks. Products tend to come in runs (a forward pass, its
// backward pass), and waking a blocked goroutine takes tens of
// microseconds, as long as a whole 128×128 product.
const workerSpin = 100 * time.Microsecond

func work(queue <-chan part) {
	for p := range queue {
		p.runPart()
		// Poll for a while; the deadline is checked every few polls.
		deadline := time.Now().Add(workerSpin)
	poll:
		for i := 0; ; i++ {
			select {
			case p = <-queue:
				p.runPart()
				deadline = time.Now().Add(workerSpin)
			default:
				if i%16 == 0 && time.Now().After(deadline) {
					break poll
				}
			}
		}
	}
}
