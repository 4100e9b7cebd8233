package nn_test

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// This file tests the Module contract through the layers of this package:
// names and order of NamedParams (PyTorch's named_parameters), SetTraining,
// Freeze, Sequential, Dropout's training mode, and concurrent forward
// passes over one shared model.

// layerNet is a custom module as a user would write one: an own parameter,
// two Linear layers and a Sequential of blocks, like
//
//	class Net(nn.Module):
//	    def __init__(self):
//	        self.scale = nn.Parameter(...)
//	        self.fc1, self.fc2 = nn.Linear(3, 4), nn.Linear(4, 2)
//	        self.blocks = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2, bias=False))
type layerNet struct {
	scale    *tensor.Value[float64]
	fc1, fc2 *nn.Linear[float64]
	blocks   *nn.Sequential[float64]
}

func newLayerNet(rng *rand.Rand) *layerNet {
	return &layerNet{
		scale: tensor.Param(tensor.Ones[float64](2)),
		fc1:   nn.NewLinear[float64](rng, 3, 4, true),
		fc2:   nn.NewLinear[float64](rng, 4, 2, true),
		blocks: nn.NewSequential[float64](
			nn.NewLinear[float64](rng, 2, 2, true),
			nn.ReLU[float64]{},
			nn.NewLinear[float64](rng, 2, 2, false),
		),
	}
}

func (n *layerNet) Forward(x *tensor.Value[float64]) *tensor.Value[float64] {
	h := tensor.Tanh(n.fc1.Forward(x))
	return n.blocks.Forward(tensor.Mul(n.fc2.Forward(h), n.scale))
}

func (n *layerNet) OwnParams() []nn.Param[float64] {
	return []nn.Param[float64]{{Name: "scale", Value: n.scale}}
}

func (n *layerNet) Children() []nn.Child[float64] {
	return []nn.Child[float64]{{Name: "fc1", Module: n.fc1}, {Name: "fc2", Module: n.fc2}, {Name: "blocks", Module: n.blocks}}
}

// layerTiedNet registers one Linear twice ("enc" and "dec") and ties the
// weight of a third ("out") to it, as weight tying in a language model.
type layerTiedNet struct {
	enc, out *nn.Linear[float64]
}

func (n *layerTiedNet) Forward(x *tensor.Value[float64]) *tensor.Value[float64] {
	return n.out.Forward(n.enc.Forward(n.enc.Forward(x)))
}
func (n *layerTiedNet) OwnParams() []nn.Param[float64] { return nil }
func (n *layerTiedNet) Children() []nn.Child[float64] {
	return []nn.Child[float64]{{Name: "enc", Module: n.enc}, {Name: "dec", Module: n.enc}, {Name: "out", Module: n.out}}
}

func layerParamNames[T tensor.Float](m nn.Module[T]) []string {
	var names []string
	for _, p := range nn.NamedParams(m) {
		names = append(names, p.Name)
	}
	return names
}

func TestNamedParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	enc := nn.NewLinear[float64](rng, 3, 3, true)
	out := nn.NewLinear[float64](rng, 3, 3, true)
	out.Weight = enc.Weight
	tests := []struct {
		name string
		m    nn.Module[float64]
		want []string
	}{
		{
			// SEMANTICS.md 5.2: no entry for the parameter-less Tanh, and
			// indices are not renumbered.
			name: "sequential",
			m: nn.NewSequential[float64](
				nn.NewLinear[float64](rng, 2, 3, true), nn.Tanh[float64]{}, nn.NewLinear[float64](rng, 3, 1, true)),
			want: []string{"0.weight", "0.bias", "2.weight", "2.bias"},
		},
		{
			name: "custom_nested",
			m:    newLayerNet(rng),
			want: []string{"scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
				"blocks.0.weight", "blocks.0.bias", "blocks.2.weight"},
		},
		{
			// A shared module and a shared weight are listed once, under
			// their first names, as named_parameters() does.
			name: "shared",
			m:    &layerTiedNet{enc: enc, out: out},
			want: []string{"enc.weight", "enc.bias", "out.bias"},
		},
		{
			name: "nested_sequential",
			m: nn.NewSequential[float64](
				nn.NewSequential[float64](nn.NewLinear[float64](rng, 2, 2, false)),
				nn.NewDropout[float64](rng, 0.5),
				nn.NewSequential[float64](nn.Identity[float64]{}, nn.NewLinear[float64](rng, 2, 2, true))),
			want: []string{"0.0.weight", "2.1.weight", "2.1.bias"},
		},
		{name: "empty_sequential", m: nn.NewSequential[float64](), want: nil},
		{name: "activation", m: nn.GELU[float64]{}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(layerParamNames(tt.m), tt.want); diff != "" {
				t.Errorf("NamedParams names (-got +want):\n%s", diff)
			}
			named, params := nn.NamedParams(tt.m), nn.Params(tt.m)
			if len(named) != len(params) {
				t.Fatalf("len(Params) = %d, len(NamedParams) = %d", len(params), len(named))
			}
			for i := range named {
				if named[i].Value != params[i] {
					t.Errorf("Params[%d] is not NamedParams[%d].Value (%s)", i, i, named[i].Name)
				}
			}
		})
	}
}

func TestNamedParamsValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	l0 := nn.NewLinear[float32](rng, 2, 3, true)
	l2 := nn.NewLinear[float32](rng, 3, 1, false)
	m := nn.NewSequential[float32](l0, nn.Sigmoid[float32]{}, l2)
	want := []*tensor.Value[float32]{l0.Weight, l0.Bias, l2.Weight}
	got := nn.Params[float32](m)
	if len(got) != len(want) {
		t.Fatalf("Params has %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Params[%d] is not the layer's parameter", i)
		}
	}
}

func TestSequential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.Const(tensor.Normal[float64](rng, 0, 1, 3, 2))
	t.Run("empty_is_identity", func(t *testing.T) {
		if got := nn.NewSequential[float64]().Forward(x); got != x {
			t.Errorf("empty Sequential returned %v, want its input", got)
		}
	})
	t.Run("composes_in_order", func(t *testing.T) {
		l0 := nn.NewLinear[float64](rng, 2, 4, true)
		l2 := nn.NewLinear[float64](rng, 4, 3, true)
		got := nn.NewSequential[float64](l0, nn.Tanh[float64]{}, l2).Forward(x)
		want := l2.Forward(tensor.Tanh(l0.Forward(x)))
		if diff := cmp.Diff(got.Data().ToSlice(), want.Data().ToSlice()); diff != "" {
			t.Errorf("Sequential vs hand composition (-got +want):\n%s", diff)
		}
	})
	t.Run("children", func(t *testing.T) {
		s := nn.NewSequential[float64](nn.ReLU[float64]{}, nn.Tanh[float64]{}, nn.Identity[float64]{})
		var names []string
		for _, c := range s.Children() {
			names = append(names, c.Name)
		}
		if diff := cmp.Diff(names, []string{"0", "1", "2"}); diff != "" {
			t.Errorf("Children names (-got +want):\n%s", diff)
		}
		if s.OwnParams() != nil {
			t.Errorf("OwnParams = %v, want nil", s.OwnParams())
		}
	})
	t.Run("nil_module", func(t *testing.T) {
		wantLayerPanic(t, func() { nn.NewSequential[float64](nn.ReLU[float64]{}, nil) },
			tensor.ErrArgument, "nn: NewSequential: ", "module 1 is nil")
	})
}

