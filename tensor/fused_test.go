package tensor

import (
	"math/rand/v2"
	"testing"
)

// TestFusedGrads checks that the fused plain backwards of Tanh and Sigmoid
// give, bit for bit, what their composed create-graph rules give, for a
// contiguous incoming gradient and for the broadcast one of Sum.
func TestFusedGrads(t *testing.T) {
	ops := map[string]func(*Value[float64]) *Value[float64]{"Tanh": Tanh[float64], "Sigmoid": Sigmoid[float64]}
	rng := rand.New(rand.NewPCG(5, 6))
	for name, op := range ops {
		for _, seedKind := range []string{"contiguous", "broadcast"} {
			x := Param(Normal[float64](rng, 0, 2, 7, 301)) // odd sizes: more than one run of fusedGrad
			w := Normal[float64](rng, 0, 1, 7, 301)
			loss := func() *Value[float64] {
				if seedKind == "broadcast" {
					return Sum(op(x))
				}
				return Sum(Mul(op(x), Const(w)))
			}
			plain := Grad([]*Value[float64]{loss()}, []*Value[float64]{x}, nil, GradOptions{})[0]
			composed := Grad([]*Value[float64]{loss()}, []*Value[float64]{x}, nil, GradOptions{Options: BackwardOptions{CreateGraph: true}})[0]
			if !bitsEqual(plain.Data().ToSlice(), composed.Data().ToSlice()) {
				t.Errorf("%s with a %s gradient: fused backward differs from the composed rule", name, seedKind)
			}
		}
	}
}
