package tensor

import (
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/chainrule/chainrule/internal/golden"
)

// This file checks the differentiable ops (the Value API) against PyTorch:
// for every case of testdata/golden/autograd_ops.json, made by
// testdata/gen_autograd_golden.py (Debian torch 1.13.1, CPU), the forward
// value and the gradient of every input that requires one, in float64 and
// float32; and, in float64, the create-graph computations of the file
// (Hessian-vector products, double backward through the softmax family, a
// third derivative), run through Grad with CreateGraph. The file format is
// that of the tensor golden file (see golden_helpers_test.go, whose helpers
// build the inputs and compare the results) plus requires-grad flags,
// seeds and gradients.

// goldenAutogradPath holds PyTorch's values for the differentiable ops.
var goldenAutogradPath = filepath.Join("..", "testdata", "golden", "autograd_ops.json")

// autogradGoldenFile is the whole golden file.
type autogradGoldenFile struct {
	Generator    string              `json:"generator"`
	TorchVersion string              `json:"torch_version"`
	Cases        []autogradCase      `json:"cases"`
	CreateGraph  []createGraphGolden `json:"create_graph"`
}

// autogradCase is one op applied to leaf inputs: torch's forward value and
// input gradients per element type ("float64", "float32"; some cases have
// float64 only). Grads has one entry per input, nil for the inputs that do
// not require a gradient. Seed is the gradient of the output, nil for a
// one-element output (the implicit seed 1).
type autogradCase struct {
	Name        string                     `json:"name"`
	Op          string                     `json:"op"`
	Params      autogradParams             `json:"params"`
	Inputs      []autogradInput            `json:"inputs"`
	Seed        *goldenTensor              `json:"seed"`
	SignedZeros bool                       `json:"signed_zeros"`
	Out         map[string]goldenTensor    `json:"out"`
	Grads       map[string][]*goldenTensor `json:"grads"`
}

// autogradParams are the tensor golden file's params plus those of the
// activations that only exist as Value ops.
type autogradParams struct {
	goldenParams
	Slope     goldenFloat `json:"slope"`
	Beta      goldenFloat `json:"beta"`
	Threshold goldenFloat `json:"threshold"`
}

// autogradInput is an operand (base tensor and layout) and whether it is a
// Param (requires a gradient) or a Const.
type autogradInput struct {
	goldenTensor
	RequiresGrad bool `json:"requires_grad"`
}

// createGraphGolden is a float64 computation with gradients of gradients;
// its name selects the Go function that spells it out
// (goldenCreateGraphFuncs), Want holds every value torch computed along
// the way.
type createGraphGolden struct {
	Name   string                  `json:"name"`
	Inputs map[string]goldenTensor `json:"inputs"`
	Want   map[string]goldenTensor `json:"want"`
}

// loadAutogradGolden reads and checks the golden file. As loadGolden, it
// rejects unknown fields, so the generator and this test cannot drift
// apart silently.
func loadAutogradGolden(t testing.TB) autogradGoldenFile {
	t.Helper()
	var g autogradGoldenFile
	if err := golden.Decode(goldenAutogradPath, &g); err != nil {
		t.Fatal(err)
	}
	if g.Generator == "" || g.TorchVersion == "" || len(g.Cases) == 0 || len(g.CreateGraph) == 0 {
		t.Fatalf("golden file %s: generator %q, torch version %q, %d cases, %d create-graph cases: incomplete",
			goldenAutogradPath, g.Generator, g.TorchVersion, len(g.Cases), len(g.CreateGraph))
	}
	seen := make(map[string]bool)
	for _, c := range g.Cases {
		if seen[c.Name] {
			t.Fatalf("golden file: case %q appears twice", c.Name)
		}
		seen[c.Name] = true
		if _, ok := c.Out["float64"]; !ok {
			t.Fatalf("golden file: case %q has no float64 result", c.Name)
		}
		for dt, gs := range c.Grads {
			if _, ok := c.Out[dt]; !ok || len(gs) != len(c.Inputs) {
				t.Fatalf("golden file: case %q: %d %s gradients for %d inputs", c.Name, len(gs), dt, len(c.Inputs))
			}
			for i, in := range c.Inputs {
				if (gs[i] != nil) != in.RequiresGrad {
					t.Fatalf("golden file: case %q: %s gradient %d present=%v, requires_grad=%v",
						c.Name, dt, i, gs[i] != nil, in.RequiresGrad)
				}
			}
		}
		if len(c.Grads) != len(c.Out) {
			t.Fatalf("golden file: case %q: results for %d types, gradients for %d", c.Name, len(c.Out), len(c.Grads))
		}
	}
	for _, c := range g.CreateGraph {
		if seen[c.Name] {
			t.Fatalf("golden file: case %q appears twice", c.Name)
		}
		seen[c.Name] = true
	}
	return g
}

