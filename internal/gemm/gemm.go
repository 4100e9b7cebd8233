// Package gemm is chainrule's general matrix multiply, the one kernel that
// every matrix product in package tensor (and so every Linear layer and its
// gradients) runs through.
//
// Gemm follows the BLAS dgemm/sgemm contract on row-major matrices. The
// current kernel is portable Go: cache-blocked over k and n with a packed
// panel of B, so its inner loop is a contiguous axpy over a row of C. A
// later change replaces the inner loop with an AVX2 assembly micro-kernel
// behind the same signature; callers must depend only on Gemm's contract,
// not on how or in which order it adds.
package gemm

import (
	"fmt"
	"runtime"
	"sync"
)

// Block sizes. A packed panel of kc×nc elements of B (256 KiB for float32,
// 512 KiB for float64) stays in L2 while every row of C streams past it; a
// row segment of C (nc elements) and the four panel rows it is updated
// with stay in L1.
const (
	kc = 128
	nc = 512
)

// parallelWork is the number of multiply-adds (m*n*k) above which Gemm
// splits the rows of C across goroutines; below it, starting goroutines
// costs more than it saves.
const parallelWork = 1 << 20

// packRows is the number of rows of C from which packing B pays for itself
// even when B could be read in place.
const packRows = 16

// minRowsPerWorker keeps each goroutine's share large enough that it
// amortises packing its own copy of the B panels.
const minRowsPerWorker = 16

// Gemm computes C = alpha*op(A)*op(B) + beta*C, where op(X) is X or its
// transpose as transX says, op(A) is m×k, op(B) is k×n and C is m×n. All
// matrices are row-major: element (i, j) of a matrix with leading dimension
// ld is at index i*ld+j of its slice, so A is m×k with lda >= k, or k×m with
// lda >= m when transA is set (likewise B with ldb), and ldc >= n.
//
// As in BLAS, beta == 0 means C is overwritten without being read (NaNs in C
// do not propagate), and alpha == 0 or k == 0 leaves C = beta*C without
// reading A or B. Gemm panics if a size is negative, a leading dimension is
// too small or a slice is too short for the matrix it holds.
func Gemm[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	check("a", a, ar, ac, lda)
	check("b", b, br, bc, ldb)
	check("c", c, m, n, ldc)
	if m == 0 || n == 0 {
		return
	}
	scale(m, n, beta, c, ldc)
	if alpha == 0 || k == 0 {
		return
	}
	workers := 1
	if m*n*k > parallelWork {
		workers = min(runtime.GOMAXPROCS(0), (m+minRowsPerWorker-1)/minRowsPerWorker)
	}
	if workers <= 1 {
		serial(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
		return
	}
	// Rows of C are independent, so each worker multiplies its own row block
	// (and the matching rows, or columns, of A) and no two write the same
	// element.
	var wg sync.WaitGroup
	per := (m + workers - 1) / workers
	for i0 := 0; i0 < m; i0 += per {
		rows := min(per, m-i0)
		aOff := i0 * lda
		if transA {
			aOff = i0
		}
		wg.Go(func() {
			serial(transA, transB, rows, n, k, alpha, a[aOff:], lda, b, ldb, c[i0*ldc:], ldc)
		})
	}
	wg.Wait()
}

// check panics unless x can hold a rows×cols row-major matrix with leading
// dimension ld.
func check[T float32 | float64](name string, x []T, rows, cols, ld int) {
	if ld < max(1, cols) {
		panic(fmt.Sprintf("gemm: ld%s = %d is less than max(1, %d)", name, ld, cols))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("gemm: len(%s) = %d is too short for a %dx%d matrix with ld%s = %d", name, len(x), rows, cols, name, ld))
	}
}

