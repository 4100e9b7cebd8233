package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Tests of the differentiable reductions, the softmax family (ops_reduce.go)
// and MatMul (ops_matmul.go). Every op is gradient-checked in float64 and
// gradgradchecked; the few exact numbers are derived by hand (ties, large
// inputs) or quoted from the PyTorch runs recorded in SEMANTICS.md.
//
// Helpers shared by ops_reduce_test.go and ops_matmul_test.go carry the
// prefix rop so that they cannot collide with other test files.

// ropCase is one row of a gradient-check table: f applied to the inputs
// that make builds.
type ropCase struct {
	name   string
	f      func(xs []*Value[float64]) *Value[float64]
	inputs func(rng *rand.Rand) []*Value[float64]
}

func ropRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// ropRand returns a Param of shape with values uniform in [-2, 2).
func ropRand(rng *rand.Rand, shape ...int) *Value[float64] {
	return Param(Uniform[float64](rng, -2, 2, shape...))
}

// ropDistinct returns a Param of shape holding a random permutation of
// values spaced 0.25 apart, jittered: no two elements are within a
// finite-difference step of each other, so max and min have no near-ties.
func ropDistinct(rng *rand.Rand, shape ...int) *Value[float64] {
	n := numel(shape)
	data := make([]float64, n)
	for i, p := range rng.Perm(n) {
		data[i] = float64(p)*0.25 - float64(n)*0.125 + rng.Float64()*0.1
	}
	return Param(New(data, n).Reshape(shape...))
}

// ropNonContig returns a Param of shape whose data is a non-contiguous
// view: the reversed-axes permutation of a contiguous tensor.
func ropNonContig(rng *rand.Rand, shape ...int) *Value[float64] {
	rev := slices.Clone(shape)
	slices.Reverse(rev)
	axes := make([]int, len(shape))
	for i := range axes {
		axes[i] = len(shape) - 1 - i
	}
	x := Uniform[float64](rng, -2, 2, rev...).Permute(axes...)
	if x.IsContiguous() {
		panic("ropNonContig: view is contiguous")
	}
	return Param(x)
}

func ropInputs(mk ...func(rng *rand.Rand) *Value[float64]) func(rng *rand.Rand) []*Value[float64] {
	return func(rng *rand.Rand) []*Value[float64] {
		out := make([]*Value[float64], len(mk))
		for i, m := range mk {
			out[i] = m(rng)
		}
		return out
	}
}

func ropRandOf(shape ...int) func(rng *rand.Rand) *Value[float64] {
	return func(rng *rand.Rand) *Value[float64] { return ropRand(rng, shape...) }
}

func ropDistinctOf(shape ...int) func(rng *rand.Rand) *Value[float64] {
	return func(rng *rand.Rand) *Value[float64] { return ropDistinct(rng, shape...) }
}

func ropNonContigOf(shape ...int) func(rng *rand.Rand) *Value[float64] {
	return func(rng *rand.Rand) *Value[float64] { return ropNonContig(rng, shape...) }
}

// ropGradGrad returns gradgradcheck's function of (inputs..., gOut):
// the first gradients of f, built with CreateGraph for the seed gOut,
// contracted with fixed random weights ws into one scalar.
func ropGradGrad(f func(xs []*Value[float64]) *Value[float64], ws []*Tensor[float64]) func(xs []*Value[float64]) *Value[float64] {
	return func(xs []*Value[float64]) *Value[float64] {
		n := len(xs) - 1
		ins, seed := xs[:n], xs[n]
		var diff []*Value[float64] // the inputs to differentiate: Grad refuses constants
		var w []*Tensor[float64]
		for i, x := range ins {
			if x.RequiresGrad() {
				diff, w = append(diff, x), append(w, ws[i])
			}
		}
		gs := Grad([]*Value[float64]{f(ins)}, diff, []*Value[float64]{seed},
			GradOptions{Options: BackwardOptions{CreateGraph: true}, AllowUnused: true})
		var total *Value[float64]
		for i, g := range gs {
			if g == nil {
				continue
			}
			term := Sum(Mul(g, Const(w[i])))
			if total == nil {
				total = term
			} else {
				total = Add(total, term)
			}
		}
		if total == nil {
			return Const(Scalar(0.0))
		}
		return total
	}
}