// autogradOp runs one op of the golden file on Values: in are the case's
// inputs in order (Params and Consts), p its other arguments.
type autogradOp[T Float] func(in []*Value[T], p autogradParams) *Value[T]

// goldenAutogradOps maps the op names of the golden file (the Go names of
// the Value ops) to the ops. A case whose op is missing here fails.
func goldenAutogradOps[T Float]() map[string]autogradOp[T] {
	unary := func(f func(*Value[T]) *Value[T]) autogradOp[T] {
		return func(in []*Value[T], _ autogradParams) *Value[T] { return f(in[0]) }
	}
	binary := func(f func(a, b *Value[T]) *Value[T]) autogradOp[T] {
		return func(in []*Value[T], _ autogradParams) *Value[T] { return f(in[0], in[1]) }
	}
	scalar := func(f func(*Value[T], T) *Value[T]) autogradOp[T] {
		return func(in []*Value[T], p autogradParams) *Value[T] { return f(in[0], T(p.Scalar)) }
	}
	axes := func(f func(*Value[T], ...int) *Value[T]) autogradOp[T] {
		return func(in []*Value[T], p autogradParams) *Value[T] { return f(in[0], p.Axes...) }
	}
	axis := func(f func(*Value[T], int) *Value[T]) autogradOp[T] {
		return func(in []*Value[T], p autogradParams) *Value[T] { return f(in[0], p.Axis) }
	}
	shape := func(f func(*Value[T], ...int) *Value[T]) autogradOp[T] {
		return func(in []*Value[T], p autogradParams) *Value[T] { return f(in[0], p.Shape...) }
	}
	return map[string]autogradOp[T]{
		// Elementwise, broadcasting.
		"Add":     binary(Add[T]),
		"Sub":     binary(Sub[T]),
		"Mul":     binary(Mul[T]),
		"Div":     binary(Div[T]),
		"Pow":     binary(Pow[T]),
		"Maximum": binary(Maximum[T]),
		"Minimum": binary(Minimum[T]),
		// The mask (input 0) is a constant; the method form is the one
		// spelling of the Value-level Where that survives its planned
		// rename (Where -> Where).
		"Where": func(in []*Value[T], _ autogradParams) *Value[T] {
			return in[1].Where(in[0].Data(), in[2])
		},
		"AddScalar": scalar(AddScalar[T]),
		"MulScalar": scalar(MulScalar[T]),
		"PowScalar": scalar(PowScalar[T]),

		// Elementwise, unary.
		"Neg":        unary(Neg[T]),
		"Exp":        unary(Exp[T]),
		"Log":        unary(Log[T]),
		"Log1p":      unary(Log1p[T]),
		"Sqrt":       unary(Sqrt[T]),
		"Abs":        unary(Abs[T]),
		"Sign":       unary(Sign[T]),
		"Tanh":       unary(Tanh[T]),
		"Sigmoid":    unary(Sigmoid[T]),
		"ReLU":       unary(ReLU[T]),
		"GELU":       unary(GELU[T]),
		"LogSigmoid": unary(LogSigmoid[T]),
		"Square":     unary(Square[T]),
		"Reciprocal": unary(Reciprocal[T]),
		"LeakyReLU": func(in []*Value[T], p autogradParams) *Value[T] {
			return LeakyReLU(in[0], T(p.Slope))
		},
		"Softplus": func(in []*Value[T], p autogradParams) *Value[T] {
			return Softplus(in[0], T(p.Beta), T(p.Threshold))
		},
		"Clamp": func(in []*Value[T], p autogradParams) *Value[T] {
			return Clamp(in[0], T(p.Lo), T(p.Hi))
		},
		"ClampMin": func(in []*Value[T], p autogradParams) *Value[T] { return ClampMin(in[0], T(p.Lo)) },
		"ClampMax": func(in []*Value[T], p autogradParams) *Value[T] { return ClampMax(in[0], T(p.Hi)) },

		// Reductions and the softmax family.
		"Sum":              axes(Sum[T]),
		"SumKeepDim":       axes(SumKeepDim[T]),
		"Mean":             axes(Mean[T]),
		"MeanKeepDim":      axes(MeanKeepDim[T]),
		"Max":              axes(Max[T]),
		"MaxKeepDim":       axes(MaxKeepDim[T]),
		"Min":              axes(Min[T]),
		"MinKeepDim":       axes(MinKeepDim[T]),
		"LogSumExp":        axes(LogSumExp[T]),
		"LogSumExpKeepDim": axes(LogSumExpKeepDim[T]),
		"SumTo":            shape(SumTo[T]),
		"Softmax":          axis(Softmax[T]),
		"LogSoftmax":       axis(LogSoftmax[T]),
		"MatMul":           binary(MatMul[T]),

		// Views and copies.
		"Reshape": shape(Reshape[T]),
		"View":    shape(View[T]),
		"Flatten": unary(Flatten[T]),
		"Transpose": func(in []*Value[T], p autogradParams) *Value[T] {
			return Transpose(in[0], p.Axes[0], p.Axes[1])
		},
		"Permute": axes(Permute[T]),
		"T":       unary((*Value[T]).T),
		"Slice": func(in []*Value[T], p autogradParams) *Value[T] {
			return Slice(in[0], p.Axis, p.Start, p.Stop, p.Step)
		},
		"Select": func(in []*Value[T], p autogradParams) *Value[T] {
			return Select(in[0], p.Axis, p.Index)
		},
		"IndexSelect": func(in []*Value[T], p autogradParams) *Value[T] {
			return IndexSelect(in[0], p.Axis, p.Indices)
		},
		"Squeeze":     axes(Squeeze[T]),
		"Unsqueeze":   axis(Unsqueeze[T]),
		"Expand":      shape(Expand[T]),
		"BroadcastTo": shape(BroadcastTo[T]),
		"Contiguous":  unary(Contiguous[T]),
		// The rec forms: the exported Value-level Concat and Stack are
		// still named Concat and Stack (to be renamed).
		"Concat": func(in []*Value[T], p autogradParams) *Value[T] { return cat(p.Axis, in, true) },
		"Stack":  func(in []*Value[T], p autogradParams) *Value[T] { return stack(p.Axis, in, true) },
	}
}

