package tensor

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Tests of the differentiable MatMul. The helpers (prefix rop) are in
// ops_reduce_test.go.

func ropMatMulCases() []ropCase {
	mm := func(xs []*Value[float64]) *Value[float64] { return MatMul(xs[0], xs[1]) }
	constOf := func(shape ...int) func(rng *rand.Rand) *Value[float64] {
		return func(rng *rand.Rand) *Value[float64] { return Const(Uniform[float64](rng, -2, 2, shape...)) }
	}
	return []ropCase{
		{"MatMul/2D@2D", mm, ropInputs(ropRandOf(3, 4), ropRandOf(4, 2))},
		{"MatMul/1D@1D", mm, ropInputs(ropRandOf(4), ropRandOf(4))},
		{"MatMul/2D@1D", mm, ropInputs(ropRandOf(3, 4), ropRandOf(4))},
		{"MatMul/1D@2D", mm, ropInputs(ropRandOf(4), ropRandOf(4, 2))},
		{"MatMul/batched@batched", mm, ropInputs(ropRandOf(2, 3, 4), ropRandOf(2, 4, 5))},
		// SEMANTICS.md 2.1/2.2: batch dims broadcast, (5,1,2,3)@(4,3,6) ->
		// (5,4,2,6); each gradient is summed back over the batch dims its
		// operand was broadcast along.
		{"MatMul/batch broadcast", mm, ropInputs(ropRandOf(5, 1, 2, 3), ropRandOf(4, 3, 6))},
		{"MatMul/batch broadcast size1", mm, ropInputs(ropRandOf(1, 2, 3), ropRandOf(3, 3, 2))},
		{"MatMul/batched@2D", mm, ropInputs(ropRandOf(2, 3, 4), ropRandOf(4, 5))},
		{"MatMul/4D@2D", mm, ropInputs(ropRandOf(2, 2, 3, 4), ropRandOf(4, 2))},
		{"MatMul/batched@1D", mm, ropInputs(ropRandOf(2, 3, 4), ropRandOf(4))},
		{"MatMul/1D@batched", mm, ropInputs(ropRandOf(4), ropRandOf(2, 4, 5))},
		{"MatMul/2D@batched", mm, ropInputs(ropRandOf(3, 4), ropRandOf(2, 4, 5))},
		{"MatMul/transposed", mm, func(rng *rand.Rand) []*Value[float64] {
			// Column-major views, which the kernel reads in place.
			a := Param(Uniform[float64](rng, -2, 2, 4, 3).T())
			b := Param(Uniform[float64](rng, -2, 2, 2, 4).T())
			return []*Value[float64]{a, b}
		}},
		{"MatMul/noncontiguous batched@2D", mm, ropInputs(ropNonContigOf(2, 3, 4), ropRandOf(4, 5))},
		{"MatMul/noncontiguous batched", mm, ropInputs(ropNonContigOf(2, 3, 4), ropNonContigOf(2, 4, 2))},
		{"MatMul/sliced", mm, func(rng *rand.Rand) []*Value[float64] {
			// Every other column: neither row- nor column-major.
			a := Param(Uniform[float64](rng, -2, 2, 3, 8).Slice(1, 0, 8, 2))
			return []*Value[float64]{a, ropRand(rng, 4, 3)}
		}},
		{"MatMul/constant b", mm, ropInputs(ropRandOf(2, 3, 4), constOf(4, 5))},
		{"MatMul/constant a", mm, ropInputs(constOf(3, 4), ropRandOf(2, 4, 5))},
		{"MatMul/method", func(xs []*Value[float64]) *Value[float64] { return xs[0].MatMul(xs[1]) },
			ropInputs(ropRandOf(2, 3), ropRandOf(3, 2))},
		// A product of products, so that second derivatives of MatMul meet
		// a non-constant upstream gradient: (a@b)@(a@b)ᵀ.
		{"MatMul/composed", func(xs []*Value[float64]) *Value[float64] {
			ab := MatMul(xs[0], xs[1])
			return MatMul(ab, Transpose(ab, 0, 1))
		}, ropInputs(ropRandOf(2, 3), ropRandOf(3, 2))},
	}
}