// ropCheck runs the checks every differentiable op gets: GradCheck,
// gradgradcheck (GradCheck of ropGradGrad, with the seed as an input too,
// as torch's gradgradcheck does), and that a plain backward records
// nothing while a create-graph one does not panic.
func ropCheck(t *testing.T, c ropCase) {
	t.Helper()
	rng := ropRNG()
	inputs := c.inputs(rng)
	if err := GradCheck(c.f, inputs, GradCheckOptions{}); err != nil {
		t.Errorf("GradCheck: %v", err)
	}

	out := c.f(inputs)
	var diff []*Value[float64]
	for _, x := range inputs {
		if x.RequiresGrad() {
			diff = append(diff, x)
		}
	}
	gs := Grad([]*Value[float64]{out}, diff, []*Value[float64]{Const(OnesLike(out.Data()))}, GradOptions{AllowUnused: true})
	for i, g := range gs {
		if g != nil && (g.RequiresGrad() || !g.IsLeaf()) {
			t.Errorf("plain backward: gradient %d records a graph (op %q)", i, g.Op())
		}
	}

	ws := make([]*Tensor[float64], len(inputs))
	for i, x := range inputs {
		ws[i] = Uniform[float64](rng, -1, 1, x.Shape()...)
	}
	seed := Param(Uniform[float64](rng, -1, 1, out.Shape()...))
	if err := GradCheck(ropGradGrad(c.f, ws), append(slices.Clone(inputs), seed), GradCheckOptions{}); err != nil {
		t.Errorf("gradgradcheck: %v", err)
	}
}

// ropUnary adapts a one-input op to ropCase's signature.
func ropUnary(op func(x *Value[float64]) *Value[float64]) func(xs []*Value[float64]) *Value[float64] {
	return func(xs []*Value[float64]) *Value[float64] { return op(xs[0]) }
}

