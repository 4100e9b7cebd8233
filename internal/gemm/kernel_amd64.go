//go:build !purego

package gemm

import "golang.org/x/sys/cpu"

// The assembly in kernel_amd64.s is generated; edit asmgen/main.go instead.
//go:generate go run -C asmgen . -file kernel -out ../kernel_amd64.s

// kernel6x16f32 is the float32 kernelFunc for a 6×16 tile: twelve ymm
// accumulators, two of B and one broadcast of A per FMA pair.
//
//go:noescape
func kernel6x16f32(k int, a, b, c *float32, ldc int, alpha, beta float32)

// kernel6x8f64 is the float64 kernelFunc for a 6×8 tile.
//
//go:noescape
func kernel6x8f64(k int, a, b, c *float64, ldc int, alpha, beta float64)

// Block sizes for AMD Zen 3 (32 KiB L1d, 512 KiB L2 per core, 32 MiB
// shared L3), which also suit other AVX2 cores of its generation: a kc×nr
// panel of B is 16 KiB, half of L1; an mc×kc block of A is 144 KiB, leaving
// most of L2 for the B panels and the rows of C streaming through; and the
// packed B, read by every block of rows, is at most 4 MiB of L3.
func init() {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		return
	}
	asmArch32 = &arch[float32]{name: "avx2-6x16", mr: 6, nr: 16, mc: 144, kc: 256, bBytes: 4 << 20, kernel: kernel6x16f32}
	asmArch64 = &arch[float64]{name: "avx2-6x8", mr: 6, nr: 8, mc: 72, kc: 256, bBytes: 4 << 20, kernel: kernel6x8f64}
}