func TestActivationModulesHaveNoParams(t *testing.T) {
	mods := map[string]nn.Module[float32]{
		"Identity":   nn.Identity[float32]{},
		"ReLU":       nn.ReLU[float32]{},
		"LeakyReLU":  nn.LeakyReLU[float32]{Slope: 0.2},
		"Sigmoid":    nn.Sigmoid[float32]{},
		"Tanh":       nn.Tanh[float32]{},
		"GELU":       nn.GELU[float32]{},
		"Softmax":    nn.Softmax[float32]{Axis: -1},
		"LogSoftmax": nn.LogSoftmax[float32]{Axis: -1},
		"Dropout":    nn.NewDropout[float32](rand.New(rand.NewPCG(1, 2)), 0.1),
	}
	for name, m := range mods {
		t.Run(name, func(t *testing.T) {
			if len(m.OwnParams()) != 0 || len(m.Children()) != 0 {
				t.Errorf("OwnParams %v, Children %v, want none", m.OwnParams(), m.Children())
			}
		})
	}
}

// TestSetTrainingReachesDropout switches a model with Dropout layers at
// several depths, inside a custom module too.
func TestSetTrainingReachesDropout(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d0 := nn.NewDropout[float64](rng, 0.5)
	d1 := nn.NewDropout[float64](rng, 0.5)
	d2 := nn.NewDropout[float64](rng, 0.5)
	net := newLayerNet(rng)
	net.blocks.Layers = append(net.blocks.Layers, d2)
	m := nn.NewSequential[float64](d0, nn.NewSequential[float64](d1, nn.Tanh[float64]{}), net)
	drops := []*nn.Dropout[float64]{d0, d1, d2}
	check := func(want bool) {
		t.Helper()
		for i, d := range drops {
			if d.Training() != want {
				t.Errorf("dropout %d: Training() = %v, want %v", i, d.Training(), want)
			}
		}
	}
	check(true) // modules start in training mode, as in PyTorch

	nn.SetTraining[float64](m, false)
	check(false)
	x := tensor.Const(tensor.Normal[float64](rng, 0, 1, 4, 3))
	got := m.Forward(x)
	want := net.Forward(tensor.Tanh(x))
	if diff := cmp.Diff(got.Data().ToSlice(), want.Data().ToSlice()); diff != "" {
		t.Errorf("eval-mode forward differs from the model without dropout (-got +want):\n%s", diff)
	}

	nn.SetTraining[float64](m, true)
	check(true)
}

func TestFreeze(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	l0 := nn.NewLinear[float64](rng, 3, 4, true)
	l2 := nn.NewLinear[float64](rng, 4, 2, true)
	m := nn.NewSequential[float64](l0, nn.Tanh[float64]{}, l2)
	x := tensor.Param(tensor.Normal[float64](rng, 0, 1, 5, 3))
	step := func() {
		t.Helper()
		nn.ZeroGrad[float64](m)
		x.ZeroGrad()
		tensor.Sum(m.Forward(x)).Backward()
	}
	tests := []struct {
		name       string
		freeze     nn.Module[float64]
		wantFrozen []bool // 0.weight 0.bias 2.weight 2.bias
	}{
		{"whole_model", m, []bool{true, true, true, true}},
		{"first_layer", l0, []bool{true, true, false, false}},
		{"last_layer", l2, []bool{false, false, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nn.Freeze(tt.freeze, true)
			defer nn.Freeze[float64](m, false)
			step()
			for i, p := range nn.NamedParams[float64](m) {
				frozen := tt.wantFrozen[i]
				if p.Value.RequiresGrad() == frozen {
					t.Errorf("%s: RequiresGrad() = %v, want %v", p.Name, p.Value.RequiresGrad(), !frozen)
				}
				if gotGrad := p.Value.Grad() != nil; gotGrad == frozen {
					t.Errorf("%s: has a gradient: %v, want %v", p.Name, gotGrad, !frozen)
				}
			}
			if x.Grad() == nil {
				t.Errorf("input gradient is nil, want one through the frozen layers")
			}
		})
	}
	t.Run("unfreeze", func(t *testing.T) {
		nn.Freeze[float64](m, true)
		nn.Freeze[float64](m, false)
		step()
		for _, p := range nn.NamedParams[float64](m) {
			if !p.Value.RequiresGrad() || p.Value.Grad() == nil {
				t.Errorf("%s: RequiresGrad() = %v, grad %v after unfreezing", p.Name, p.Value.RequiresGrad(), p.Value.Grad())
			}
		}
	})
	t.Run("frozen_model_records_nothing", func(t *testing.T) {
		nn.Freeze[float64](m, true)
		defer nn.Freeze[float64](m, false)
		out := m.Forward(tensor.Const(tensor.Ones[float64](2, 3)))
		if out.RequiresGrad() || !out.IsLeaf() {
			t.Errorf("frozen model on a constant: RequiresGrad() = %v, IsLeaf() = %v, want false, true", out.RequiresGrad(), out.IsLeaf())
		}
	})
}

