//go:build !amd64 || purego

package gemm

import "unsafe"

// Without the assembly, shortK and small run their Go loops on every
// shape, and the functions below are never called.

const smallAVX = false

func rows4AVX(m, k int, a unsafe.Pointer, ai, ap int, b unsafe.Pointer, bp, bj int, c unsafe.Pointer, ci, size int, ab unsafe.Pointer) {
	panic("gemm: no assembly")
}

func rows1AVX(m int, a unsafe.Pointer, ai int, b unsafe.Pointer, bp int, c unsafe.Pointer, size int, ab unsafe.Pointer) {
	panic("gemm: no assembly")
}

func unitAVX(m, n, k int, a unsafe.Pointer, ai, ap int, b unsafe.Pointer, bp int, c unsafe.Pointer, ci, cj, size int, ab unsafe.Pointer) {
	panic("gemm: no assembly")
}
