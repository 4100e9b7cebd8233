package tensor

import (
	"math"
	"path/filepath"
	"slices"
	"testing"
)

// goldenTensorPath holds PyTorch's values for the kernels of this package,
// made by testdata/gen_tensor_golden.py (Debian torch 1.13.1, CPU).
var goldenTensorPath = filepath.Join("..", "testdata", "golden", "tensor_ops.json")

// goldenOp runs one op of the golden file on Go tensors: in are the case's
// inputs in order, p its other arguments.
type goldenOp[T Float] func(in []*Tensor[T], p goldenParams) *Tensor[T]

// goldenTensorOps maps the op names of the golden file (the Go method
// names) to the kernels. A case whose op is missing here fails.
func goldenTensorOps[T Float]() map[string]goldenOp[T] {
	unary := func(f func(*Tensor[T]) *Tensor[T]) goldenOp[T] {
		return func(in []*Tensor[T], _ goldenParams) *Tensor[T] { return f(in[0]) }
	}
	binary := func(f func(a, b *Tensor[T]) *Tensor[T]) goldenOp[T] {
		return func(in []*Tensor[T], _ goldenParams) *Tensor[T] { return f(in[0], in[1]) }
	}
	scalar := func(f func(*Tensor[T], T) *Tensor[T]) goldenOp[T] {
		return func(in []*Tensor[T], p goldenParams) *Tensor[T] { return f(in[0], T(p.Scalar)) }
	}
	axes := func(f func(*Tensor[T], ...int) *Tensor[T]) goldenOp[T] {
		return func(in []*Tensor[T], p goldenParams) *Tensor[T] { return f(in[0], p.Axes...) }
	}
	axis := func(f func(*Tensor[T], int) *Tensor[T]) goldenOp[T] {
		return func(in []*Tensor[T], p goldenParams) *Tensor[T] { return f(in[0], p.Axis) }
	}
	shape := func(f func(*Tensor[T], ...int) *Tensor[T]) goldenOp[T] {
		return func(in []*Tensor[T], p goldenParams) *Tensor[T] { return f(in[0], p.Shape...) }
	}
	return map[string]goldenOp[T]{
		// Elementwise, broadcasting.
		"Add":        binary((*Tensor[T]).Add),
		"Sub":        binary((*Tensor[T]).Sub),
		"Mul":        binary((*Tensor[T]).Mul),
		"Div":        binary((*Tensor[T]).Div),
		"Pow":        binary((*Tensor[T]).Pow),
		"Maximum":    binary((*Tensor[T]).Maximum),
		"Minimum":    binary((*Tensor[T]).Minimum),
		"AddScalar":  scalar((*Tensor[T]).AddScalar),
		"MulScalar":  scalar((*Tensor[T]).MulScalar),
		"DivScalar":  scalar((*Tensor[T]).DivScalar),
		"PowScalar":  scalar((*Tensor[T]).PowScalar),
		"Neg":        unary((*Tensor[T]).Neg),
		"Exp":        unary((*Tensor[T]).Exp),
		"Log":        unary((*Tensor[T]).Log),
		"Log1p":      unary((*Tensor[T]).Log1p),
		"Sqrt":       unary((*Tensor[T]).Sqrt),
		"Abs":        unary((*Tensor[T]).Abs),
		"Sign":       unary((*Tensor[T]).Sign),
		"Tanh":       unary((*Tensor[T]).Tanh),
		"Sigmoid":    unary((*Tensor[T]).Sigmoid),
		"ReLU":       unary((*Tensor[T]).ReLU),
		"Square":     unary((*Tensor[T]).Square),
		"Reciprocal": unary((*Tensor[T]).Reciprocal),
		"Clamp": func(in []*Tensor[T], p goldenParams) *Tensor[T] {
			return in[0].Clamp(T(p.Lo), T(p.Hi))
		},
		"Gt": binary((*Tensor[T]).Gt),
		"Ge": binary((*Tensor[T]).Ge),
		"Lt": binary((*Tensor[T]).Lt),
		"Le": binary((*Tensor[T]).Le),
		"Eq": binary((*Tensor[T]).Eq),
		"Ne": binary((*Tensor[T]).Ne),
		"Where": func(in []*Tensor[T], _ goldenParams) *Tensor[T] {
			return WhereTensors(in[0], in[1], in[2])
		},

		// Reductions.
		"Sum":              axes((*Tensor[T]).Sum),
		"SumKeepDim":       axes((*Tensor[T]).SumKeepDim),
		"Mean":             axes((*Tensor[T]).Mean),
		"MeanKeepDim":      axes((*Tensor[T]).MeanKeepDim),
		"Max":              axes((*Tensor[T]).Max),
		"MaxKeepDim":       axes((*Tensor[T]).MaxKeepDim),
		"Min":              axes((*Tensor[T]).Min),
		"MinKeepDim":       axes((*Tensor[T]).MinKeepDim),
		"LogSumExp":        axes((*Tensor[T]).LogSumExp),
		"LogSumExpKeepDim": axes((*Tensor[T]).LogSumExpKeepDim),
		"ArgMax":           axis((*Tensor[T]).ArgMax),
		"ArgMin":           axis((*Tensor[T]).ArgMin),
		"SumTo":            shape((*Tensor[T]).SumTo),
		"Softmax":          axis((*Tensor[T]).Softmax),
		"LogSoftmax":       axis((*Tensor[T]).LogSoftmax),
		"MatMul":           binary((*Tensor[T]).MatMul),

		// Views and copies.
		"Reshape":     shape((*Tensor[T]).Reshape),
		"View":        shape((*Tensor[T]).View),
		"Flatten":     unary((*Tensor[T]).Flatten),
		"Transpose":   func(in []*Tensor[T], p goldenParams) *Tensor[T] { return in[0].Transpose(p.Axes[0], p.Axes[1]) },
		"Permute":     axes((*Tensor[T]).Permute),
		"T":           unary((*Tensor[T]).T),
		"Slice":       func(in []*Tensor[T], p goldenParams) *Tensor[T] { return in[0].Slice(p.Axis, p.Start, p.Stop, p.Step) },
		"Select":      func(in []*Tensor[T], p goldenParams) *Tensor[T] { return in[0].Select(p.Axis, p.Index) },
		"IndexSelect": func(in []*Tensor[T], p goldenParams) *Tensor[T] { return in[0].IndexSelect(p.Axis, p.Indices) },
		"Squeeze":     axes((*Tensor[T]).Squeeze),
		"Unsqueeze":   axis((*Tensor[T]).Unsqueeze),
		"Expand":      shape((*Tensor[T]).Expand),
		"BroadcastTo": shape((*Tensor[T]).BroadcastTo),
		"Contiguous":  unary((*Tensor[T]).Contiguous),
		"Concat":      func(in []*Tensor[T], p goldenParams) *Tensor[T] { return ConcatTensors(p.Axis, in...) },
		"Stack":       func(in []*Tensor[T], p goldenParams) *Tensor[T] { return StackTensors(p.Axis, in...) },
	}
}