// goldenAutogradAccumulating lists the ops whose forward value or gradient
// sums many rounded terms, which torch adds in another order (vectorised,
// blocked) than Go: reductions, the softmax family and MatMul (whose
// gradients are matrix products too).
var goldenAutogradAccumulating = map[string]bool{
	"Sum": true, "SumKeepDim": true, "Mean": true, "MeanKeepDim": true,
	"LogSumExp": true, "LogSumExpKeepDim": true, "SumTo": true,
	"Softmax": true, "LogSoftmax": true, "MatMul": true,
}

// goldenAutogradTol returns the accepted error of a result of op in T: the
// forward value if grad is false, else the gradient of an input; accumulated
// says that input has fewer elements than the output, so that each of its
// gradient's elements is a sum of several contributions (a broadcast
// operand, Expand, IndexSelect with repeated indices).
//
// float64 must agree with torch to 1e-12 relative, as the kernels do (a
// few hundred ulps: room for a different order of a handful of operations,
// not for a different formula), and to 1e-10 where terms are summed in a
// different order: reductions, softmax, matmul and accumulated gradients,
// whose backward formulas compose several such sums (sum(g*out) in
// Softmax's rule, g @ bᵀ in MatMul's). The generator rejects a case whose
// float32 result disagrees with float64 by more than a quarter of the
// float32 bound, which keeps the condition number of these sums below a
// few dozen; reordering them then moves a float64 result by well under
// 1e-12, so 1e-10 still catches any wrong formula, which shows at 1e-8 or
// more.
//
// float32 gets the kernel harness's bounds: 1e-6 (about 8 ulps) for a
// forward value and 1e-5 where terms are summed, and 4e-6 for an
// elementwise gradient, whose formula chains two to four rounded
// operations (g·out·(1 − out), g·b·a^(b−1)) after the forward value it
// reuses, each adding up to half an ulp, with libm and SLEEF differing by
// an ulp or two on the transcendental ones. A zero must come out as a zero
// up to the smallest normal number of T.
func goldenAutogradTol[T Float](op string, grad, accumulated bool) goldenTol {
	accum := goldenAutogradAccumulating[op] || grad && accumulated
	if goldenDType[T]() == "float64" {
		if accum {
			return goldenTol{Rel: 1e-10, Zero: 0x1p-1022}
		}
		return goldenTol{Rel: 1e-12, Zero: 0x1p-1022}
	}
	switch {
	case accum:
		return goldenTol{Rel: 1e-5, Zero: 0x1p-126}
	case grad:
		return goldenTol{Rel: 4e-6, Zero: 0x1p-126}
	}
	return goldenTol{Rel: 1e-6, Zero: 0x1p-126}
}

