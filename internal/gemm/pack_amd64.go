//go:build !purego

package gemm

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The assembly in pack_amd64.s is generated; edit asmgen/pack.go instead.
//go:generate go run -C asmgen . -file pack -out ../pack_amd64.s

//go:noescape
func copySegs24(dst, src *byte, segs, stride int)

//go:noescape
func copySegs48(dst, src *byte, segs, stride int)

//go:noescape
func copySegs64(dst, src *byte, segs, stride int)

//go:noescape
func gather6x32(dst, src *byte, cols, ld int)

//go:noescape
func gather16x32(dst, src *byte, cols, ld int)

//go:noescape
func gather6x64(dst, src *byte, cols, ld int)

//go:noescape
func gather8x64(dst, src *byte, cols, ld int)

// packAVX says whether the CPU runs the AVX packing loops.
var packAVX = cpu.X86.HasAVX

// packSegsAsm copies segs runs of w elements from src to d, d[stride:],
// d[2*stride:], ... in assembly, for the groups of the amd64 kernels'
// panels (24, 48 or 64 bytes). It reports whether it did the work.
func packSegsAsm[T float32 | float64](d, src []T, segs, w, stride int) bool {
	if !packAVX || segs == 0 {
		return false
	}
	size := int(unsafe.Sizeof(d[0]))
	var f func(dst, src *byte, segs, stride int)
	switch w * size {
	case 24:
		f = copySegs24
	case 48:
		f = copySegs48
	case 64:
		f = copySegs64
	default:
		return false
	}
	// The bounds that the loop would have checked.
	_ = src[segs*w-1]
	_ = d[(segs-1)*stride+w-1]
	f(bytePtr(d), bytePtr(src), segs, stride*size)
	return true
}

// packGatherAsm is packGather in assembly for the full panels of the amd64
// kernels. It packs the first 8 (float32) or 4 (float64) steps at a time
// and returns how many steps it packed; the caller packs the rest.
func packGatherAsm[T float32 | float64](d, src []T, o, ld, kb, rows, w int) int {
	if !packAVX || rows != w {
		return 0
	}
	size := int(unsafe.Sizeof(d[0]))
	var f func(dst, src *byte, cols, ld int)
	steps := kb &^ 7
	switch {
	case size == 4 && w == 6:
		f = gather6x32
	case size == 4 && w == 16:
		f = gather16x32
	case size == 8 && w == 6:
		f, steps = gather6x64, kb&^3
	case size == 8 && w == 8:
		f, steps = gather8x64, kb&^3
	default:
		return 0
	}
	if steps == 0 {
		return 0
	}
	_ = src[o+(rows-1)*ld+steps-1]
	_ = d[steps*w-1]
	f(bytePtr(d), bytePtr(src[o:]), steps, ld*size)
	return steps
}

func bytePtr[T float32 | float64](s []T) *byte { return (*byte)(unsafe.Pointer(&s[0])) }