// scale sets C = beta*C, writing zeros when beta is 0 so that NaN or Inf
// left in C does not survive.
func scale[T float32 | float64](m, n int, beta T, c []T, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// serial adds alpha*op(A)*op(B) to C on the calling goroutine.
func serial[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, c []T, ldc int) {
	// Packing costs k*n per panel whatever m is, so for a few rows of C it
	// is only worth it when B must be transposed or scaled anyway.
	packB := transB || alpha != 1 || m >= packRows
	var panel []T
	if packB {
		bufp := getBuf[T](min(kc, k) * min(nc, n))
		defer putBuf(bufp)
		panel = *bufp
	}
	for j0 := 0; j0 < n; j0 += nc {
		nb := min(nc, n-j0)
		for p0 := 0; p0 < k; p0 += kc {
			kb := min(kc, k-p0)
			bp, bo, ldp := b, p0*ldb+j0, ldb
			if packB {
				pack(transB, p0, j0, kb, nb, alpha, b, ldb, panel)
				bp, bo, ldp = panel, 0, nb
			}
			for i := range m {
				// Row i of op(A), columns p0..p0+kb: contiguous unless A is
				// transposed, in which case it is a column of A.
				ai, as := i*lda+p0, 1
				if transA {
					ai, as = p0*lda+i, lda
				}
				rowUpdate(c[i*ldc+j0:i*ldc+j0+nb], a, ai, as, bp, bo, ldp, kb)
			}
		}
	}
}

// pack copies the kb×nb block of alpha*op(B) that starts at row p0, column
// j0 into panel, row-major with row length nb. Folding alpha in here means
// the inner loop never multiplies by it.
func pack[T float32 | float64](transB bool, p0, j0, kb, nb int, alpha T, b []T, ldb int, panel []T) {
	for p := range kb {
		dst := panel[p*nb : p*nb+nb]
		if !transB {
			src := b[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+nb]
			for j, v := range src {
				dst[j] = alpha * v
			}
			continue
		}
		// op(B)[p][j] = B[j][p]: a column of B, gathered with stride ldb.
		o := j0*ldb + p0 + p
		for j := range dst {
			dst[j] = alpha * b[o]
			o += ldb
		}
	}
}

// rowUpdate adds to crow (one row segment of C) the product of kb elements
// of a row of op(A) (a[ai], a[ai+as], ...) with a kb×len(crow) block of B
// whose row p starts at bp[bo+p*ldp]. Four rows of the block are combined
// per pass so each element of crow is loaded and stored once per four
// multiply-adds.
func rowUpdate[T float32 | float64](crow []T, a []T, ai, as int, bp []T, bo, ldp, kb int) {
	p := 0
	for ; p+4 <= kb; p += 4 {
		a0 := a[ai]
		a1 := a[ai+as]
		a2 := a[ai+2*as]
		a3 := a[ai+3*as]
		ai += 4 * as
		o := bo + p*ldp
		b0 := bp[o:][:len(crow)]
		b1 := bp[o+ldp:][:len(crow)]
		b2 := bp[o+2*ldp:][:len(crow)]
		b3 := bp[o+3*ldp:][:len(crow)]
		for j := range crow {
			crow[j] += a0*b0[j] + a1*b1[j] + a2*b2[j] + a3*b3[j]
		}
	}
	for ; p < kb; p++ {
		a0 := a[ai]
		ai += as
		o := bo + p*ldp
		b0 := bp[o:][:len(crow)]
		for j := range crow {
			crow[j] += a0 * b0[j]
		}
	}
}

// Packing buffers are reused across calls: a fresh 512 KiB panel per call
// would dominate the cost of small products.
var (
	pool32 sync.Pool
	pool64 sync.Pool
)

func getBuf[T float32 | float64](n int) *[]T {
	var p *sync.Pool
	var z T
	switch any(z).(type) {
	case float32:
		p = &pool32
	default:
		p = &pool64
	}
	if v, ok := p.Get().(*[]T); ok && cap(*v) >= n {
		*v = (*v)[:n]
		return v
	}
	s := make([]T, n, max(n, 4096))
	return &s
}

func putBuf[T float32 | float64](b *[]T) {
	var z T
	switch any(z).(type) {
	case float32:
		pool32.Put(b)
	default:
		pool64.Put(b)
	}
}
