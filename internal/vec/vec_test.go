package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// specials are the values on which ReLU's tricks could go wrong: both
// zeros, both infinities, NaNs of both signs and another payload, the
// smallest and largest numbers of either sign of both types.
var specials = []float64{
	math.NaN(), -math.NaN(), math.Float64frombits(0x7ff0000000000123),
	math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1, -1, 0.5, -0.5,
	math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
	math.MaxFloat32, -math.MaxFloat32, math.MaxFloat64, -math.MaxFloat64,
}

// inputs returns n values: every special, then random ones of both signs.
func inputs[T float32 | float64](rng *rand.Rand, n int) []T {
	xs := make([]T, n)
	for i := range xs {
		if k := rng.IntN(2 * len(specials)); k < len(specials) {
			xs[i] = T(specials[k])
		} else {
			xs[i] = T(rng.NormFloat64())
		}
	}
	return xs
}

func bits[T float32 | float64](x T) uint64 {
	if f, ok := any(x).(float32); ok {
		return uint64(math.Float32bits(f))
	}
	return math.Float64bits(float64(x))
}

// TestReLUBits checks the exported loops, assembly where the machine has
// it, against the Go loops bit for bit (NaN payloads and zero signs
// included), on every length up to three registers and then some, at
// every alignment, and the Go loops against the definition.
func TestReLUBits(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testReLU(t, ReLU[float32], reluGo32, ReLUGrad[float32], reluGradGo32) })
	t.Run("float64", func(t *testing.T) { testReLU(t, ReLU[float64], reluGo64, ReLUGrad[float64], reluGradGo64) })
}

func testReLU[T float32 | float64](t *testing.T, relu, reluGo func(dst, x []T), grad, gradGo func(dst, g, out []T)) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 37; n++ {
		for off := range 3 {
			x := inputs[T](rng, n+off)[off:]
			g := inputs[T](rng, n+off)[off:]
			got, want := make([]T, n), make([]T, n)
			relu(got, x)
			reluGo(want, x)
			for i := range n {
				if bits(got[i]) != bits(want[i]) {
					t.Fatalf("ReLU, n=%d, offset %d: element %d (%v) gives %v, the Go loop %v", n, off, i, x[i], got[i], want[i])
				}
				// The definition: x below zero gives +0, anything else itself.
				def := x[i]
				if x[i] < 0 {
					def = 0
				}
				if bits(want[i]) != bits(def) {
					t.Fatalf("ReLU's Go loop: %v gives %v, want %v", x[i], want[i], def)
				}
			}
			grad(got, g, want)
			gradGo(want, g, want)
			for i := range n {
				if bits(got[i]) != bits(want[i]) {
					t.Fatalf("ReLUGrad, n=%d, offset %d: g=%v gives %v, the Go loop %v", n, off, g[i], got[i], want[i])
				}
			}
		}
	}
}
