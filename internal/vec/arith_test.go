package vec

import (
	"math/rand/v2"
	"testing"
)

// TestAxpyBits checks Axpy, assembly where the machine has it, against the
// definition y[i] + T(a*x[i]) bit for bit, a NaN matching any NaN (see
// same), on every length up to three steps of the assembly and then some,
// at three alignments, with the special values among a, x and y.
func TestAxpyBits(t *testing.T) {
	t.Run("float32", testAxpy[float32])
	t.Run("float64", testAxpy[float64])
}

func testAxpy[T float32 | float64](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	as := append(inputs[T](rng, 4), 0.1, -3)
	for _, a := range as {
		vectorPairs(rng, func(n, off int, x, y []T) {
			want := make([]T, n)
			for i := range want {
				want[i] = y[i] + T(a*x[i])
			}
			Axpy(a, x, y)
			for i := range want {
				if !same(y[i], want[i]) {
					t.Fatalf("a = %v, n = %d, offset %d: element %d is %v, want %v", a, n, off, i, y[i], want[i])
				}
			}
		})
	}
}

// vectorPairs calls f with pairs of vectors of inputs, of every length n
// up to three steps of the assembly and then some, starting at element
// offsets off of 0 to 2 of their slices.
func vectorPairs[T float32 | float64](rng *rand.Rand, f func(n, off int, x, y []T)) {
	for n := range 53 {
		for off := range 3 {
			f(n, off, inputs[T](rng, n+off)[off:], inputs[T](rng, n+off)[off:])
		}
	}
}

// TestAddBits checks Add, assembly where the machine has it, against x +
// y as TestAxpyBits checks Axpy, also in place (dst the same as x).
func TestAddBits(t *testing.T) {
	t.Run("float32", testAdd[float32])
	t.Run("float64", testAdd[float64])
}

func testAdd[T float32 | float64](t *testing.T) {
	vectorPairs(rand.New(rand.NewPCG(7, 8)), func(n, off int, x, y []T) {
		want := make([]T, n)
		for i := range want {
			want[i] = x[i] + y[i]
		}
		dst := make([]T, n)
		Add(dst, x, y)
		Add(x, x, y)
		for i := range want {
			if !same(dst[i], want[i]) || !same(x[i], want[i]) {
				t.Fatalf("n = %d, offset %d: element %d is %v (in place %v), want %v", n, off, i, dst[i], x[i], want[i])
			}
		}
	})
}
