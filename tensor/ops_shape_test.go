package tensor

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The shape ops only move elements, so their expected gradients below are
// derived by hand: a gradient is the seed scattered back to the positions
// the forward read. Everything else is checked against finite differences
// with GradCheck.

// shapeParam returns a contiguous Param of the given shape with entries
// drawn from [-1, 1).
func shapeParam(rng *rand.Rand, shape ...int) *Value[float64] {
	return Param(Uniform(rng, -1.0, 1.0, shape...))
}

// shapeParamT returns a Param of the given shape (at least 2-D) whose data
// is the transposed view of a contiguous tensor, so not contiguous.
func shapeParamT(rng *rand.Rand, shape ...int) *Value[float64] {
	s := slices.Clone(shape)
	n := len(s)
	s[n-1], s[n-2] = s[n-2], s[n-1]
	return Param(Uniform(rng, -1.0, 1.0, s...).Transpose(-1, -2))
}

// shapeParamS returns a Param of the given shape whose data is a view that
// steps by 2 along axis through a larger contiguous tensor.
func shapeParamS(rng *rand.Rand, axis int, shape ...int) *Value[float64] {
	s := slices.Clone(shape)
	s[axis] = 2*s[axis] + 1
	return Param(Uniform(rng, -1.0, 1.0, s...).Slice(axis, 1, s[axis], 2))
}

type shapeCase struct {
	name   string
	inputs func(rng *rand.Rand) []*Value[float64]
	f      func(xs []*Value[float64]) *Value[float64]
}

// shapeUnary adapts a single-input op.
func shapeUnary(f func(x *Value[float64]) *Value[float64]) func(xs []*Value[float64]) *Value[float64] {
	return func(xs []*Value[float64]) *Value[float64] { return f(xs[0]) }
}

func shapeIns(vs ...*Value[float64]) []*Value[float64] { return vs }

