package gemm

import "unsafe"

// shortK computes a product with k <= 4, given as the fields of a
// strided. These are the products of a small layer and a batch, in which
// op(A) has many rows and op(B), a weight, a handful of elements (y =
// x@wᵀ, dx = g@w), and small's loops spend more on themselves than on the
// multiply-adds there: a call for each row of C, and for each group of
// four columns a loop over k that goes round one to four times.
//
// Here the loop over the rows of op(A) is the innermost, and in it the
// sums over k are written out, once for each k (rows4, rows2, rows1). A
// pass computes a group of four, two or one columns of C, all m rows of
// it, holding that group of op(B), k×4 elements at most, in variables. A
// group of three columns is a pass of two and a pass of one, which spares
// four more loops. Each element of C is the same sum as in small, added in
// the same order.
//
// The product is turned around (Cᵀ = op(B)ᵀ*op(A)ᵀ) if that makes fewer
// passes, and on a tie if that makes more rows, fewer columns. Against
// small's loops of before, on the products of the 2-4-1 network's
// training step (float32, alpha 1, beta 0; instructions per product
// counted by callgrind, time the fastest of ten runs on a 2-core EPYC):
//
//	y = x@w1ᵀ, 100×4×2    9,050 -> 4,850 instructions   0.63 -> 0.31 µs
//	y = h@w2ᵀ, 100×1×4    3,670 -> 2,480 instructions   0.24 -> 0.16 µs
//	dh = g@w2, 100×4×1    5,750 -> 3,430 instructions   0.40 -> 0.22 µs
//
// What is left is mostly the multiply-adds themselves, three instructions
// each (a load or a copy, a multiply, an add: the compiler emits scalar
// SSE, whose multiply overwrites an operand), and per element of C the
// first add, of the 0 the sum starts from, alpha's multiply and the store.
//
// So on amd64 with AVX the passes of these products are assembly
// (tiny_amd64.s): rows4 when C's four columns are contiguous, as in y =
// x@wᵀ and dx = g@w, and rows1 with k = 4 on contiguous rows of op(A), as
// in y = h@w2ᵀ. They compute the same bits with a group of four elements
// of C to a vector register, three instructions for four multiply-adds
// (TestSmallAVXBits holds them to the Go loops). Against the Go loops
// (float64, float32 within a tenth; instructions per Gemm call, its own
// 450 or so included, counted by callgrind; median of ten runs on a
// shared 2-core EPYC):
//
//	y = x@w1ᵀ, 100×4×2    5,170 -> 1,500 instructions   0.55 -> 0.17 µs
//	y = h@w2ᵀ, 100×1×4    2,700 -> 1,130 instructions   0.29 -> 0.13 µs
//	dh = g@w2, 100×4×1    3,700 -> 1,180 instructions   0.44 -> 0.13 µs
func shortK[T float32 | float64](m, n, k int, a unsafe.Pointer, ai, ap int, b unsafe.Pointer, bp, bj int, c unsafe.Pointer, ci, cj int, alpha, beta T) {
	if pm, pn := passes(m), passes(n); pm < pn || pm == pn && m < n { // as strided.transpose
		m, n = n, m
		a, b = b, a
		ai, ap, bp, bj = bj, bp, ap, ai
		ci, cj = cj, ci
	}
	// The last pass is called outside the loop: Go's calls keep no register,
	// so around a loop of calls all fourteen arguments went to the stack and
	// back, a hundred instructions when the product is one pass.
	//
	// The assembly takes either element type, with alpha and beta through a
	// pointer; without it smallAVX is a constant false.
	size := int(unsafe.Sizeof(alpha))
	ab := [2]T{alpha, beta}
	asm4 := smallAVX && cj == size
	for ; n > 4; n -= 4 {
		if asm4 {
			rows4AVX(m, k, a, ai, ap, b, bp, bj, c, ci, size, unsafe.Pointer(&ab))
		} else {
			rows4(m, k, a, ai, ap, b, bp, bj, c, ci, cj, alpha, beta)
		}
		b, c = unsafe.Add(b, 4*bj), unsafe.Add(c, 4*cj)
	}
	switch n {
	case 4:
		if asm4 {
			rows4AVX(m, k, a, ai, ap, b, bp, bj, c, ci, size, unsafe.Pointer(&ab))
		} else {
			rows4(m, k, a, ai, ap, b, bp, bj, c, ci, cj, alpha, beta)
		}
	case 3:
		rows2(m, k, a, ai, ap, b, bp, bj, c, ci, cj, alpha, beta)
		rows1(m, k, a, ai, ap, unsafe.Add(b, 2*bj), bp, unsafe.Add(c, 2*cj), ci, alpha, beta)
	case 2:
		rows2(m, k, a, ai, ap, b, bp, bj, c, ci, cj, alpha, beta)
	default:
		i := 0
		if smallAVX && k == 4 && ap == size && ci == size && m >= 4 {
			i = m &^ 3
			rows1AVX(i, a, ai, b, bp, c, size, unsafe.Pointer(&ab))
		}
		if i < m {
			rows1(m-i, k, unsafe.Add(a, i*ai), ai, ap, b, bp, unsafe.Add(c, i*ci), ci, alpha, beta)
		}
	}
}

