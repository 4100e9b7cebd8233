package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Tests of the elementwise ops of ops_unary.go. Gradient rules are checked
// against central finite differences (GradCheck) and, for second
// derivatives, by gradient-checking the create-graph gradient
// (gradgradcheck). Values at kinks are hand-derived from the rules that
// SEMANTICS.md 3.6 records from PyTorch 1.13; the PyTorch output it quotes
// is named where there is one.

// uoCase is a row of the gradient-check tables: f applied to the inputs
// that make draws from the shared generator.
type uoCase struct {
	name   string
	f      func(xs []*Value[float64]) *Value[float64]
	inputs func(r *rand.Rand) []*Value[float64]
}

func uoRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// uoAway returns a tensor of uniform draws from [lo, hi) that keep at least
// 0.05 from each kink, so that finite differences never straddle one.
func uoAway(r *rand.Rand, lo, hi float64, kinks []float64, shape ...int) *Tensor[float64] {
	t := Zeros[float64](shape...)
	n := t.Size()
	xs := make([]float64, n)
	for i := range xs {
	draw:
		for {
			x := lo + (hi-lo)*r.Float64()
			for _, k := range kinks {
				if math.Abs(x-k) < 0.05 {
					continue draw
				}
			}
			xs[i] = x
			break
		}
	}
	return New(xs, shape...)
}

// uoIn returns uniform draws from [lo, hi).
func uoIn(r *rand.Rand, lo, hi float64, shape ...int) *Tensor[float64] {
	return uoAway(r, lo, hi, nil, shape...)
}

// uoNonZero returns draws from [-2, 2) that keep away from 0.
func uoNonZero(r *rand.Rand, shape ...int) *Tensor[float64] {
	return uoAway(r, -2, 2, []float64{0}, shape...)
}

// uoT returns t transposed: a non-contiguous view of a 2-D tensor.
func uoT(t *Tensor[float64]) *Tensor[float64] { return t.Transpose(0, 1) }

// uoMask returns a random 1/0 mask.
func uoMask(r *rand.Rand, shape ...int) *Tensor[float64] {
	return uoIn(r, 0, 1, shape...).Apply(func(v float64) float64 {
		if v < 0.5 {
			return 0
		}
		return 1
	})
}

func uoParams(ts ...*Tensor[float64]) []*Value[float64] {
	vs := make([]*Value[float64], len(ts))
	for i, t := range ts {
		vs[i] = Param(t)
	}
	return vs
}

// uoUnary makes the rows for a one-input op: a (2,3) input, a 0-d input and
// a transposed (non-contiguous) input, all drawn by draw.
func uoUnary(name string, op func(x *Value[float64]) *Value[float64], draw func(r *rand.Rand, shape ...int) *Tensor[float64]) []uoCase {
	f := func(xs []*Value[float64]) *Value[float64] { return op(xs[0]) }
	return []uoCase{
		{name, f, func(r *rand.Rand) []*Value[float64] { return uoParams(draw(r, 2, 3)) }},
		{name + "/0-d", f, func(r *rand.Rand) []*Value[float64] { return uoParams(draw(r)) }},
		{name + "/transposed", f, func(r *rand.Rand) []*Value[float64] { return uoParams(uoT(draw(r, 3, 2))) }},
	}
}

// uoBinary makes the rows for a broadcasting two-input op: equal shapes,
// a row against a matrix, a column against a row, a 0-d operand on either
// side, a transposed operand, and one operand that is a constant.
func uoBinary(name string, op func(a, b *Value[float64]) *Value[float64], draw func(r *rand.Rand, shape ...int) *Tensor[float64]) []uoCase {
	f := func(xs []*Value[float64]) *Value[float64] { return op(xs[0], xs[1]) }
	shapes := []struct {
		name string
		a, b []int
	}{
		{"", []int{2, 3}, []int{2, 3}},
		{"/broadcast row", []int{2, 3}, []int{3}},
		{"/broadcast column-row", []int{2, 1}, []int{1, 3}},
		{"/0-d a", []int{}, []int{2, 3}},
		{"/0-d b", []int{2, 3}, []int{}},
		{"/0-d both", []int{}, []int{}},
	}
	var rows []uoCase
	for _, s := range shapes {
		rows = append(rows, uoCase{name + s.name, f, func(r *rand.Rand) []*Value[float64] {
			return uoParams(draw(r, s.a...), draw(r, s.b...))
		}})
	}
	rows = append(rows,
		uoCase{name + "/transposed", f, func(r *rand.Rand) []*Value[float64] {
			return uoParams(uoT(draw(r, 3, 2)), draw(r, 2, 3))
		}},
		uoCase{name + "/constant b", f, func(r *rand.Rand) []*Value[float64] {
			return []*Value[float64]{Param(draw(r, 2, 3)), Const(draw(r, 3))}
		}},
	)
	return rows
}