func ropReduceCases() []ropCase {
	type reduceOp struct {
		name     string
		f        func(x *Value[float64], axes ...int) *Value[float64]
		distinct bool // needs inputs without near-ties
	}
	ops := []reduceOp{
		{"Sum", Sum[float64], false},
		{"SumKeepDim", SumKeepDim[float64], false},
		{"Mean", Mean[float64], false},
		{"MeanKeepDim", MeanKeepDim[float64], false},
		{"Max", Max[float64], true},
		{"MaxKeepDim", MaxKeepDim[float64], true},
		{"Min", Min[float64], true},
		{"MinKeepDim", MinKeepDim[float64], true},
		{"LogSumExp", LogSumExp[float64], false},
		{"LogSumExpKeepDim", LogSumExpKeepDim[float64], false},
	}
	axesCases := []struct {
		name  string
		shape []int
		axes  []int
	}{
		{"all", []int{2, 3, 4}, nil},
		{"axis1", []int{2, 3, 4}, []int{1}},
		{"axis0", []int{3, 4}, []int{0}},
		{"axes0,2", []int{2, 3, 4}, []int{0, 2}},
		{"axes-1", []int{2, 3, 4}, []int{-1}},
		{"axes-3,-2", []int{2, 3, 4}, []int{-3, -2}},
		{"vector", []int{5}, []int{0}},
		{"scalar", []int{}, nil},
		{"size1axis", []int{3, 1, 2}, []int{1}},
	}
	var cases []ropCase
	for _, op := range ops {
		for _, ac := range axesCases {
			mk := ropRandOf(ac.shape...)
			if op.distinct {
				mk = ropDistinctOf(ac.shape...)
			}
			cases = append(cases, ropCase{
				name:   op.name + "/" + ac.name,
				f:      ropUnary(func(x *Value[float64]) *Value[float64] { return op.f(x, ac.axes...) }),
				inputs: ropInputs(mk),
			})
		}
		if !op.distinct {
			cases = append(cases, ropCase{
				name:   op.name + "/noncontiguous",
				f:      ropUnary(func(x *Value[float64]) *Value[float64] { return op.f(x, 0, 2) }),
				inputs: ropInputs(ropNonContigOf(2, 3, 4)),
			})
		} else {
			// A non-contiguous view of distinct values.
			cases = append(cases, ropCase{
				name: op.name + "/noncontiguous",
				f:    ropUnary(func(x *Value[float64]) *Value[float64] { return op.f(x, 0, 2) }),
				inputs: func(rng *rand.Rand) []*Value[float64] {
					return []*Value[float64]{Param(ropDistinct(rng, 4, 3, 2).Data().Permute(2, 1, 0))}
				},
			})
		}
	}
	for _, axis := range []int{0, 1, -1} {
		for _, sm := range []struct {
			name string
			f    func(x *Value[float64], axis int) *Value[float64]
		}{{"Softmax", Softmax[float64]}, {"LogSoftmax", LogSoftmax[float64]}} {
			cases = append(cases, ropCase{
				name:   sm.name + "/axis" + strconv.Itoa(axis),
				f:      ropUnary(func(x *Value[float64]) *Value[float64] { return sm.f(x, axis) }),
				inputs: ropInputs(ropRandOf(3, 4, 2)),
			}, ropCase{
				name:   sm.name + "/noncontiguous/axis" + strconv.Itoa(axis),
				f:      ropUnary(func(x *Value[float64]) *Value[float64] { return sm.f(x, axis) }),
				inputs: ropInputs(ropNonContigOf(3, 4, 2)),
			})
		}
	}
	cases = append(cases,
		ropCase{"Softmax/vector", ropUnary(func(x *Value[float64]) *Value[float64] { return Softmax(x, 0) }), ropInputs(ropRandOf(5))},
		ropCase{"LogSoftmax/vector", ropUnary(func(x *Value[float64]) *Value[float64] { return LogSoftmax(x, 0) }), ropInputs(ropRandOf(5))},
		// Softmax feeding a nonlinear function, so that the second
		// derivative of Softmax meets a non-constant upstream gradient.
		ropCase{"Softmax/composed", ropUnary(func(x *Value[float64]) *Value[float64] {
			y := Softmax(x, 1)
			return Sum(Mul(y, y), 1)
		}), ropInputs(ropRandOf(2, 4))},
		ropCase{"LogSoftmax/composed", ropUnary(func(x *Value[float64]) *Value[float64] {
			y := LogSoftmax(x, -1)
			return Sum(Mul(y, y), -1)
		}), ropInputs(ropRandOf(2, 4))},
		ropCase{"LogSumExp/composed", ropUnary(func(x *Value[float64]) *Value[float64] {
			y := LogSumExp(x, 0)
			return Mul(y, y)
		}), ropInputs(ropRandOf(3, 2))},
		ropCase{"Mean/composed", ropUnary(func(x *Value[float64]) *Value[float64] {
			y := MeanKeepDim(x, 1)
			return Mul(Sub(x, y), Sub(x, y))
		}), ropInputs(ropRandOf(2, 3))},
		ropCase{"Max/composed", ropUnary(func(x *Value[float64]) *Value[float64] {
			y := Max(x, 0)
			return Mul(y, y)
		}), ropInputs(ropDistinctOf(3, 2))},
	)
	return cases
}

func TestReduceOpsGradCheck(t *testing.T) {
	for _, c := range ropReduceCases() {
		t.Run(c.name, func(t *testing.T) { ropCheck(t, c) })
	}
}

// ropGrad returns the gradient of f at x for the seed g (nil: ones).
func ropGrad(f func(x *Value[float64]) *Value[float64], x *Value[float64], g *Tensor[float64]) (out, grad *Value[float64]) {
	out = f(x)
	if g == nil {
		g = OnesLike(out.Data())
	}
	return out, Grad([]*Value[float64]{out}, []*Value[float64]{x}, []*Value[float64]{Const(g)}, GradOptions{})[0]
}

// ropWant compares a tensor's shape and values with hand-derived ones.
func ropWant(t *testing.T, what string, got *Tensor[float64], shape []int, want []float64, opts ...cmp.Option) {
	t.Helper()
	if !slices.Equal(got.Shape(), shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), shape)
	}
	if diff := cmp.Diff(got.ToSlice(), want, opts...); diff != "" {
		t.Errorf("%s: values mismatch (-got +want):\n%s", what, diff)
	}
}

func ropVec(xs ...float64) *Tensor[float64] { return New(xs) }

func ropParam(xs ...float64) *Value[float64] { return Param(ropVec(xs...)) }

