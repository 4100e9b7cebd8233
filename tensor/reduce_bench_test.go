package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func BenchmarkSum(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := rdRand[float32](rng, 1024, 1024)
	cases := []struct {
		name string
		axes []int
	}{
		{"all", nil},            // one contiguous run
		{"lastaxis", []int{1}},  // row reductions
		{"firstaxis", []int{0}}, // column reductions, the general loop
	}
	for _, c := range cases {
		b.Run(c.name+"/1024x1024/float32", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(4 * x.Size()))
			for b.Loop() {
				x.Sum(c.axes...)
			}
		})
	}
}

func BenchmarkSoftmax(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{64, 1024} {
		x := rdRand[float32](rng, 1024, n)
		b.Run(fmt.Sprintf("rows/1024x%d/float32", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(4 * x.Size()))
			for b.Loop() {
				x.Softmax(-1)
			}
		})
	}
}

func benchMatMul[T Float](b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(3, 3))
	x, y := rdRand[T](rng, n, n), rdRand[T](rng, n, n)
	b.ReportAllocs()
	for b.Loop() {
		x.MatMul(y)
	}
	flops := 2 * float64(n) * float64(n) * float64(n)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkMatMul(b *testing.B) {
	for _, n := range []int{64, 128, 256, 512, 1024} {
		b.Run(fmt.Sprintf("float32/n=%d", n), func(b *testing.B) { benchMatMul[float32](b, n) })
		b.Run(fmt.Sprintf("float64/n=%d", n), func(b *testing.B) { benchMatMul[float64](b, n) })
	}
}