func uoCases() []uoCase {
	in := func(lo, hi float64) func(r *rand.Rand, shape ...int) *Tensor[float64] {
		return func(r *rand.Rand, shape ...int) *Tensor[float64] { return uoIn(r, lo, hi, shape...) }
	}
	away := func(lo, hi float64, kinks ...float64) func(r *rand.Rand, shape ...int) *Tensor[float64] {
		return func(r *rand.Rand, shape ...int) *Tensor[float64] { return uoAway(r, lo, hi, kinks, shape...) }
	}
	var rows []uoCase
	add := func(cs ...uoCase) { rows = append(rows, cs...) }
	add(uoUnary("Exp", Exp[float64], in(-2, 2))...)
	add(uoUnary("Log", Log[float64], in(0.5, 2))...)
	add(uoUnary("Log1p", Log1p[float64], in(-0.5, 2))...)
	add(uoUnary("Sqrt", Sqrt[float64], in(0.5, 2))...)
	add(uoUnary("Abs", Abs[float64], uoNonZero)...)
	add(uoUnary("Sign", Sign[float64], uoNonZero)...)
	add(uoUnary("Tanh", Tanh[float64], in(-2, 2))...)
	add(uoUnary("Sigmoid", Sigmoid[float64], in(-3, 3))...)
	add(uoUnary("ReLU", ReLU[float64], uoNonZero)...)
	add(uoUnary("LeakyReLU", func(x *Value[float64]) *Value[float64] { return LeakyReLU(x, 0.1) }, uoNonZero)...)
	add(uoUnary("Clamp", func(x *Value[float64]) *Value[float64] { return Clamp(x, -0.5, 0.5) }, away(-1, 1, -0.5, 0.5))...)
	add(uoUnary("ClampMin", func(x *Value[float64]) *Value[float64] { return ClampMin(x, 0.2) }, away(-1, 1, 0.2))...)
	add(uoUnary("ClampMax", func(x *Value[float64]) *Value[float64] { return ClampMax(x, -0.2) }, away(-1, 1, -0.2))...)
	add(uoUnary("Square", Square[float64], in(-2, 2))...)
	add(uoUnary("Reciprocal", Reciprocal[float64], uoNonZero)...)
	add(uoUnary("GELU", GELU[float64], in(-3, 3))...)
	add(uoUnary("Softplus", func(x *Value[float64]) *Value[float64] { return Softplus(x, 1, 20) }, in(-3, 3))...)
	// beta 2 with threshold 1 puts the linear regime (x > 0.5) in range.
	add(uoUnary("Softplus/beta 2 threshold 1", func(x *Value[float64]) *Value[float64] { return Softplus(x, 2, 1) }, away(-2, 2, 0.5))...)
	add(uoUnary("LogSigmoid", LogSigmoid[float64], in(-4, 4))...)
	add(uoBinary("Maximum", Maximum[float64], in(-2, 2))...)
	add(uoBinary("Minimum", Minimum[float64], in(-2, 2))...)

	// Where: the mask is a constant tensor that broadcasts with a and b.
	whereRow := func(name string, m, a, b []int) uoCase {
		var mask *Tensor[float64]
		return uoCase{name, func(xs []*Value[float64]) *Value[float64] { return Where(mask, xs[0], xs[1]) },
			func(r *rand.Rand) []*Value[float64] {
				mask = uoMask(r, m...)
				return uoParams(uoIn(r, -2, 2, a...), uoIn(r, -2, 2, b...))
			}}
	}
	add(
		whereRow("Where", []int{2, 3}, []int{2, 3}, []int{2, 3}),
		whereRow("Where/broadcast", []int{2, 1}, []int{3}, []int{}),
		whereRow("Where/broadcast mask", []int{3}, []int{2, 3}, []int{2, 1}),
		whereRow("Where/0-d mask", []int{}, []int{2, 3}, []int{2, 3}),
	)
	var vmask *Value[float64]
	add(uoCase{"where/Value mask", func(xs []*Value[float64]) *Value[float64] { return where(vmask, xs[0], xs[1], true) },
		func(r *rand.Rand) []*Value[float64] {
			vmask = Const(uoMask(r, 2, 3))
			return uoParams(uoIn(r, -2, 2, 3), uoIn(r, -2, 2, 2, 3))
		}})

	// Method forms and compositions run through the same checks, at fixed
	// points chosen away from every kink: a is about 2.2, so Maximum takes
	// a for the first three elements and |u| for the last, and Minimum the
	// other way round.
	add(uoCase{"methods", func(xs []*Value[float64]) *Value[float64] {
		x, u := xs[0], xs[1]
		a := x.Exp().Log1p().Sqrt().Tanh().Sigmoid().GELU().Softplus(1, 20).LogSigmoid().Square().Reciprocal().Log()
		c := u.LeakyReLU(0.2).Clamp(-1, 10).ClampMin(-0.5).ClampMax(8).ReLU()
		return Add(Add(a.Maximum(u.Abs()), a.Minimum(c)), u.Sign())
	}, func(r *rand.Rand) []*Value[float64] {
		return uoParams(New([]float64{-0.9, -0.2, 0.4, 0.8}), New([]float64{-1.5, -0.3, 0.2, 12}))
	}})
	return rows
}

