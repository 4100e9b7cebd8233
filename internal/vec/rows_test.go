package vec

import (
	"math/rand/v2"
	"testing"
)

// TestRowsBits checks AddRows and SumRows, assembly where the machine has
// it, against the Go loops bit for bit on every width path (one column,
// multiples of four, others) and on row counts from none up, with the
// special values of TestReLUBits among the elements; and SumRows' Go loop
// against the definition, each column summed from 0 in row order. A NaN
// matches any NaN: which payload a sum of two NaNs keeps depends on the
// order of the operands of one addition, which Go's compiler is free to
// swap.
func TestRowsBits(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testRows(t, AddRows[float32], SumRows[float32]) })
	t.Run("float64", func(t *testing.T) { testRows(t, AddRows[float64], SumRows[float64]) })
}

func testRows[T float32 | float64](t *testing.T, add func(y, b []T), sum func(d, g []T)) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 4, 5, 8, 12, 16, 17} {
		for _, rows := range []int{0, 1, 3, 7, 100} {
			y, b := inputs[T](rng, rows*n), inputs[T](rng, n)
			got, want := append([]T(nil), y...), append([]T(nil), y...)
			add(got, b)
			addRowsGo(want, b)
			for i := range want {
				if !same(got[i], want[i]) {
					t.Fatalf("AddRows, %d×%d: element %d is %v, the Go loop gives %v", rows, n, i, got[i], want[i])
				}
			}

			d, dGo := make([]T, n), make([]T, n)
			sum(d, y)
			sumRowsGo(dGo, y)
			for j := range n {
				s := 0.0
				for r := range rows {
					s += float64(y[r*n+j])
				}
				if !same(dGo[j], T(s)) {
					t.Fatalf("SumRows' Go loop, %d×%d: column %d is %v, want %v", rows, n, j, dGo[j], T(s))
				}
				if !same(d[j], dGo[j]) {
					t.Fatalf("SumRows, %d×%d: column %d is %v, the Go loop gives %v", rows, n, j, d[j], dGo[j])
				}
			}
		}
	}
}

// same reports whether x and y have the same bits, or are both NaN.
func same[T float32 | float64](x, y T) bool {
	return bits(x) == bits(y) || x != x && y != y
}