func shapeCases() []shapeCase {
	return []shapeCase{
		{"Reshape/contiguous", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 2, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return Reshape(x, 4, -1) })},
		{"Reshape/transposed_copies", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Reshape(2, 6) })},
		{"Reshape/sliced", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamS(r, 1, 2, 3)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Reshape(6) })},
		{"Reshape/0d", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Reshape(1, 1) })},
		{"View/contiguous", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 2, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return View(x, 6, 4) })},
		{"View/sliced", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamS(r, 0, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.View(3, 2, 2) })},
		{"Flatten/transposed", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return Flatten(x) })},
		{"Flatten/0d", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Flatten() })},
		{"Squeeze/all", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 1, 3, 1, 2)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return Squeeze(x) })},
		{"Squeeze/negative_axis_transposed", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 3, 1, 2)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Squeeze(-2, 0) })},
		{"Unsqueeze/negative_axis", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return Unsqueeze(x, -1) })},
		{"Unsqueeze/transposed", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Unsqueeze(1) })},
		{"Transpose/contiguous", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 2, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return Transpose(x, 0, 2) })},
		{"Transpose/negative_axes_transposed", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 2, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Transpose(-1, -3) })},
		{"Permute/contiguous", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 2, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return Permute(x, 2, 0, 1) })},
		{"Permute/negative_axes_sliced", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamS(r, 1, 2, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Permute(-1, 0, -2) })},
		{"T/2d", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return T(x) })},
		{"T/transposed", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.T() })},
		{"T/1d", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 5)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.T() })},
		{"Slice/step2", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 5, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return Slice(x, 0, 1, 5, 2) })},
		{"Slice/negative_bounds_transposed", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 3, 6)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Slice(-1, -4, 100, 1) })},
		{"Slice/step3_sliced", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamS(r, 0, 7, 2)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Slice(0, 0, 7, 3) })},
		{"Slice/empty", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 4, 2)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Slice(0, 3, 1, 1) })},
		{"Select/negative_index", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return Select(x, 0, -1) })},
		{"Select/transposed", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Select(1, 2) })},
		{"Select/negative_axis_sliced", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamS(r, 2, 2, 3, 2)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Select(-2, 1) })},
		{"Select/to_0d", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Select(0, 2) })},
		{"IndexSelect/repeated", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 4, 3)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return IndexSelect(x, 0, []int{3, 0, 3, 3, 1}) })},
		{"IndexSelect/negative_axis_transposed", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.IndexSelect(-1, []int{2, 2, 0}) })},
		{"IndexSelect/sliced", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamS(r, 1, 2, 3)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.IndexSelect(1, []int{1, 1}) })},
		{"IndexSelect/0d", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.IndexSelect(0, []int{0}) })},
		{"IndexSelect/no_indices", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 3, 2)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.IndexSelect(0, nil) })},
		{"Contiguous/contiguous", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return Contiguous(x) })},
		{"Contiguous/transposed", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Contiguous() })},
		{"Contiguous/sliced", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamS(r, 0, 3, 2)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] { return x.Contiguous() })},
		{"Concat/three", func(r *rand.Rand) []*Value[float64] {
			return shapeIns(shapeParam(r, 2, 1, 3), shapeParamT(r, 2, 2, 3), shapeParamS(r, 2, 2, 3, 3))
		}, func(xs []*Value[float64]) *Value[float64] { return Concat(1, xs...) }},
		{"Concat/negative_axis_const", func(r *rand.Rand) []*Value[float64] {
			return shapeIns(shapeParamT(r, 3, 2), Const(Uniform(r, -1.0, 1.0, 3, 1)), shapeParam(r, 3, 4))
		}, func(xs []*Value[float64]) *Value[float64] { return Concat(-1, xs...) }},
		{"Concat/single", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 2, 3)) },
			func(xs []*Value[float64]) *Value[float64] { return Concat(0, xs...) }},
		{"Stack/middle", func(r *rand.Rand) []*Value[float64] {
			return shapeIns(shapeParam(r, 2, 3), shapeParamT(r, 2, 3), shapeParamS(r, 0, 2, 3))
		}, func(xs []*Value[float64]) *Value[float64] { return Stack(1, xs...) }},
		{"Stack/negative_axis", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 3), shapeParam(r, 3)) },
			func(xs []*Value[float64]) *Value[float64] { return Stack(-1, xs...) }},
		{"Chain/views_of_views", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParam(r, 2, 3, 4)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] {
				return x.Reshape(4, 6).T().Slice(0, 1, 6, 2).Select(1, -1).Unsqueeze(0).Permute(1, 0).Transpose(0, 1)
			})},
		{"Chain/scatter_of_gather", func(r *rand.Rand) []*Value[float64] { return shapeIns(shapeParamT(r, 4, 3)) },
			shapeUnary(func(x *Value[float64]) *Value[float64] {
				return x.IndexSelect(0, []int{1, 1, 3}).Slice(1, 0, 3, 2).Select(0, 1).Flatten()
			})},
	}
}

func TestShapeGradCheck(t *testing.T) {
	for _, c := range shapeCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			if err := GradCheck(c.f, c.inputs(rng), GradCheckOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestShapeGradGradCheck is a gradgradcheck: with y = f(xs)², it checks the
// gradient of the first gradient dxs (taken with CreateGraph for a seed s
// that requires a gradient itself) with respect to both xs and s against
// finite differences. Squaring makes dxs depend on xs, so the second-order
// path runs through each op's backward closure as well as through its
// partner's (sliceBackward, selectBackward, indexAdd). The whole Jacobian
// of dxs is checked, which implies the check of sum(dxs * w) for every w.
func TestShapeGradGradCheck(t *testing.T) {
	for _, c := range shapeCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			xs := c.inputs(rng)
			seed := Param(Uniform(rng, -1.0, 1.0, c.f(xs).Shape()...))
			var diff []int
			for i, x := range xs {
				if x.RequiresGrad() {
					diff = append(diff, i)
				}
			}
			for k := range diff {
				firstGrad := func(in []*Value[float64]) *Value[float64] {
					xs, s := in[:len(in)-1], in[len(in)-1]
					y := c.f(xs)
					y = Mul(y, y)
					req := make([]*Value[float64], len(diff))
					for j, i := range diff {
						req[j] = xs[i]
					}
					gs := Grad([]*Value[float64]{y}, req, []*Value[float64]{s}, GradOptions{Options: BackwardOptions{CreateGraph: true}})
					if !gs[k].RequiresGrad() {
						t.Fatalf("input %d: gradient under CreateGraph does not require grad", diff[k])
					}
					return gs[k]
				}
				if err := GradCheck(firstGrad, append(slices.Clone(xs), seed), GradCheckOptions{}); err != nil {
					t.Errorf("input %d: %v", diff[k], err)
				}
			}
		})
	}
}