// passes returns the number of passes over the rows of op(A) that shortK
// makes for n columns of C.
func passes(n int) int {
	u := uint(n)
	return int(u/4 + (u%4+1)/2)
}

// rows4 computes four columns of the m rows of C, C(i, q) at c + i*ci +
// q*cj, for k <= 4, from the rows of op(A) at a + i*ai + p*ap and from
// op(B)(p, q) at b + p*bp + q*bj, which it loads once into variables. It
// takes its operands as arguments rather than as a *strided so that the
// loops' values stay in registers, and like small's loops it never forms
// the address of a row past the last. The loads of op(A) are written out
// rather than calls to load, which leave a no-op behind each in these
// loops. Each sum starts from a written-out 0, as small's start from a
// zeroed variable: 0 + x*b is +0 where x*b is -0.
func rows4[T float32 | float64](m, k int, a unsafe.Pointer, ai, ap int, b unsafe.Pointer, bp, bj int, c unsafe.Pointer, ci, cj int, alpha, beta T) {
	ap2, ap3 := 2*ap, 3*ap
	switch k {
	case 1:
		b00, b01, b02, b03 := row4[T](b, bj)
		for i := 1; ; i++ {
			x0 := *(*T)(a)
			put4(c, cj, beta, alpha*(0+x0*b00), alpha*(0+x0*b01), alpha*(0+x0*b02), alpha*(0+x0*b03))
			if i == m {
				return
			}
			a, c = unsafe.Add(a, ai), unsafe.Add(c, ci)
		}
	case 2:
		b00, b01, b02, b03 := row4[T](b, bj)
		b10, b11, b12, b13 := row4[T](unsafe.Add(b, bp), bj)
		for i := 1; ; i++ {
			x0, x1 := *(*T)(a), *(*T)(unsafe.Add(a, ap))
			put4(c, cj, beta,
				alpha*(0+x0*b00+x1*b10),
				alpha*(0+x0*b01+x1*b11),
				alpha*(0+x0*b02+x1*b12),
				alpha*(0+x0*b03+x1*b13))
			if i == m {
				return
			}
			a, c = unsafe.Add(a, ai), unsafe.Add(c, ci)
		}
	case 3:
		b00, b01, b02, b03 := row4[T](b, bj)
		b10, b11, b12, b13 := row4[T](unsafe.Add(b, bp), bj)
		b20, b21, b22, b23 := row4[T](unsafe.Add(b, 2*bp), bj)
		for i := 1; ; i++ {
			x0, x1, x2 := *(*T)(a), *(*T)(unsafe.Add(a, ap)), *(*T)(unsafe.Add(a, ap2))
			put4(c, cj, beta,
				alpha*(0+x0*b00+x1*b10+x2*b20),
				alpha*(0+x0*b01+x1*b11+x2*b21),
				alpha*(0+x0*b02+x1*b12+x2*b22),
				alpha*(0+x0*b03+x1*b13+x2*b23))
			if i == m {
				return
			}
			a, c = unsafe.Add(a, ai), unsafe.Add(c, ci)
		}
	default:
		b00, b01, b02, b03 := row4[T](b, bj)
		b10, b11, b12, b13 := row4[T](unsafe.Add(b, bp), bj)
		b20, b21, b22, b23 := row4[T](unsafe.Add(b, 2*bp), bj)
		b30, b31, b32, b33 := row4[T](unsafe.Add(b, 3*bp), bj)
		for i := 1; ; i++ {
			x0, x1, x2, x3 := *(*T)(a), *(*T)(unsafe.Add(a, ap)), *(*T)(unsafe.Add(a, ap2)), *(*T)(unsafe.Add(a, ap3))
			put4(c, cj, beta,
				alpha*(0+x0*b00+x1*b10+x2*b20+x3*b30),
				alpha*(0+x0*b01+x1*b11+x2*b21+x3*b31),
				alpha*(0+x0*b02+x1*b12+x2*b22+x3*b32),
				alpha*(0+x0*b03+x1*b13+x2*b23+x3*b33))
			if i == m {
				return
			}
			a, c = unsafe.Add(a, ai), unsafe.Add(c, ci)
		}
	}
}

