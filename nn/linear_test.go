package nn_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chainrule/chainrule/internal/golden"
	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// This file tests Linear and, through the golden file
// testdata/golden/nn_layers.json (made by testdata/gen_nn_golden.py, whose
// header documents the format and the torch version), every layer of
// nn/linear.go, sequential.go, activation.go and dropout.go against
// PyTorch's nn modules.

// Tolerances of the golden comparison, |got - want| <= tol*|want| +
// tol*max|want|. float64 differs from torch only by rounding in a
// different order; float32 by that times float32's epsilon. The float32
// value must agree with gen_nn_golden.py's F32_TOL.
var layerGoldenTol = map[string]float64{"float64": 1e-12, "float32": 1e-5}

// layerGoldenFile is the whole golden file.
type layerGoldenFile struct {
	Generator    string            `json:"generator"`
	TorchVersion string            `json:"torch_version"`
	Cases        []layerGoldenCase `json:"cases"`
}

// layerGoldenCase is one module applied to an input, with torch's output
// and gradients per element type ("float64", "float32").
type layerGoldenCase struct {
	Name        string                                  `json:"name"`
	Module      layerSpec                               `json:"module"`
	X           layerGoldenTensor                       `json:"x"`
	Params      []layerGoldenParam                      `json:"params"`
	Seed        layerGoldenTensor                       `json:"seed"`
	SignedZeros bool                                    `json:"signed_zeros"`
	Out         map[string]layerGoldenTensor            `json:"out"`
	Grads       map[string]map[string]layerGoldenTensor `json:"grads"`
}

// layerSpec describes a module to build; Type is the Go type's name.
type layerSpec struct {
	Type     string           `json:"type"`
	In       int              `json:"in"`
	Out      int              `json:"out"`
	Bias     bool             `json:"bias"`
	Slope    layerGoldenFloat `json:"slope"`
	Axis     int              `json:"axis"`
	P        layerGoldenFloat `json:"p"`
	Training bool             `json:"training"`
	Layers   []layerSpec      `json:"layers"`
}

type layerGoldenParam struct {
	Name string `json:"name"`
	layerGoldenTensor
}

type layerGoldenTensor struct {
	Shape []int              `json:"shape"`
	Data  []layerGoldenFloat `json:"data"`
}

// layerGoldenFloat is a float written as a string ("0.1", "-0.0", "inf",
// "nan"), because JSON numbers cannot hold infinities, NaN or -0.
type layerGoldenFloat = golden.Float

func loadLayerGolden(t *testing.T) layerGoldenFile {
	t.Helper()
	const path = "../testdata/golden/nn_layers.json"
	var g layerGoldenFile
	if err := golden.Decode(path, &g); err != nil {
		t.Fatal(err)
	}
	if g.Generator == "" || g.TorchVersion == "" || len(g.Cases) == 0 {
		t.Fatalf("golden file %s: generator %q, torch version %q, %d cases: incomplete",
			path, g.Generator, g.TorchVersion, len(g.Cases))
	}
	return g
}

// layerGoldenTensorOf converts a golden tensor to T (float32 rounds each float64
// to nearest, as torch's .float() does).
func layerGoldenTensorOf[T tensor.Float](g layerGoldenTensor) *tensor.Tensor[T] {
	data := make([]T, len(g.Data))
	for i, v := range g.Data {
		data[i] = T(v)
	}
	if len(g.Shape) == 0 {
		return tensor.Scalar(data[0])
	}
	return tensor.New(data, g.Shape...)
}

// buildLayer makes the module that spec describes, with parameters from
// rng (the test overwrites them).
func buildLayer[T tensor.Float](t *testing.T, rng *rand.Rand, spec layerSpec) nn.Module[T] {
	t.Helper()
	switch spec.Type {
	case "Linear":
		return nn.NewLinear[T](rng, spec.In, spec.Out, spec.Bias)
	case "Sequential":
		mods := make([]nn.Module[T], len(spec.Layers))
		for i, s := range spec.Layers {
			mods[i] = buildLayer[T](t, rng, s)
		}
		return nn.NewSequential(mods...)
	case "Identity":
		return nn.Identity[T]{}
	case "ReLU":
		return nn.ReLU[T]{}
	case "LeakyReLU":
		return nn.LeakyReLU[T]{Slope: T(spec.Slope)}
	case "Sigmoid":
		return nn.Sigmoid[T]{}
	case "Tanh":
		return nn.Tanh[T]{}
	case "GELU":
		return nn.GELU[T]{}
	case "Softmax":
		return nn.Softmax[T]{Axis: spec.Axis}
	case "LogSoftmax":
		return nn.LogSoftmax[T]{Axis: spec.Axis}
	case "Dropout":
		d := nn.NewDropout[T](rng, float64(spec.P))
		d.SetTraining(spec.Training)
		return d
	}
	t.Fatalf("unknown module type %q", spec.Type)
	return nil
}