// goldenAccumulating lists the ops whose result combines many rounded
// terms (exp, then a sum, then a division or a log). Their float32 results
// get a looser bound because torch evaluates them in another order
// (vectorised, blocked) than a Go loop does, and each term carries its own
// rounding. The generator keeps the inputs of sums and matmuls to
// multiples of 1/8, which these sums represent exactly, so the bound mostly
// serves softmax, log-softmax, logsumexp and mean.
var goldenAccumulating = map[string]bool{
	"Sum": true, "SumKeepDim": true, "Mean": true, "MeanKeepDim": true,
	"LogSumExp": true, "LogSumExpKeepDim": true, "SumTo": true,
	"Softmax": true, "LogSoftmax": true, "MatMul": true,
}

// goldenTensorTol returns the accepted error of op's results in T.
// float64 must agree with torch to 1e-12 relative: a few hundred ulps, room
// for a different order of a handful of operations, not for a different
// formula. float32 gets 1e-6 (about 8 ulps; libm, SLEEF and a Go kernel that
// computes in float64 and rounds differ by an ulp or two) and 1e-5 for the
// accumulating ops. A zero must come out as a zero up to the smallest
// normal number of T. testdata/gen_tensor_golden.py uses the same float32
// bounds to reject ill-conditioned cases.
func goldenTensorTol[T Float](op string) goldenTol {
	if goldenDType[T]() == "float64" {
		return goldenTol{Rel: 1e-12, Zero: 0x1p-1022}
	}
	if goldenAccumulating[op] {
		return goldenTol{Rel: 1e-5, Zero: 0x1p-126}
	}
	return goldenTol{Rel: 1e-6, Zero: 0x1p-126}
}

func TestGoldenTensorOps(t *testing.T) {
	g := loadGolden(t, goldenTensorPath)
	ops64, ops32 := goldenTensorOps[float64](), goldenTensorOps[float32]()
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Run("float64", func(t *testing.T) { runGoldenTensorCase(t, c, ops64) })
			t.Run("float32", func(t *testing.T) { runGoldenTensorCase(t, c, ops32) })
		})
	}
}

// runGoldenTensorCase runs c in element type T and compares the result with
// torch's. It also checks that the kernel left its operands alone, since
// kernels never write to their inputs.
func runGoldenTensorCase[T Float](t *testing.T, c goldenCase, ops map[string]goldenOp[T]) {
	op, ok := ops[c.Op]
	if !ok {
		t.Fatalf("op %q has no entry in goldenTensorOps (not implemented?)", c.Op)
	}
	want, ok := c.Out[goldenDType[T]()]
	if !ok {
		t.Fatalf("case has no %s result", goldenDType[T]())
	}
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s panicked: %v", c.Op, r)
		}
	}()
	in := make([]*Tensor[T], len(c.Inputs))
	before := make([][]T, len(c.Inputs))
	versions := make([]uint64, len(c.Inputs))
	for i, g := range c.Inputs {
		in[i] = goldenInput[T](t, g)
		before[i] = in[i].ToSlice()
		versions[i] = in[i].Version()
	}
	got := op(in, c.Params)
	goldenCompare(t, got, want, goldenTensorTol[T](c.Op), c.SignedZeros)
	for i, x := range in {
		if x.Version() != versions[i] || !slices.EqualFunc(x.ToSlice(), before[i], sameFloat[T]) {
			t.Errorf("%s modified its input %d", c.Op, i)
		}
	}
}

// sameFloat reports whether a and b are the same value, counting NaN equal
// to NaN.
func sameFloat[T Float](a, b T) bool {
	return a == b || math.IsNaN(float64(a)) && math.IsNaN(float64(b))
}

// TestGoldenTensorOpsCoverage checks that every op of goldenTensorOps has
// at least one case in the golden file, so that an op cannot lose its
// PyTorch check by a change of the generator.
func TestGoldenTensorOpsCoverage(t *testing.T) {
	g := loadGolden(t, goldenTensorPath)
	covered := make(map[string]bool)
	for _, c := range g.Cases {
		covered[c.Op] = true
	}
	for op := range goldenTensorOps[float64]() {
		if !covered[op] {
			t.Errorf("op %s has no case in %s", op, goldenTensorPath)
		}
	}
}
