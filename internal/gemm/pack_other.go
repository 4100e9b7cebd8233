//go:build !amd64 || purego

package gemm

// Without the amd64 assembly, packing is all Go.

func packSegsAsm[T float32 | float64](d, src []T, segs, w, stride int) bool { return false }

func packGatherAsm[T float32 | float64](d, src []T, o, ld, kb, rows, w int) int { return 0 }
