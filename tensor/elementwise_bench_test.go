package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkElementwise times the elementwise kernels on float32, the
// training default: the flat contiguous loops at three sizes, the bias-row
// broadcast of a linear layer and the general strided path.
func BenchmarkElementwise(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		x := Uniform[float32](rng, -2, 2, n)
		y := Uniform[float32](rng, -2, 2, n)
		for _, op := range []struct {
			name string
			f    func()
		}{
			{"Add", func() { x.Add(y) }},
			{"Mul", func() { x.Mul(y) }},
			{"Exp", func() { x.Exp() }},
			{"ReLU", func() { x.ReLU() }},
			{"AddInPlace", func() { x.AddInPlace(y) }},
			{"AddScaledInPlace", func() { x.AddScaledInPlace(1e-9, y) }},
		} {
			b.Run(fmt.Sprintf("%s/%d", op.name, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(n) * 4)
				for b.Loop() {
					op.f()
				}
			})
		}
	}
	for _, rows := range []int{64, 1024} {
		x := Uniform[float32](rng, -2, 2, rows, 256)
		bias := Uniform[float32](rng, -2, 2, 256)
		b.Run(fmt.Sprintf("AddBiasRow/%dx256", rows), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(rows) * 256 * 4)
			for b.Loop() {
				x.Add(bias)
			}
		})
	}
	for _, n := range []int{64, 512} {
		x := Uniform[float32](rng, -2, 2, n, n)
		y := Uniform[float32](rng, -2, 2, n, n)
		xt := x.view(0, []int{n, n}, []int{1, n}) // x transposed
		b.Run(fmt.Sprintf("AddTransposed/%dx%d", n, n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n) * int64(n) * 4)
			for b.Loop() {
				xt.Add(y)
			}
		})
	}
}
