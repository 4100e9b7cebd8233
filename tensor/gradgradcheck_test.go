package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// The GradGradCheck table: every differentiable op of docs/ops.md, run
// through the public GradGradCheck with its default (random) seed, on
// inputs drawn away from kinks, with broadcast operands where the op
// broadcasts and non-contiguous inputs (transposed, strided) where the op
// reads its input's layout. Piecewise-linear ops have a second derivative
// that is 0 almost everywhere; their rows check that it is (and that the
// gradient is linear in the seed). Below the table, tests of GradGradCheck
// itself: it must catch what GradCheck cannot.

type ggCase struct {
	name   string
	inputs func(r *rand.Rand) []*Value[float64]
	f      func(xs []*Value[float64]) *Value[float64]
}

func ggRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// ggDraw returns uniform draws from [lo, hi) at least 0.05 from each kink.
func ggDraw(r *rand.Rand, lo, hi float64, kinks []float64, shape ...int) *Tensor[float64] {
	xs := make([]float64, numel(shape))
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
	return New(xs, append([]int{}, shape...)...)
}

// ggDistinct returns a random permutation of distinct values spaced 0.1
// apart around 0, so that Max, Min, Maximum and Minimum have no ties.
func ggDistinct(r *rand.Rand, shape ...int) *Tensor[float64] {
	n := numel(shape)
	xs := make([]float64, n)
	for i, p := range r.Perm(n) {
		xs[i] = 0.1*float64(p) - 0.05*float64(n)
	}
	return New(xs, append([]int{}, shape...)...)
}

// ggT returns a transposed (non-contiguous) view of a fresh draw of the
// transposed shape, so the result has the 2-D shape asked for.
func ggT(t *Tensor[float64]) *Tensor[float64] { return t.Transpose(-2, -1) }

// ggStrided returns every other row of a draw twice as tall (non-contiguous).
func ggStrided(r *rand.Rand, lo, hi float64, rows, cols int) *Tensor[float64] {
	return ggDraw(r, lo, hi, nil, 2*rows, cols).Slice(0, 0, 2*rows, 2)
}

func ggParams(ts ...*Tensor[float64]) []*Value[float64] {
	vs := make([]*Value[float64], len(ts))
	for i, t := range ts {
		vs[i] = Param(t)
	}
	return vs
}

func ggUnary(op func(*Value[float64]) *Value[float64]) func(xs []*Value[float64]) *Value[float64] {
	return func(xs []*Value[float64]) *Value[float64] { return op(xs[0]) }
}

func ggBinary(op func(a, b *Value[float64]) *Value[float64]) func(xs []*Value[float64]) *Value[float64] {
	return func(xs []*Value[float64]) *Value[float64] { return op(xs[0], xs[1]) }
}

// ggUnaryRows returns rows for a one-input op on a (2,3) input, a 0-d one
// and a transposed one, drawn from [lo, hi) away from kinks.
func ggUnaryRows(name string, op func(*Value[float64]) *Value[float64], lo, hi float64, kinks ...float64) []ggCase {
	f := ggUnary(op)
	return []ggCase{
		{name, func(r *rand.Rand) []*Value[float64] { return ggParams(ggDraw(r, lo, hi, kinks, 2, 3)) }, f},
		{name + "/0-d", func(r *rand.Rand) []*Value[float64] { return ggParams(ggDraw(r, lo, hi, kinks)) }, f},
		{name + "/transposed", func(r *rand.Rand) []*Value[float64] { return ggParams(ggT(ggDraw(r, lo, hi, kinks, 3, 2))) }, f},
	}
}