// TestShapeThirdOrder differentiates the create-graph gradient of the
// create-graph gradient: with y = f(xs)³, seeds s and w that require
// gradients, d1 = grad(y, xs, s) and d2 = grad(d1_k, xs, w), it checks the
// Jacobian of every d2_j with respect to xs, s and w. This is the order at
// which the backward closures of the scatter partners (sliceBackward,
// selectBackward, indexAdd) must themselves record.
func TestShapeThirdOrder(t *testing.T) {
	create := GradOptions{Options: BackwardOptions{CreateGraph: true}}
	for _, c := range shapeCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			xs := c.inputs(rng)
			s := Param(Uniform(rng, -1.0, 1.0, c.f(xs).Shape()...))
			var diff []int
			for i, x := range xs {
				if x.RequiresGrad() {
					diff = append(diff, i)
				}
			}
			for k := range diff {
				w := Param(Uniform(rng, -1.0, 1.0, xs[diff[k]].Shape()...))
				for j := range diff {
					second := func(in []*Value[float64]) *Value[float64] {
						n := len(in) - 2
						xs, s, w := in[:n], in[n], in[n+1]
						y := c.f(xs)
						y = Mul(Mul(y, y), y)
						req := make([]*Value[float64], len(diff))
						for m, i := range diff {
							req[m] = xs[i]
						}
						d1 := Grad([]*Value[float64]{y}, req, []*Value[float64]{s}, create)
						d2 := Grad([]*Value[float64]{d1[k]}, req, []*Value[float64]{w}, GradOptions{Options: create.Options, AllowUnused: true})
						if d2[j] == nil {
							return Const(Zeros[float64](req[j].Shape()...))
						}
						return d2[j]
					}
					if err := GradCheck(second, append(slices.Clone(xs), s, w), GradCheckOptions{}); err != nil {
						t.Errorf("d(d%d)/d%d: %v", diff[k], diff[j], err)
					}
				}
			}
		})
	}
}

// TestShapePlainBackwardRecordsNothing checks that without CreateGraph the
// gradients are plain leaves.
func TestShapePlainBackwardRecordsNothing(t *testing.T) {
	for _, c := range shapeCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			xs := c.inputs(rng)
			y := c.f(xs)
			seed := Const(Uniform(rng, -1.0, 1.0, y.Shape()...))
			var req []*Value[float64]
			for _, x := range xs {
				if x.RequiresGrad() {
					req = append(req, x)
				}
			}
			for i, g := range Grad([]*Value[float64]{y}, req, []*Value[float64]{seed}, GradOptions{}) {
				if g.RequiresGrad() || !g.IsLeaf() {
					t.Errorf("gradient %d: RequiresGrad %v, IsLeaf %v; want false, true", i, g.RequiresGrad(), g.IsLeaf())
				}
				if !slices.Equal(g.Shape(), req[i].Shape()) {
					t.Errorf("gradient %d: shape %v; want %v", i, g.Shape(), req[i].Shape())
				}
			}
		})
	}
}

// shapeSeedGrad runs y.BackwardWith(seed) and returns x's gradient in
// row-major order.
func shapeSeedGrad(t *testing.T, x, y *Value[float64], seed ...float64) []float64 {
	t.Helper()
	y.BackwardWith(Const(New(seed, y.Shape()...)), BackwardOptions{})
	if x.Grad() == nil {
		t.Fatal("Grad() = nil after backward")
	}
	return x.Grad().Data().ToSlice()
}

