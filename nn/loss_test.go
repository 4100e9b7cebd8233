package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/chainrule/chainrule/internal/golden"
	"github.com/chainrule/chainrule/tensor"
)

// The golden values come from PyTorch via testdata/gen_loss_golden.py,
// whose header documents the file format and the torch version.
const lossGoldenPath = "../testdata/golden/nn_losses.json"

// Tolerances against the golden values, relative to max(|want|, floor *
// the largest magnitude in the tensor). float64: 1e-10 of the element
// itself (the floor, 1e-13 of the largest, only spares elements that
// should be 0). float32: 2e-6 (17 float32 eps) of the tensor's scale,
// because where terms cancel torch's own float32 results are only that
// close to the exact ones; the generator rejects cases whose float32 torch
// result is not within a quarter of lossTol32 of the float64 one (its
// F32_TOL must equal lossTol32). TestLossGolden logs the worst errors
// measured.
const (
	lossTol64   = 1e-10
	lossFloor64 = 1e-13
	lossTol32   = 2e-6
	lossFloor32 = 1.0
)

type lossGoldenFile struct {
	Generator    string           `json:"generator"`
	TorchVersion string           `json:"torch_version"`
	Cases        []lossGoldenCase `json:"cases"`
}

type lossGoldenCase struct {
	Name   string                                 `json:"name"`
	Loss   string                                 `json:"loss"`
	Params lossGoldenParams                       `json:"params"`
	Inputs map[string]lossGoldenTensor            `json:"inputs"`
	Target []int                                  `json:"target"`
	Seed   *lossGoldenTensor                      `json:"seed"`
	Out    map[string]lossGoldenTensor            `json:"out"`
	Grads  map[string]map[string]lossGoldenTensor `json:"grads"`
	HVP    *lossGoldenHVP                         `json:"hvp"`
}

type lossGoldenParams struct {
	Reduction      string    `json:"reduction"`
	Delta          lossFloat `json:"delta"`
	LabelSmoothing lossFloat `json:"label_smoothing"`
	IgnoreIndex    *int      `json:"ignore_index"`
}

type lossGoldenTensor struct {
	Shape        []int       `json:"shape"`
	Data         []lossFloat `json:"data"`
	RequiresGrad bool        `json:"requires_grad"`
}

type lossGoldenHVP struct {
	Wrt     string           `json:"wrt"`
	V       lossGoldenTensor `json:"v"`
	Float64 lossGoldenTensor `json:"float64"`
}

// lossFloat is a float written as a JSON string ("0.5", "inf", "nan").
type lossFloat = golden.Float

func loadLossGolden(t *testing.T) lossGoldenFile {
	t.Helper()
	var g lossGoldenFile
	if err := golden.Decode(lossGoldenPath, &g); err != nil {
		t.Fatal(err)
	}
	if g.Generator == "" || g.TorchVersion == "" || len(g.Cases) == 0 {
		t.Fatalf("golden file %s is incomplete", lossGoldenPath)
	}
	return g
}

// lossTensorOf builds g as a tensor of T (float32 rounds each stored
// float64 value to nearest, as the generator does).
func lossTensorOf[T tensor.Float](g lossGoldenTensor) *tensor.Tensor[T] {
	data := make([]T, len(g.Data))
	for i, v := range g.Data {
		data[i] = T(v)
	}
	return tensor.New(data, g.Shape...)
}

func (p lossGoldenParams) reduction(t *testing.T) Reduction {
	t.Helper()
	switch p.Reduction {
	case "mean", "":
		return ReduceMean
	case "sum":
		return ReduceSum
	case "none":
		return ReduceNone
	}
	t.Fatalf("unknown reduction %q", p.Reduction)
	return 0
}