// row4 returns the four elements at b + q*bj.
func row4[T float32 | float64](b unsafe.Pointer, bj int) (T, T, T, T) {
	return load[T](b, 0), load[T](b, bj), load[T](b, 2*bj), load[T](b, 3*bj)
}

// rows2 is rows4 for two columns.
func rows2[T float32 | float64](m, k int, a unsafe.Pointer, ai, ap int, b unsafe.Pointer, bp, bj int, c unsafe.Pointer, ci, cj int, alpha, beta T) {
	ap2, ap3 := 2*ap, 3*ap
	switch k {
	case 1:
		b00, b01 := load[T](b, 0), load[T](b, bj)
		for i := 1; ; i++ {
			x0 := *(*T)(a)
			put2(c, cj, beta, alpha*(0+x0*b00), alpha*(0+x0*b01))
			if i == m {
				return
			}
			a, c = unsafe.Add(a, ai), unsafe.Add(c, ci)
		}
	case 2:
		b00, b01 := load[T](b, 0), load[T](b, bj)
		b10, b11 := load[T](b, bp), load[T](b, bp+bj)
		for i := 1; ; i++ {
			x0, x1 := *(*T)(a), *(*T)(unsafe.Add(a, ap))
			put2(c, cj, beta, alpha*(0+x0*b00+x1*b10), alpha*(0+x0*b01+x1*b11))
			if i == m {
				return
			}
			a, c = unsafe.Add(a, ai), unsafe.Add(c, ci)
		}
	case 3:
		b00, b01 := load[T](b, 0), load[T](b, bj)
		b10, b11 := load[T](b, bp), load[T](b, bp+bj)
		b20, b21 := load[T](b, 2*bp), load[T](b, 2*bp+bj)
		for i := 1; ; i++ {
			x0, x1, x2 := *(*T)(a), *(*T)(unsafe.Add(a, ap)), *(*T)(unsafe.Add(a, ap2))
			put2(c, cj, beta, alpha*(0+x0*b00+x1*b10+x2*b20), alpha*(0+x0*b01+x1*b11+x2*b21))
			if i == m {
				return
			}
			a, c = unsafe.Add(a, ai), unsafe.Add(c, ci)
		}
	default:
		b00, b01 := load[T](b, 0), load[T](b, bj)
		b10, b11 := load[T](b, bp), load[T](b, bp+bj)
		b20, b21 := load[T](b, 2*bp), load[T](b, 2*bp+bj)
		b30, b31 := load[T](b, 3*bp), load[T](b, 3*bp+bj)
		for i := 1; ; i++ {
			x0, x1, x2, x3 := *(*T)(a), *(*T)(unsafe.Add(a, ap)), *(*T)(unsafe.Add(a, ap2)), *(*T)(unsafe.Add(a, ap3))
			put2(c, cj, beta, alpha*(0+x0*b00+x1*b10+x2*b20+x3*b30), alpha*(0+x0*b01+x1*b11+x2*b21+x3*b31))
			if i == m {
				return
			}
			a, c = unsafe.Add(a, ai), unsafe.Add(c, ci)
		}
	}
}

