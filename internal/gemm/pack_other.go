//go:build !amd64 || purego

package gemm

// Without the amd64 assembly, packing is all Go.

func packCopyAsm[T float32 | float64](d, src []T, o, ld, kb, cols, w int) bool { return false }

func packGatherAsm[T float32 | float64](d, src []T, o, ld, kb, rows, w int) int { return 0 }
