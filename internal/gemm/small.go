package gemm

import "unsafe"

// smallWork is the number of multiply-adds up to which every product is
// computed by small: below it, packing, blocking and the worker pool cost
// more than they save. Measured against the AVX2 path on Zen 3 (float32
// and float64, all transposes), small is faster up to here on most shapes
// and at worst 1.4 times slower (a 32×16×1 outer product, which shortK
// has since made about as fast as packed), and from about 1,000 on the
// packed path wins on products that fill its tiles (12×12×12: 0.8 µs
// packed, 1.1 µs small).
const smallWork = 512

// skinnyWork is the number of multiply-adds up to which small also takes
// the products that would leave more than two thirds of the packed path's
// mr×nr tiles empty: a handful of rows or columns, as in the layers of a
// small network (a 100×4 activation, a 4×2 weight gradient summed over a
// batch). There the packed path multiplies mostly padding, and pays per
// element of k for packing panels that are mostly zeros; small is 2 to 10
// times faster up to here (a 4×2 weight gradient over a batch of 1000:
// 2.6 µs small, 32 µs packed), and beyond it the SIMD kernel catches up
// (a 64×4×256 product is 1.5 times faster packed).
const skinnyWork = 1 << 15

// narrowK is the longest k, and the most rows or columns of C, with which
// a product goes to small (to shortK) whatever its size: a narrow layer's
// activations times its weights, or the gradient of its input. There the
// packed path's kernel runs a loop over k of one to four steps per tile of
// C that is half padding or more, after packing; shortK streams over the
// rows with op(B) in registers. Measured in float64 on Zen 3 (6×8 tiles):
// 100×4×2 0.55 µs small, 2.3 µs packed; 1000×4×2 5.2 µs and 18.5 µs.
// With 16 columns the packed path wins (100×16×4: 2.9 µs small, 1.6 µs
// packed). Up to narrowWork multiply-adds: beyond, the packed path shares
// the work between cores and shortK does not.
const (
	narrowK    = 4
	narrowWork = 1 << 18
)

// useSmall reports whether small should compute an m×n×k product rather
// than the packed path with ar's kernel.
func useSmall[T float32 | float64](ar *arch[T], m, n, k int) bool {
	work := m * n * k
	if work <= smallWork || k <= narrowK && min(m, n) <= narrowK && work <= narrowWork {
		return true
	}
	tiles := ceilDiv(m, ar.mr) * ar.mr * ceilDiv(n, ar.nr) * ar.nr
	return work <= skinnyWork && 3*m*n <= tiles
}

// A strided is a small product with each operand addressed by byte
// strides: op(A)(i, p) is at a + i*ai + p*ap, op(B)(p, j) at b + p*bp +
// j*bj and C(i, j) at c + i*ci + j*cj. A transpose is then only a choice of
// strides, and C = op(A)*op(B) can be computed as Cᵀ = op(B)ᵀ*op(A)ᵀ by
// swapping the operands and the strides of C (transpose).
//
// The loops address memory through unsafe.Add rather than slices: with
// strides that vary at run time the compiler cannot prove an index in
// range, and with bounds checks these loops took half as long again.
// It is safe because gemm has checked that every element of the three
// matrices lies inside its slice, and the loops form addresses of those
// elements only, never one past a row or a matrix.
type strided[T float32 | float64] struct {
	m, n, k     int
	a, b, c     unsafe.Pointer
	ai, ap      int
	bp, bj      int
	ci, cj      int
	alpha, beta T
}

// transpose turns s into the product Cᵀ = op(B)ᵀ*op(A)ᵀ, which writes the
// same elements of C.
func (s *strided[T]) transpose() {
	s.m, s.n = s.n, s.m
	s.a, s.b = s.b, s.a
	s.ai, s.ap, s.bp, s.bj = s.bj, s.bp, s.ap, s.ai
	s.ci, s.cj = s.cj, s.ci
}