// rows1 is rows4 for one column, two rows at a time: a row's own work, k
// multiply-adds, is no more than the loop's. When m is odd the last row
// is computed twice, as both of a pair, which put2 stores correctly
// because it reads both elements of C before it writes either.
func rows1[T float32 | float64](m, k int, a unsafe.Pointer, ai, ap int, b unsafe.Pointer, bp int, c unsafe.Pointer, ci int, alpha, beta T) {
	ap2, ap3 := 2*ap, 3*ap
	a1, c1 := ai, ci // offsets of the second row of a pair
	if m == 1 {
		a1, c1 = 0, 0
	}
	switch k {
	case 1:
		b0 := load[T](b, 0)
		for i := 2; ; i += 2 {
			x, y := a, unsafe.Add(a, a1)
			put2(c, c1, beta, alpha*(0+*(*T)(x)*b0), alpha*(0+*(*T)(y)*b0))
			if i >= m {
				return
			}
			a, c = unsafe.Add(a, 2*ai), unsafe.Add(c, 2*ci)
			if i+1 == m {
				a1, c1 = 0, 0
			}
		}
	case 2:
		b0, b1 := load[T](b, 0), load[T](b, bp)
		for i := 2; ; i += 2 {
			x, y := a, unsafe.Add(a, a1)
			put2(c, c1, beta,
				alpha*(0+*(*T)(x)*b0+*(*T)(unsafe.Add(x, ap))*b1),
				alpha*(0+*(*T)(y)*b0+*(*T)(unsafe.Add(y, ap))*b1))
			if i >= m {
				return
			}
			a, c = unsafe.Add(a, 2*ai), unsafe.Add(c, 2*ci)
			if i+1 == m {
				a1, c1 = 0, 0
			}
		}
	case 3:
		b0, b1, b2 := load[T](b, 0), load[T](b, bp), load[T](b, 2*bp)
		for i := 2; ; i += 2 {
			x, y := a, unsafe.Add(a, a1)
			put2(c, c1, beta,
				alpha*(0+*(*T)(x)*b0+*(*T)(unsafe.Add(x, ap))*b1+*(*T)(unsafe.Add(x, ap2))*b2),
				alpha*(0+*(*T)(y)*b0+*(*T)(unsafe.Add(y, ap))*b1+*(*T)(unsafe.Add(y, ap2))*b2))
			if i >= m {
				return
			}
			a, c = unsafe.Add(a, 2*ai), unsafe.Add(c, 2*ci)
			if i+1 == m {
				a1, c1 = 0, 0
			}
		}
	default:
		b0, b1, b2, b3 := row4[T](b, bp)
		for i := 2; ; i += 2 {
			x, y := a, unsafe.Add(a, a1)
			put2(c, c1, beta,
				alpha*(0+*(*T)(x)*b0+*(*T)(unsafe.Add(x, ap))*b1+*(*T)(unsafe.Add(x, ap2))*b2+*(*T)(unsafe.Add(x, ap3))*b3),
				alpha*(0+*(*T)(y)*b0+*(*T)(unsafe.Add(y, ap))*b1+*(*T)(unsafe.Add(y, ap2))*b2+*(*T)(unsafe.Add(y, ap3))*b3))
			if i >= m {
				return
			}
			a, c = unsafe.Add(a, 2*ai), unsafe.Add(c, 2*ci)
			if i+1 == m {
				a1, c1 = 0, 0
			}
		}
	}
}