func TestShapeGradientValues(t *testing.T) {
	// x = arange(n) laid out as shape; the expected gradients scatter the
	// seed back to the positions the forward read, worked out by hand.
	arange := func(shape ...int) *Value[float64] {
		return Param(Arange(0.0, float64(numel(shape)), 1).Reshape(shape...))
	}
	t.Run("Slice", func(t *testing.T) {
		x := arange(5)
		y := x.Slice(0, 1, 5, 2) // x[1], x[3]
		if diff := cmp.Diff([]float64{1, 3}, y.Data().ToSlice()); diff != "" {
			t.Errorf("forward (-want +got):\n%s", diff)
		}
		got := shapeSeedGrad(t, x, y, 10, 20)
		if diff := cmp.Diff([]float64{0, 10, 0, 20, 0}, got); diff != "" {
			t.Errorf("grad (-want +got):\n%s", diff)
		}
	})
	t.Run("Select", func(t *testing.T) {
		x := arange(2, 3)
		y := x.Select(-1, 1) // column 1: x[0][1]=1, x[1][1]=4
		if diff := cmp.Diff([]float64{1, 4}, y.Data().ToSlice()); diff != "" {
			t.Errorf("forward (-want +got):\n%s", diff)
		}
		got := shapeSeedGrad(t, x, y, 10, 20)
		if diff := cmp.Diff([]float64{0, 10, 0, 0, 20, 0}, got); diff != "" {
			t.Errorf("grad (-want +got):\n%s", diff)
		}
	})
	t.Run("IndexSelect", func(t *testing.T) {
		x := arange(3)
		y := x.IndexSelect(0, []int{2, 0, 2, 2})
		if diff := cmp.Diff([]float64{2, 0, 2, 2}, y.Data().ToSlice()); diff != "" {
			t.Errorf("forward (-want +got):\n%s", diff)
		}
		// Index 2 is read three times: its gradient is 1 + 100 + 1000.
		got := shapeSeedGrad(t, x, y, 1, 10, 100, 1000)
		if diff := cmp.Diff([]float64{10, 0, 1101}, got); diff != "" {
			t.Errorf("grad (-want +got):\n%s", diff)
		}
	})
	t.Run("Transpose", func(t *testing.T) {
		x := arange(2, 3)
		y := x.Transpose(0, 1) // [[0,3],[1,4],[2,5]]
		got := shapeSeedGrad(t, x, y, 1, 2, 3, 4, 5, 6)
		// dx[i][j] = seed[j][i]
		if diff := cmp.Diff([]float64{1, 3, 5, 2, 4, 6}, got); diff != "" {
			t.Errorf("grad (-want +got):\n%s", diff)
		}
	})
	t.Run("Permute", func(t *testing.T) {
		x := arange(1, 2, 3)
		y := x.Permute(2, 0, 1) // shape (3,1,2), y[k][0][j] = x[0][j][k]
		got := shapeSeedGrad(t, x, y, 1, 2, 3, 4, 5, 6)
		// dx[0][j][k] = seed[k][0][j] = seed flat 2k+j
		if diff := cmp.Diff([]float64{1, 3, 5, 2, 4, 6}, got); diff != "" {
			t.Errorf("grad (-want +got):\n%s", diff)
		}
	})
	t.Run("Concat", func(t *testing.T) {
		a, b := arange(2, 1), arange(2, 2)
		y := Concat(1, a, b) // [[a00,b00,b01],[a10,b10,b11]]
		if diff := cmp.Diff([]float64{0, 0, 1, 1, 2, 3}, y.Data().ToSlice()); diff != "" {
			t.Errorf("forward (-want +got):\n%s", diff)
		}
		y.BackwardWith(Const(New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)), BackwardOptions{})
		if diff := cmp.Diff([]float64{1, 4}, a.Grad().Data().ToSlice()); diff != "" {
			t.Errorf("grad a (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]float64{2, 3, 5, 6}, b.Grad().Data().ToSlice()); diff != "" {
			t.Errorf("grad b (-want +got):\n%s", diff)
		}
	})
	t.Run("Stack", func(t *testing.T) {
		a, b := arange(2), arange(2)
		y := Stack(1, a, b) // [[a0,b0],[a1,b1]]
		if !slices.Equal(y.Shape(), []int{2, 2}) {
			t.Fatalf("shape %v; want [2 2]", y.Shape())
		}
		y.BackwardWith(Const(New([]float64{1, 2, 3, 4}, 2, 2)), BackwardOptions{})
		if diff := cmp.Diff([]float64{1, 3}, a.Grad().Data().ToSlice()); diff != "" {
			t.Errorf("grad a (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]float64{2, 4}, b.Grad().Data().ToSlice()); diff != "" {
			t.Errorf("grad b (-want +got):\n%s", diff)
		}
	})
	t.Run("Chain", func(t *testing.T) {
		// x[a][b][c] = 12a + 4b + c. Transpose(0,2) gives shape (4,3,2)
		// with [c][b][a]; Slice(0,1,4,2) keeps c = 1, 3; Select(1,-1)
		// keeps b = 2, leaving y[i][j] = x[j][2][1+2i]; Reshape(4) puts
		// it at flat 2i+j.
		x := arange(2, 3, 4)
		y := x.Transpose(0, 2).Slice(0, 1, 4, 2).Select(1, -1).Reshape(4)
		if diff := cmp.Diff([]float64{9, 21, 11, 23}, y.Data().ToSlice()); diff != "" {
			t.Errorf("forward (-want +got):\n%s", diff)
		}
		got := shapeSeedGrad(t, x, y, 1, 2, 3, 4)
		want := make([]float64, 24)
		want[0*12+2*4+1] = 1
		want[1*12+2*4+1] = 2
		want[0*12+2*4+3] = 3
		want[1*12+2*4+3] = 4
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("grad (-want +got):\n%s", diff)
		}
	})
	t.Run("SecondOrder", func(t *testing.T) {
		// y = sum over the slice x[1], x[3] of x², so dy/dx = 2x on the
		// slice and 0 elsewhere, and the Hessian-vector product with
		// v = ones is 2 on the slice and 0 elsewhere.
		x := arange(5)
		s := x.Slice(0, 1, 5, 2)
		y := Mul(s, s)
		gs := Grad([]*Value[float64]{y}, []*Value[float64]{x}, []*Value[float64]{Const(Ones[float64](2))},
			GradOptions{Options: BackwardOptions{CreateGraph: true}})
		if diff := cmp.Diff([]float64{0, 2, 0, 6, 0}, gs[0].Data().ToSlice()); diff != "" {
			t.Errorf("grad (-want +got):\n%s", diff)
		}
		gs[0].BackwardWith(Const(Ones[float64](5)), BackwardOptions{})
		if diff := cmp.Diff([]float64{0, 2, 0, 2, 0}, x.Grad().Data().ToSlice()); diff != "" {
			t.Errorf("Hessian-vector product (-want +got):\n%s", diff)
		}
	})
}