// goldenCreateGraphTol bounds the create-graph results (float64): 1e-10,
// as for accumulating ops. Each value is a second or third pass over a
// graph with reductions and matrix products, and the Go double-backward is
// the derivative of its own backward formulas, which are algebraically
// equal to but differently rounded from torch's hand-written double
// backward kernels (softmax_double_backward, tanh_backward_backward).
var goldenCreateGraphTol = goldenTol{Rel: 1e-10, Zero: 0x1p-1022}

func TestGoldenAutogradOps(t *testing.T) {
	g := loadAutogradGolden(t)
	ops64, ops32 := goldenAutogradOps[float64](), goldenAutogradOps[float32]()
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Run("float64", func(t *testing.T) { runAutogradCase(t, c, ops64) })
			// Cases without float32 results are those where torch's float32
			// kernel is itself too inaccurate to judge (the generator says
			// which and why).
			if _, ok := c.Out["float32"]; ok {
				t.Run("float32", func(t *testing.T) { runAutogradCase(t, c, ops32) })
			}
		})
	}
}

// runAutogradCase runs c in element type T: the op on Params and Consts,
// then Grad of the result with torch's seed with respect to every Param.
// It compares the value and the gradients with torch's, and checks that a
// plain backward recorded nothing and that the op left its inputs alone.
func runAutogradCase[T Float](t *testing.T, c autogradCase, ops map[string]autogradOp[T]) {
	op, ok := ops[c.Op]
	if !ok {
		t.Fatalf("op %q has no entry in goldenAutogradOps (not implemented?)", c.Op)
	}
	dt := goldenDType[T]()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s panicked: %v", c.Op, r)
		}
	}()
	in := make([]*Value[T], len(c.Inputs))
	var diff []*Value[T]
	var wantGrads []goldenTensor
	before := make([][]T, len(c.Inputs))
	versions := make([]uint64, len(c.Inputs))
	for i, g := range c.Inputs {
		x := goldenInput[T](t, g.goldenTensor)
		before[i], versions[i] = x.ToSlice(), x.Version()
		if g.RequiresGrad {
			in[i] = Param(x)
			diff = append(diff, in[i])
			wantGrads = append(wantGrads, *c.Grads[dt][i])
		} else {
			in[i] = Const(x)
		}
	}

	out := op(in, c.Params)
	want := c.Out[dt]
	t.Run("forward", func(t *testing.T) {
		goldenCompare(t, out.Data(), want, goldenAutogradTol[T](c.Op, false, false), c.SignedZeros)
	})
	if !out.RequiresGrad() {
		t.Fatalf("%s of inputs that require a gradient returned a value that does not", c.Op)
	}
	var seed *Value[T]
	if c.Seed != nil {
		seed = Const(goldenInput[T](t, *c.Seed))
	}
	grads := Grad([]*Value[T]{out}, diff, []*Value[T]{seed}, GradOptions{})
	if len(grads) != len(diff) {
		t.Fatalf("Grad returned %d gradients for %d inputs", len(grads), len(diff))
	}
	k := 0
	for i, x := range in {
		if !x.RequiresGrad() {
			continue
		}
		g, w := grads[k], wantGrads[k]
		k++
		t.Run("grad"+strconv.Itoa(i), func(t *testing.T) {
			if g == nil {
				t.Fatal("no gradient")
			}
			if g.RequiresGrad() {
				t.Errorf("a backward without CreateGraph returned a gradient that requires a gradient (op %q)", g.Op())
			}
			accumulated := numel(x.Shape()) < numel(want.Shape)
			goldenCompare(t, g.Data(), w, goldenAutogradTol[T](c.Op, true, accumulated), false)
		})
	}
	for i, x := range in {
		if x.Data().Version() != versions[i] || !slices.EqualFunc(x.Data().ToSlice(), before[i], sameOrNaN[T]) {
			t.Errorf("%s or its backward modified input %d", c.Op, i)
		}
	}
}

