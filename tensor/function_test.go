package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// cube is x³ as a user Function whose backward is written with ops, so it
// supports double backward.
var cube = &Function[float64]{
	Name:    "Cube",
	Forward: func(xs []*Tensor[float64]) *Tensor[float64] { return xs[0].Mul(xs[0]).Mul(xs[0]) },
	Backward: func(g *Value[float64], xs []*Value[float64], _ *Value[float64]) []*Value[float64] {
		return []*Value[float64]{Mul(g, MulScalar(Mul(xs[0], xs[0]), 3))}
	},
}

func TestFunctionGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := Param(Uniform[float64](rng, -2, 2, 3, 2))
	if err := GradCheck(func(xs []*Value[float64]) *Value[float64] { return cube.Apply(xs[0]) }, []*Value[float64]{x}, GradCheckOptions{}); err != nil {
		t.Error(err)
	}
	// Second order: d²/dx² x³ = 6x.
	x = param(2)
	opts := GradOptions{Options: BackwardOptions{CreateGraph: true}}
	g := Grad([]*Value[float64]{cube.Apply(x)}, []*Value[float64]{x}, nil, opts)[0]
	gg := Grad([]*Value[float64]{g}, []*Value[float64]{x}, nil, GradOptions{})[0]
	if got := []float64{g.Item(), gg.Item()}; !cmp.Equal(got, []float64{12, 12}) {
		t.Errorf("first and second derivative %v; want [12 12]", got)
	}
	// A plain backward through a Function records nothing.
	x = param(2)
	g = Grad([]*Value[float64]{cube.Apply(x)}, []*Value[float64]{x}, nil, GradOptions{})[0]
	if g.RequiresGrad() {
		t.Error("gradient of a plain backward through a Function requires grad")
	}
}

func TestFunctionBadBackward(t *testing.T) {
	bad := &Function[float64]{
		Name:    "Bad",
		Forward: func(xs []*Tensor[float64]) *Tensor[float64] { return xs[0].Clone() },
		Backward: func(g *Value[float64], _ []*Value[float64], _ *Value[float64]) []*Value[float64] {
			return []*Value[float64]{Const(vec(1, 2, 3))}
		},
	}
	x := param(1, 2)
	y := Sum(bad.Apply(x))
	mustPanic(t, ErrShape, func() { y.Backward() })
}

func TestStraightThrough(t *testing.T) {
	round := func(t *Tensor[float64]) *Tensor[float64] { return t.Apply(math.Round) }
	x := param(0.2, 0.7, -1.6)
	y := StraightThrough(x, round)
	if got := y.Data().ToSlice(); !cmp.Equal(got, []float64{0, 1, -2}) {
		t.Errorf("forward %v; want [0 1 -2]", got)
	}
	Sum(MulScalar(y, 3)).Backward()
	if got := gradOf(t, x); !cmp.Equal(got, []float64{3, 3, 3}) {
		t.Errorf("straight-through gradient %v; want [3 3 3]", got)
	}
}

// TestFunctionOperandCounts checks a Function of one to five operands
// (their product), on both sides of the number of operands whose detached
// copies Apply makes in one allocation.
func TestFunctionOperandCounts(t *testing.T) {
	prod := &Function[float64]{
		Name: "Product",
		Forward: func(xs []*Tensor[float64]) *Tensor[float64] {
			p := xs[0].Clone()
			for _, x := range xs[1:] {
				p = p.Mul(x)
			}
			return p
		},
		Backward: func(g *Value[float64], xs []*Value[float64], _ *Value[float64]) []*Value[float64] {
			gs := make([]*Value[float64], len(xs))
			for i := range xs {
				gi := g
				for j, x := range xs {
					if j != i {
						gi = Mul(gi, x)
					}
				}
				gs[i] = gi
			}
			return gs
		},
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for n := 1; n <= 5; n++ {
		xs := make([]*Value[float64], n)
		for i := range xs {
			xs[i] = Param(Uniform[float64](rng, -1, 1, 2, 3))
		}
		if err := GradCheck(func(xs []*Value[float64]) *Value[float64] { return prod.Apply(xs...) }, xs, GradCheckOptions{}); err != nil {
			t.Errorf("%d operands: %v", n, err)
		}
	}
}