// ggBinaryRows returns rows for a broadcasting two-input op: equal shapes,
// a row against a matrix, a column against a row, a 0-d operand, and a
// transposed operand. b is drawn from [blo, bhi) away from bkinks.
func ggBinaryRows(name string, op func(a, b *Value[float64]) *Value[float64], alo, ahi, blo, bhi float64, bkinks ...float64) []ggCase {
	f := ggBinary(op)
	shapes := []struct {
		name string
		a, b []int
	}{
		{"", []int{2, 3}, []int{2, 3}},
		{"/broadcast row", []int{2, 3}, []int{3}},
		{"/broadcast column-row", []int{2, 1}, []int{1, 3}},
		{"/0-d a", []int{}, []int{2, 3}},
		{"/0-d b", []int{2, 3}, []int{}},
	}
	var rows []ggCase
	for _, s := range shapes {
		rows = append(rows, ggCase{name + s.name, func(r *rand.Rand) []*Value[float64] {
			return ggParams(ggDraw(r, alo, ahi, nil, s.a...), ggDraw(r, blo, bhi, bkinks, s.b...))
		}, f})
	}
	return append(rows, ggCase{name + "/transposed", func(r *rand.Rand) []*Value[float64] {
		return ggParams(ggT(ggDraw(r, alo, ahi, nil, 3, 2)), ggDraw(r, blo, bhi, bkinks, 2, 3))
	}, f})
}

// ggDistinctRows is ggBinaryRows for Maximum and Minimum: both operands
// come from one set of distinct values, so they never tie.
func ggDistinctRows(name string, op func(a, b *Value[float64]) *Value[float64]) []ggCase {
	f := ggBinary(op)
	return []ggCase{
		{name, func(r *rand.Rand) []*Value[float64] {
			d := ggDistinct(r, 2, 2, 3)
			return ggParams(d.Select(0, 0), d.Select(0, 1))
		}, f},
		{name + "/broadcast row", func(r *rand.Rand) []*Value[float64] {
			d := ggDistinct(r, 9)
			return ggParams(d.Slice(0, 0, 6, 1).Reshape(2, 3), d.Slice(0, 6, 9, 1))
		}, f},
		{name + "/transposed", func(r *rand.Rand) []*Value[float64] {
			d := ggDistinct(r, 2, 3, 2)
			return ggParams(ggT(d.Select(0, 0)), d.Select(0, 1).Reshape(2, 3))
		}, f},
	}
}

