package gemm

import (
	"sync"
	"unsafe"
)

// A job is one call's product, shared by the goroutines that compute it.
// The loops are BLIS's five around the micro-kernel:
//
//	for jc over columns of C, nc at a time      op(B) block kc×nc -> L3
//	  for pc over k, kc at a time               (packed together, shared)
//	    for ic over rows of C, mc at a time     op(A) block mc×kc -> L2
//	      for jr over the block's B panels      (packed per goroutine)
//	        for ir over the block's A panels    B panel kc×nr stays in L1
//	          kernel: mr×nr tile of C
//
// Goroutine t owns a rectangle of C: a range of rows (whole A panels) and,
// within every jc block, a range of B panels. Only the packing of B is
// shared, so the goroutines meet at a barrier after packing each B block.
// B is double-buffered, so the next block can be packed while a slower
// goroutine still reads the previous one, and one barrier per block
// suffices.
type job[T float32 | float64] struct {
	ar             *arch[T]
	transA, transB bool
	m, n, k        int
	alpha, beta    T
	a, b, c        []T
	lda, ldb, ldc  int
	kc, nc         int // block sizes clipped to the problem

	threads int // goroutines, = tr*tc
	tr, tc  int // goroutine grid: tr row ranges by tc column ranges
	packedB [2][]T
	bar     barrier
	wg      sync.WaitGroup
}

// multiply adds alpha*op(A)*op(B) to beta*C, for alpha != 0 and m, n,
// k > 0, with the kernel of ar.
func multiply[T float32 | float64](ar *arch[T], transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ps := poolsFor[T]()
	j, _ := ps.jobs.Get().(*job[T])
	if j == nil {
		j = new(job[T])
		j.bar.cond.L = &j.bar.mu
	}
	j.ar, j.transA, j.transB, j.m, j.n, j.k = ar, transA, transB, m, n, k
	j.alpha, j.beta, j.a, j.b, j.c, j.lda, j.ldb, j.ldc = alpha, beta, a, b, c, lda, ldb, ldc
	// Equal blocks rather than full ones and a sliver: k = 300 is packed
	// as 150+150, not 256+44.
	j.kc = ceilDiv(k, ceilDiv(k, ar.kc))
	j.nc = roundUp(ceilDiv(n, ceilDiv(n, ar.nc)), ar.nr)
	j.threads = threadsFor(m, n, k)
	j.tr, j.tc = grid(j.threads, ceilDiv(m, ar.mr), ceilDiv(min(n, j.nc), ar.nr))

	blocks := 1
	if k > j.kc || n > j.nc {
		blocks = 2
	}
	size := j.kc * j.nc
	for i := range blocks {
		if cap(j.packedB[i]) < size {
			j.packedB[i] = alignedSlice[T](size)
		}
		j.packedB[i] = j.packedB[i][:size]
	}

	if j.threads == 1 {
		j.run(0)
	} else {
		j.bar.n = int32(j.threads)
		parallel(j.threads, j, &j.wg)
	}
	// Drop the caller's matrices so that the pool does not keep them alive.
	j.a, j.b, j.c = nil, nil, nil
	ps.jobs.Put(j)
}

// run is goroutine t's part of the job.
func (j *job[T]) run(t int) {
	ar := j.ar
	mr, nr, kc, nc := ar.mr, ar.nr, j.kc, j.nc
	ti, tj := t/j.tc, t%j.tc
	mp := ceilDiv(j.m, mr)
	r0 := min(j.m, ti*mp/j.tr*mr)
	r1 := min(j.m, (ti+1)*mp/j.tr*mr)
	mc := roundUp(ceilDiv(r1-r0, max(1, ceilDiv(r1-r0, ar.mc))), mr)

	// The packed A block, then the scratch tile for the edges of C.
	ps := poolsFor[T]()
	bufp := ps.getBuf(mc*kc + maxTile)
	packedA := (*bufp)[:mc*kc]
	tile := (*bufp)[mc*kc : mc*kc+maxTile]

	step := 0
	for jc := 0; jc < j.n; jc += nc {
		nb := min(nc, j.n-jc)
		np := ceilDiv(nb, nr)
		c0 := min(nb, tj*np/j.tc*nr)
		c1 := min(nb, (tj+1)*np/j.tc*nr)
		for pc := 0; pc < j.k; pc += kc {
			kb := min(kc, j.k-pc)
			beta := j.beta
			if pc > 0 {
				beta = 1
			}
			packedB := j.packedB[step%2]
			step++
			// Everyone packs an equal share of the B panels.
			for q := t * np / j.threads; q < (t+1)*np/j.threads; q++ {
				packBPanel(j.transB, j.b, j.ldb, pc, jc+q*nr, kb, min(nr, nb-q*nr), nr, packedB[q*kb*nr:q*kb*nr+kb*nr])
			}
			if j.threads > 1 {
				j.bar.wait()
			}
			if c0 >= c1 {
				continue
			}
			for ic := r0; ic < r1; ic += mc {
				mb := min(mc, r1-ic)
				packA(j.transA, j.a, j.lda, ic, pc, mb, kb, mr, packedA)
				macroKernel(ar, mb, c1-c0, kb, packedA, packedB[c0*kb:], j.alpha, beta, j.c[ic*j.ldc+jc+c0:], j.ldc, tile)
			}
		}
	}
	ps.putBuf(bufp)
}

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

// grid splits threads goroutines into tr row ranges by tc column ranges so
// that the largest share of tiles, of mp row panels by np column panels, is
// smallest, preferring row ranges on a tie because each column range packs
// its own copy of A.
func grid(threads, mp, np int) (tr, tc int) {
	tr, tc = threads, 1
	best := -1
	for r := threads; r >= 1; r-- {
		if threads%r != 0 {
			continue
		}
		c := threads / r
		tiles := ceilDiv(mp, r) * ceilDiv(np, c)
		if best < 0 || tiles < best {
			tr, tc, best = r, c, tiles
		}
	}
	return tr, tc
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// pools holds the reusable jobs and pack buffers of one element type, so
// that steady-state calls allocate nothing.
type pools[T float32 | float64] struct {
	jobs sync.Pool // *job[T]
	bufs sync.Pool // *[]T, 64-byte aligned
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

// getBuf returns a buffer of at least n elements from the pool.
func (p *pools[T]) getBuf(n int) *[]T {
	if v, ok := p.bufs.Get().(*[]T); ok {
		if cap(*v) >= n {
			*v = (*v)[:n]
			return v
		}
	}
	s := alignedSlice[T](n)
	return &s
}

func (p *pools[T]) putBuf(b *[]T) { p.bufs.Put(b) }

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