// uoGradGrad is gradgradcheck: it gradient-checks the function
// (xs, v) -> sum_k sum(Grad(f(xs), xs, seed v)[k] * w_k) for fixed random
// w_k, with the seed v an input too, so that the create-graph gradient is
// checked in both the inputs and the upstream gradient.
func uoGradGrad(f func(xs []*Value[float64]) *Value[float64], inputs []*Value[float64], r *rand.Rand) error {
	var diff []int
	for i, x := range inputs {
		if x.RequiresGrad() {
			diff = append(diff, i)
		}
	}
	w := make([]*Value[float64], len(diff))
	for k, i := range diff {
		w[k] = Const(uoIn(r, -1, 1, inputs[i].Shape()...))
	}
	seed := Param(uoIn(r, -1, 1, f(inputs).Shape()...))
	h := func(xs []*Value[float64]) *Value[float64] {
		ins, v := xs[:len(xs)-1], xs[len(xs)-1]
		wrt := make([]*Value[float64], len(diff))
		for k, i := range diff {
			wrt[k] = ins[i]
		}
		gs := Grad([]*Value[float64]{f(ins)}, wrt, []*Value[float64]{v},
			GradOptions{Options: BackwardOptions{CreateGraph: true}, AllowUnused: true})
		total := Const(Scalar(0.0))
		for k, g := range gs {
			if g != nil {
				total = Add(total, SumTo(Mul(g, w[k])))
			}
		}
		return total
	}
	return GradCheck(h, append(inputs[:len(inputs):len(inputs)], seed), GradCheckOptions{})
}