// small computes C = alpha*op(A)*op(B) + beta*C, for alpha != 0 and m, n,
// k > 0, without packing anything, for the products that useSmall picks.
//
// Every path below computes each element of C the same way: a sum from 0
// of op(A)(i, p)*op(B)(p, j) over p in order, then alpha times that, plus
// beta*C if beta is not 0 (put4). They differ only in the order in which
// they visit the elements, so they agree to the bit, wherever the compiler
// rounds each multiply and add on its own (TestSmallBits holds small to
// the loops it had before tiny.go).
//
// A product with k of 4 or less, as a layer's activations times its
// weights, goes to shortK (tiny.go), which streams over the rows of op(A).
//
// Otherwise each row of C is computed four columns at a time, each group
// of four as four sums over k held in registers (rowUnit, rowStrided), so
// that an element of op(A) is loaded once per four multiply-adds and C is
// written once. A loop over k is the innermost: it is the long one in the
// skinny products of small layers (a 4×2 weight gradient summed over a
// batch of 100). What is left over when n is not a multiple of four is
// one narrower group, of three, two or one columns, so the product is
// turned around (Cᵀ = op(B)ᵀ*op(A)ᵀ) if that leaves fewer of those, and
// on a tie if that makes the rows longer, which spreads each row's fixed
// cost over more groups.
//
// On amd64 with AVX, when op(B)'s rows are contiguous, the groups of four
// are assembly (unitAVX, small_amd64.s): the same sums, a group to a
// vector register, two rows and two groups side by side, three
// instructions for four multiply-adds; rowStrided does the columns past
// the last group. On the weight gradients of the 2-4-1 network's step,
// measured as in tiny.go:
//
//	dw2 = gᵀ@h, 1×4×100   2,220 -> 970 instructions     0.25 -> 0.17 µs
//	dw1 = gᵀ@x, 4×2×100   4,100 -> 1,260 instructions   0.45 -> 0.19 µs
//
// Each sum is a chain of a hundred dependent additions however it is
// written, and dw2 has one chain of four lanes: it waits out their
// latency.
func small[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	size := int(unsafe.Sizeof(alpha))
	ai, ap, bp, bj := lda*size, size, ldb*size, size
	if transA {
		ai, ap = size, lda*size
	}
	if transB {
		bp, bj = size, ldb*size
	}
	pa, pb, pc := unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0])
	if k <= 4 {
		shortK(m, n, k, pa, ai, ap, pb, bp, bj, pc, ldc*size, size, alpha, beta)
		return
	}
	s := strided[T]{
		m: m, n: n, k: k,
		a: pa, b: pb, c: pc,
		ai: ai, ap: ap,
		bp: bp, bj: bj,
		ci: ldc * size, cj: size,
		alpha: alpha, beta: beta,
	}
	if left, leftT := s.m*(s.n%4), s.n*(s.m%4); leftT < left || leftT == left && s.m > s.n {
		s.transpose()
	}
	if s.bj == size {
		j := 0
		if smallAVX && s.n >= 4 {
			ab := [2]T{s.alpha, s.beta}
			unitAVX(s.m, s.n, s.k, s.a, s.ai, s.ap, s.b, s.bp, s.c, s.ci, s.cj, size, unsafe.Pointer(&ab))
			j = s.n &^ 3
		}
		if j < s.n {
			rowsUnit(&s, j)
		}
		return
	}
	for i := range s.m {
		rowStrided(s.k, s.n, unsafe.Add(s.a, i*s.ai), s.ap, s.b, s.bp, s.bj, unsafe.Add(s.c, i*s.ci), s.cj, s.alpha, s.beta)
	}
}

// rowsUnit computes columns j to n of every row of s, an op(B) whose rows
// are contiguous: all of them with rowUnit, or, when unitAVX has done the
// groups of four (j > 0), the columns it left with rowStrided.
func rowsUnit[T float32 | float64](s *strided[T], j int) {
	size := int(unsafe.Sizeof(s.alpha))
	if j == 0 {
		for i := range s.m {
			rowUnit(s.k, s.n, unsafe.Add(s.a, i*s.ai), s.ap, s.b, s.bp, unsafe.Add(s.c, i*s.ci), s.cj, s.alpha, s.beta)
		}
		return
	}
	for i := range s.m {
		rowStrided(s.k, s.n-j, unsafe.Add(s.a, i*s.ai), s.ap, unsafe.Add(s.b, j*size), s.bp, size, unsafe.Add(s.c, i*s.ci+j*s.cj), s.cj, s.alpha, s.beta)
	}
}

