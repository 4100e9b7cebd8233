package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemm measures square products C = A*B on one goroutine and on
// two, in GFLOP/s (2n³ floating-point operations per product).
// testdata/bench_torch.py measures torch.mm on the same products, for the
// side-by-side table in docs/benchmarks.md.
func BenchmarkGemm(b *testing.B) {
	for _, threads := range []int{1, 2} {
		for _, n := range []int{64, 128, 256, 512, 1024} {
			b.Run(fmt.Sprintf("float32/threads=%d/n=%d", threads, n), func(b *testing.B) { benchGemm[float32](b, activeArch[float32](), threads, n) })
			b.Run(fmt.Sprintf("float64/threads=%d/n=%d", threads, n), func(b *testing.B) { benchGemm[float64](b, activeArch[float64](), threads, n) })
		}
	}
}

// BenchmarkGemmGo measures the portable kernel, which runs with the
// purego build tag and on CPUs without AVX2 and FMA.
func BenchmarkGemmGo(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		b.Run(fmt.Sprintf("float32/threads=1/n=%d", n), func(b *testing.B) { benchGemm[float32](b, goArch[float32](), 1, n) })
		b.Run(fmt.Sprintf("float64/threads=1/n=%d", n), func(b *testing.B) { benchGemm[float64](b, goArch[float64](), 1, n) })
	}
}

// BenchmarkGemmTrans measures the transposed operands that the backward
// pass of a matrix product multiplies with.
func BenchmarkGemmTrans(b *testing.B) {
	for _, tr := range [][2]bool{{false, true}, {true, false}, {true, true}} {
		b.Run(fmt.Sprintf("float32/tA=%v/tB=%v/n=512", tr[0], tr[1]), func(b *testing.B) {
			defer SetThreads(SetThreads(1))
			const n = 512
			rng := rand.New(rand.NewPCG(3, 4))
			x, y, c := randSlice[float32](rng, n*n), randSlice[float32](rng, n*n), make([]float32, n*n)
			b.ReportAllocs()
			for b.Loop() {
				Gemm(tr[0], tr[1], n, n, n, 1, x, n, y, n, 0, c, n)
			}
			b.ReportMetric(2*n*n*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func benchGemm[T float32 | float64](b *testing.B, ar *arch[T], threads, n int) {
	defer SetThreads(SetThreads(threads))
	rng := rand.New(rand.NewPCG(3, 4))
	x, y, c := randSlice[T](rng, n*n), randSlice[T](rng, n*n), make([]T, n*n)
	b.ReportAllocs()
	for b.Loop() {
		gemm(ar, false, false, n, n, n, 1, x, n, y, n, 0, c, n)
	}
	b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkLayerProducts measures Gemm on the five products of a training
// step of the 2-4-1 network on a batch of 100, in both element types, as
// Linear calls it (alpha 1, beta 0): the products that tiny_amd64.s and
// small_amd64.s were written for (rows4, rows1 with k = 4, rowUnit).
func BenchmarkLayerProducts(b *testing.B) {
	products := []struct {
		name string
		s    smallShape
	}{
		{"y=x@w1T", smallShape{false, true, 100, 4, 2}},
		{"y=h@w2T", smallShape{false, true, 100, 1, 4}},
		{"dh=g@w2", smallShape{false, false, 100, 4, 1}},
		{"dw2=gT@h", smallShape{true, false, 1, 4, 100}},
		{"dw1=gT@x", smallShape{true, false, 4, 2, 100}},
	}
	for _, p := range products {
		b.Run("float32/"+p.name, func(b *testing.B) { benchSmall[float32](b, p.s, Gemm[float32]) })
		b.Run("float64/"+p.name, func(b *testing.B) { benchSmall[float64](b, p.s, Gemm[float64]) })
	}
}