func TestLayersGolden(t *testing.T) {
	g := loadLayerGolden(t)
	for _, c := range g.Cases {
		t.Run(c.Name+"/float64", func(t *testing.T) { checkLayerGolden[float64](t, c, "float64") })
		t.Run(c.Name+"/float32", func(t *testing.T) { checkLayerGolden[float32](t, c, "float32") })
	}
}

func checkLayerGolden[T tensor.Float](t *testing.T, c layerGoldenCase, dtype string) {
	m := buildLayer[T](t, rand.New(rand.NewPCG(1, 2)), c.Module)
	named := nn.NamedParams(m)
	var gotNames, wantNames []string
	for _, p := range named {
		gotNames = append(gotNames, p.Name)
	}
	for _, p := range c.Params {
		wantNames = append(wantNames, p.Name)
	}
	if diff := cmp.Diff(gotNames, wantNames); diff != "" {
		t.Fatalf("NamedParams names differ from torch's named_parameters() (-got +want):\n%s", diff)
	}
	for i, p := range c.Params {
		named[i].Value.Data().CopyFrom(layerGoldenTensorOf[T](p.layerGoldenTensor))
	}

	x := tensor.Param(layerGoldenTensorOf[T](c.X))
	out := m.Forward(x)
	tol := layerGoldenTol[dtype]
	checkLayerClose(t, "out", out.Data(), c.Out[dtype], tol, c.SignedZeros)

	out.BackwardWith(tensor.Const(layerGoldenTensorOf[T](c.Seed)), tensor.BackwardOptions{})
	grads := c.Grads[dtype]
	if len(grads) != len(named)+1 {
		t.Fatalf("golden case has %d gradients, want %d (x and each parameter)", len(grads), len(named)+1)
	}
	checkLayerGrad(t, "x", x, grads["x"], tol)
	for _, p := range named {
		checkLayerGrad(t, p.Name, p.Value, grads[p.Name], tol)
	}
}

func checkLayerGrad[T tensor.Float](t *testing.T, name string, v *tensor.Value[T], want layerGoldenTensor, tol float64) {
	t.Helper()
	if v.Grad() == nil {
		t.Errorf("grad %s is nil, want shape %v", name, want.Shape)
		return
	}
	checkLayerClose(t, "grad "+name, v.Grad().Data(), want, tol, false)
}

// checkLayerClose compares got with want elementwise: NaN matches NaN,
// infinities match exactly, finite values within tol*|want| + tol*max|want|,
// and, with signedZeros, a zero must have want's sign.
func checkLayerClose[T tensor.Float](t *testing.T, what string, got *tensor.Tensor[T], want layerGoldenTensor, tol float64, signedZeros bool) {
	t.Helper()
	if diff := cmp.Diff(got.Shape(), want.Shape); diff != "" {
		t.Errorf("%s: shape differs (-got +want):\n%s", what, diff)
		return
	}
	maxAbs := 0.0
	for _, w := range want.Data {
		if w := math.Abs(float64(w)); !math.IsInf(w, 0) && w > maxAbs {
			maxAbs = w
		}
	}
	g := got.Contiguous().Flat()
	bad := 0
	for i, w := range want.Data {
		a, b := float64(g[i]), float64(w)
		ok := true
		switch {
		case math.IsNaN(b):
			ok = math.IsNaN(a)
		case math.IsInf(b, 0):
			ok = a == b
		default:
			ok = math.Abs(a-b) <= tol*math.Abs(b)+tol*maxAbs
			if ok && signedZeros && b == 0 {
				ok = math.Signbit(a) == math.Signbit(b)
			}
		}
		if !ok {
			if bad < 5 {
				t.Errorf("%s[%d] = %v, want %v", what, i, a, b)
			}
			bad++
		}
	}
	if bad >= 5 {
		t.Errorf("%s: %d of %d elements differ", what, bad, len(want.Data))
	}
}