// TestShapeViewsShareStorage checks that the view ops on Values view their
// input's data, as the Tensor views do, and that the copying ops do not.
func TestShapeViewsShareStorage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := shapeParam(rng, 2, 3, 4)
	views := map[string]*Value[float64]{
		"Reshape":   x.Reshape(6, 4),
		"View":      x.View(-1),
		"Flatten":   x.Flatten(),
		"Squeeze":   x.Reshape(1, 24).Squeeze(),
		"Unsqueeze": x.Unsqueeze(0),
		"Transpose": x.Transpose(0, 1),
		"Permute":   x.Permute(1, 2, 0),
		"T":         x.Select(0, 0).T(),
		"Slice":     x.Slice(1, 0, 3, 2),
		"Select":    x.Select(2, 1),
		"Chain":     x.Transpose(0, 2).Slice(0, 1, 4, 2).Select(1, -1).Unsqueeze(1),
		// Contiguous of a contiguous value is the value itself.
		"Contiguous": x.Contiguous(),
	}
	for name, v := range views {
		if !v.Data().SharesStorage(x.Data()) {
			t.Errorf("%s: data does not share storage with the input", name)
		}
	}
	copies := map[string]*Value[float64]{
		"Reshape_of_transposed": x.Transpose(0, 2).Reshape(-1),
		"IndexSelect":           x.IndexSelect(0, []int{0, 1}),
		"Contiguous":            x.Transpose(0, 1).Contiguous(),
		"Concat":                Concat(0, x),
		"Stack":                 Stack(0, x),
	}
	for name, v := range copies {
		if v.Data().SharesStorage(x.Data()) {
			t.Errorf("%s: data shares storage with the input; want a copy", name)
		}
	}
	if x.Contiguous() != x {
		t.Errorf("Contiguous of a contiguous value is a new value; want the value itself")
	}
}