// callLoss runs the loss of c on inputs in (Values) and returns its result.
func callLoss[T tensor.Float](t *testing.T, c lossGoldenCase, in map[string]*tensor.Value[T]) *tensor.Value[T] {
	t.Helper()
	red := c.Params.reduction(t)
	ce := CEOptions[T]{
		IgnoreIndex:    c.Params.IgnoreIndex,
		LabelSmoothing: float64(c.Params.LabelSmoothing),
		Reduction:      red,
	}
	if w := in["weight"]; w != nil {
		ce.Weight = w.Data()
	}
	switch c.Loss {
	case "MSE":
		return MSE(in["x"], in["y"], red)
	case "L1":
		return L1(in["x"], in["y"], red)
	case "Huber":
		return Huber(in["x"], in["y"], float64(c.Params.Delta), red)
	case "BCE":
		return BCE(in["p"], in["target"], in["weight"], red)
	case "BCEWithLogits":
		return BCEWithLogits(in["x"], in["target"], BCEWithLogitsOptions[T]{
			Weight: in["weight"], PosWeight: in["pos_weight"], Reduction: red,
		})
	case "NLL":
		return NLL(in["logp"], c.Target, ce)
	case "CrossEntropy":
		return CrossEntropy(in["logits"], c.Target, ce)
	case "CrossEntropyProbs":
		return CrossEntropyProbs(in["logits"], in["probs"], ce)
	}
	t.Fatalf("unknown loss %q", c.Loss)
	return nil
}

// lossInputs builds the Values of c's inputs: Params for those that
// require a gradient, Consts otherwise. names lists the Params in a fixed
// order.
func lossInputs[T tensor.Float](c lossGoldenCase) (in map[string]*tensor.Value[T], names []string) {
	in = map[string]*tensor.Value[T]{}
	for name, g := range c.Inputs {
		if g.RequiresGrad {
			in[name] = tensor.Param(lossTensorOf[T](g))
			names = append(names, name)
		} else {
			in[name] = tensor.Const(lossTensorOf[T](g))
		}
	}
	slices.Sort(names)
	return in, names
}

// lossErr measures got against want: the largest error relative to
// max(|want|, floor*max|want|) over the elements, or +Inf if a shape, a
// NaN or an infinity differs.
func lossErr[T tensor.Float](got *tensor.Tensor[T], want lossGoldenTensor, floor float64) (float64, string) {
	if diff := cmp.Diff(want.Shape, got.Shape(), cmpopts.EquateEmpty()); diff != "" {
		return math.Inf(1), "shape (-want +got):\n" + diff
	}
	g := got.Contiguous().Flat()
	scale := 0.0
	for _, w := range want.Data {
		if w := math.Abs(float64(w)); !math.IsInf(w, 0) && !math.IsNaN(w) {
			scale = math.Max(scale, w)
		}
	}
	worst, at := 0.0, ""
	for i, w := range want.Data {
		gv, wv := float64(g[i]), float64(w)
		if math.IsNaN(wv) || math.IsInf(wv, 0) || math.IsNaN(gv) || math.IsInf(gv, 0) {
			if !(gv == wv || math.IsNaN(gv) && math.IsNaN(wv)) {
				return math.Inf(1), fmt.Sprintf("element %d: got %v, want %v", i, gv, wv)
			}
			continue
		}
		den := math.Max(math.Abs(wv), floor*scale)
		e := math.Abs(gv - wv)
		if den > 0 {
			e /= den
		} else if e > 0 {
			e = math.Inf(1)
		}
		if e > worst {
			worst, at = e, fmt.Sprintf("element %d: got %v, want %v", i, gv, wv)
		}
	}
	return worst, at
}

// checkLoss fails t if got is not within tol of want.
func checkLoss[T tensor.Float](t *testing.T, what string, got *tensor.Tensor[T], want lossGoldenTensor, tol, floor float64) float64 {
	t.Helper()
	e, at := lossErr(got, want, floor)
	if !(e <= tol) {
		t.Errorf("%s: error %.3g > %.3g at %s\ngot  %v\nwant %v", what, e, tol, at, got.ToSlice(), want.Data)
	}
	return e
}

// lossWorst records the worst error per (dtype, kind) over the golden
// test, logged at the end: the measured accuracy.
type lossWorst map[string]float64

func (w lossWorst) note(key string, e float64) {
	if e > w[key] {
		w[key] = e
	}
}