func TestLinearGradCheck(t *testing.T) {
	tests := []struct {
		name     string
		xShape   []int
		in, out  int
		bias     bool
		freezeX  bool
		freezeWB bool
	}{
		{name: "matrix", xShape: []int{3, 4}, in: 4, out: 2, bias: true},
		{name: "batched", xShape: []int{2, 3, 4}, in: 4, out: 3, bias: true},
		{name: "vector", xShape: []int{4}, in: 4, out: 2, bias: true},
		{name: "no_bias", xShape: []int{3, 5}, in: 5, out: 2},
		{name: "const_input", xShape: []int{2, 3}, in: 3, out: 2, bias: true, freezeX: true},
		{name: "frozen_params", xShape: []int{2, 3}, in: 3, out: 2, bias: true, freezeWB: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			l := nn.NewLinear[float64](rng, tt.in, tt.out, tt.bias)
			x := tensor.Param(tensor.Normal[float64](rng, 0, 1, tt.xShape...))
			x.SetRequiresGrad(!tt.freezeX)
			inputs := []*tensor.Value[float64]{x, l.Weight}
			if tt.bias {
				inputs = append(inputs, l.Bias)
			}
			if tt.freezeWB {
				nn.Freeze[float64](l, true)
			}
			f := func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
				m := &nn.Linear[float64]{Weight: xs[1]}
				if len(xs) > 2 {
					m.Bias = xs[2]
				}
				return m.Forward(xs[0])
			}
			if err := tensor.GradCheck(f, inputs, tensor.GradCheckOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestLinearCreateGraph checks second derivatives through Linear, as
// PyTorch's gradgradcheck does: GradCheck of the first gradients of
// sum(tanh(Linear(x))), taken with CreateGraph, with respect to x, W and b.
func TestLinearCreateGraph(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	l := nn.NewLinear[float64](rng, 3, 2, true)
	x := tensor.Param(tensor.Normal[float64](rng, 0, 1, 2, 2, 3))
	first := func(xs []*tensor.Value[float64]) []*tensor.Value[float64] {
		m := &nn.Linear[float64]{Weight: xs[1], Bias: xs[2]}
		loss := tensor.Sum(tensor.Tanh(m.Forward(xs[0])))
		return tensor.Grad([]*tensor.Value[float64]{loss}, xs, nil, tensor.GradOptions{Options: tensor.BackwardOptions{CreateGraph: true}})
	}
	for i, name := range []string{"dx", "dW", "db"} {
		t.Run(name, func(t *testing.T) {
			f := func(xs []*tensor.Value[float64]) *tensor.Value[float64] { return first(xs)[i] }
			if err := tensor.GradCheck(f, []*tensor.Value[float64]{x, l.Weight, l.Bias}, tensor.GradCheckOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestLinearSavesOperands: changing the weight in place between forward
// and backward (an optimiser step in the wrong place) makes the backward
// panic instead of using the new values.
func TestLinearSavesOperands(t *testing.T) {
	l := nn.NewLinear[float64](rand.New(rand.NewPCG(1, 2)), 3, 2, true)
	x := tensor.Param(tensor.Ones[float64](4, 3))
	y := tensor.Sum(l.Forward(x))
	l.Weight.Data().MulScalarInPlace(2)
	err := layerPanicOf(t, y.Backward)
	if !errors.Is(err, tensor.ErrVersion) {
		t.Errorf("backward after changing the weight: panic %v, want one wrapping ErrVersion", err)
	}
}

// TestLinearGradAccumulates runs two plain backward passes through a layer
// without zeroing: each parameter's gradient must be the sum of both, and
// the layer must be the one primitive "Linear". For y = sum(x @ Wᵀ + b)
// with x all ones of shape (4, 3), every element of dW and db is 4 (the
// number of rows) per pass.
func TestLinearGradAccumulates(t *testing.T) {
	l := nn.NewLinear[float32](rand.New(rand.NewPCG(1, 2)), 3, 2, true)
	x := tensor.Const(tensor.Ones[float32](4, 3))
	for pass := 1; pass <= 2; pass++ {
		y := l.Forward(x)
		if y.Op() != "Linear" {
			t.Fatalf("Forward's result comes from op %q, want \"Linear\"", y.Op())
		}
		tensor.Sum(y).Backward()
		want := float32(4 * pass)
		if diff := cmp.Diff(l.Weight.Grad().Data().ToSlice(), []float32{want, want, want, want, want, want}); diff != "" {
			t.Errorf("pass %d: dW (-got +want):\n%s", pass, diff)
		}
		if diff := cmp.Diff(l.Bias.Grad().Data().ToSlice(), []float32{want, want}); diff != "" {
			t.Errorf("pass %d: db (-got +want):\n%s", pass, diff)
		}
	}
}

func TestLinearForwardShapes(t *testing.T) {
	tests := []struct {
		name   string
		bias   bool
		xShape []int
		want   []int
	}{
		{"matrix", true, []int{3, 4}, []int{3, 2}},
		{"batched", true, []int{2, 3, 4}, []int{2, 3, 2}},
		{"rank4", false, []int{2, 1, 3, 4}, []int{2, 1, 3, 2}},
		{"vector", true, []int{4}, []int{2}},
		{"vector_no_bias", false, []int{4}, []int{2}},
		{"empty_batch", true, []int{0, 4}, []int{0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := nn.NewLinear[float32](rand.New(rand.NewPCG(1, 1)), 4, 2, tt.bias)
			got := l.Forward(tensor.Const(tensor.Zeros[float32](tt.xShape...))).Shape()
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Forward shape (-got +want):\n%s", diff)
			}
		})
	}
}

// layerPanicOf runs f and returns the error it panicked with (nil if it did
// not panic; a non-error panic fails the test).
func layerPanicOf(t *testing.T, f func()) (err error) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		e, ok := r.(error)
		if !ok {
			t.Fatalf("panicked with %T %v, want an error", r, r)
		}
		err = e
	}()
	f()
	return nil
}

// wantLayerPanic checks that f panics with an error wrapping sentinel whose
// message starts with prefix and contains each of parts.
func wantLayerPanic(t *testing.T, f func(), sentinel error, prefix string, parts ...string) {
	t.Helper()
	err := layerPanicOf(t, f)
	if err == nil {
		t.Fatalf("no panic, want one wrapping %v", sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("panic %q does not wrap %v", err, sentinel)
	}
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("panic %q does not start with %q", err, prefix)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("panic %q does not mention %q", err, p)
		}
	}
}

func TestLinearPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	l := nn.NewLinear[float64](rng, 4, 2, true)
	tests := []struct {
		name     string
		f        func()
		sentinel error
		prefix   string
		parts    []string
	}{
		{"wrong_in_features", func() { l.Forward(tensor.Const(tensor.Zeros[float64](3, 5))) },
			tensor.ErrShape, "nn: Linear: ", []string{"[3 5]", "4 input features", "[2 4]"}},
		{"wrong_in_batched", func() { l.Forward(tensor.Const(tensor.Zeros[float64](2, 4, 3))) },
			tensor.ErrShape, "nn: Linear: ", []string{"[2 4 3]"}},
		{"scalar_input", func() { l.Forward(tensor.Const(tensor.Scalar(1.0))) },
			tensor.ErrShape, "nn: Linear: ", []string{"[]"}},
		{"bias_shape", func() {
			bad := &nn.Linear[float64]{Weight: l.Weight, Bias: tensor.Param(tensor.Zeros[float64](3))}
			bad.Forward(tensor.Const(tensor.Zeros[float64](1, 4)))
		}, tensor.ErrShape, "nn: Linear: ", []string{"bias of shape [3]", "[2 4]"}},
		{"weight_not_matrix", func() {
			bad := &nn.Linear[float64]{Weight: tensor.Param(tensor.Zeros[float64](4))}
			bad.Forward(tensor.Const(tensor.Zeros[float64](1, 4)))
		}, tensor.ErrShape, "nn: Linear: ", []string{"weight of shape [4]"}},
		{"negative_in", func() { nn.NewLinear[float64](rng, -1, 2, true) },
			tensor.ErrArgument, "nn: NewLinear: ", []string{"in=-1"}},
		{"negative_out", func() { nn.NewLinear[float64](rng, 1, -2, true) },
			tensor.ErrArgument, "nn: NewLinear: ", []string{"out=-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantLayerPanic(t, tt.f, tt.sentinel, tt.prefix, tt.parts...) })
	}
}

// TestNewLinearInit checks PyTorch's default initialisation: weight and
// bias uniform on [-1/√in, 1/√in] (SEMANTICS.md 5.1: in=4 gives 0.5).
func TestNewLinearInit(t *testing.T) {
	tests := []struct {
		in, out int
		bound   float64
	}{
		{4, 300, 0.5},
		{3, 300, 0.5773502691896258},
		{100, 50, 0.1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("in%d_out%d", tt.in, tt.out), func(t *testing.T) {
			l := nn.NewLinear[float32](rand.New(rand.NewPCG(5, 6)), tt.in, tt.out, true)
			if diff := cmp.Diff(l.Weight.Shape(), []int{tt.out, tt.in}); diff != "" {
				t.Errorf("weight shape (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(l.Bias.Shape(), []int{tt.out}); diff != "" {
				t.Errorf("bias shape (-got +want):\n%s", diff)
			}
			if !l.Weight.RequiresGrad() || !l.Bias.RequiresGrad() {
				t.Errorf("RequiresGrad: weight %v, bias %v, want true", l.Weight.RequiresGrad(), l.Bias.RequiresGrad())
			}
			if l.In() != tt.in || l.Out() != tt.out {
				t.Errorf("In(), Out() = %d, %d, want %d, %d", l.In(), l.Out(), tt.in, tt.out)
			}
			checkInitUniform(t, "weight", l.Weight.Data().Flat(), -tt.bound, tt.bound)
			if tt.out >= 50 {
				checkInitUniform(t, "bias", l.Bias.Data().Flat(), -tt.bound, tt.bound)
			}
		})
	}
	t.Run("in0", func(t *testing.T) {
		l := nn.NewLinear[float64](rand.New(rand.NewPCG(5, 6)), 0, 3, true)
		if diff := cmp.Diff(l.Bias.Data().ToSlice(), []float64{0, 0, 0}); diff != "" {
			t.Errorf("bias with in=0 (bound 0) (-got +want):\n%s", diff)
		}
	})
	t.Run("deterministic", func(t *testing.T) {
		a := nn.NewLinear[float64](rand.New(rand.NewPCG(7, 8)), 3, 2, true)
		b := nn.NewLinear[float64](rand.New(rand.NewPCG(7, 8)), 3, 2, true)
		if diff := cmp.Diff(a.Weight.Data().ToSlice(), b.Weight.Data().ToSlice()); diff != "" {
			t.Errorf("same seed, different weights (-a +b):\n%s", diff)
		}
	})
	t.Run("no_bias", func(t *testing.T) {
		l := nn.NewLinear[float64](rand.New(rand.NewPCG(5, 6)), 3, 2, false)
		var names []string
		for _, p := range l.OwnParams() {
			names = append(names, p.Name)
		}
		if diff := cmp.Diff(names, []string{"weight"}); diff != "" {
			t.Errorf("OwnParams names (-got +want):\n%s", diff)
		}
		if l.Bias != nil {
			t.Errorf("Bias = %v, want nil", l.Bias)
		}
	})
}

// BenchmarkLinear measures Linear's forward, and a forward plus backward
// step, against composedLinear, the same layer composed of MatMul, T and
// Add. It is the evidence for Linear.Forward being a fused primitive.
func BenchmarkLinear(b *testing.B) {
	sizes := []struct{ batch, in, out int }{{32, 16, 16}, {64, 128, 128}, {64, 784, 256}, {256, 512, 512}}
	for _, sz := range sizes {
		rng := rand.New(rand.NewPCG(1, 2))
		l := nn.NewLinear[float32](rng, sz.in, sz.out, true)
		x := tensor.Const(tensor.Uniform[float32](rng, -1, 1, sz.batch, sz.in))
		for _, impl := range []struct {
			name string
			f    func() *tensor.Value[float32]
		}{
			{"fused", func() *tensor.Value[float32] { return l.Forward(x) }},
			{"composed", func() *tensor.Value[float32] { return composedLinear(x, l.Weight, l.Bias) }},
		} {
			name := fmt.Sprintf("%dx%dx%d/%s", sz.batch, sz.in, sz.out, impl.name)
			b.Run(name+"/forward", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					impl.f()
				}
			})
			b.Run(name+"/step", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					tensor.Sum(impl.f()).Backward()
					l.Weight.ZeroGrad()
					l.Bias.ZeroGrad()
				}
			})
		}
	}
}

// composedLinear is Linear's forward composed of differentiable ops, the
// alternative that BenchmarkLinear measures the fused primitive against.
func composedLinear[T tensor.Float](x, w, b *tensor.Value[T]) *tensor.Value[T] {
	return tensor.Add(tensor.MatMul(x, tensor.T(w)), b)
}
