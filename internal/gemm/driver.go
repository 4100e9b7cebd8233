package gemm

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// A job is one call's product, shared by the goroutines that compute it.
// The loops are BLIS's around the micro-kernel, with the k loop moved
// inside the loop over row blocks:
//
//	for jc over columns of C, nc at a time     op(B) k×nc -> L3, packed once,
//	                                           by all goroutines together
//	  for ic over rows of C, mc at a time      one task: these rows of C
//	    for pc over k, kc at a time            op(A) block mc×kc -> L2
//	      for jr over the block's B panels     B panel kc×nr stays in L1
//	        for ir over the block's A panels
//	          kernel: mr×nr tile of C
//
// The goroutines take B panels to pack and then tasks to compute from
// shared counters rather than by a fixed split, so a goroutine that the OS
// deschedules (the machine may be busy with other work) delays only the
// piece it holds, and one that arrives late finds the work done. A task
// owns its rows of C for the whole of k, so no two goroutines ever write
// the same element and no task waits for another. Goroutines wait only for
// the packing of a B block to finish before computing with it, and for the
// tasks of a block to finish before B is packed over.
type job[T float32 | float64] struct {
	ar             *arch[T]
	transA, transB bool
	m, n, k        int
	alpha, beta    T
	a, b, c        []T
	lda, ldb, ldc  int

	kc, nkb int // k block and the number of k blocks
	nc      int // columns per jc block, a multiple of nr
	mc      int // rows per task, a multiple of mr
	nic, tc int // tasks per jc block: nic row blocks by tc column chunks

	packedB []T          // nkb blocks of kc×nc, each as nc/nr panels
	steps   []jobStep    // progress through each jc block
	refs    atomic.Int32 // goroutines still inside the job
	mu      sync.Mutex   // with done: waiting for a jobStep counter
	done    sync.Cond
}

// jobStep counts the work handed out and finished in one jc block.
type jobStep struct {
	packNext, packDone atomic.Int32 // B panels, over all k blocks
	taskNext, taskDone atomic.Int32
}

// multiply adds alpha*op(A)*op(B) to beta*C, for alpha != 0 and m, n,
// k > 0, with the kernel of ar.
func multiply[T float32 | float64](ar *arch[T], transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ps := poolsFor[T]()
	j := ps.jobs.Get()
	if j == nil {
		j = new(job[T])
		j.done.L = &j.mu
	}
	j.ar, j.transA, j.transB, j.m, j.n, j.k = ar, transA, transB, m, n, k
	j.alpha, j.beta, j.a, j.b, j.c, j.lda, j.ldb, j.ldc = alpha, beta, a, b, c, lda, ldb, ldc
	threads := threadsFor(m, n, k)
	j.plan(threads)

	steps := ceilDiv(n, j.nc)
	if cap(j.steps) < steps {
		j.steps = make([]jobStep, steps)
	}
	j.steps = j.steps[:steps]
	for i := range j.steps {
		s := &j.steps[i]
		s.packNext.Store(0)
		s.packDone.Store(0)
		s.taskNext.Store(0)
		s.taskDone.Store(0)
	}
	j.packedB = ps.getBuf(j.nkb * j.kc * j.nc)

	j.refs.Store(int32(threads))
	if threads > 1 {
		parallel(threads-1, j)
	}
	j.run()
	j.waitFor(&j.steps[steps-1].taskDone, int32(j.nic*j.tc))
	// Every task is done, so nobody reads the packed B again: a worker
	// that picks this job up late finds no packing or task left. Return
	// the buffer now rather than when that worker gets round to releasing
	// the job, which on a busy machine can be many products later.
	ps.putBuf(j.packedB)
	j.packedB = nil
	j.release()
}

// plan chooses the block sizes for this product on threads goroutines.
func (j *job[T]) plan(threads int) {
	ar := j.ar
	var z T
	size := int(unsafe.Sizeof(z))
	// Equal blocks rather than full ones and a sliver: k = 300 is packed
	// as 150+150, not 256+44.
	j.nkb = ceilDiv(j.k, ar.kc)
	j.kc = ceilDiv(j.k, j.nkb)
	// op(B) is packed a k×nc block at a time, as much as fits the budget.
	nc := max(ar.nr, ar.bBytes/(j.k*size)/ar.nr*ar.nr)
	j.nc = roundUp(ceilDiv(j.n, ceilDiv(j.n, nc)), ar.nr)
	// At least one row block per goroutine, and a multiple of their number
	// so that they finish together; when there are too few rows, split the
	// columns too.
	mp := ceilDiv(j.m, ar.mr)
	nic := min(mp, roundUp(ceilDiv(j.m, ar.mc), threads))
	j.mc = roundUp(ceilDiv(j.m, nic), ar.mr)
	j.nic = ceilDiv(j.m, j.mc)
	j.tc = 1
	if j.nic < threads {
		j.tc = min(ceilDiv(threads, j.nic), ceilDiv(min(j.n, j.nc), ar.nr))
	}
}