// TestReduceOpsValues checks forward values and gradients at points where
// they are known by hand.
func TestReduceOpsValues(t *testing.T) {
	a := func() *Value[float64] { return Param(New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)) }
	approx := cmpopts.EquateApprox(0, 1e-12)

	t.Run("Sum", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return Sum(x, 1) }, a(), New([]float64{1, 2}))
		ropWant(t, "out", out.Data(), []int{2}, []float64{6, 15})
		ropWant(t, "grad", g.Data(), []int{2, 3}, []float64{1, 1, 1, 2, 2, 2})
	})
	t.Run("SumKeepDim", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.SumKeepDim(0) }, a(), New([]float64{1, 2, 3}, 1, 3))
		ropWant(t, "out", out.Data(), []int{1, 3}, []float64{5, 7, 9})
		ropWant(t, "grad", g.Data(), []int{2, 3}, []float64{1, 2, 3, 1, 2, 3})
	})
	t.Run("Sum/all", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.Sum() }, a(), Scalar(2.0))
		ropWant(t, "out", out.Data(), []int{}, []float64{21})
		ropWant(t, "grad", g.Data(), []int{2, 3}, []float64{2, 2, 2, 2, 2, 2})
	})
	t.Run("Mean", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.Mean(0) }, a(), New([]float64{2, 4, 6}))
		ropWant(t, "out", out.Data(), []int{3}, []float64{2.5, 3.5, 4.5})
		ropWant(t, "grad", g.Data(), []int{2, 3}, []float64{1, 2, 3, 1, 2, 3})
	})
	t.Run("MeanKeepDim", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.MeanKeepDim(-1) }, a(), nil)
		ropWant(t, "out", out.Data(), []int{2, 1}, []float64{2, 5})
		ropWant(t, "grad", g.Data(), []int{2, 3}, []float64{1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3}, approx)
	})
	// SEMANTICS.md 3.6, max_all_ties: torch splits the gradient of a full
	// max evenly among the tied maxima.
	t.Run("Max/all ties", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.Max() }, ropParam(1, 3, 3, 2), nil)
		ropWant(t, "out", out.Data(), []int{}, []float64{3})
		ropWant(t, "grad", g.Data(), []int{4}, []float64{0, .5, .5, 0})
	})
	t.Run("Min/all ties", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.Min() }, ropParam(1, 3, 1, 1), nil)
		ropWant(t, "out", out.Data(), []int{}, []float64{1})
		ropWant(t, "grad", g.Data(), []int{4}, []float64{1. / 3, 0, 1. / 3, 1. / 3}, approx)
	})
	// amax_dim_ties: ties split evenly within each reduced lane.
	t.Run("Max/dim ties", func(t *testing.T) {
		x := Param(New([]float64{1, 3, 3, 2, 2, 0}, 2, 3))
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.Max(1) }, x, New([]float64{1, 4}))
		ropWant(t, "out", out.Data(), []int{2}, []float64{3, 2})
		ropWant(t, "grad", g.Data(), []int{2, 3}, []float64{0, .5, .5, 2, 2, 0})
	})
	t.Run("MaxKeepDim/dim ties", func(t *testing.T) {
		x := Param(New([]float64{1, 3, 3, 3, 2, 0}, 3, 2))
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.MaxKeepDim(0) }, x, New([]float64{6, 1}, 1, 2))
		ropWant(t, "out", out.Data(), []int{1, 2}, []float64{3, 3})
		ropWant(t, "grad", g.Data(), []int{3, 2}, []float64{0, .5, 6, .5, 0, 0})
	})
	t.Run("MinKeepDim/several axes ties", func(t *testing.T) {
		x := Param(New([]float64{0, 5, 1, 0, 0, 2, 7, 2}, 2, 2, 2))
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.MinKeepDim(0, 2) }, x, New([]float64{1, 3}, 1, 2, 1))
		ropWant(t, "out", out.Data(), []int{1, 2, 1}, []float64{0, 0})
		ropWant(t, "grad", g.Data(), []int{2, 2, 2}, []float64{0.5, 0, 0, 3, 0.5, 0, 0, 0})
	})
	// SEMANTICS.md 3.1: torch's gradient is 0.5000000000000275 here, so
	// compare relatively rather than bit-exactly.
	t.Run("LogSumExp/large", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.LogSumExp() }, ropParam(1000, 1000), nil)
		ropWant(t, "out", out.Data(), []int{}, []float64{1000 + math.Ln2}, approx)
		ropWant(t, "grad", g.Data(), []int{2}, []float64{0.5, 0.5}, approx)
	})
	t.Run("LogSumExp/values", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.LogSumExpKeepDim(0) }, ropParam(1, 2, 3), nil)
		ropWant(t, "out", out.Data(), []int{1}, []float64{3.40760596}, cmpopts.EquateApprox(0, 1e-8))
		// The gradient of logsumexp is the softmax.
		ropWant(t, "grad", g.Data(), []int{3}, []float64{0.09003057, 0.24472847, 0.66524096}, cmpopts.EquateApprox(0, 1e-7))
	})
	t.Run("Softmax/values", func(t *testing.T) {
		// With seed e_2 the gradient is y_2 * (e_2 - y).
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.Softmax(0) }, ropParam(1, 2, 3), New([]float64{0, 0, 1}))
		y := []float64{0.09003057, 0.24472847, 0.66524096}
		ropWant(t, "out", out.Data(), []int{3}, y, cmpopts.EquateApprox(0, 1e-7))
		ropWant(t, "grad", g.Data(), []int{3}, []float64{-y[2] * y[0], -y[2] * y[1], y[2] * (1 - y[2])}, cmpopts.EquateApprox(0, 1e-6))
	})
	// SEMANTICS.md 3.1: log_softmax([1000, 0, -1000]) is [0, -1000, -2000];
	// with seed ones the gradient is 1 - 3*exp(out) = [-2, 1, 1].
	t.Run("LogSoftmax/large", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.LogSoftmax(0) }, ropParam(1000, 0, -1000), nil)
		ropWant(t, "out", out.Data(), []int{3}, []float64{0, -1000, -2000})
		ropWant(t, "grad", g.Data(), []int{3}, []float64{-2, 1, 1})
	})
	t.Run("LogSoftmax/-inf", func(t *testing.T) {
		out, g := ropGrad(func(x *Value[float64]) *Value[float64] { return x.LogSoftmax(0) }, ropParam(math.Inf(-1), 0), nil)
		ropWant(t, "out", out.Data(), []int{2}, []float64{math.Inf(-1), 0})
		ropWant(t, "grad", g.Data(), []int{2}, []float64{1, -1})
	})
	// ArgMax/ArgMin are indices: constants, first occurrence on ties
	// (SEMANTICS.md 3.6, max_dim_ties_values).
	t.Run("ArgMax", func(t *testing.T) {
		x := Param(New([]float64{1, 3, 3, 2, 2, 0}, 2, 3))
		got := x.ArgMax(1)
		ropWant(t, "ArgMax", got.Data(), []int{2}, []float64{1, 0})
		if got.RequiresGrad() || !got.IsLeaf() {
			t.Errorf("ArgMax: RequiresGrad %v, IsLeaf %v; want a constant", got.RequiresGrad(), got.IsLeaf())
		}
		ropWant(t, "ArgMin", ArgMin(x, 1).Data(), []int{2}, []float64{0, 2})
		ropWant(t, "ArgMin axis 0", x.ArgMin(0).Data(), []int{3}, []float64{0, 1, 1})
	})
}

