package tensor

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chainrule/chainrule/internal/golden"
)

// This file checks the functional transforms against PyTorch: every case of
// testdata/golden/functional.json, made by testdata/gen_functional_golden.py
// (Debian torch 1.13.1 with functorch, CPU, float64), runs the transforms
// its "want" keys name on the function its "func" names, and compares with
// torch within 1e-10 relative. The format is described in the script; the
// tensors are those of golden_helpers_test.go, whose helpers build the
// inputs (including non-contiguous ones) and compare the results.

var goldenFunctionalPath = filepath.Join("..", "testdata", "golden", "functional.json")

// functionalGoldenTol is the accepted error with respect to torch (the
// script's GO_REL_TOL): 1e-10 relative, and |got| <= 1e-14 where torch has
// an exact 0 (an off-diagonal of an elementwise Jacobian).
var functionalGoldenTol = goldenTol{Rel: 1e-10, Zero: 1e-14}

type functionalGoldenFile struct {
	Generator    string                 `json:"generator"`
	TorchVersion string                 `json:"torch_version"`
	Cases        []functionalGoldenCase `json:"cases"`
}

type functionalGoldenCase struct {
	Name   string                  `json:"name"`
	Func   string                  `json:"func"`
	Inputs map[string]goldenTensor `json:"inputs"`
	Want   map[string]goldenTensor `json:"want"`
}

// functionalGoldenFuncs spells out the script's FUNCS with the Value ops.
// Each returns f of x, reading the case's other inputs as constants.
var functionalGoldenFuncs = map[string]func(in map[string]*Value[float64]) func(x *Value[float64]) *Value[float64]{
	"elementwise": func(map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return gfElementwise
	},
	"elementwise_sum": func(map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] { return Sum(gfElementwise(x)) }
	},
	"matmul_tanh": func(in map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] { return Tanh(MatMul(in["A"], x)) }
	},
	"matmul_tanh_sq_sum": func(in map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] { return Sum(Square(Tanh(MatMul(in["A"], x)))) }
	},
	"softmax_rows": func(map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] { return Softmax(x, 1) }
	},
	"softmax_vec": func(map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] { return Softmax(x, 0) }
	},
	"log_softmax_cols": func(map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] { return LogSoftmax(x, 0) }
	},
	"logsumexp_all": func(map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] { return LogSumExp(x) }
	},
	"logsumexp_rows": func(map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] { return LogSumExp(x, 1) }
	},
	"logsumexp_rows_sq_sum": func(map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] { return Sum(Square(LogSumExp(x, 1))) }
	},
	"rosenbrock": func(map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] {
			n := x.Shape()[0]
			head, tail := Slice(x, 0, 0, n-1, 1), Slice(x, 0, 1, n, 1)
			return Sum(Add(MulScalar(Square(Sub(tail, Square(head))), 100), Square(AddScalar(Neg(head), 1))))
		}
	},
	"mlp_loss": func(in map[string]*Value[float64]) func(x *Value[float64]) *Value[float64] {
		return fnMLP(in["data_x"], in["data_y"])
	},
}

// gfElementwise is exp(x)·tanh(x) + x³.
func gfElementwise(x *Value[float64]) *Value[float64] {
	return Add(Mul(Exp(x), Tanh(x)), PowScalar(x, 3))
}

func loadFunctionalGolden(t *testing.T) functionalGoldenFile {
	t.Helper()
	var g functionalGoldenFile
	if err := golden.Decode(goldenFunctionalPath, &g); err != nil {
		t.Fatal(err)
	}
	if g.Generator == "" || g.TorchVersion == "" || len(g.Cases) == 0 {
		t.Fatalf("golden file %s: incomplete", goldenFunctionalPath)
	}
	return g
}

func TestGoldenFunctional(t *testing.T) {
	g := loadFunctionalGolden(t)
	seen := make(map[string]bool)
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			if seen[c.Name] {
				t.Fatalf("case %q appears twice", c.Name)
			}
			seen[c.Name] = true
			in := make(map[string]*Value[float64], len(c.Inputs))
			for name, x := range c.Inputs {
				in[name] = Const(goldenInput[float64](t, x))
			}
			switch c.Func {
			case "two_args":
				gfTwoArgs(t, c, in)
			case "gradient_penalty":
				gfGradientPenalty(t, c, in)
			default:
				mk, ok := functionalGoldenFuncs[c.Func]
				if !ok {
					t.Fatalf("unknown func %q", c.Func)
				}
				gfRun(t, c, mk(in), in)
			}
		})
	}
}