func ggCases() []ggCase {
	var rows []ggCase
	add := func(cs ...ggCase) { rows = append(rows, cs...) }
	one := func(name string, f func(*Value[float64]) *Value[float64], in func(r *rand.Rand) *Tensor[float64]) ggCase {
		return ggCase{name, func(r *rand.Rand) []*Value[float64] { return ggParams(in(r)) }, ggUnary(f)}
	}
	draw := func(shape ...int) func(r *rand.Rand) *Tensor[float64] {
		return func(r *rand.Rand) *Tensor[float64] { return ggDraw(r, -1, 1, nil, shape...) }
	}
	transposed := func(rows, cols int) func(r *rand.Rand) *Tensor[float64] {
		return func(r *rand.Rand) *Tensor[float64] { return ggT(ggDraw(r, -1, 1, nil, cols, rows)) }
	}
	distinct := func(shape ...int) func(r *rand.Rand) *Tensor[float64] {
		return func(r *rand.Rand) *Tensor[float64] { return ggDistinct(r, shape...) }
	}

	// Arithmetic (ops_arith.go, ops_broadcast.go).
	add(ggBinaryRows("Add", Add[float64], -1, 1, -1, 1)...)
	add(ggBinaryRows("Sub", Sub[float64], -1, 1, -1, 1)...)
	add(ggUnaryRows("Neg", Neg[float64], -1, 1)...)
	add(ggBinaryRows("Mul", Mul[float64], -1, 1, -1, 1)...)
	add(ggBinaryRows("Div", Div[float64], -1, 1, 0.5, 2)...)
	add(ggBinaryRows("Div/negative divisor", Div[float64], -1, 1, -2, -0.5)...)
	add(ggUnaryRows("AddScalar", func(x *Value[float64]) *Value[float64] { return AddScalar(x, 0.7) }, -1, 1)...)
	add(ggUnaryRows("MulScalar", func(x *Value[float64]) *Value[float64] { return MulScalar(x, -1.3) }, -1, 1)...)
	add(ggUnaryRows("PowScalar/2.5", func(x *Value[float64]) *Value[float64] { return PowScalar(x, 2.5) }, 0.5, 2)...)
	add(ggUnaryRows("PowScalar/3", func(x *Value[float64]) *Value[float64] { return PowScalar(x, 3) }, -2, 2)...)
	add(ggUnaryRows("PowScalar/-1.5", func(x *Value[float64]) *Value[float64] { return PowScalar(x, -1.5) }, 0.5, 2)...)
	add(ggUnaryRows("PowScalar/0", func(x *Value[float64]) *Value[float64] { return PowScalar(x, 0) }, -2, 2)...)
	add(ggBinaryRows("Pow", Pow[float64], 0.5, 2, -2, 2)...)
	add(
		one("SumTo", func(x *Value[float64]) *Value[float64] { return Square(SumTo(x, 1, 3)) }, draw(2, 2, 3)),
		one("SumTo/transposed", func(x *Value[float64]) *Value[float64] { return Square(SumTo(x, 2, 1)) }, transposed(2, 3)),
		one("BroadcastTo", func(x *Value[float64]) *Value[float64] {
			return Mul(Square(BroadcastTo(x, 2, 3)), Const(ggDraw(ggRNG(), -1, 1, nil, 2, 3)))
		}, draw(3)),
		one("Expand", func(x *Value[float64]) *Value[float64] { return Square(Expand(x, 2, -1, 3)) }, draw(4, 1)),
	)

	// Elementwise (ops_unary.go).
	add(ggUnaryRows("Exp", Exp[float64], -2, 2)...)
	add(ggUnaryRows("Log", Log[float64], 0.5, 2)...)
	add(ggUnaryRows("Log1p", Log1p[float64], -0.5, 2)...)
	add(ggUnaryRows("Sqrt", Sqrt[float64], 0.5, 2)...)
	add(ggUnaryRows("Abs", Abs[float64], -2, 2, 0)...)
	add(ggUnaryRows("Sign", Sign[float64], -2, 2, 0)...)
	add(ggUnaryRows("Tanh", Tanh[float64], -2, 2)...)
	add(ggUnaryRows("Sigmoid", Sigmoid[float64], -3, 3)...)
	add(ggUnaryRows("ReLU", ReLU[float64], -2, 2, 0)...)
	add(ggUnaryRows("LeakyReLU", func(x *Value[float64]) *Value[float64] { return LeakyReLU(x, 0.1) }, -2, 2, 0)...)
	add(ggUnaryRows("Clamp", func(x *Value[float64]) *Value[float64] { return Clamp(x, -0.5, 0.5) }, -1, 1, -0.5, 0.5)...)
	add(ggUnaryRows("ClampMin", func(x *Value[float64]) *Value[float64] { return ClampMin(x, 0.2) }, -1, 1, 0.2)...)
	add(ggUnaryRows("ClampMax", func(x *Value[float64]) *Value[float64] { return ClampMax(x, -0.2) }, -1, 1, -0.2)...)
	add(ggDistinctRows("Maximum", Maximum[float64])...)
	add(ggDistinctRows("Minimum", Minimum[float64])...)
	var mask *Tensor[float64]
	where := func(xs []*Value[float64]) *Value[float64] { return Where(mask, xs[0], xs[1]) }
	add(
		ggCase{"Where", func(r *rand.Rand) []*Value[float64] {
			mask = ggDraw(r, 0, 1, nil, 2, 3).Gt(Full(0.5, 2, 3))
			return ggParams(ggDraw(r, -1, 1, nil, 2, 3), ggDraw(r, -1, 1, nil, 2, 3))
		}, where},
		ggCase{"Where/broadcast", func(r *rand.Rand) []*Value[float64] {
			mask = New([]float64{1, 0}, 2, 1)
			return ggParams(ggDraw(r, -1, 1, nil, 3), ggT(ggDraw(r, -1, 1, nil, 3, 2)))
		}, where},
	)
	add(ggUnaryRows("Square", Square[float64], -2, 2)...)
	add(ggUnaryRows("Reciprocal", Reciprocal[float64], -2, 2, 0)...)
	add(ggUnaryRows("GELU", GELU[float64], -3, 3)...)
	add(ggUnaryRows("Softplus", func(x *Value[float64]) *Value[float64] { return Softplus(x, 1, 20) }, -3, 3)...)
	add(ggUnaryRows("Softplus/beta 2 threshold 1", func(x *Value[float64]) *Value[float64] { return Softplus(x, 2, 1) }, -2, 2, 0.5)...)
	add(ggUnaryRows("LogSigmoid", LogSigmoid[float64], -4, 4)...)

	// Reductions, softmax family, MatMul (ops_reduce.go, ops_matmul.go).
	add(
		one("Sum", func(x *Value[float64]) *Value[float64] { return Square(Sum(x)) }, draw(2, 3)),
		one("Sum/axis", func(x *Value[float64]) *Value[float64] { return Square(Sum(x, 0)) }, transposed(2, 3)),
		one("SumKeepDim", func(x *Value[float64]) *Value[float64] { return Square(SumKeepDim(x, -1)) }, draw(2, 3, 2)),
		one("Mean", func(x *Value[float64]) *Value[float64] { return Square(Mean(x)) }, transposed(3, 2)),
		one("Mean/axes", func(x *Value[float64]) *Value[float64] { return Square(Mean(x, 0, 2)) }, draw(2, 3, 2)),
		one("MeanKeepDim", func(x *Value[float64]) *Value[float64] { return Square(MeanKeepDim(x, 1)) }, draw(2, 3)),
		one("Max", func(x *Value[float64]) *Value[float64] { return Square(Max(x)) }, distinct(2, 3)),
		one("Max/axis", func(x *Value[float64]) *Value[float64] { return Square(Max(x, 1)) }, func(r *rand.Rand) *Tensor[float64] { return ggT(ggDistinct(r, 3, 2)) }),
		one("MaxKeepDim", func(x *Value[float64]) *Value[float64] { return Square(MaxKeepDim(x, 0)) }, distinct(2, 3)),
		one("Min", func(x *Value[float64]) *Value[float64] { return Square(Min(x)) }, distinct(2, 3)),
		one("Min/axis", func(x *Value[float64]) *Value[float64] { return Square(Min(x, 0)) }, distinct(2, 3)),
		one("MinKeepDim", func(x *Value[float64]) *Value[float64] { return Square(MinKeepDim(x, 1)) }, func(r *rand.Rand) *Tensor[float64] { return ggT(ggDistinct(r, 3, 2)) }),
		one("LogSumExp", func(x *Value[float64]) *Value[float64] { return LogSumExp(x) }, draw(2, 3)),
		one("LogSumExp/axis", func(x *Value[float64]) *Value[float64] { return LogSumExp(x, 1) }, transposed(2, 3)),
		one("LogSumExpKeepDim", func(x *Value[float64]) *Value[float64] { return LogSumExpKeepDim(x, 0) }, draw(3, 2)),
		one("Softmax", func(x *Value[float64]) *Value[float64] { return Softmax(x, 1) }, draw(2, 3)),
		one("Softmax/axis 0 transposed", func(x *Value[float64]) *Value[float64] { return Softmax(x, 0) }, transposed(3, 2)),
		one("Softmax/strided", func(x *Value[float64]) *Value[float64] { return Softmax(x, -1) }, func(r *rand.Rand) *Tensor[float64] { return ggStrided(r, -1, 1, 2, 3) }),
		one("LogSoftmax", func(x *Value[float64]) *Value[float64] { return LogSoftmax(x, 1) }, draw(2, 3)),
		one("LogSoftmax/transposed", func(x *Value[float64]) *Value[float64] { return LogSoftmax(x, 0) }, transposed(3, 2)),
	)
	matmul := func(name string, a, b func(r *rand.Rand) *Tensor[float64]) ggCase {
		return ggCase{name, func(r *rand.Rand) []*Value[float64] { return ggParams(a(r), b(r)) }, ggBinary(MatMul[float64])}
	}
	add(
		matmul("MatMul", draw(2, 3), draw(3, 4)),
		matmul("MatMul/transposed", transposed(2, 3), transposed(3, 2)),
		matmul("MatMul/strided", func(r *rand.Rand) *Tensor[float64] { return ggStrided(r, -1, 1, 2, 3) }, draw(3, 2)),
		matmul("MatMul/dot", draw(3), draw(3)),
		matmul("MatMul/vector-matrix", draw(3), draw(3, 2)),
		matmul("MatMul/matrix-vector", draw(2, 3), draw(3)),
		matmul("MatMul/batched broadcast", draw(2, 1, 2, 3), draw(2, 3, 2)),
		matmul("MatMul/batched-matrix", draw(2, 2, 3), draw(3, 2)),
	)

	// Linear (ops_linear.go).
	linear := func(xs []*Value[float64]) *Value[float64] {
		if len(xs) == 2 {
			return Linear(xs[0], xs[1], nil)
		}
		return Linear(xs[0], xs[1], xs[2])
	}
	add(
		ggCase{"Linear", func(r *rand.Rand) []*Value[float64] {
			return ggParams(ggDraw(r, -1, 1, nil, 2, 3), ggDraw(r, -1, 1, nil, 4, 3), ggDraw(r, -1, 1, nil, 4))
		}, linear},
		ggCase{"Linear/batched", func(r *rand.Rand) []*Value[float64] {
			return ggParams(ggDraw(r, -1, 1, nil, 2, 2, 3), ggDraw(r, -1, 1, nil, 2, 3), ggDraw(r, -1, 1, nil, 2))
		}, linear},
		ggCase{"Linear/vector no bias", func(r *rand.Rand) []*Value[float64] {
			return ggParams(ggDraw(r, -1, 1, nil, 3), ggDraw(r, -1, 1, nil, 2, 3))
		}, linear},
		ggCase{"Linear/transposed", func(r *rand.Rand) []*Value[float64] {
			return ggParams(ggT(ggDraw(r, -1, 1, nil, 3, 2)), ggT(ggDraw(r, -1, 1, nil, 3, 4)), ggDraw(r, -1, 1, nil, 4))
		}, linear},
	)

	// Shape and view ops (ops_shape.go). Each is followed by a square (or
	// a product with a constant), so that the checked function is not
	// linear and its second derivative is not trivially zero.
	sq := func(op func(*Value[float64]) *Value[float64]) func(*Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] { return Square(op(x)) }
	}
	add(
		one("Reshape", sq(func(x *Value[float64]) *Value[float64] { return Reshape(x, 3, -1) }), draw(2, 3)),
		one("Reshape/transposed copies", sq(func(x *Value[float64]) *Value[float64] { return Reshape(x, 6) }), transposed(2, 3)),
		one("View", sq(func(x *Value[float64]) *Value[float64] { return View(x, 3, 2) }), draw(2, 3)),
		one("Flatten", sq(Flatten[float64]), transposed(2, 3)),
		one("Squeeze", sq(func(x *Value[float64]) *Value[float64] { return Squeeze(x, 1) }), draw(2, 1, 3)),
		one("Unsqueeze", sq(func(x *Value[float64]) *Value[float64] { return Unsqueeze(x, 1) }), draw(2, 3)),
		one("Transpose", sq(func(x *Value[float64]) *Value[float64] { return Transpose(x, 0, 2) }), draw(2, 3, 2)),
		one("Permute", sq(func(x *Value[float64]) *Value[float64] { return Permute(x, 2, 0, 1) }), draw(2, 3, 2)),
		one("T", sq(T[float64]), draw(2, 3)),
		one("Slice", sq(func(x *Value[float64]) *Value[float64] { return Slice(x, 1, 0, 3, 2) }), draw(2, 3)),
		one("Slice/strided input", sq(func(x *Value[float64]) *Value[float64] { return Slice(x, 0, 1, 2, 1) }), func(r *rand.Rand) *Tensor[float64] { return ggStrided(r, -1, 1, 2, 3) }),
		one("Select", sq(func(x *Value[float64]) *Value[float64] { return Select(x, 1, -1) }), transposed(2, 3)),
		one("IndexSelect", sq(func(x *Value[float64]) *Value[float64] { return IndexSelect(x, 1, []int{2, 0, 2}) }), draw(2, 3)),
		one("Contiguous", sq(Contiguous[float64]), transposed(2, 3)),
		ggCase{"Concat", func(r *rand.Rand) []*Value[float64] {
			return ggParams(ggDraw(r, -1, 1, nil, 2, 3), ggT(ggDraw(r, -1, 1, nil, 2, 2)))
		}, func(xs []*Value[float64]) *Value[float64] { return Square(Concat(1, xs[0], xs[1])) }},
		ggCase{"Stack", func(r *rand.Rand) []*Value[float64] {
			return ggParams(ggDraw(r, -1, 1, nil, 2, 3), ggT(ggDraw(r, -1, 1, nil, 3, 2)))
		}, func(xs []*Value[float64]) *Value[float64] { return Square(Stack(1, xs[0], xs[1])) }},
	)

	// User-defined ops (function.go).
	add(
		one("Function", func(x *Value[float64]) *Value[float64] { return ggOpsCube.Apply(x) }, draw(2, 3)),
		// StraightThrough's gradient is g whatever its forward, so its
		// gradient is constant in x (and the forward's kinks do not matter).
		one("StraightThrough", func(x *Value[float64]) *Value[float64] {
			return Mul(StraightThrough(x, func(t *Tensor[float64]) *Tensor[float64] { return t.Apply(math.Round) }), Const(Full(1.5, 2, 3)))
		}, draw(2, 3)),
	)
	return rows
}