// TestReduceOpsDoubleBackward checks that second derivatives flow through
// Softmax at a point where they are known by hand, and that ops whose
// second derivative is zero almost everywhere build a create-graph
// gradient without panicking.
func TestReduceOpsDoubleBackward(t *testing.T) {
	t.Run("Softmax", func(t *testing.T) {
		// For two classes softmax(x)_0 = s(x0-x1), s the logistic
		// function. At x = [log 3, 0]: s = 3/4, s' = s(1-s) = 3/16 and
		// s'' = s'(1-2s) = -3/32, so grad y0 = [s', -s'] and the gradient
		// of its first component is [s'', -s''].
		x := ropParam(math.Log(3), 0)
		y := Softmax(x, 0)
		y0 := Sum(Mul(y, Const(ropVec(1, 0))))
		g := Grad([]*Value[float64]{y0}, []*Value[float64]{x}, nil, GradOptions{Options: BackwardOptions{CreateGraph: true}})[0]
		approx := cmpopts.EquateApprox(0, 1e-12)
		ropWant(t, "grad", g.Data(), []int{2}, []float64{3. / 16, -3. / 16}, approx)
		if !g.RequiresGrad() {
			t.Fatal("create-graph gradient does not require grad")
		}
		gg := Grad([]*Value[float64]{Sum(Mul(g, Const(ropVec(1, 0))))}, []*Value[float64]{x}, nil, GradOptions{})[0]
		ropWant(t, "grad of grad", gg.Data(), []int{2}, []float64{-3. / 32, 3. / 32}, approx)
	})
	for _, c := range []struct {
		name string
		f    func(x *Value[float64]) *Value[float64]
	}{
		{"Max", func(x *Value[float64]) *Value[float64] { return x.Max() }},
		{"MinKeepDim", func(x *Value[float64]) *Value[float64] { return x.MinKeepDim(0) }},
		{"Sum", func(x *Value[float64]) *Value[float64] { return x.Sum(0) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := ropParam(1, 3, 3, 2)
			y := c.f(x)
			g := Grad([]*Value[float64]{Sum(y)}, []*Value[float64]{x}, nil, GradOptions{Options: BackwardOptions{CreateGraph: true}})[0]
			// The gradient depends on x only through a constant mask, so
			// it does not require a gradient itself: there is nothing to
			// differentiate again, as in torch.
			if g.RequiresGrad() {
				gg := Grad([]*Value[float64]{Sum(g)}, []*Value[float64]{x}, nil, GradOptions{AllowUnused: true})[0]
				if gg != nil {
					ropWant(t, "grad of grad", gg.Data(), []int{4}, []float64{0, 0, 0, 0})
				}
			}
		})
	}
}