func TestLossGolden(t *testing.T) {
	g := loadLossGolden(t)
	worst := lossWorst{}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			for _, create := range []bool{false, true} {
				runLossGolden[float64](t, c, "float64", create, worst)
				runLossGolden[float32](t, c, "float32", create, worst)
			}
			if c.HVP != nil {
				runLossHVP(t, c, worst)
			}
		})
	}
	for _, k := range []string{"float64 value", "float64 grad", "float64 hvp", "float32 value", "float32 grad"} {
		eps := 1.0
		if strings.HasPrefix(k, "float32") {
			eps = float64(math.Nextafter32(1, 2) - 1)
		} else {
			eps = math.Nextafter(1, 2) - 1
		}
		t.Logf("worst %s error: %.3g relative (%.2f eps)", k, worst[k], worst[k]/eps)
	}
}

// runLossGolden checks one case in one element type: the loss value, and
// the gradients from a plain backward (create false, the raw kernels) or
// a create-graph one (the recorded ops).
func runLossGolden[T tensor.Float](t *testing.T, c lossGoldenCase, dtype string, create bool, worst lossWorst) {
	t.Helper()
	tol, floor := lossTol64, lossFloor64
	if dtype == "float32" {
		tol, floor = lossTol32, lossFloor32
	}
	in, names := lossInputs[T](c)
	out := callLoss(t, c, in)
	what := dtype
	if create {
		what += " create-graph"
	}
	worst.note(dtype+" value", checkLoss(t, what+" value", out.Data(), c.Out[dtype], tol, floor))
	if len(names) == 0 {
		return
	}
	var seeds []*tensor.Value[T]
	if c.Seed != nil {
		seeds = []*tensor.Value[T]{tensor.Const(lossTensorOf[T](*c.Seed))}
	}
	inputs := make([]*tensor.Value[T], len(names))
	for i, n := range names {
		inputs[i] = in[n]
	}
	var opts tensor.GradOptions
	opts.CreateGraph = create
	grads := tensor.Grad([]*tensor.Value[T]{out}, inputs, seeds, opts)
	for i, n := range names {
		want, ok := c.Grads[dtype][n]
		if !ok {
			t.Fatalf("golden case has no %s gradient of %s", dtype, n)
		}
		worst.note(dtype+" grad", checkLoss(t, fmt.Sprintf("%s gradient of %s", what, n), grads[i].Data(), want, tol, floor))
	}
}

// runLossHVP checks a Hessian-vector product (float64): the gradient of
// <d loss/d wrt, v> with respect to wrt, through a create-graph backward.
func runLossHVP(t *testing.T, c lossGoldenCase, worst lossWorst) {
	t.Helper()
	in, _ := lossInputs[float64](c)
	wrt := in[c.HVP.Wrt]
	out := callLoss(t, c, in)
	var seeds []*tensor.Value[float64]
	if c.Seed != nil {
		seeds = []*tensor.Value[float64]{tensor.Const(lossTensorOf[float64](*c.Seed))}
	}
	var opts tensor.GradOptions
	opts.CreateGraph = true
	gx := tensor.Grad([]*tensor.Value[float64]{out}, []*tensor.Value[float64]{wrt}, seeds, opts)[0]
	dot := tensor.Sum(tensor.Mul(gx, tensor.Const(lossTensorOf[float64](c.HVP.V))))
	hv := tensor.Grad([]*tensor.Value[float64]{dot}, []*tensor.Value[float64]{wrt}, nil, tensor.GradOptions{})[0]
	worst.note("float64 hvp", checkLoss(t, "Hessian-vector product", hv.Data(), c.HVP.Float64, lossTol64, lossFloor64))
}