// sameOrNaN reports whether a and b are the same value, counting NaN equal
// to NaN.
func sameOrNaN[T Float](a, b T) bool {
	return a == b || math.IsNaN(float64(a)) && math.IsNaN(float64(b))
}

// TestGoldenAutogradOpsCoverage checks that every op of goldenAutogradOps
// has a case in the golden file, so that no op loses its PyTorch check by
// a change of the generator.
func TestGoldenAutogradOpsCoverage(t *testing.T) {
	g := loadAutogradGolden(t)
	covered := make(map[string]bool)
	for _, c := range g.Cases {
		covered[c.Op] = true
	}
	for op := range goldenAutogradOps[float64]() {
		if !covered[op] {
			t.Errorf("op %s has no case in %s", op, goldenAutogradPath)
		}
	}
}

// createGraphFunc computes a create-graph case from its inputs and returns
// the values it names, to be compared with torch's.
type createGraphFunc func(t *testing.T, in map[string]*Tensor[float64]) map[string]*Value[float64]

// createGraphOpts is the option set of every first backward in these
// cases: the gradient is itself recorded, to be differentiated again.
var createGraphOpts = GradOptions{Options: BackwardOptions{CreateGraph: true}}

// goldenCreateGraphFuncs holds the Go spelling of each create-graph case
// of the golden file; gen_autograd_golden.py's create_graph_cases is the
// torch spelling. A case without an entry fails.
var goldenCreateGraphFuncs = map[string]createGraphFunc{
	// loss = mean((z - y)^2) of the MLP z = tanh(x W1ᵀ + b1) W2ᵀ + b2.
	"hvp_mlp_tanh_mse": func(t *testing.T, in map[string]*Tensor[float64]) map[string]*Value[float64] {
		return goldenHVP(t, in, func(z, y *Value[float64]) *Value[float64] {
			return Mean(PowScalar(Sub(z, y), 2))
		})
	},
	// loss = -mean(y log p + (1 - y) log(1 - p)), p = sigmoid(z): BCE
	// spelled out, so that it is differentiated through Sigmoid and Log.
	"hvp_mlp_sigmoid_bce": func(t *testing.T, in map[string]*Tensor[float64]) map[string]*Value[float64] {
		return goldenHVP(t, in, func(z, y *Value[float64]) *Value[float64] {
			p := Sigmoid(z)
			pos := Mul(y, Log(p))
			neg := Mul(AddScalar(Neg(y), 1), Log(AddScalar(Neg(p), 1)))
			return Neg(Mean(Add(pos, neg)))
		})
	},
	"double_backward_softmax": func(t *testing.T, in map[string]*Tensor[float64]) map[string]*Value[float64] {
		return goldenDoubleBackward(t, in, func(x *Value[float64]) *Value[float64] { return Softmax(x, 1) })
	},
	"double_backward_log_softmax": func(t *testing.T, in map[string]*Tensor[float64]) map[string]*Value[float64] {
		return goldenDoubleBackward(t, in, func(x *Value[float64]) *Value[float64] { return LogSoftmax(x, 1) })
	},
	"double_backward_logsumexp": func(t *testing.T, in map[string]*Tensor[float64]) map[string]*Value[float64] {
		return goldenDoubleBackward(t, in, func(x *Value[float64]) *Value[float64] { return LogSumExp(x, 1) })
	},
	// d/dx sum(x³) = 3x², d/dx sum(3x²) = 6x, d/dx sum(6x) = 6.
	"third_derivative_cube": func(t *testing.T, in map[string]*Tensor[float64]) map[string]*Value[float64] {
		x := Param(in["x"])
		g1 := goldenGrad1(t, Sum(PowScalar(x, 3)), x, true)
		g2 := goldenGrad1(t, Sum(g1), x, true)
		g3 := goldenGrad1(t, Sum(g2), x, false)
		return map[string]*Value[float64]{"g1": g1, "g2": g2, "g3": g3}
	},
}