// TestReduceOpsFloat32 runs the ops in float32, the training default, and
// compares with float64 runs of the same inputs.
func TestReduceOpsFloat32(t *testing.T) {
	rng := ropRNG()
	x64 := Uniform[float64](rng, -2, 2, 3, 4)
	w64 := Uniform[float64](rng, -2, 2, 4, 2)
	conv := func(t *Tensor[float64]) *Tensor[float32] {
		d := t.ToSlice()
		f := make([]float32, len(d))
		for i, v := range d {
			f[i] = float32(v)
		}
		return New(f, t.Shape()...)
	}
	loss64 := func(x, w *Value[float64]) *Value[float64] {
		return Add(Add(Sum(LogSoftmax(MatMul(x, w), 1)), Mean(Softmax(x, 0))), Add(Max(x, 1).Sum(), LogSumExp(x)))
	}
	loss32 := func(x, w *Value[float32]) *Value[float32] {
		return Add(Add(Sum(LogSoftmax(MatMul(x, w), 1)), Mean(Softmax(x, 0))), Add(Max(x, 1).Sum(), LogSumExp(x)))
	}
	xa, wa := Param(x64), Param(w64)
	loss64(xa, wa).Backward()
	xb, wb := Param(conv(x64)), Param(conv(w64))
	l := loss32(xb, wb)
	l.Backward()
	for _, c := range []struct {
		name string
		got  *Tensor[float32]
		want *Tensor[float64]
	}{{"x", xb.Grad().Data(), xa.Grad().Data()}, {"w", wb.Grad().Data(), wa.Grad().Data()}} {
		got := make([]float64, 0, c.got.Size())
		for _, v := range c.got.ToSlice() {
			got = append(got, float64(v))
		}
		if diff := cmp.Diff(got, c.want.ToSlice(), cmpopts.EquateApprox(1e-5, 1e-5)); diff != "" {
			t.Errorf("float32 gradient of %s differs from float64 (-float32 +float64):\n%s", c.name, diff)
		}
	}
}

// TestReduceOpsErrors checks that bad axes panic with ErrAxis.
func TestReduceOpsErrors(t *testing.T) {
	x := Param(Ones[float64](2, 3))
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Sum", func() { Sum(x, 2) }},
		{"MeanKeepDim", func() { MeanKeepDim(x, 0, 0) }},
		{"Max", func() { Max(x, -3) }},
		{"LogSumExp", func() { LogSumExp(x, 5) }},
		{"Softmax", func() { Softmax(x, 2) }},
		{"LogSoftmax", func() { LogSoftmax(x, -3) }},
		{"ArgMax", func() { ArgMax(x, 2) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				p := recover()
				err, ok := p.(error)
				if !ok || !errors.Is(err, ErrAxis) {
					t.Errorf("panic %v; want an error wrapping ErrAxis", p)
				}
			}()
			c.f()
		})
	}
}