// lossRNG returns a deterministic generator for a test.
func lossRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// TestLossGradCheck checks every loss's gradients against finite
// differences in float64, at points away from the clamps and kinks (BCE's
// p in (0.05, 0.95), L1 and Huber away from x - y = 0 and ±delta).
func TestLossGradCheck(t *testing.T) {
	rng := lossRNG(1)
	uni := func(lo, hi float64, shape ...int) *tensor.Value[float64] {
		return tensor.Param(tensor.Uniform[float64](rng, lo, hi, shape...))
	}
	// offset returns y = x + d with |d| in [0.2, 0.8] or [1.5, 3] (signs
	// random), so that L1 and Huber (delta 1) are smooth at every element.
	offset := func(x *tensor.Value[float64]) *tensor.Value[float64] {
		d := tensor.Uniform[float64](rng, 0.2, 0.8, x.Shape()...).Flat()
		for i := range d {
			if rng.IntN(2) == 0 {
				d[i] += 1.3
			}
			if rng.IntN(2) == 0 {
				d[i] = -d[i]
			}
		}
		return tensor.Param(x.Data().Add(tensor.New(d, x.Shape()...)))
	}
	x23 := uni(-2, 2, 2, 3)
	y23 := offset(x23)
	w3 := tensor.Uniform[float64](rng, 0.5, 2, 3)
	tests := []struct {
		name   string
		f      func(xs []*tensor.Value[float64]) *tensor.Value[float64]
		inputs []*tensor.Value[float64]
	}{
		{"MSE", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return MSE(xs[0], xs[1], ReduceMean)
		}, []*tensor.Value[float64]{x23, y23}},
		{"L1", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return L1(xs[0], xs[1], ReduceSum)
		}, []*tensor.Value[float64]{x23, y23}},
		{"Huber", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return Huber(xs[0], xs[1], 1, ReduceNone)
		}, []*tensor.Value[float64]{x23, y23}},
		{"BCE", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return BCE(xs[0], xs[1], xs[2], ReduceMean)
		}, []*tensor.Value[float64]{uni(0.05, 0.95, 2, 3), uni(0.05, 0.95, 2, 3), uni(0.5, 2, 3)}},
		{"BCE/none", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return BCE(xs[0], xs[1], nil, ReduceNone)
		}, []*tensor.Value[float64]{uni(0.05, 0.95, 4), uni(0, 1, 4)}},
		{"BCEWithLogits", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return BCEWithLogits(xs[0], xs[1], BCEWithLogitsOptions[float64]{Weight: xs[2], PosWeight: xs[3]})
		}, []*tensor.Value[float64]{uni(-3, 3, 2, 3), uni(0, 1, 2, 3), uni(0.5, 2, 2, 1), uni(0.5, 3, 3)}},
		{"BCEWithLogits/none", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return BCEWithLogits(xs[0], xs[1], BCEWithLogitsOptions[float64]{Reduction: ReduceNone})
		}, []*tensor.Value[float64]{uni(-3, 3, 4), uni(0, 1, 4)}},
		{"NLL", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return NLL(xs[0], []int{2, -100, 0, 1}, CEOptions[float64]{Weight: w3})
		}, []*tensor.Value[float64]{uni(-3, 0, 4, 3)}},
		{"CrossEntropy", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return CrossEntropy(xs[0], []int{2, -100, 0, 1}, CEOptions[float64]{Weight: w3, LabelSmoothing: 0.2})
		}, []*tensor.Value[float64]{uni(-3, 3, 4, 3)}},
		{"CrossEntropy/none", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return CrossEntropy(xs[0], []int{2, 1}, CEOptions[float64]{Reduction: ReduceNone})
		}, []*tensor.Value[float64]{uni(-3, 3, 2, 3)}},
		{"CrossEntropy/1d", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return CrossEntropy(xs[0], []int{4}, CEOptions[float64]{LabelSmoothing: 0.1})
		}, []*tensor.Value[float64]{uni(-3, 3, 5)}},
		{"CrossEntropyProbs", func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
			return CrossEntropyProbs(xs[0], xs[1], CEOptions[float64]{Weight: w3, LabelSmoothing: 0.1})
		}, []*tensor.Value[float64]{uni(-3, 3, 2, 3), uni(0, 1, 2, 3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tensor.GradCheck(tt.f, tt.inputs, tensor.GradCheckOptions{}); err != nil {
				t.Error(err)
			}
		})
		// Second order: the gradient (recorded with CreateGraph) checked
		// against finite differences of itself, PyTorch's gradgradcheck.
		t.Run(tt.name+"/double", func(t *testing.T) {
			first := func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
				out := tt.f(xs)
				var seeds []*tensor.Value[float64]
				if out.Data().Size() != 1 {
					seeds = []*tensor.Value[float64]{tensor.Const(tensor.Linspace[float64](-1, 1, out.Data().Size()).Reshape(out.Shape()...))}
				}
				var opts tensor.GradOptions
				opts.CreateGraph = true
				g := tensor.Grad([]*tensor.Value[float64]{out}, xs[:1], seeds, opts)[0]
				if !g.RequiresGrad() {
					// The gradient does not depend on the inputs (NLL):
					// a zero second derivative.
					return tensor.Add(g, tensor.MulScalar(xs[0], 0))
				}
				return g
			}
			if err := tensor.GradCheck(first, tt.inputs, tensor.GradCheckOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
}

// compositeCrossEntropy is CrossEntropy spelled out with LogSoftmax, NLL
// and ops, as PyTorch composes it: (1-ε)*nll + (ε/C)*smooth with the same
// weights, ignore mask and normaliser.
func compositeCrossEntropy(x *tensor.Value[float64], target []int, opts CEOptions[float64]) *tensor.Value[float64] {
	lp := tensor.LogSoftmax(x, -1)
	eps := opts.LabelSmoothing
	nllOpts := opts
	nllOpts.LabelSmoothing = 0
	nll := NLL(lp, target, nllOpts)
	if eps == 0 {
		return nll
	}
	n, c := x.Shape()[0], x.Shape()[1]
	w := tensor.Ones[float64](c)
	if opts.Weight != nil {
		w = opts.Weight
	}
	keep := make([]float64, n)
	total := 0.0
	for i, y := range target {
		if y != DefaultIgnoreIndex {
			keep[i] = 1
			total += w.At(y)
		}
	}
	smooth := tensor.Mul(tensor.Neg(tensor.Sum(tensor.Mul(lp, tensor.Const(w)), -1)), tensor.Const(tensor.New(keep)))
	switch opts.Reduction {
	case ReduceSum:
		smooth = tensor.Sum(smooth)
	case ReduceMean:
		smooth = tensor.Div(tensor.Sum(smooth), tensor.Const(tensor.Scalar(total)))
	}
	return tensor.Add(tensor.MulScalar(nll, 1-eps), tensor.MulScalar(smooth, eps/float64(c)))
}

// TestCrossEntropyMatchesComposite checks the fused CrossEntropy against
// its composition from LogSoftmax and NLL: values, gradients and
// Hessian-vector products (the create-graph backward), on random logits
// with weights, ignored rows and label smoothing.
func TestCrossEntropyMatchesComposite(t *testing.T) {
	rng := lossRNG(2)
	target := []int{3, 0, -100, 2, 2, 1, 0}
	w := tensor.Uniform[float64](rng, 0.5, 2, 4)
	tests := []struct {
		name string
		opts CEOptions[float64]
	}{
		{"plain", CEOptions[float64]{}},
		{"weight", CEOptions[float64]{Weight: w}},
		{"sum", CEOptions[float64]{Weight: w, Reduction: ReduceSum}},
		{"none", CEOptions[float64]{Weight: w, Reduction: ReduceNone}},
		{"smoothing", CEOptions[float64]{LabelSmoothing: 0.25}},
		{"smoothing weight", CEOptions[float64]{Weight: w, LabelSmoothing: 0.25}},
		{"smoothing weight none", CEOptions[float64]{Weight: w, LabelSmoothing: 0.25, Reduction: ReduceNone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := tensor.Param(tensor.Normal[float64](rng, 0, 3, len(target), 4))
			v := tensor.Const(tensor.Normal[float64](rng, 0, 1, len(target), 4))
			var seeds []*tensor.Value[float64]
			if tt.opts.Reduction == ReduceNone {
				seeds = []*tensor.Value[float64]{tensor.Const(tensor.Normal[float64](rng, 0, 1, len(target)))}
			}
			run := func(loss *tensor.Value[float64]) (val, grad, hvp []float64) {
				var opts tensor.GradOptions
				opts.CreateGraph = true
				g := tensor.Grad([]*tensor.Value[float64]{loss}, []*tensor.Value[float64]{x}, seeds, opts)[0]
				h := tensor.Grad([]*tensor.Value[float64]{tensor.Sum(tensor.Mul(g, v))}, []*tensor.Value[float64]{x}, nil, tensor.GradOptions{})[0]
				return loss.Data().ToSlice(), g.Data().ToSlice(), h.Data().ToSlice()
			}
			gotV, gotG, gotH := run(CrossEntropy(x, target, tt.opts))
			wantV, wantG, wantH := run(compositeCrossEntropy(x, target, tt.opts))
			plain := CrossEntropy(x, target, tt.opts)
			gotPlain := tensor.Grad([]*tensor.Value[float64]{plain}, []*tensor.Value[float64]{x}, seeds, tensor.GradOptions{})[0].Data().ToSlice()
			approx := cmpopts.EquateApprox(1e-12, 1e-14)
			for _, c := range []struct {
				what      string
				got, want []float64
			}{
				{"value", gotV, wantV},
				{"gradient", gotG, wantG},
				{"plain-backward gradient", gotPlain, wantG},
				{"Hessian-vector product", gotH, wantH},
			} {
				if diff := cmp.Diff(c.want, c.got, approx); diff != "" {
					t.Errorf("%s: fused differs from composite (-composite +fused):\n%s", c.what, diff)
				}
			}
		})
	}
}

// TestLossNonContiguous feeds the fused losses strided views (a transpose)
// and compares with the same values made contiguous.
func TestLossNonContiguous(t *testing.T) {
	rng := lossRNG(3)
	base := tensor.Normal[float64](rng, 0, 2, 3, 4)
	probs := tensor.Uniform[float64](rng, 0.05, 0.95, 3, 4)
	targets := tensor.Uniform[float64](rng, 0, 1, 4, 3)
	losses := []struct {
		name string
		f    func(x, p *tensor.Value[float64]) *tensor.Value[float64]
	}{
		{"CrossEntropy", func(x, _ *tensor.Value[float64]) *tensor.Value[float64] {
			return CrossEntropy(x, []int{1, 2, 0, 2}, CEOptions[float64]{LabelSmoothing: 0.1})
		}},
		{"NLL", func(x, _ *tensor.Value[float64]) *tensor.Value[float64] {
			return NLL(x, []int{1, 2, 0, 2}, CEOptions[float64]{})
		}},
		{"BCEWithLogits", func(x, _ *tensor.Value[float64]) *tensor.Value[float64] {
			return BCEWithLogits(x, tensor.Const(targets), BCEWithLogitsOptions[float64]{})
		}},
		{"BCE", func(_, p *tensor.Value[float64]) *tensor.Value[float64] {
			return BCE(p, tensor.Const(targets), nil, ReduceSum)
		}},
	}
	for _, l := range losses {
		t.Run(l.name, func(t *testing.T) {
			run := func(x, p *tensor.Tensor[float64]) (val, gx, gp []float64) {
				xv, pv := tensor.Param(x), tensor.Param(p)
				loss := l.f(xv, pv)
				loss.Backward()
				val = loss.Data().ToSlice()
				if g := xv.Grad(); g != nil {
					gx = g.Data().ToSlice()
				}
				if g := pv.Grad(); g != nil {
					gp = g.Data().ToSlice()
				}
				return val, gx, gp
			}
			x, p := base.T(), probs.T()
			if x.IsContiguous() {
				t.Fatal("the transposed input is contiguous")
			}
			gotV, gotX, gotP := run(x, p)
			wantV, wantX, wantP := run(x.Contiguous(), p.Contiguous())
			if diff := cmp.Diff([][]float64{wantV, wantX, wantP}, [][]float64{gotV, gotX, gotP}); diff != "" {
				t.Errorf("strided input (-contiguous +strided):\n%s", diff)
			}
		})
	}
}

// TestLossPanics checks that misuse panics with an error that wraps the
// right sentinel and says what was wrong in PyTorch's words.
func TestLossPanics(t *testing.T) {
	v := func(data []float64, shape ...int) *tensor.Value[float64] {
		return tensor.Const(tensor.New(data, shape...))
	}
	x3, x31, x23 := v([]float64{0.1, 0.5, 0.9}, 3), v([]float64{0.1, 0.5, 0.9}, 3, 1), v(make([]float64, 6), 2, 3)
	tests := []struct {
		name     string
		f        func()
		sentinel error
		msg      string
	}{
		{"MSE/shape", func() { MSE(x3, x31, ReduceMean) }, tensor.ErrShape,
			"nn: MSE: using a target size ([3 1]) that is different to the input size ([3])"},
		{"L1/reduction", func() { L1(x3, x3, Reduction(7)) }, tensor.ErrArgument,
			"nn: L1: Reduction(7) is not a valid reduction"},
		{"Huber/delta", func() { Huber(x3, x3, 0, ReduceMean) }, tensor.ErrArgument,
			"huber_loss does not support non-positive values for delta"},
		{"BCE/input above 1", func() { BCE(v([]float64{0.5, 1.5}), v([]float64{0, 1}), nil, ReduceMean) },
			tensor.ErrArgument, "nn: BCE: all elements of input should be between 0 and 1"},
		{"BCE/input negative", func() { BCE(v([]float64{-0.1}), v([]float64{0}), nil, ReduceMean) },
			tensor.ErrArgument, "all elements of input should be between 0 and 1"},
		{"BCE/input NaN", func() { BCE(v([]float64{math.NaN()}), v([]float64{0}), nil, ReduceMean) },
			tensor.ErrArgument, "all elements of input should be between 0 and 1"},
		{"BCE/target", func() { BCE(x3, v([]float64{0, 1.5, 1}), nil, ReduceMean) },
			tensor.ErrArgument, "all elements of target should be between 0 and 1"},
		{"BCE/input reported before an earlier target", func() { BCE(v([]float64{0.5, 2}), v([]float64{-1, 0}), nil, ReduceSum) },
			tensor.ErrArgument, "all elements of input should be between 0 and 1 (input [2] has 2)"},
		{"BCE/input, no reduction", func() { BCE(v([]float64{0.5, 2}), v([]float64{0, 0}), nil, ReduceNone) },
			tensor.ErrArgument, "all elements of input should be between 0 and 1"},
		{"BCE/target, no reduction", func() { BCE(x3, v([]float64{0, 1, -1}), nil, ReduceNone) },
			tensor.ErrArgument, "all elements of target should be between 0 and 1"},
		{"BCE/shape", func() { BCE(x3, x31, nil, ReduceMean) }, tensor.ErrShape,
			"nn: BCE: Using a target size ([3 1]) that is different to the input size ([3]) is deprecated. Please ensure they have the same size."},
		{"BCE/weight", func() { BCE(x3, x3, v([]float64{1, 2}), ReduceMean) }, tensor.ErrShape,
			"weight of shape [2] does not broadcast to the input shape [3]"},
		{"BCEWithLogits/shape", func() { BCEWithLogits(x3, x31, BCEWithLogitsOptions[float64]{}) }, tensor.ErrShape,
			"nn: BCEWithLogits: Target size ([3 1]) must be the same as input size ([3])"},
		{"BCEWithLogits/pos_weight", func() {
			BCEWithLogits(x23, x23, BCEWithLogitsOptions[float64]{PosWeight: v(make([]float64, 2))})
		}, tensor.ErrShape, "pos_weight of shape [2] does not broadcast to the input shape [2 3]"},
		{"CrossEntropy/target out of bounds", func() { CrossEntropy(x23, []int{0, 3}, CEOptions[float64]{}) },
			tensor.ErrIndex, "nn: CrossEntropy: Target 3 is out of bounds."},
		{"CrossEntropy/negative target", func() { CrossEntropy(x23, []int{-1, 0}, CEOptions[float64]{}) },
			tensor.ErrIndex, "Target -1 is out of bounds."},
		{"CrossEntropy/-100 not ignored", func() {
			CrossEntropy(x23, []int{-100, 0}, CEOptions[float64]{IgnoreIndex: new(1)})
		}, tensor.ErrIndex, "Target -100 is out of bounds."},
		{"CrossEntropy/batch", func() { CrossEntropy(x23, []int{0, 1, 2}, CEOptions[float64]{}) },
			tensor.ErrShape, "Expected input batch_size (2) to match target batch_size (3)."},
		{"CrossEntropy/1d batch", func() { CrossEntropy(x3, []int{0, 1}, CEOptions[float64]{}) },
			tensor.ErrShape, "takes 1 target, got 2"},
		{"CrossEntropy/3d", func() { CrossEntropy(v(make([]float64, 8), 2, 2, 2), []int{0, 1}, CEOptions[float64]{}) },
			tensor.ErrShape, "input of shape [2 2 2]: want (C) or (N, C)"},
		{"CrossEntropy/weight", func() {
			CrossEntropy(x23, []int{0, 1}, CEOptions[float64]{Weight: tensor.Ones[float64](2)})
		}, tensor.ErrShape, "weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]"},
		{"CrossEntropy/smoothing", func() { CrossEntropy(x23, []int{0, 1}, CEOptions[float64]{LabelSmoothing: 1.5}) },
			tensor.ErrArgument, "label_smoothing must be between 0.0 and 1.0. Got: 1.5"},
		{"NLL/smoothing", func() { NLL(x23, []int{0, 1}, CEOptions[float64]{LabelSmoothing: 0.1}) },
			tensor.ErrArgument, "nn: NLL: label smoothing is a CrossEntropy option"},
		{"NLL/target", func() { NLL(x23, []int{0, 5}, CEOptions[float64]{}) },
			tensor.ErrIndex, "nn: NLL: Target 5 is out of bounds."},
		{"CrossEntropyProbs/shape", func() { CrossEntropyProbs(x23, x3, CEOptions[float64]{}) },
			tensor.ErrShape, "probability targets of shape [3] for input of shape [2 3]"},
		{"CrossEntropyProbs/ignore", func() { CrossEntropyProbs(x23, x23, CEOptions[float64]{IgnoreIndex: new(0)}) },
			tensor.ErrArgument, "ignore_index is not supported for floating point target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := lossPanicOf(tt.f)
			if err == nil {
				t.Fatal("no panic")
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("panic %q does not wrap %v", err, tt.sentinel)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("panic %q does not say %q", err, tt.msg)
			}
		})
	}
}