// goldenGrad1 returns the gradient of the one-element out with respect to
// x, recorded if create, and checks that it is recorded exactly then.
func goldenGrad1(t *testing.T, out, x *Value[float64], create bool) *Value[float64] {
	t.Helper()
	opts := GradOptions{}
	if create {
		opts = createGraphOpts
	}
	g := Grad([]*Value[float64]{out}, []*Value[float64]{x}, nil, opts)[0]
	if g == nil {
		t.Fatal("Grad returned no gradient")
	}
	if g.RequiresGrad() != create {
		t.Fatalf("gradient requires a gradient: %v, want %v (CreateGraph %v)", g.RequiresGrad(), create, create)
	}
	return g
}

// goldenHVP computes the Hessian-vector product of an MLP loss as
// SEMANTICS.md 1.6 does: g = Grad(loss, params) with CreateGraph, then
// hv = Grad(sum_i <g_i, v_i>, params). The MLP is 3-4-1 with a tanh hidden
// layer and weights laid out (out, in), as PyTorch's Linear.
func goldenHVP(t *testing.T, in map[string]*Tensor[float64], loss func(z, y *Value[float64]) *Value[float64]) map[string]*Value[float64] {
	names := []string{"w1", "b1", "w2", "b2"}
	params := make([]*Value[float64], len(names))
	for i, n := range names {
		params[i] = Param(in[n])
	}
	w1, b1, w2, b2 := params[0], params[1], params[2], params[3]
	x, y := Const(in["x"]), Const(in["y"])
	h := Tanh(Add(MatMul(x, T(w1)), b1))
	z := Add(MatMul(h, T(w2)), b2)
	l := loss(z, y)
	gs := Grad([]*Value[float64]{l}, params, nil, createGraphOpts)
	var dot *Value[float64]
	for i, g := range gs {
		if g == nil || !g.RequiresGrad() {
			t.Fatalf("gradient of %s under CreateGraph is %v, want a recorded value", names[i], g)
		}
		term := Sum(Mul(g, Const(in["v_"+names[i]])))
		if dot == nil {
			dot = term
		} else {
			dot = Add(dot, term)
		}
	}
	hvs := Grad([]*Value[float64]{dot}, params, nil, GradOptions{})
	got := map[string]*Value[float64]{"loss": l}
	for i, n := range names {
		got["g_"+n] = gs[i]
		got["hv_"+n] = hvs[i]
	}
	return got
}

// goldenDoubleBackward computes y = f(x), g = Grad(sum(y*w), x) with
// CreateGraph, and gg = Grad(sum(g*u), x): a double backward through f
// with fixed w and u.
func goldenDoubleBackward(t *testing.T, in map[string]*Tensor[float64], f func(x *Value[float64]) *Value[float64]) map[string]*Value[float64] {
	x := Param(in["x"])
	y := f(x)
	g := goldenGrad1(t, Sum(Mul(y, Const(in["w"]))), x, true)
	gg := goldenGrad1(t, Sum(Mul(g, Const(in["u"]))), x, false)
	return map[string]*Value[float64]{"y": y, "g": g, "gg": gg}
}

func TestGoldenCreateGraph(t *testing.T) {
	g := loadAutogradGolden(t)
	for _, c := range g.CreateGraph {
		t.Run(c.Name, func(t *testing.T) {
			f, ok := goldenCreateGraphFuncs[c.Name]
			if !ok {
				t.Fatalf("create-graph case %q has no entry in goldenCreateGraphFuncs", c.Name)
			}
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panicked: %v", r)
				}
			}()
			in := make(map[string]*Tensor[float64], len(c.Inputs))
			for name, x := range c.Inputs {
				in[name] = goldenInput[float64](t, x)
			}
			got := f(t, in)
			names := make([]string, 0, len(c.Want))
			for name := range c.Want {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				t.Run(name, func(t *testing.T) {
					v, ok := got[name]
					if !ok || v == nil {
						t.Fatalf("the Go computation has no value %q", name)
					}
					goldenCompare(t, v.Data(), c.Want[name], goldenCreateGraphTol, false)
				})
			}
		})
	}
}

// TestGoldenCreateGraphCoverage checks that every Go spelling of a
// create-graph case has its case in the golden file.
func TestGoldenCreateGraphCoverage(t *testing.T) {
	g := loadAutogradGolden(t)
	have := make(map[string]bool)
	for _, c := range g.CreateGraph {
		have[c.Name] = true
	}
	for name := range goldenCreateGraphFuncs {
		if !have[name] {
			t.Errorf("create-graph case %s has no values in %s", name, goldenAutogradPath)
		}
	}
}
