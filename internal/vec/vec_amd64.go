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

//go:noescape
func addRows64AVX(y, b []float64) int

//go:noescape
func addRows32AVX(y, b []float32) int

//go:noescape
func sumRows64AVX(d, g []float64) bool

//go:noescape
func sumRows32AVX(d, g []float32) bool

func addRows64(y, b []float64) int {
	if !hasAVX {
		return 0
	}
	return addRows64AVX(y, b)
}

func addRows32(y, b []float32) int {
	if !hasAVX {
		return 0
	}
	return addRows32AVX(y, b)
}

func sumRows64(d, g []float64) bool { return hasAVX && sumRows64AVX(d, g) }

func sumRows32(d, g []float32) bool { return hasAVX && sumRows32AVX(d, g) }

//go:noescape
func axpyAVX32(a float32, x, y []float32) int

//go:noescape
func axpyAVX64(a float64, x, y []float64) int

func axpy32(a float32, x, y []float32) int {
	if !hasAVX {
		return 0
	}
	return axpyAVX32(a, x, y)
}

func axpy64(a float64, x, y []float64) int {
	if !hasAVX {
		return 0
	}
	return axpyAVX64(a, x, y)
}

//go:noescape
func addAVX32(dst, x, y []float32) int

//go:noescape
func addAVX64(dst, x, y []float64) int

func add32(dst, x, y []float32) int {
	if !hasAVX {
		return 0
	}
	return addAVX32(dst, x, y)
}

func add64(dst, x, y []float64) int {
	if !hasAVX {
		return 0
	}
	return addAVX64(dst, x, y)
}