// gfWant compares got with the case's want[key], failing if it is missing,
// in a subtest named after the key and, if given, the route that computed
// got.
func gfWant(t *testing.T, c functionalGoldenCase, key string, got *Value[float64], via ...string) {
	t.Helper()
	want, ok := c.Want[key]
	if !ok {
		t.Fatalf("case has no %q", key)
	}
	t.Run(strings.Join(append([]string{key}, via...), "/"), func(t *testing.T) {
		goldenCompare(t, got.Data(), want, functionalGoldenTol, false)
	})
}

// gfRun runs on f at in["x"] every transform that the case's keys name.
func gfRun(t *testing.T, c functionalGoldenCase, f func(x *Value[float64]) *Value[float64], in map[string]*Value[float64]) {
	x := in["x"]
	keys := make([]string, 0, len(c.Want))
	for k := range c.Want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		switch key {
		case "value":
			gfWant(t, c, key, f(x))
		case "jacobian":
			gfWant(t, c, key, Jacobian(f, x))
			gfWant(t, c, key, JacobianFwd(f, x), "JacobianFwd")
		case "grad":
			gfWant(t, c, key, GradOf(func(xs ...*Value[float64]) *Value[float64] { return f(xs[0]) })(x)[0])
		case "hessian":
			gfWant(t, c, key, Hessian(f, x))
			grad := func(x *Value[float64]) *Value[float64] {
				return GradOf(func(xs ...*Value[float64]) *Value[float64] { return f(xs[0]) })(x)[0]
			}
			gfWant(t, c, key, JacobianFwd(grad, x), "JacobianFwd(GradOf)")
		case "hvp":
			value, hv := HVP(f, x, in["v"])
			gfWant(t, c, key, hv)
			gfWant(t, c, "value", value, "HVP")
		case "jvp":
			value, tan := JVP(func(xs ...*Value[float64]) *Value[float64] { return f(xs[0]) }, []*Value[float64]{x}, []*Value[float64]{in["t"]})
			gfWant(t, c, key, tan)
			gfWant(t, c, "value", value, "JVP")
		case "vjp":
			value, vjp := VJP(func(xs ...*Value[float64]) *Value[float64] { return f(xs[0]) }, x)
			gfWant(t, c, key, vjp(in["ct"])[0])
			gfWant(t, c, "value", value, "VJP")
		default:
			t.Errorf("unknown key %q", key)
		}
	}
}

// gfTwoArgs: x·exp(y), y broadcast against x; VJP and JVP in both primals.
func gfTwoArgs(t *testing.T, c functionalGoldenCase, in map[string]*Value[float64]) {
	f := func(xs ...*Value[float64]) *Value[float64] { return Mul(xs[0], Exp(xs[1])) }
	value, vjp := VJP(f, in["x"], in["y"])
	gs := vjp(in["ct"])
	gfWant(t, c, "value", value)
	gfWant(t, c, "vjp_x", gs[0])
	gfWant(t, c, "vjp_y", gs[1])
	_, tan := JVP(f, []*Value[float64]{in["x"], in["y"]}, []*Value[float64]{in["t"], in["ty"]})
	gfWant(t, c, "jvp", tan)
}

// gfGradientPenalty: WGAN-GP's penalty (fnGradientPenalty, which uses
// GradOf) and its gradients with respect to the critic's parameters.
func gfGradientPenalty(t *testing.T, c functionalGoldenCase, in map[string]*Value[float64]) {
	ws := []*Value[float64]{Param(in["w1"].Data()), Param(in["b1"].Data()), Param(in["w2"].Data())}
	penalty := fnGradientPenalty(ws[0], ws[1], ws[2], in["real"], in["fake"], in["eps"])
	gfWant(t, c, "value", penalty)
	gs := Grad([]*Value[float64]{penalty}, ws, nil, GradOptions{})
	gfWant(t, c, "grad_w1", gs[0])
	gfWant(t, c, "grad_b1", gs[1])
	gfWant(t, c, "grad_w2", gs[2])
	// The same through the transforms alone.
	_, gs = ValueAndGradOf(func(ws ...*Value[float64]) *Value[float64] {
		return fnGradientPenalty(ws[0], ws[1], ws[2], in["real"], in["fake"], in["eps"])
	})(in["w1"], in["b1"], in["w2"])
	gfWant(t, c, "grad_w1", gs[0], "ValueAndGradOf")
	gfWant(t, c, "grad_b1", gs[1], "ValueAndGradOf")
	gfWant(t, c, "grad_w2", gs[2], "ValueAndGradOf")
}
