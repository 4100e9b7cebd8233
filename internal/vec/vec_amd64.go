//go:build !purego

package vec

import "golang.org/x/sys/cpu"

// hasAVX reports whether the assembly loops may run.
var hasAVX = cpu.X86.HasAVX

// The assembly loops (vec_amd64.s) process the longest prefix that is a
// whole number of ymm registers and return its length; the Go loops do
// the rest.

//go:noescape
func reluAVX32(dst, x []float32) int

//go:noescape
func reluAVX64(dst, x []float64) int

//go:noescape
func reluGradAVX32(dst, g, out []float32) int

//go:noescape
func reluGradAVX64(dst, g, out []float64) int

func relu32(dst, x []float32) int {
	if !hasAVX {
		return 0
	}
	return reluAVX32(dst, x)
}

func relu64(dst, x []float64) int {
	if !hasAVX {
		return 0
	}
	return reluAVX64(dst, x)
}

func reluGrad32(dst, g, out []float32) int {
	if !hasAVX {
		return 0
	}
	return reluGradAVX32(dst, g, out)
}

func reluGrad64(dst, g, out []float64) int {
	if !hasAVX {
		return 0
	}
	return reluGradAVX64(dst, g, out)
}