// rowStrided computes the n elements of one row of C, at c + j*cj, from the
// row of op(A) at a + p*ap and op(B) at b + p*bp + j*bj (the strides of
// strided, for one row). It takes its operands as arguments rather than
// as a *strided so that the loops' values stay in registers.
//
// The columns left over after the groups of four are summed side by side
// too, not one after the other: a sum over k is a chain of dependent
// additions, and one chain at a time leaves the CPU waiting on each (a
// 3×3 product with k = 100 took 0.83 µs as nine dot products, 0.34 µs as
// three rows of three).
//
// The loops over k count the byte offset of op(A)'s element up to its end
// rather than p, and load it without load, whose inlining leaves a no-op
// behind: with both, the loop of rowUnit is 17 instructions for four
// multiply-adds, not 19.
func rowStrided[T float32 | float64](k, n int, a unsafe.Pointer, ap int, b unsafe.Pointer, bp, bj int, c unsafe.Pointer, cj int, alpha, beta T) {
	end := k * ap
	j := 0
	for ; j+4 <= n; j += 4 {
		var s0, s1, s2, s3 T
		for pa, pb := 0, 0; pa != end; pa, pb = pa+ap, pb+bp {
			x := *(*T)(unsafe.Add(a, pa))
			s0 += x * load[T](b, pb)
			s1 += x * load[T](b, pb+bj)
			s2 += x * load[T](b, pb+2*bj)
			s3 += x * load[T](b, pb+3*bj)
		}
		put4(c, cj, beta, alpha*s0, alpha*s1, alpha*s2, alpha*s3)
		if j+4 < n { // never an address past the last column
			b = unsafe.Add(b, 4*bj)
			c = unsafe.Add(c, 4*cj)
		}
	}
	switch n - j {
	case 3:
		var s0, s1, s2 T
		for pa, pb := 0, 0; pa != end; pa, pb = pa+ap, pb+bp {
			x := *(*T)(unsafe.Add(a, pa))
			s0 += x * load[T](b, pb)
			s1 += x * load[T](b, pb+bj)
			s2 += x * load[T](b, pb+2*bj)
		}
		put2(c, cj, beta, alpha*s0, alpha*s1)
		put1(unsafe.Add(c, 2*cj), beta, alpha*s2)
	case 2:
		var s0, s1 T
		for pa, pb := 0, 0; pa != end; pa, pb = pa+ap, pb+bp {
			x := *(*T)(unsafe.Add(a, pa))
			s0 += x * load[T](b, pb)
			s1 += x * load[T](b, pb+bj)
		}
		put2(c, cj, beta, alpha*s0, alpha*s1)
	case 1:
		var s0 T
		for pa, pb := 0, 0; pa != end; pa, pb = pa+ap, pb+bp {
			s0 += *(*T)(unsafe.Add(a, pa)) * load[T](b, pb)
		}
		put1(c, beta, alpha*s0)
	}
}

// rowUnit is rowStrided for an op(B) whose rows are contiguous (bj is the
// element size), the common case: with constant offsets the loop over k
// needs a quarter fewer instructions, and runs about a quarter faster.
func rowUnit[T float32 | float64](k, n int, a unsafe.Pointer, ap int, b unsafe.Pointer, bp int, c unsafe.Pointer, cj int, alpha, beta T) {
	size := int(unsafe.Sizeof(alpha))
	end := k * ap
	j := 0
	for ; j+4 <= n; j += 4 {
		var s0, s1, s2, s3 T
		for pa, pb := 0, 0; pa != end; pa, pb = pa+ap, pb+bp {
			x := *(*T)(unsafe.Add(a, pa))
			s0 += x * load[T](b, pb)
			s1 += x * load[T](b, pb+size)
			s2 += x * load[T](b, pb+2*size)
			s3 += x * load[T](b, pb+3*size)
		}
		put4(c, cj, beta, alpha*s0, alpha*s1, alpha*s2, alpha*s3)
		if j+4 < n {
			b = unsafe.Add(b, 4*size)
			c = unsafe.Add(c, 4*cj)
		}
	}
	if j < n {
		rowStrided(k, n-j, a, ap, b, bp, size, c, cj, alpha, beta)
	}
}

// load returns the element at byte offset off from p.
func load[T float32 | float64](p unsafe.Pointer, off int) T {
	return *(*T)(unsafe.Add(p, off))
}

// put4 sets the four elements of C at c + j*cj, j < 4, to s0..s3 +
// beta*C, not reading C when beta is 0 (BLAS: NaN in C does not survive).
// The caller scales by alpha, which keeps put4 small enough to be inlined.
func put4[T float32 | float64](c unsafe.Pointer, cj int, beta T, s0, s1, s2, s3 T) {
	c0, c1, c2, c3 := (*T)(c), (*T)(unsafe.Add(c, cj)), (*T)(unsafe.Add(c, 2*cj)), (*T)(unsafe.Add(c, 3*cj))
	if beta != 0 {
		s0, s1, s2, s3 = s0+beta**c0, s1+beta**c1, s2+beta**c2, s3+beta**c3
	}
	*c0, *c1, *c2, *c3 = s0, s1, s2, s3
}

// put2 is put4 for two elements.
func put2[T float32 | float64](c unsafe.Pointer, cj int, beta T, s0, s1 T) {
	c0, c1 := (*T)(c), (*T)(unsafe.Add(c, cj))
	if beta != 0 {
		s0, s1 = s0+beta**c0, s1+beta**c1
	}
	*c0, *c1 = s0, s1
}

// put1 is put4 for one element.
func put1[T float32 | float64](c unsafe.Pointer, beta T, s T) {
	p := (*T)(c)
	if beta != 0 {
		s += beta * *p
	}
	*p = s
}