// ggOpsCube is x³ as a Function whose Backward is written with Value ops,
// so it has a double backward.
var ggOpsCube = &Function[float64]{
	Name:    "OpsCube",
	Forward: func(xs []*Tensor[float64]) *Tensor[float64] { return xs[0].PowScalar(3) },
	Backward: func(g *Value[float64], xs []*Value[float64], _ *Value[float64]) []*Value[float64] {
		return []*Value[float64]{Mul(g, MulScalar(Square(xs[0]), 3))}
	},
}

func TestGradGradCheckOps(t *testing.T) {
	for _, c := range ggCases() {
		t.Run(c.name, func(t *testing.T) {
			if err := GradGradCheck(c.f, c.inputs(ggRNG()), nil, GradCheckOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestGradGradCheckCoversEveryOp checks that the table has a row for every
// op named in the tables of docs/ops.md, so that a new op cannot be added
// without its gradgradcheck.
func TestGradGradCheckCoversEveryOp(t *testing.T) {
	rows := make(map[string]bool)
	for _, c := range ggCases() {
		rows[strings.SplitN(c.name, "/", 2)[0]] = true
	}
	// The ops of docs/ops.md; Gt...Ne, ArgMax and ArgMin are not
	// differentiable (they return constants), Function.Apply is "Function".
	ops := []string{
		"Add", "Sub", "Neg", "Mul", "Div", "AddScalar", "MulScalar", "PowScalar", "Pow", "SumTo", "BroadcastTo", "Expand",
		"Exp", "Log", "Log1p", "Sqrt", "Abs", "Sign", "Tanh", "Sigmoid", "ReLU", "LeakyReLU", "Clamp", "ClampMin", "ClampMax",
		"Maximum", "Minimum", "Where", "Square", "Reciprocal", "GELU", "Softplus", "LogSigmoid",
		"Sum", "SumKeepDim", "Mean", "MeanKeepDim", "Max", "MaxKeepDim", "Min", "MinKeepDim", "LogSumExp", "LogSumExpKeepDim",
		"Softmax", "LogSoftmax", "MatMul", "Linear",
		"Reshape", "View", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Permute", "T", "Slice", "Select", "IndexSelect",
		"Contiguous", "Concat", "Stack", "Function", "StraightThrough",
	}
	for _, op := range ops {
		if !rows[op] {
			t.Errorf("no GradGradCheck row for %s", op)
		}
	}
}

// ggFunc builds a Function for the tests of GradGradCheck itself.
func ggFunc(name string, fwd func(*Tensor[float64]) *Tensor[float64], bwd func(g, x *Value[float64]) *Value[float64]) func(xs []*Value[float64]) *Value[float64] {
	f := &Function[float64]{
		Name:    name,
		Forward: func(xs []*Tensor[float64]) *Tensor[float64] { return fwd(xs[0]) },
		Backward: func(g *Value[float64], xs []*Value[float64], _ *Value[float64]) []*Value[float64] {
			return []*Value[float64]{bwd(g, xs[0])}
		},
	}
	return func(xs []*Value[float64]) *Value[float64] { return f.Apply(xs[0]) }
}

// TestGradGradCheckCatches: three backwards that are right to first order
// (GradCheck passes) but wrong beyond it.
func TestGradGradCheckCatches(t *testing.T) {
	cube := func(x *Tensor[float64]) *Tensor[float64] { return x.PowScalar(3) }
	tests := []struct {
		name  string
		f     func(xs []*Value[float64]) *Value[float64]
		wants []error
		text  string
	}{
		{
			// 3x² written as 3·x·detach(x): the recorded part differentiates
			// to 3x instead of 6x.
			"half-recorded backward",
			ggFunc("HalfCube", cube, func(g, x *Value[float64]) *Value[float64] {
				return Mul(g, MulScalar(Mul(x, x.Detach()), 3))
			}),
			[]error{ErrGradCheck}, "Jacobian mismatch for output 0 with respect to input 0",
		},
		{
			// The seed detached inside the backward: first-order values are
			// right, but the gradient no longer varies with the seed as
			// recorded, which checking the seed as an input exposes.
			"backward that cuts the seed off",
			ggFunc("DetachedSeed", cube, func(g, x *Value[float64]) *Value[float64] {
				return Mul(g.Detach(), MulScalar(Square(x), 3))
			}),
			[]error{ErrGradCheck}, "with respect to input 1",
		},
		{
			"backward with raw kernels",
			ggFunc("RawCube", cube, func(g, x *Value[float64]) *Value[float64] {
				return Const(g.Data().Mul(x.Data().Square().MulScalar(3)))
			}),
			[]error{ErrGradCheck, ErrGrad}, "has no double backward",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := Param(ggDraw(ggRNG(), -2, 2, nil, 2, 3))
			if err := GradCheck(tt.f, []*Value[float64]{x}, GradCheckOptions{}); err != nil {
				t.Fatalf("GradCheck: %v; the first derivative should be right", err)
			}
			err := GradGradCheck(tt.f, []*Value[float64]{x}, nil, GradCheckOptions{})
			if err == nil {
				t.Fatal("GradGradCheck passed; want it to fail")
			}
			t.Logf("error: %v", err)
			for _, want := range tt.wants {
				if !errors.Is(err, want) {
					t.Errorf("error %q does not wrap %v", err, want)
				}
			}
			if !strings.HasPrefix(err.Error(), "tensor: GradGradCheck: ") || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q; want the prefix %q and %q", err, "tensor: GradGradCheck: ", tt.text)
			}
		})
	}
}

func TestGradGradCheckArguments(t *testing.T) {
	f := ggUnary(func(x *Value[float64]) *Value[float64] { return Mul(Exp(x), x) })
	x := Param(ggDraw(ggRNG(), -1, 1, nil, 2, 3))

	// Explicit seeds: one that requires a gradient is checked too; a
	// constant one is not, and the check passes all the same.
	for _, seed := range []*Value[float64]{Param(Full(0.5, 2, 3)), Const(Full(-0.25, 2, 3))} {
		if err := GradGradCheck(f, []*Value[float64]{x}, []*Value[float64]{seed}, GradCheckOptions{}); err != nil {
			t.Errorf("seed requiring grad %v: %v", seed.RequiresGrad(), err)
		}
	}
	// Inputs that require no gradient are not differentiated.
	mixed := ggBinary(func(a, b *Value[float64]) *Value[float64] { return Mul(Square(a), b) })
	if err := GradGradCheck(mixed, []*Value[float64]{x, Const(Full(2.0, 3))}, nil, GradCheckOptions{}); err != nil {
		t.Errorf("a constant input: %v", err)
	}
	// A function that does not depend on its input passes vacuously, as
	// torch's does.
	if err := GradGradCheck(ggUnary(func(*Value[float64]) *Value[float64] { return Const(Scalar(1.0)) }), []*Value[float64]{x}, nil, GradCheckOptions{}); err != nil {
		t.Errorf("constant function: %v", err)
	}

	errs := []struct {
		name  string
		run   func() error
		wants []error
		text  string
	}{
		{"no input requires grad", func() error {
			return GradGradCheck(f, []*Value[float64]{Const(Zeros[float64](2))}, nil, GradCheckOptions{})
		}, []error{ErrGradCheck}, "expects at least one input to require a gradient"},
		{"two seeds", func() error {
			return GradGradCheck(f, []*Value[float64]{x}, []*Value[float64]{Param(Zeros[float64](2, 3)), Param(Zeros[float64](2, 3))}, GradCheckOptions{})
		}, []error{ErrGradCheck}, "f has 1 output, got 2 gradOutputs"},
		{"seed shape", func() error {
			return GradGradCheck(f, []*Value[float64]{x}, []*Value[float64]{Param(Zeros[float64](3, 2))}, GradCheckOptions{})
		}, []error{ErrGradCheck}, "gradOutputs[0] has shape [3 2] but f's output has shape [2 3]"},
		{"f panics", func() error {
			return GradGradCheck(ggUnary(func(x *Value[float64]) *Value[float64] { return MatMul(x, x) }), []*Value[float64]{x}, nil, GradCheckOptions{})
		}, []error{ErrGradCheck, ErrShape}, "MatMul"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tt.wants {
				if !errors.Is(err, want) {
					t.Errorf("error %q does not wrap %v", err, want)
				}
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not contain %q", err, tt.text)
			}
		})
	}
}

// TestGradGradCheckRestoresInputs: the perturbations are undone.
func TestGradGradCheckRestoresInputs(t *testing.T) {
	x := Param(ggDraw(ggRNG(), -1, 1, nil, 2, 3))
	before := x.Data().ToSlice()
	if err := GradGradCheck(ggUnary(func(x *Value[float64]) *Value[float64] { return Tanh(x) }), []*Value[float64]{x}, nil, GradCheckOptions{}); err != nil {
		t.Fatal(err)
	}
	after := x.Data().ToSlice()
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("input element %d changed from %v to %v", i, before[i], after[i])
		}
	}
	if x.Grad() != nil {
		t.Errorf("x.Grad() = %v; want nil", x.Grad())
	}
}