func TestShapeOpNames(t *testing.T) {
	x := Param(Zeros[float64](2, 3))
	for _, c := range []struct {
		v  *Value[float64]
		op string
	}{
		{x.Reshape(3, 2), "Reshape"},
		{x.View(6), "View"},
		{x.Flatten(), "Reshape"},
		{x.Unsqueeze(0), "Reshape"},
		{x.Transpose(0, 1), "Transpose"},
		{x.Permute(1, 0), "Permute"},
		{x.T(), "T"},
		{x.Slice(0, 0, 1, 1), "Slice"},
		{x.Select(0, 0), "Select"},
		{x.IndexSelect(0, []int{0}), "IndexSelect"},
		{x.T().Contiguous(), "Contiguous"},
		{Concat(0, x, x), "Concat"},
		{Stack(0, x, x), "Concat"},
	} {
		if got := c.v.Op(); got != c.op {
			t.Errorf("Op() = %q; want %q", got, c.op)
		}
	}
}

func TestShapeNoGradInputsRecordNothing(t *testing.T) {
	x := Const(Zeros[float64](2, 3))
	for _, v := range []*Value[float64]{
		x.Reshape(3, 2), x.T(), x.Slice(0, 0, 1, 1), x.Select(1, 0), x.IndexSelect(0, []int{1}),
		Concat(0, x, x), Stack(0, x, x), x.T().Contiguous(),
	} {
		if v.RequiresGrad() || !v.IsLeaf() {
			t.Errorf("%s: RequiresGrad %v, IsLeaf %v; want false, true", v.describe(), v.RequiresGrad(), v.IsLeaf())
		}
	}
}

func TestShapeFloat32(t *testing.T) {
	x := Param(New([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	y := Concat(0, x.T().Slice(0, 0, 3, 2).Flatten(), x.Select(0, 1).IndexSelect(0, []int{0, 0}))
	y.BackwardWith(Const(New([]float32{1, 2, 3, 4, 5, 6}, 6)), BackwardOptions{})
	// x.T() rows 0 and 2 are x's columns 0 and 2: [1,4] and [3,6], seeded
	// 1..4; x[1][0] is read twice, seeded 5 and 6.
	want := []float32{1, 0, 3, 2 + 11, 0, 4}
	if diff := cmp.Diff(want, x.Grad().Data().ToSlice()); diff != "" {
		t.Errorf("grad (-want +got):\n%s", diff)
	}
}

// shapePanics fails unless f panics with an error wrapping sentinel.
func shapePanics(t *testing.T, name string, sentinel error, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		err, ok := recover().(error)
		if !ok || !errors.Is(err, sentinel) {
			t.Errorf("%s: panic %v; want an error wrapping %v", name, err, sentinel)
		}
	}()
	f()
}

func TestShapePanics(t *testing.T) {
	x := Param(Zeros[float64](2, 3))
	shapePanics(t, "Reshape", ErrShape, func() { x.Reshape(4) })
	shapePanics(t, "View", ErrShape, func() { x.T().View(6) })
	shapePanics(t, "Transpose", ErrAxis, func() { x.Transpose(0, 2) })
	shapePanics(t, "Permute", ErrAxis, func() { x.Permute(0, 0) })
	shapePanics(t, "T", ErrShape, func() { x.Unsqueeze(0).T() })
	shapePanics(t, "Squeeze", ErrAxis, func() { x.Squeeze(2) })
	shapePanics(t, "Unsqueeze", ErrAxis, func() { x.Unsqueeze(4) })
	shapePanics(t, "Slice", ErrArgument, func() { x.Slice(0, 0, 2, 0) })
	shapePanics(t, "Select", ErrIndex, func() { x.Select(1, 3) })
	shapePanics(t, "IndexSelect", ErrIndex, func() { x.IndexSelect(0, []int{-1}) })
	shapePanics(t, "Concat/empty", ErrArgument, func() { Concat[float64](0) })
	shapePanics(t, "Concat/shapes", ErrShape, func() { Concat(0, x, x.T()) })
	shapePanics(t, "Stack/empty", ErrArgument, func() { Stack[float64](0) })
	shapePanics(t, "Stack/shapes", ErrShape, func() { Stack(0, x, x.T()) })
	shapePanics(t, "Stack/axis", ErrAxis, func() { Stack(3, x, x) })
}
