//go:build !purego

package gemm

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// smallAVX reports whether the CPU runs the AVX loops of tiny_amd64.s and
// small_amd64.s, which stand in for the Go loops of shortK and small on
// the shapes of a narrow layer. They need AVX only: not FMA, whose single
// rounding would change the bits.
var smallAVX = cpu.X86.HasAVX

// The assembly takes either element type, its size in bytes (size) and
// alpha and beta through a pointer (ab, to a [2]T), so that the generic
// callers call it with no wrapper for each type between them: a Go
// function that chose between two calls could not be inlined, and cost
// another 30 instructions a product.

// rows4AVX computes what rows4 computes, for C's four columns contiguous
// (cj == size).
//
//go:noescape
func rows4AVX(m, k int, a unsafe.Pointer, ai, ap int, b unsafe.Pointer, bp, bj int, c unsafe.Pointer, ci, size int, ab unsafe.Pointer)

// rows1AVX computes what rows1 computes, for k == 4, op(A)'s rows and C's
// column contiguous (ap == ci == size) and m a multiple of 4.
//
//go:noescape
func rows1AVX(m int, a unsafe.Pointer, ai int, b unsafe.Pointer, bp int, c unsafe.Pointer, size int, ab unsafe.Pointer)

// unitAVX computes what rowUnit computes on each of m rows, for the first
// n&^3 columns, for n >= 4.
//
//go:noescape
func unitAVX(m, n, k int, a unsafe.Pointer, ai, ap int, b unsafe.Pointer, bp int, c unsafe.Pointer, ci, cj, size int, ab unsafe.Pointer)