func TestDropoutTraining(t *testing.T) {
	const p = 0.3
	t.Run("float64", func(t *testing.T) { checkDropoutTraining(t, p, 1/(1-0.3)) })
	// In float32 the scale is 1/float32(1-p), as PyTorch divides the mask
	// by 1-p in the tensor's type.
	t.Run("float32", func(t *testing.T) { checkDropoutTraining[float32](t, p, 1/float32(0.7)) })
}

func checkDropoutTraining[T tensor.Float](t *testing.T, p float64, scale T) {
	const n = 200 * 100
	d := nn.NewDropout[T](rand.New(rand.NewPCG(9, 10)), p)
	x := tensor.Param(tensor.Ones[T](200, 100))
	out := d.Forward(x)
	out.BackwardWith(tensor.Const(tensor.Ones[T](200, 100)), tensor.BackwardOptions{})
	vals, grads := out.Data().ToSlice(), x.Grad().Data().ToSlice()
	zeros := 0
	for i, v := range vals {
		switch v {
		case 0:
			zeros++
		case scale:
		default:
			t.Fatalf("out[%d] = %v, want 0 or %v", i, v, scale)
		}
		if grads[i] != v {
			t.Fatalf("grad[%d] = %v, want the mask value %v", i, grads[i], v)
		}
	}
	// Binomial(n, p): standard error √(p(1-p)/n).
	if frac, se := float64(zeros)/n, math.Sqrt(p*(1-p)/n); math.Abs(frac-p) > 5*se {
		t.Errorf("fraction of zeros %v, want %v ± %v", frac, p, 5*se)
	}

	// The same seed gives the same mask.
	again := nn.NewDropout[T](rand.New(rand.NewPCG(9, 10)), p).Forward(x)
	if diff := cmp.Diff(again.Data().ToSlice(), vals); diff != "" {
		t.Errorf("same seed, different masks (-again +first):\n%s", diff)
	}
	// A second call draws a new mask.
	if diff := cmp.Diff(d.Forward(x).Data().ToSlice(), vals); diff == "" {
		t.Errorf("second Forward reused the first mask")
	}
}

func TestDropoutIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.Param(tensor.Normal[float32](rng, 0, 1, 3, 4))
	eval := nn.NewDropout[float32](rng, 0.5)
	eval.SetTraining(false)
	tests := []struct {
		name string
		d    *nn.Dropout[float32]
		x    *tensor.Value[float32]
	}{
		{"eval", eval, x},
		{"p0", nn.NewDropout[float32](rng, 0), x},
		{"empty", nn.NewDropout[float32](rng, 0.5), tensor.Const(tensor.Zeros[float32](0, 3))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Forward(tt.x); got != tt.x {
				t.Errorf("Forward returned a new value %v, want its input", got)
			}
		})
	}
}

func TestDropoutPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	changed := nn.NewDropout[float64](rng, 0.5)
	changed.P = 1.5
	tests := []struct {
		name  string
		f     func()
		parts []string
	}{
		{"above_one", func() { nn.NewDropout[float64](rng, 1.5) }, []string{"between 0 and 1", "1.5"}},
		{"negative", func() { nn.NewDropout[float64](rng, -0.1) }, []string{"-0.1"}},
		{"nan", func() { nn.NewDropout[float64](rng, math.NaN()) }, []string{"NaN"}},
		{"field_changed", func() { changed.Forward(tensor.Const(tensor.Ones[float64](2))) }, []string{"1.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantLayerPanic(t, tt.f, tensor.ErrArgument, "nn: Dropout: ", tt.parts...)
		})
	}
	t.Run("nil_rng", func(t *testing.T) {
		wantLayerPanic(t, func() { nn.NewDropout[float64](nil, 0.5) }, tensor.ErrArgument, "nn: NewDropout: ", "nil")
	})
}

// TestConcurrentForward runs forward passes over one shared model from
// several goroutines at once (run it with -race): each must get the
// result a lone forward gets, and input gradients computed with
// tensor.Grad, which leaves the shared parameters alone, must agree too.
func TestConcurrentForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	drop := nn.NewDropout[float32](rng, 0.5)
	drop.SetTraining(false)
	m := nn.NewSequential[float32](
		nn.NewLinear[float32](rng, 8, 16, true), nn.ReLU[float32]{}, drop,
		nn.NewLinear[float32](rng, 16, 16, true), nn.GELU[float32]{},
		nn.NewLinear[float32](rng, 16, 4, true), nn.LogSoftmax[float32]{Axis: -1},
	)
	const workers, rounds = 8, 20
	inputs := make([]*tensor.Tensor[float32], workers)
	wantOut := make([][]float32, workers)
	wantGrad := make([][]float32, workers)
	forward := func(in *tensor.Tensor[float32]) (out, grad []float32) {
		x := tensor.Param(in)
		y := m.Forward(x)
		g := tensor.Grad([]*tensor.Value[float32]{tensor.Sum(tensor.Square(y))}, []*tensor.Value[float32]{x}, nil, tensor.GradOptions{})
		return y.Data().ToSlice(), g[0].Data().ToSlice()
	}
	for i := range inputs {
		inputs[i] = tensor.Normal[float32](rng, 0, 1, 5, 8)
		wantOut[i], wantGrad[i] = forward(inputs[i])
	}

	var wg sync.WaitGroup
	errs := make([]string, workers)
	for w := range workers {
		wg.Go(func() {
			for range rounds {
				out, grad := forward(inputs[w])
				if diff := cmp.Diff(out, wantOut[w]); diff != "" {
					errs[w] = "output differs from the lone forward (-concurrent +lone):\n" + diff
					return
				}
				if diff := cmp.Diff(grad, wantGrad[w]); diff != "" {
					errs[w] = "input gradient differs from the lone one (-concurrent +lone):\n" + diff
					return
				}
			}
		})
	}
	wg.Wait()
	for w, e := range errs {
		if e != "" {
			t.Errorf("goroutine %d: %s", w, e)
		}
	}
	for _, p := range nn.NamedParams[float32](m) {
		if p.Value.Grad() != nil {
			t.Errorf("%s: Grad set by tensor.Grad, want nil", p.Name)
		}
	}
}

// TestConcurrentDropout runs training-mode forward passes through one
// Dropout from several goroutines: the shared generator must not race.
func TestConcurrentDropout(t *testing.T) {
	d := nn.NewDropout[float64](rand.New(rand.NewPCG(1, 2)), 0.5)
	x := tensor.Const(tensor.Ones[float64](64))
	var wg sync.WaitGroup
	bad := make([]float64, 4)
	for w := range bad {
		wg.Go(func() {
			for range 50 {
				for _, v := range d.Forward(x).Data().ToSlice() {
					if v != 0 && v != 2 {
						bad[w] = v
					}
				}
			}
		})
	}
	wg.Wait()
	for w, v := range bad {
		if v != 0 {
			t.Errorf("goroutine %d saw %v, want 0 or 2", w, v)
		}
	}
}