// run takes B panels and tasks until the job is done. Every goroutine of
// the job runs it.
func (j *job[T]) run() {
	ar := j.ar
	nr, kc := ar.nr, j.kc
	ntasks := int32(j.nic * j.tc)
	var bufp []T // the packed A block and a scratch tile, taken when needed
	ps := poolsFor[T]()
	for s := range j.steps {
		st := &j.steps[s]
		jc := s * j.nc
		nb := min(j.nc, j.n-jc)
		np := ceilDiv(nb, nr)
		if s > 0 {
			// B is about to be packed over.
			j.waitFor(&j.steps[s-1].taskDone, ntasks)
		}
		items := int32(j.packItems(np))
		for {
			it := st.packNext.Add(1) - 1
			if it >= items {
				break
			}
			j.packItem(int(it), jc, nb, np)
			if st.packDone.Add(1) == items {
				j.signal()
			}
		}
		j.waitFor(&st.packDone, items)
		for {
			t := st.taskNext.Add(1) - 1
			if t >= ntasks {
				break
			}
			if bufp == nil {
				bufp = ps.getBuf(j.mc*kc + maxTile)
			}
			j.task(int(t), jc, nb, np, bufp)
			if st.taskDone.Add(1) == ntasks {
				j.signal()
			}
		}
	}
	if bufp != nil {
		ps.putBuf(bufp)
	}
}

// packRowsPerItem is how many rows of a B that is not transposed one
// packing item copies (into every panel of the block).
const packRowsPerItem = 32

// packItems returns the number of pieces the packing of op(B) for a jc
// block of np panels is split into: a piece is a panel of one k block when
// B is transposed (its rows are the panel's columns), and packRowsPerItem
// rows of one k block, across all panels, when it is not.
func (j *job[T]) packItems(np int) int {
	if j.transB {
		return j.nkb * np
	}
	return j.nkb * ceilDiv(j.kc, packRowsPerItem)
}

// packItem packs piece it of the jc block at column jc (nb columns in np
// panels). Block kb of the packed B starts at element kb*kc*nc.
func (j *job[T]) packItem(it, jc, nb, np int) {
	nr := j.ar.nr
	per := np
	if !j.transB {
		per = ceilDiv(j.kc, packRowsPerItem)
	}
	pc := it / per * j.kc
	kb := min(j.kc, j.k-pc)
	dst := j.packedB[pc*j.nc:]
	if !j.transB {
		r0 := it % per * packRowsPerItem
		if r0 < kb {
			packBRows(j.b, j.ldb, pc, jc, kb, r0, min(kb, r0+packRowsPerItem), nb, nr, dst)
		}
		return
	}
	q := it % per
	packBPanel(j.b, j.ldb, pc, jc+q*nr, kb, min(nr, nb-q*nr), nr, dst[q*kb*nr:q*kb*nr+kb*nr])
}

// task computes task t of the jc block at column jc, nb columns in np
// panels: a block of rows of C by a chunk of the block's columns.
func (j *job[T]) task(t, jc, nb, np int, buf []T) {
	ar := j.ar
	mr, nr := ar.mr, ar.nr
	ic, chunk := t/j.tc, t%j.tc
	r0 := ic * j.mc
	mb := min(j.mc, j.m-r0)
	q0, q1 := chunk*np/j.tc, (chunk+1)*np/j.tc
	c0, c1 := q0*nr, min(nb, q1*nr)
	if c0 >= c1 {
		return
	}
	packedA := buf[:roundUp(mb, mr)*j.kc]
	tile := buf[len(buf)-maxTile:]
	c := j.c[r0*j.ldc+jc+c0:]
	for pc := 0; pc < j.k; pc += j.kc {
		kb := min(j.kc, j.k-pc)
		beta := j.beta
		if pc > 0 {
			beta = 1
		}
		packA(j.transA, j.a, j.lda, r0, pc, mb, kb, mr, packedA)
		macroKernel(ar, mb, c1-c0, kb, packedA, j.packedB[pc*j.nc+c0*kb:], j.alpha, beta, c, j.ldc, tile)
	}
}

// waitSpin is how long waitFor polls before it sleeps.
const waitSpin = 50 * time.Microsecond

// waitFor returns once *x reaches target.
func (j *job[T]) waitFor(x *atomic.Int32, target int32) {
	// The last piece of work is usually microseconds from done, and
	// waking from sleep takes tens of them: spin for a while first.
	var deadline time.Time
	for i := 0; ; i++ {
		if x.Load() >= target {
			return
		}
		if i%64 == 63 {
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(waitSpin)
			} else if now.After(deadline) {
				break
			}
		}
	}
	j.mu.Lock()
	for x.Load() < target {
		j.done.Wait()
	}
	j.mu.Unlock()
}

// signal wakes the goroutines in waitFor after a counter reached its
// target. Taking the lock orders it after any waiter's last check.
func (j *job[T]) signal() {
	j.mu.Lock()
	j.mu.Unlock()
	j.done.Broadcast()
}

// release is called by each goroutine of the job when it leaves; the last
// one returns the job to the pool.
func (j *job[T]) release() {
	if j.refs.Add(-1) != 0 {
		return
	}
	// Drop the caller's matrices so that the pool does not keep them alive.
	j.a, j.b, j.c = nil, nil, nil
	poolsFor[T]().jobs.Put(j)
}