// lossPanicOf runs f and returns the error it panicked with (nil if it did
// not panic; a panic with a non-error value is returned wrapped).
func lossPanicOf(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("panic with non-error %v", r)
			}
		}
	}()
	f()
	return nil
}

func TestReductionString(t *testing.T) {
	for _, tt := range []struct {
		r    Reduction
		want string
	}{
		{ReduceMean, "mean"}, {ReduceSum, "sum"}, {ReduceNone, "none"}, {Reduction(9), "Reduction(9)"},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("Reduction(%d).String() = %q, want %q", int(tt.r), got, tt.want)
		}
	}
	var zero Reduction
	if zero != ReduceMean {
		t.Errorf("zero Reduction is %v, want mean", zero)
	}
}

// BenchmarkCrossEntropy times a forward and backward of the fused
// CrossEntropy against LogSoftmax followed by NLL, in float32.
func BenchmarkCrossEntropy(b *testing.B) {
	for _, size := range []struct{ n, c int }{{64, 10}, {256, 1000}} {
		rng := lossRNG(4)
		x := tensor.Param(tensor.Normal[float32](rng, 0, 2, size.n, size.c))
		target := make([]int, size.n)
		for i := range target {
			target[i] = rng.IntN(size.c)
		}
		for _, impl := range []struct {
			name string
			f    func() *tensor.Value[float32]
		}{
			{"fused", func() *tensor.Value[float32] { return CrossEntropy(x, target, CEOptions[float32]{}) }},
			{"LogSoftmax+NLL", func() *tensor.Value[float32] {
				return NLL(tensor.LogSoftmax(x, -1), target, CEOptions[float32]{})
			}},
		} {
			b.Run(fmt.Sprintf("%s/%dx%d", impl.name, size.n, size.c), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					x.ZeroGrad()
					impl.f().Backward()
				}
			})
		}
	}
}