func TestMatMulOpGradCheck(t *testing.T) {
	for _, c := range ropMatMulCases() {
		t.Run(c.name, func(t *testing.T) { ropCheck(t, c) })
	}
}

// TestMatMulOpValues checks a product and its gradients computed by hand.
func TestMatMulOpValues(t *testing.T) {
	t.Run("MatMul/2D", func(t *testing.T) {
		a := Param(New([]float64{1, 2, 3, 4}, 2, 2))
		b := Param(New([]float64{5, 6, 7, 8}, 2, 2))
		out := MatMul(a, b)
		ropWant(t, "out", out.Data(), []int{2, 2}, []float64{19, 22, 43, 50})
		// Seed G = [[1,0],[0,2]]: da = G@bᵀ = [[5,7],[12,16]],
		// db = aᵀ@G = [[1,6],[2,8]].
		gs := Grad([]*Value[float64]{out}, []*Value[float64]{a, b}, []*Value[float64]{Const(New([]float64{1, 0, 0, 2}, 2, 2))}, GradOptions{})
		ropWant(t, "da", gs[0].Data(), []int{2, 2}, []float64{5, 7, 12, 16})
		ropWant(t, "db", gs[1].Data(), []int{2, 2}, []float64{1, 6, 2, 8})
	})
	t.Run("MatMul/1D@1D", func(t *testing.T) {
		a, b := ropParam(1, 2, 3), ropParam(4, 5, 6)
		out := MatMul(a, b)
		ropWant(t, "out", out.Data(), []int{}, []float64{32})
		out.Backward()
		ropWant(t, "da", a.Grad().Data(), []int{3}, []float64{4, 5, 6})
		ropWant(t, "db", b.Grad().Data(), []int{3}, []float64{1, 2, 3})
	})
	t.Run("MatMul/2D@1D", func(t *testing.T) {
		a := Param(New([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
		b := ropParam(1, 0, -1)
		out := MatMul(a, b)
		ropWant(t, "out", out.Data(), []int{2}, []float64{-2, -2})
		// Seed [1, 2]: da = outer(g, b), db = aᵀ@g = [9, 12, 15].
		out.BackwardWith(Const(ropVec(1, 2)), BackwardOptions{})
		ropWant(t, "da", a.Grad().Data(), []int{2, 3}, []float64{1, 0, -1, 2, 0, -2})
		ropWant(t, "db", b.Grad().Data(), []int{3}, []float64{9, 12, 15})
	})
	// SEMANTICS.md 2.2: gradient shapes of a batch-broadcast product.
	t.Run("MatMul/batch broadcast shapes", func(t *testing.T) {
		a := Param(Ones[float64](5, 1, 2, 3))
		b := Param(Ones[float64](4, 3, 6))
		out := MatMul(a, b)
		if got, want := out.Shape(), []int{5, 4, 2, 6}; !slices.Equal(got, want) {
			t.Fatalf("out shape %v, want %v", got, want)
		}
		Sum(out).Backward()
		// Each a element meets 4 batches × 6 columns of ones; each b
		// element meets 5 batches × 2 rows.
		ropWant(t, "da", a.Grad().Data(), []int{5, 1, 2, 3}, slices.Repeat([]float64{24}, 30))
		ropWant(t, "db", b.Grad().Data(), []int{4, 3, 6}, slices.Repeat([]float64{10}, 72))
	})
}

// TestMatMulOpErrors checks that bad shapes panic with ErrShape and
// PyTorch's message.
func TestMatMulOpErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		a, b    []int
		message string
	}{
		{"inner", []int{2, 3}, []int{4, 2}, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)"},
		{"0-d", []int{}, []int{3}, "both arguments to matmul need to be at least 1D, but they are 0D and 1D"},
		{"batch", []int{2, 2, 3}, []int{3, 3, 2}, "MatMul"},
	} {
		t.Run("MatMul/"+c.name, func(t *testing.T) {
			defer func() {
				p := recover()
				err, ok := p.(error)
				if !ok || !errors.Is(err, ErrShape) || !strings.Contains(err.Error(), c.message) {
					t.Errorf("panic %v; want an error wrapping ErrShape containing %q", p, c.message)
				}
			}()
			MatMul(Param(Ones[float64](c.a...)), Param(Ones[float64](c.b...)))
		})
	}
}