// runPart is run by a worker of the pool (parallel.go).
func (j *job[T]) runPart() {
	j.run()
	j.release()
}

// drop stands for a part that will not run.
func (j *job[T]) drop() { j.release() }

// macroKernel multiplies the packed mb×kb block of A by nb packed columns
// of B into the mb×nb block of C at c, one mr×nr tile at a time. Tiles that
// stick out of C are computed into tile and only their inside is copied.
func macroKernel[T float32 | float64](ar *arch[T], mb, nb, kb int, packedA, packedB []T, alpha, beta T, c []T, ldc int, tile []T) {
	mr, nr, kernel := ar.mr, ar.nr, ar.kernel
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		bp := &packedB[jr*kb]
		for ir := 0; ir < mb; ir += mr {
			rows := min(mr, mb-ir)
			ap := &packedA[ir*kb]
			if rows == mr && cols == nr {
				kernel(kb, ap, bp, &c[ir*ldc+jr], ldc, alpha, beta)
				continue
			}
			kernel(kb, ap, bp, &tile[0], nr, alpha, 0)
			for i := range rows {
				dst := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+cols]
				src := tile[i*nr : i*nr+cols]
				if beta == 0 {
					copy(dst, src)
					continue
				}
				for x, v := range src {
					dst[x] = v + beta*dst[x]
				}
			}
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// pools holds the reusable jobs and pack buffers of one element type, so
// that steady-state calls allocate nothing. They are plain free lists, not
// sync.Pools: a sync.Pool is emptied by every other garbage collection, and
// the megabyte-sized pack buffers of a large product were then allocated
// anew every few training steps.
type pools[T float32 | float64] struct {
	jobs freeList[*job[T]]
	bufs bufList[T]
}

// bufList keeps 64-byte aligned buffers for reuse, by power-of-two
// capacity class. A request is served only from its own class: letting a
// small product take a large buffer made the next large product allocate,
// and the workers of one product may still hold their buffers while the
// next product starts, so each class keeps a few.
type bufList[T float32 | float64] struct {
	mu      sync.Mutex
	classes [64][][]T
}

// bufsPerClass bounds the buffers kept per class: a product holds one B
// buffer and one A buffer per goroutine, and a lagging worker of the
// previous product may hold as many again.
const bufsPerClass = 8

// get returns a buffer of n elements, reused if its class has one.
func (l *bufList[T]) get(n int) []T {
	c := bits.Len(uint(max(n, 1) - 1))
	l.mu.Lock()
	if k := len(l.classes[c]); k > 0 {
		b := l.classes[c][k-1]
		l.classes[c][k-1] = nil
		l.classes[c] = l.classes[c][:k-1]
		l.mu.Unlock()
		return b[:n]
	}
	l.mu.Unlock()
	return alignedSlice[T](1 << c)[:n]
}

// put keeps b for reuse unless its class is full.
func (l *bufList[T]) put(b []T) {
	if cap(b) == 0 {
		return
	}
	c := bits.Len(uint(cap(b))) - 1 // cap is a power of two for our buffers
	if 1<<c != cap(b) {
		return // not one of ours
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.classes[c]) < bufsPerClass {
		l.classes[c] = append(l.classes[c], b[:cap(b)])
	}
}

// freeList is a small bounded stack of reusable objects. The bound is a
// few per core: at most that many products run at once.
type freeList[X any] struct {
	mu    sync.Mutex
	items []X
}

const freeListMax = 16

// Get returns a reused object, or the zero X if there is none.
func (l *freeList[X]) Get() X {
	l.mu.Lock()
	defer l.mu.Unlock()
	var x X
	if n := len(l.items); n > 0 {
		x = l.items[n-1]
		l.items[n-1] = *new(X)
		l.items = l.items[:n-1]
	}
	return x
}

// Put keeps x for reuse, or drops it if the list is full.
func (l *freeList[X]) Put(x X) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.items) < freeListMax {
		l.items = append(l.items, x)
	}
}

var (
	pools32 pools[float32]
	pools64 pools[float64]
)

func poolsFor[T float32 | float64]() *pools[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(&pools32).(*pools[T])
	}
	return any(&pools64).(*pools[T])
}

// getBuf returns a 64-byte aligned buffer of n elements from the pool.
func (p *pools[T]) getBuf(n int) []T { return p.bufs.get(n) }

func (p *pools[T]) putBuf(b []T) { p.bufs.put(b) }

// alignedSlice returns a slice of n elements that starts on a 64-byte
// boundary, so that a packed row of B never straddles two cache lines.
func alignedSlice[T float32 | float64](n int) []T {
	var z T
	extra := 64 / int(unsafe.Sizeof(z))
	s := make([]T, n+extra)
	off := int(uintptr(unsafe.Pointer(&s[0]))%64) / int(unsafe.Sizeof(z))
	if off != 0 {
		off = extra - off
	}
	return s[off : off+n : off+n]
}