func TestUnaryGradCheck(t *testing.T) {
	for _, c := range uoCases() {
		t.Run(c.name, func(t *testing.T) {
			if err := GradCheck(c.f, c.inputs(uoRNG()), GradCheckOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestUnaryGradGradCheck(t *testing.T) {
	for _, c := range uoCases() {
		t.Run(c.name, func(t *testing.T) {
			r := uoRNG()
			if err := uoGradGrad(c.f, c.inputs(r), r); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestUnaryPlainBackwardRecordsNothing checks the other half of DESIGN.md
// point 4: without CreateGraph the gradients carry no graph, with it they
// do (for ops whose gradient depends on the seed).
func TestUnaryPlainBackwardRecordsNothing(t *testing.T) {
	for _, c := range uoCases() {
		t.Run(c.name, func(t *testing.T) {
			xs := c.inputs(uoRNG())
			var wrt []*Value[float64]
			for _, x := range xs {
				if x.RequiresGrad() {
					wrt = append(wrt, x)
				}
			}
			y := c.f(xs)
			seed := Param(OnesLike(y.Data()))
			gs := Grad([]*Value[float64]{y}, wrt, []*Value[float64]{seed}, GradOptions{Options: BackwardOptions{RetainGraph: true}})
			for i, g := range gs {
				if g.RequiresGrad() || !g.IsLeaf() {
					t.Errorf("plain gradient %d: RequiresGrad() = %v, IsLeaf() = %v; want false, true", i, g.RequiresGrad(), g.IsLeaf())
				}
			}
			gs = Grad([]*Value[float64]{y}, wrt, []*Value[float64]{seed}, GradOptions{Options: BackwardOptions{CreateGraph: true}})
			for i, g := range gs {
				if !g.RequiresGrad() && c.name != "Sign" && c.name != "Sign/0-d" && c.name != "Sign/transposed" {
					t.Errorf("create-graph gradient %d does not require grad", i)
				}
			}
		})
	}
}

// uoForwardGrad returns op(xs) and the gradient of sum(op(x)) at xs.
func uoForwardGrad(t *testing.T, op func(*Value[float64]) *Value[float64], xs ...float64) (out, grad []float64) {
	t.Helper()
	x := Param(New(xs))
	y := op(x)
	g := Grad([]*Value[float64]{y}, []*Value[float64]{x}, []*Value[float64]{Const(OnesLike(y.Data()))}, GradOptions{})
	return y.Data().ToSlice(), g[0].Data().ToSlice()
}

var uoEquate = cmp.Options{cmpopts.EquateNaNs()}

// TestUnaryKinks pins the values and gradients at the points where the ops
// are not differentiable (or overflow), from SEMANTICS.md 3.6 and 3.1.
func TestUnaryKinks(t *testing.T) {
	inf := math.Inf(1)
	negZero := math.Copysign(0, -1)
	cases := []struct {
		name     string // the SEMANTICS.md golden case, where there is one
		op       func(*Value[float64]) *Value[float64]
		x        []float64
		out      []float64
		gradient []float64
	}{
		{"relu_with_zero", ReLU[float64], []float64{-1, 0, 2}, []float64{0, 0, 2}, []float64{0, 0, 1}},
		{"abs_with_zero", Abs[float64], []float64{-2, 0, negZero, 3}, []float64{2, 0, 0, 3}, []float64{-1, 0, 0, 1}},
		{"sqrt_at_zero", Sqrt[float64], []float64{0, 4}, []float64{0, 2}, []float64{inf, 0.25}},
		{"sqrt_negative", Sqrt[float64], []float64{-1}, []float64{math.NaN()}, []float64{math.NaN()}},
		{"clamp_boundaries", func(x *Value[float64]) *Value[float64] { return Clamp(x, 0, 1) },
			[]float64{-1, 0, 0.5, 1, 2}, []float64{0, 0, 0.5, 1, 1}, []float64{0, 1, 1, 1, 0}},
		{"clamp_equal_bounds", func(x *Value[float64]) *Value[float64] { return Clamp(x, 1, 1) },
			[]float64{0, 1, 2}, []float64{1, 1, 1}, []float64{0, 1, 0}},
		{"clamp_min_at_bound", func(x *Value[float64]) *Value[float64] { return ClampMin(x, 0) },
			[]float64{-1, 0, 1}, []float64{0, 0, 1}, []float64{0, 1, 1}},
		{"clamp_max_at_bound", func(x *Value[float64]) *Value[float64] { return ClampMax(x, 0) },
			[]float64{-1, 0, 1}, []float64{-1, 0, 0}, []float64{1, 1, 0}},
		{"clamp_lo_above_hi", func(x *Value[float64]) *Value[float64] { return Clamp(x, 2, 1) },
			[]float64{0, 1.5, 3}, []float64{1, 1, 1}, []float64{0, 0, 0}},
		{"leaky_relu_at_zero", func(x *Value[float64]) *Value[float64] { return LeakyReLU(x, 0.1) },
			[]float64{-2, 0, 3}, []float64{-0.2, 0, 3}, []float64{0.1, 0.1, 1}},
		{"sign", Sign[float64], []float64{-3, 0, 2}, []float64{-1, 0, 1}, []float64{0, 0, 0}},
		{"sigmoid_saturated", Sigmoid[float64], []float64{-1000, -800, 1000}, []float64{0, 0, 1}, []float64{0, 0, 0}},
		{"tanh_saturated", Tanh[float64], []float64{-1000, 1000}, []float64{-1, 1}, []float64{0, 0}},
		{"logsigmoid_-800", LogSigmoid[float64], []float64{-800, 800}, []float64{-800, 0}, []float64{1, 0}},
		{"softplus_800", func(x *Value[float64]) *Value[float64] { return Softplus(x, 1, 20) },
			[]float64{800, -800}, []float64{800, 0}, []float64{1, 0}},
		{"log_at_zero_and_negative", Log[float64], []float64{0, -1}, []float64{-inf, math.NaN()}, []float64{inf, -1}},
		{"exp_overflow", Exp[float64], []float64{1000}, []float64{inf}, []float64{inf}},
		{"reciprocal_at_zero", Reciprocal[float64], []float64{0}, []float64{inf}, []float64{-inf}},
		{"relu_nan", ReLU[float64], []float64{math.NaN()}, []float64{math.NaN()}, []float64{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, grad := uoForwardGrad(t, c.op, c.x...)
			if d := cmp.Diff(out, c.out, uoEquate); d != "" {
				t.Errorf("forward at %v (-got +want):\n%s", c.x, d)
			}
			if d := cmp.Diff(grad, c.gradient, uoEquate); d != "" {
				t.Errorf("gradient at %v (-got +want):\n%s", c.x, d)
			}
		})
	}
}

// TestUnaryReLUVersusClampMin pins the difference SEMANTICS.md 3.6 stresses:
// relu'(0) = 0 but clamp(min=0)'(0) = 1.
func TestUnaryReLUVersusClampMin(t *testing.T) {
	_, relu := uoForwardGrad(t, ReLU[float64], 0)
	_, clampMin := uoForwardGrad(t, func(x *Value[float64]) *Value[float64] { return x.ClampMin(0) }, 0)
	if relu[0] != 0 || clampMin[0] != 1 {
		t.Errorf("gradients at 0: ReLU %v, ClampMin(0) %v; want 0, 1", relu[0], clampMin[0])
	}
}

// TestUnaryMaximumMinimumTies pins the ½/½ split (golden maximum_ties),
// including ties against a broadcast operand, whose halves add up.
func TestUnaryMaximumMinimumTies(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name       string
		op         func(a, b *Value[float64]) *Value[float64]
		a, b       *Tensor[float64]
		out        []float64
		da, db     []float64
		outShape   []int
		daShape    []int
		dbShape    []int
		checkShape bool
	}{
		{name: "Maximum", op: Maximum[float64], a: New([]float64{1, 2, 3, 0}), b: New([]float64{1, 0, 3, 5}),
			out: []float64{1, 2, 3, 5}, da: []float64{0.5, 1, 0.5, 0}, db: []float64{0.5, 0, 0.5, 1}},
		{name: "Minimum", op: Minimum[float64], a: New([]float64{1, 2, 3, 0}), b: New([]float64{1, 0, 3, 5}),
			out: []float64{1, 0, 3, 0}, da: []float64{0.5, 0, 0.5, 1}, db: []float64{0.5, 1, 0.5, 0}},
		// b is 0-d: its gradient is the sum of its shares, 0.5 + 0.5 + 1.
		{name: "Maximum/broadcast", op: Maximum[float64], a: New([]float64{2, 2, 1}), b: Scalar(2.0),
			out: []float64{2, 2, 2}, da: []float64{0.5, 0.5, 0}, db: []float64{2}},
		{name: "Minimum/broadcast", op: Minimum[float64], a: New([]float64{2, 2, 1}), b: Scalar(2.0),
			out: []float64{2, 2, 1}, da: []float64{0.5, 0.5, 1}, db: []float64{1}},
		// PyTorch's masks are "not less than", so a NaN sends g to both.
		{name: "Maximum/NaN", op: Maximum[float64], a: New([]float64{nan, 1}), b: New([]float64{1, nan}),
			out: []float64{nan, nan}, da: []float64{1, 1}, db: []float64{1, 1}},
		{name: "Minimum/NaN", op: Minimum[float64], a: New([]float64{nan, 1}), b: New([]float64{1, nan}),
			out: []float64{nan, nan}, da: []float64{1, 1}, db: []float64{1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := Param(c.a), Param(c.b)
			y := c.op(a, b)
			gs := Grad([]*Value[float64]{y}, []*Value[float64]{a, b}, []*Value[float64]{Const(OnesLike(y.Data()))}, GradOptions{})
			if d := cmp.Diff(y.Data().ToSlice(), c.out, uoEquate); d != "" {
				t.Errorf("forward (-got +want):\n%s", d)
			}
			if d := cmp.Diff(gs[0].Data().ToSlice(), c.da); d != "" {
				t.Errorf("da (-got +want):\n%s", d)
			}
			if d := cmp.Diff(gs[1].Data().ToSlice(), c.db); d != "" {
				t.Errorf("db (-got +want):\n%s", d)
			}
			if d := cmp.Diff(gs[1].Shape(), b.Shape()); d != "" {
				t.Errorf("db shape (-got +want):\n%s", d)
			}
		})
	}
}

// TestUnaryForwardValues checks forward values against closed forms from the
// math package (an independent formula, not the op's kernel).
func TestUnaryForwardValues(t *testing.T) {
	xs := []float64{-3, -0.5, 0, 0.7, 2}
	cases := []struct {
		name string
		op   func(*Value[float64]) *Value[float64]
		want func(x float64) float64
	}{
		{"GELU", GELU[float64], func(x float64) float64 { return x * 0.5 * math.Erfc(-x/math.Sqrt2) }},
		{"Softplus", func(x *Value[float64]) *Value[float64] { return Softplus(x, 1, 20) },
			func(x float64) float64 { return math.Log(1 + math.Exp(x)) }},
		{"Softplus/beta 2", func(x *Value[float64]) *Value[float64] { return Softplus(x, 2, 20) },
			func(x float64) float64 { return math.Log(1+math.Exp(2*x)) / 2 }},
		{"LogSigmoid", LogSigmoid[float64], func(x float64) float64 { return -math.Log(1 + math.Exp(-x)) }},
		{"Sigmoid", Sigmoid[float64], func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{"LeakyReLU", func(x *Value[float64]) *Value[float64] { return LeakyReLU(x, 0.01) },
			func(x float64) float64 { return math.Max(x, 0.01*x) }},
		{"Square", Square[float64], func(x float64) float64 { return x * x }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.op(Const(New(xs))).Data().ToSlice()
			want := make([]float64, len(xs))
			for i, x := range xs {
				want[i] = c.want(x)
			}
			if d := cmp.Diff(got, want, cmpopts.EquateApprox(1e-14, 1e-15)); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
	// The GELU gradient at 0 is Φ(0) = ½, and at 1 it is Φ(1) + φ(1).
	_, g := uoForwardGrad(t, GELU[float64], 0, 1)
	want := []float64{0.5, 0.5*math.Erfc(-1/math.Sqrt2) + math.Exp(-0.5)/math.Sqrt(2*math.Pi)}
	if d := cmp.Diff(g, want, cmpopts.EquateApprox(1e-14, 0)); d != "" {
		t.Errorf("GELU gradient (-got +want):\n%s", d)
	}
}

// TestUnaryWhere checks values and gradient routing of Where by hand,
// including a broadcast operand whose gradient is summed.
func TestUnaryWhere(t *testing.T) {
	mask := New([]float64{1, 0, 1, 0, 0, 1}, 2, 3)
	a := Param(New([]float64{10, 20, 30}))
	b := Param(Scalar(-1.0))
	y := Where(mask, a, b)
	seed := Const(New([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	gs := Grad([]*Value[float64]{y}, []*Value[float64]{a, b}, []*Value[float64]{seed}, GradOptions{})
	if d := cmp.Diff(y.Data().ToSlice(), []float64{10, -1, 30, -1, -1, 30}); d != "" {
		t.Errorf("forward (-got +want):\n%s", d)
	}
	// a gets the seed where the mask is 1, summed over rows: [1, 0, 3+6].
	if d := cmp.Diff(gs[0].Data().ToSlice(), []float64{1, 0, 9}); d != "" {
		t.Errorf("da (-got +want):\n%s", d)
	}
	// b gets the rest: 2 + 4 + 5.
	if d := cmp.Diff(gs[1].Data().ToSlice(), []float64{11}); d != "" {
		t.Errorf("db (-got +want):\n%s", d)
	}
	// The method form takes the receiver where the mask holds.
	if d := cmp.Diff(a.Where(mask, b).Data().ToSlice(), y.Data().ToSlice()); d != "" {
		t.Errorf("method form (-got +want):\n%s", d)
	}
}

// TestUnaryComparisons checks that comparisons give constant 1/0 masks,
// broadcasting, with no graph.
func TestUnaryComparisons(t *testing.T) {
	x := Param(New([]float64{1, 2, 3}))
	y := Param(Scalar(2.0))
	cases := []struct {
		name string
		got  *Value[float64]
		want []float64
	}{
		{"Gt", x.Gt(y), []float64{0, 0, 1}},
		{"Ge", x.Ge(y), []float64{0, 1, 1}},
		{"Lt", x.Lt(y), []float64{1, 0, 0}},
		{"Le", x.Le(y), []float64{1, 1, 0}},
		{"Eq", x.Eq(y), []float64{0, 1, 0}},
		{"Ne", x.Ne(y), []float64{1, 0, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got.RequiresGrad() || !c.got.IsLeaf() {
				t.Errorf("RequiresGrad() = %v, IsLeaf() = %v; want false, true", c.got.RequiresGrad(), c.got.IsLeaf())
			}
			if d := cmp.Diff(c.got.Data().ToSlice(), c.want); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

// TestUnaryThirdDerivative differentiates x³ three times through
// create-graph gradients: 3x², 6x, 6 at x = 2.
func TestUnaryThirdDerivative(t *testing.T) {
	x := Param(Scalar(2.0))
	y := PowScalar(x, 3)
	opts := GradOptions{Options: BackwardOptions{CreateGraph: true}}
	var got []float64
	for range 3 {
		y = Grad([]*Value[float64]{y}, []*Value[float64]{x}, nil, opts)[0]
		got = append(got, y.Item())
	}
	if d := cmp.Diff(got, []float64{12, 12, 6}); d != "" {
		t.Errorf("d/dx, d²/dx², d³/dx³ of x³ at 2 (-got +want):\n%s", d)
	}
}

// TestUnaryHigherOrderChains takes repeated create-graph derivatives of the
// smooth ops and compares them with hand-derived closed forms at one point.
func TestUnaryHigherOrderChains(t *testing.T) {
	const x0 = 0.3
	s := 1 / (1 + math.Exp(-x0))
	th := math.Tanh(x0)
	cases := []struct {
		name string
		op   func(*Value[float64]) *Value[float64]
		want []float64 // first, second, third derivative at x0
	}{
		{"Exp", Exp[float64], []float64{math.Exp(x0), math.Exp(x0), math.Exp(x0)}},
		{"Log", Log[float64], []float64{1 / x0, -1 / (x0 * x0), 2 / (x0 * x0 * x0)}},
		{"Sqrt", Sqrt[float64], []float64{0.5 / math.Sqrt(x0), -0.25 * math.Pow(x0, -1.5), 0.375 * math.Pow(x0, -2.5)}},
		{"Sigmoid", Sigmoid[float64], []float64{s * (1 - s), s * (1 - s) * (1 - 2*s), s * (1 - s) * (1 - 6*s + 6*s*s)}},
		{"Tanh", Tanh[float64], []float64{1 - th*th, -2 * th * (1 - th*th), -2 * (1 - th*th) * (1 - 3*th*th)}},
		{"Reciprocal", Reciprocal[float64], []float64{-1 / (x0 * x0), 2 / (x0 * x0 * x0), -6 / (x0 * x0 * x0 * x0)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := Param(Scalar(x0))
			y := c.op(x)
			var got []float64
			for range 3 {
				y = Grad([]*Value[float64]{y}, []*Value[float64]{x}, nil, GradOptions{Options: BackwardOptions{CreateGraph: true}})[0]
				got = append(got, y.Item())
			}
			if d := cmp.Diff(got, c.want, cmpopts.EquateApprox(1e-12, 0)); d != "" {
				t.Errorf("(-got +want):\n%s", d)
			}
		})
	}
}

// TestUnarySaves checks which tensors each op saves (SEMANTICS.md 1.12):
// modifying a saved tensor in place after the op ran makes backward fail
// with ErrVersion, modifying one it does not save is harmless.
func TestUnarySaves(t *testing.T) {
	cases := []struct {
		name                 string
		op                   func(*Value[float64]) *Value[float64]
		savesInput, savesOut bool
	}{
		{"Exp", Exp[float64], false, true},
		{"Log", Log[float64], true, false},
		{"Log1p", Log1p[float64], true, false},
		{"Sqrt", Sqrt[float64], false, true},
		{"Abs", Abs[float64], true, false},
		{"Sign", Sign[float64], false, false},
		{"Tanh", Tanh[float64], false, true},
		{"Sigmoid", Sigmoid[float64], false, true},
		{"ReLU", ReLU[float64], false, true},
		{"LeakyReLU", func(x *Value[float64]) *Value[float64] { return LeakyReLU(x, 0.1) }, true, false},
		{"Clamp", func(x *Value[float64]) *Value[float64] { return Clamp(x, 0, 1) }, true, false},
		{"Reciprocal", Reciprocal[float64], false, true},
		{"GELU", GELU[float64], true, false},
		{"Softplus", func(x *Value[float64]) *Value[float64] { return Softplus(x, 1, 20) }, true, false},
		{"LogSigmoid", LogSigmoid[float64], true, false},
		{"Maximum", func(x *Value[float64]) *Value[float64] { return Maximum(x, Const(New([]float64{0.5, 0.5}))) }, true, false},
		{"Where", func(x *Value[float64]) *Value[float64] {
			return Where(New([]float64{1, 0}), x, Const(Scalar(0.0)))
		}, false, false},
	}
	backward := func(y *Value[float64]) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = p.(error)
			}
		}()
		y.BackwardWith(Const(OnesLike(y.Data())), BackwardOptions{})
		return nil
	}
	check := func(t *testing.T, what string, err error, saved bool) {
		t.Helper()
		switch {
		case saved && !errors.Is(err, ErrVersion):
			t.Errorf("backward after modifying the %s: %v; want an error wrapping ErrVersion", what, err)
		case !saved && err != nil:
			t.Errorf("backward after modifying the %s (not saved): %v; want success", what, err)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := Param(New([]float64{0.25, 2}))
			y := c.op(x)
			x.Data().MarkModified()
			check(t, "input", backward(y), c.savesInput)

			x = Param(New([]float64{0.25, 2}))
			y = c.op(x)
			y.Data().MarkModified()
			check(t, "result", backward(y), c.savesOut)
		})
	}
}

// TestUnaryFloat32 runs the saturating cases in float32, the training type.
func TestUnaryFloat32(t *testing.T) {
	x := Param(New([]float32{-1000, 0, 1000}))
	y := Sigmoid(x)
	y.BackwardWith(Const(OnesLike(y.Data())), BackwardOptions{})
	if d := cmp.Diff(y.Data().ToSlice(), []float32{0, 0.5, 1}); d != "" {
		t.Errorf("Sigmoid forward (-got +want):\n%s", d)
	}
	if d := cmp.Diff(x.Grad().Data().ToSlice(), []float32{0, 0.25, 0}); d != "" {
		t.Errorf("Sigmoid gradient (-got +want):\n%s", d)
	}
	z := Param(New([]float32{-800, 800}))
	if d := cmp.Diff(LogSigmoid(z).Data().ToSlice(), []float32{-800, 0}); d != "" {
		t.Errorf("LogSigmoid (-got +want):\n%s", d)
	}
	if d := cmp.Diff(Softplus(z, 1, 20).Data().ToSlice(), []float32{0, 800}); d != "" {
		t.Errorf("Softplus (-got +want):\n%s", d)
	}
}
