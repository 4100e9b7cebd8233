package optim_test

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

func param(data ...float64) *tensor.Value[float64] {
	return tensor.Param(tensor.New(data, len(data)))
}

func withGrad(p *tensor.Value[float64], g ...float64) *tensor.Value[float64] {
	p.SetGrad(tensor.Const(tensor.New(g, len(g))))
	return p
}

func params(ps ...*tensor.Value[float64]) []*tensor.Value[float64] { return ps }

// mustPanic runs f and returns the error it panicked with, failing the
// test if it did not panic with an error wrapping sentinel.
func mustPanic(t *testing.T, sentinel error, f func()) (err error) {
	t.Helper()
	defer func() {
		r := recover()
		e, ok := r.(error)
		if !ok || !errors.Is(e, sentinel) {
			t.Fatalf("panic value %v, want an error wrapping %v", r, sentinel)
		}
		err = e
	}()
	f()
	return nil
}

// TestConstructorErrors checks that invalid options and parameter lists
// are returned as errors with PyTorch's texts (with Go's "optim: " prefix
// and lower-case start), wrapping the documented sentinels.
func TestConstructorErrors(t *testing.T) {
	nonLeaf := tensor.Mul(param(1), param(2))
	p := param(1, 2)
	tests := []struct {
		name     string
		make     func() error
		sentinel error
		want     string
	}{
		{"SGD/negative lr", func() error { _, err := optim.NewSGD(params(p), optim.SGDOptions{LR: -0.1}); return err },
			optim.ErrOption, "optim: invalid learning rate: -0.1"},
		{"SGD/negative tiny lr", func() error { _, err := optim.NewSGD(params(p), optim.SGDOptions{LR: -1e-5}); return err },
			optim.ErrOption, "optim: invalid learning rate: -1e-05"},
		{"SGD/large lr", func() error { _, err := optim.NewSGD(params(p), optim.SGDOptions{LR: -1e6}); return err },
			optim.ErrOption, "optim: invalid learning rate: -1000000.0"},
		{"SGD/huge lr", func() error { _, err := optim.NewSGD(params(p), optim.SGDOptions{LR: -1e20}); return err },
			optim.ErrOption, "optim: invalid learning rate: -1e+20"},
		{"SGD/NaN lr", func() error { _, err := optim.NewSGD(params(p), optim.SGDOptions{LR: math.NaN()}); return err },
			optim.ErrOption, "optim: invalid learning rate: nan"},
		{"SGD/momentum", func() error {
			_, err := optim.NewSGD(params(p), optim.SGDOptions{LR: 0.1, Momentum: -1})
			return err
		}, optim.ErrOption, "optim: invalid momentum value: -1.0"},
		{"SGD/weight decay", func() error {
			_, err := optim.NewSGD(params(p), optim.SGDOptions{LR: 0.1, WeightDecay: -0.5})
			return err
		}, optim.ErrOption, "optim: invalid weight_decay value: -0.5"},
		{"SGD/nesterov without momentum", func() error {
			_, err := optim.NewSGD(params(p), optim.SGDOptions{LR: 0.1, Nesterov: true})
			return err
		}, optim.ErrOption, "optim: nesterov momentum requires a momentum and zero dampening"},
		{"SGD/nesterov with dampening", func() error {
			_, err := optim.NewSGD(params(p), optim.SGDOptions{LR: 0.1, Momentum: 0.9, Dampening: 0.1, Nesterov: true})
			return err
		}, optim.ErrOption, "optim: nesterov momentum requires a momentum and zero dampening"},
		{"Adam/epsilon", func() error {
			o := optim.AdamDefaults()
			o.Eps = -1
			_, err := optim.NewAdam(params(p), o)
			return err
		}, optim.ErrOption, "optim: invalid epsilon value: -1.0"},
		{"Adam/beta0", func() error {
			o := optim.AdamDefaults()
			o.Betas[0] = 1
			_, err := optim.NewAdam(params(p), o)
			return err
		}, optim.ErrOption, "optim: invalid beta parameter at index 0: 1.0"},
		{"AdamW/beta1", func() error {
			o := optim.AdamWDefaults()
			o.Betas[1] = -0.1
			_, err := optim.NewAdamW(params(p), o)
			return err
		}, optim.ErrOption, "optim: invalid beta parameter at index 1: -0.1"},
		{"AdamW/weight decay", func() error {
			o := optim.AdamWDefaults()
			o.WeightDecay = -0.01
			_, err := optim.NewAdamW(params(p), o)
			return err
		}, optim.ErrOption, "optim: invalid weight_decay value: -0.01"},
		{"RMSProp/alpha", func() error {
			o := optim.RMSPropDefaults()
			o.Alpha = -1
			_, err := optim.NewRMSProp(params(p), o)
			return err
		}, optim.ErrOption, "optim: invalid alpha value: -1.0"},
		{"RMSProp/momentum", func() error {
			o := optim.RMSPropDefaults()
			o.Momentum = -0.5
			_, err := optim.NewRMSProp(params(p), o)
			return err
		}, optim.ErrOption, "optim: invalid momentum value: -0.5"},
		{"RMSProp/epsilon", func() error {
			o := optim.RMSPropDefaults()
			o.Eps = math.Inf(-1)
			_, err := optim.NewRMSProp(params(p), o)
			return err
		}, optim.ErrOption, "optim: invalid epsilon value: -inf"},
		{"empty list", func() error { _, err := optim.NewAdam[float64](nil, optim.AdamDefaults()); return err },
			optim.ErrParams, "optim: optimizer got an empty parameter list"},
		{"nil parameter", func() error { _, err := optim.NewSGD(params(p, nil), optim.SGDOptions{LR: 0.1}); return err },
			optim.ErrParams, "optim: parameter 1 is nil"},
		{"non-leaf", func() error { _, err := optim.NewSGD(params(nonLeaf), optim.SGDOptions{LR: 0.1}); return err },
			optim.ErrParams, "optim: can't optimize a non-leaf Tensor (parameter 0, made by Mul)"},
		{"duplicate", func() error { _, err := optim.NewSGD(params(p, p), optim.SGDOptions{LR: 0.1}); return err },
			optim.ErrParams, "optim: parameter group contains duplicate parameters (parameter 1)"},
		{"group overlap", func() error {
			o, err := optim.NewSGD(params(p), optim.SGDOptions{LR: 0.1})
			if err != nil {
				return err
			}
			return o.AddParamGroup(params(param(3), p), optim.SGDOptions{LR: 0.1})
		}, optim.ErrParams, "optim: some parameters appear in more than one parameter group"},
		{"group options", func() error {
			o, err := optim.NewRMSProp(params(p), optim.RMSPropDefaults())
			if err != nil {
				return err
			}
			return o.AddParamGroup(params(param(3)), optim.RMSPropOptions{LR: -2})
		}, optim.ErrOption, "optim: invalid learning rate: -2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.make()
			if err == nil {
				t.Fatalf("got no error, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v does not wrap %v", err, tt.sentinel)
			}
		})
	}
}

// TestFailedAddParamGroupChangesNothing checks that a refused group leaves
// the optimiser as it was, so that the refused parameters can be added
// later.
func TestFailedAddParamGroupChangesNothing(t *testing.T) {
	a, b := param(1), param(2)
	o, err := optim.NewSGD(params(a), optim.SGDOptions{LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.AddParamGroup(params(b, a), optim.SGDOptions{LR: 0.1}); err == nil {
		t.Fatal("AddParamGroup with an overlapping parameter: no error")
	}
	if got := o.NumGroups(); got != 1 {
		t.Errorf("NumGroups() = %d after a refused group, want 1", got)
	}
	if err := o.AddParamGroup(params(b), optim.SGDOptions{LR: 0.2}); err != nil {
		t.Fatalf("AddParamGroup(b) after the refusal: %v", err)
	}
	if got := o.Params(); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("Params() = %v, want [a b]", got)
	}
}

// TestNilGradSkipped checks SEMANTICS.md 1.8: a parameter whose gradient is
// nil is skipped entirely (no weight decay, no state, no step count), while
// a zero gradient is not: SGD with weight decay 0.5 and lr 0.1 moves 1.0
// to 0.95 (PyTorch run).
func TestNilGradSkipped(t *testing.T) {
	t.Run("SGD", func(t *testing.T) {
		zero, none := withGrad(param(1), 0), param(1)
		o, err := optim.NewSGD(params(zero, none), optim.SGDOptions{LR: 0.1, WeightDecay: 0.5, Momentum: 0.9})
		if err != nil {
			t.Fatal(err)
		}
		o.Step()
		if got := zero.Data().ToSlice(); !cmp.Equal(got, []float64{0.95}) {
			t.Errorf("zero-grad parameter = %v, want [0.95]", got)
		}
		if got := none.Data().ToSlice(); !cmp.Equal(got, []float64{1}) {
			t.Errorf("nil-grad parameter = %v, want [1] (unchanged)", got)
		}
		if got, want := stateNames(o.State()), []string{"state.0.momentum_buffer"}; !cmp.Equal(got, want) {
			t.Errorf("State names = %q, want %q", got, want)
		}
	})
	t.Run("Adam", func(t *testing.T) {
		a, b := withGrad(param(1), 0.5), withGrad(param(2), 0.5)
		o, err := optim.NewAdam(params(a, b), optim.AdamDefaults())
		if err != nil {
			t.Fatal(err)
		}
		o.Step()
		b.ZeroGrad()
		o.Step()
		steps := map[string]float64{}
		for _, nt := range o.State() {
			if strings.HasSuffix(nt.Name, ".step") {
				steps[nt.Name] = nt.Tensor.Item()
			}
		}
		want := map[string]float64{"state.0.step": 2, "state.1.step": 1}
		if diff := cmp.Diff(want, steps); diff != "" {
			t.Errorf("per-parameter step counts (-want +got):\n%s", diff)
		}
	})
}

func stateNames(st []nn.NamedTensor[float64]) []string {
	var names []string
	for _, nt := range st {
		names = append(names, nt.Name)
	}
	return names
}

// TestAdamFirstStep checks SEMANTICS.md 5.4's sanity property: on the first
// step the bias-corrected moments give m̂/sqrt(v̂) = g/|g|, so each element
// moves by lr·g/(|g|+eps), about lr·sign(g), whatever the gradient's scale.
func TestAdamFirstStep(t *testing.T) {
	g := []float64{0.5, -2, 1e-3, 300}
	p := withGrad(param(0, 0, 0, 0), g...)
	opts := optim.AdamDefaults()
	opts.LR = 0.1
	o, err := optim.NewAdam(params(p), opts)
	if err != nil {
		t.Fatal(err)
	}
	o.Step()
	for i, gi := range g {
		want := -0.1 * gi / (math.Abs(gi) + 1e-8)
		if got := p.Data().At(i); !close(got, want, 1e-12, 0) {
			t.Errorf("p[%d] = %v, want %v", i, got, want)
		}
	}
}

// TestZeroGrad checks that ZeroGrad sets every gradient of every group to
// nil, PyTorch 2's set_to_none.
func TestZeroGrad(t *testing.T) {
	a, b := withGrad(param(1), 1), withGrad(param(2), 2)
	o, err := optim.NewRMSProp(params(a), optim.RMSPropDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if err := o.AddParamGroup(params(b), optim.RMSPropDefaults()); err != nil {
		t.Fatal(err)
	}
	o.ZeroGrad()
	if a.Grad() != nil || b.Grad() != nil {
		t.Errorf("after ZeroGrad: grads %v, %v, want nil, nil", a.Grad(), b.Grad())
	}
}

// TestStepWritesWithoutRecording checks that Step updates the data in
// place without recording: the parameter stays a leaf, its version
// counter moves, and a graph that saved the old value refuses to run
// backward.
func TestStepWritesWithoutRecording(t *testing.T) {
	p := param(1, 2)
	y := tensor.Sum(tensor.Mul(p, p)) // Mul saves p
	withGrad(p, 1, 1)
	o, err := optim.NewSGD(params(p), optim.SGDOptions{LR: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	before := p.Data().Version()
	o.Step()
	if !p.IsLeaf() || !p.RequiresGrad() {
		t.Errorf("after Step: IsLeaf %v, RequiresGrad %v, want true, true", p.IsLeaf(), p.RequiresGrad())
	}
	if p.Data().Version() == before {
		t.Error("Step did not bump the version counter")
	}
	if got, want := p.Data().ToSlice(), []float64{0.5, 1.5}; !cmp.Equal(got, want) {
		t.Errorf("p = %v, want %v", got, want)
	}
	mustPanic(t, tensor.ErrVersion, func() { y.Backward() })
}

// TestNonContiguousParam checks that parameters whose data is a strided
// view are updated element by element in place.
func TestNonContiguousParam(t *testing.T) {
	base := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	p := tensor.Param(base.T()) // shape (3, 2): [[1 4] [2 5] [3 6]]
	p.SetGrad(tensor.Const(tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2)))
	o, err := optim.NewSGD([]*tensor.Value[float64]{p}, optim.SGDOptions{LR: 0.5, Momentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	o.Step()
	// p - 0.5*g, row-major over the view: [1 4 2 5 3 6] - [0.5 1 1.5 2 2.5 3].
	if got, want := p.Data().ToSlice(), []float64{0.5, 3, 0.5, 3, 0.5, 3}; !cmp.Equal(got, want) {
		t.Errorf("p = %v, want %v", got, want)
	}
	if got, want := base.ToSlice(), []float64{0.5, 0.5, 0.5, 3, 3, 3}; !cmp.Equal(got, want) {
		t.Errorf("base of the view = %v, want %v", got, want)
	}
}

// TestLR checks the learning-rate accessors that schedulers use.
func TestLR(t *testing.T) {
	o, err := optim.NewSGD(params(param(1)), optim.SGDOptions{LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.AddParamGroup(params(param(2)), optim.SGDOptions{LR: 0.01}); err != nil {
		t.Fatal(err)
	}
	o.SetLR(1, 0.5)
	got := []float64{o.LR(0), o.LR(1), o.InitialLR(0), o.InitialLR(1)}
	if want := []float64{0.1, 0.5, 0.1, 0.01}; !cmp.Equal(got, want) {
		t.Errorf("LR(0), LR(1), InitialLR(0), InitialLR(1) = %v, want %v", got, want)
	}
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"LR", func() { o.LR(2) }, "optim: LR: parameter group 2 out of range [0, 2)"},
		{"SetLR range", func() { o.SetLR(-1, 0.1) }, "optim: SetLR: parameter group -1 out of range [0, 2)"},
		{"SetLR negative", func() { o.SetLR(0, -0.1) }, "optim: SetLR: invalid learning rate -0.1 for group 0"},
		{"InitialLR", func() { o.InitialLR(5) }, "optim: InitialLR: parameter group 5 out of range [0, 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mustPanic(t, optim.ErrArgument, tt.f)
			if got := err.Error(); got != tt.want {
				t.Errorf("panic %q, want %q", got, tt.want)
			}
		})
	}
}

func nt(name string, t *tensor.Tensor[float64]) nn.NamedTensor[float64] {
	return nn.NamedTensor[float64]{Name: name, Tensor: t}
}

// TestLoadStateErrors checks that LoadState refuses malformed state with an
// error wrapping ErrState, never panics, and leaves the optimiser as it
// was.
func TestLoadStateErrors(t *testing.T) {
	vec := func(xs ...float64) *tensor.Tensor[float64] { return tensor.New(xs, len(xs)) }
	scalar := tensor.Scalar[float64]
	good := func() []nn.NamedTensor[float64] {
		return []nn.NamedTensor[float64]{
			nt("state.0.step", scalar(3)), nt("state.0.exp_avg", vec(1, 2)), nt("state.0.exp_avg_sq", vec(3, 4)),
		}
	}
	with := func(extra ...nn.NamedTensor[float64]) []nn.NamedTensor[float64] { return append(good(), extra...) }
	replace := func(i int, e nn.NamedTensor[float64]) []nn.NamedTensor[float64] {
		s := good()
		s[i] = e
		return s
	}
	tests := []struct {
		name  string
		state []nn.NamedTensor[float64]
		want  string
	}{
		{"not a state name", with(nt("W1", vec(1, 2))), `"W1" is not a state name`},
		{"index not a number", with(nt("state.x.exp_avg", vec(1, 2))), `"state.x.exp_avg" is not a state name`},
		{"index with leading zero", with(nt("state.01.exp_avg", vec(1, 2))), `"state.01.exp_avg" is not a state name`},
		{"signed index", with(nt("state.+1.exp_avg", vec(1, 2))), `"state.+1.exp_avg" is not a state name`},
		{"huge index", with(nt("state.99999999999999999999999.step", scalar(1))), `is not a state name`},
		{"empty key", with(nt("state.1.", vec(1))), `"state.1." is not a state name`},
		{"index out of range", with(nt("state.2.step", scalar(1))), `"state.2.step": the optimizer has 2 parameters`},
		{"unknown key", with(nt("state.0.momentum_buffer", vec(1, 2))), `parameter 0's options keep no "momentum_buffer"`},
		{"amsgrad buffer without amsgrad", with(nt("state.0.max_exp_avg_sq", vec(1, 2))), `keep no "max_exp_avg_sq"`},
		{"duplicate", with(nt("state.0.step", scalar(3))), `"state.0.step" appears twice`},
		{"nil tensor", replace(1, nt("state.0.exp_avg", nil)), `"state.0.exp_avg": nil tensor`},
		{"wrong shape", replace(1, nt("state.0.exp_avg", vec(1, 2, 3))), `shape [3] differs from parameter 0's shape [2]`},
		{"missing step", good()[1:], `"state.0.step" is missing`},
		{"missing buffer", good()[:2], `"state.0.exp_avg_sq" is missing`},
		{"step not a scalar", replace(0, nt("state.0.step", vec(1, 2))), `step must be a scalar`},
		{"negative step", replace(0, nt("state.0.step", scalar(-1))), `step -1 is not a count`},
		{"fractional step", replace(0, nt("state.0.step", scalar(1.5))), `step 1.5 is not a count`},
		{"NaN step", replace(0, nt("state.0.step", scalar(math.NaN()))), `step NaN is not a count`},
		{"huge step", replace(0, nt("state.0.step", scalar(1e30))), `is not a count`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p0, p1 := withGrad(param(1, 2), 0.1, 0.2), param(3)
			o, err := optim.NewAdam(params(p0, p1), optim.AdamDefaults())
			if err != nil {
				t.Fatal(err)
			}
			o.Step()
			before := snapshot(o.State())
			err = o.LoadState(tt.state)
			if err == nil {
				t.Fatalf("LoadState: no error, want one containing %q", tt.want)
			}
			if !errors.Is(err, optim.ErrState) {
				t.Errorf("error %v does not wrap ErrState", err)
			}
			if !strings.HasPrefix(err.Error(), "optim: LoadState: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want optim: LoadState: ...%s...", err, tt.want)
			}
			if diff := cmp.Diff(before, snapshot(o.State())); diff != "" {
				t.Errorf("state changed by a failed LoadState (-before +after):\n%s", diff)
			}
		})
	}
	t.Run("SGD without momentum keeps no buffer", func(t *testing.T) {
		o, err := optim.NewSGD(params(param(1, 2)), optim.SGDOptions{LR: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		err = o.LoadState([]nn.NamedTensor[float64]{nt("state.0.momentum_buffer", vec(1, 2))})
		if !errors.Is(err, optim.ErrState) {
			t.Errorf("LoadState = %v, want an ErrState", err)
		}
		err = o.LoadState([]nn.NamedTensor[float64]{nt("state.0.step", scalar(1))})
		if !errors.Is(err, optim.ErrState) {
			t.Errorf("LoadState(step) = %v, want an ErrState (SGD counts no steps)", err)
		}
	})
}

func snapshot(st []nn.NamedTensor[float64]) map[string][]float64 {
	out := make(map[string][]float64)
	for _, nt := range st {
		out[nt.Name] = nt.Tensor.ToSlice()
	}
	return out
}

// TestLoadStateCopiesAndReplaces checks that LoadState copies the given
// tensors (later writes to them do not reach the optimiser) and replaces
// the whole state (parameters without entries start afresh).
func TestLoadStateCopiesAndReplaces(t *testing.T) {
	a, b := withGrad(param(1, 2), 1, 1), withGrad(param(3), 1)
	o, err := optim.NewSGD(params(a, b), optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	o.Step()
	buf := tensor.New([]float64{5, 6}, 2)
	if err := o.LoadState([]nn.NamedTensor[float64]{nt("state.0.momentum_buffer", buf)}); err != nil {
		t.Fatal(err)
	}
	buf.Fill(-1)
	want := map[string][]float64{"state.0.momentum_buffer": {5, 6}}
	if diff := cmp.Diff(want, snapshot(o.State())); diff != "" {
		t.Errorf("State after LoadState (-want +got):\n%s", diff)
	}
	if err := o.LoadState(nil); err != nil {
		t.Fatal(err)
	}
	if got := o.State(); len(got) != 0 {
		t.Errorf("State after LoadState(nil) = %v, want empty", stateNames(got))
	}
}

// TestClipErrors checks that invalid clipping arguments are errors that
// leave the gradients unchanged.
func TestClipErrors(t *testing.T) {
	tests := []struct {
		name string
		clip func(ps []*tensor.Value[float64]) error
		want string
	}{
		{"negative max norm", func(ps []*tensor.Value[float64]) error {
			_, err := optim.ClipGradNorm(ps, -1, 2, false)
			return err
		}, "optim: ClipGradNorm: invalid max norm: -1.0"},
		{"NaN max norm", func(ps []*tensor.Value[float64]) error {
			_, err := optim.ClipGradNorm(ps, math.NaN(), 2, false)
			return err
		}, "optim: ClipGradNorm: invalid max norm: nan"},
		{"zero norm type", func(ps []*tensor.Value[float64]) error {
			_, err := optim.ClipGradNorm(ps, 1, 0, false)
			return err
		}, "optim: ClipGradNorm: invalid norm type: 0.0 (want a positive number or +Inf)"},
		{"-inf norm type", func(ps []*tensor.Value[float64]) error {
			_, err := optim.ClipGradNorm(ps, 1, math.Inf(-1), false)
			return err
		}, "optim: ClipGradNorm: invalid norm type: -inf (want a positive number or +Inf)"},
		{"negative clip value", func(ps []*tensor.Value[float64]) error {
			return optim.ClipGradValue(ps, -0.5)
		}, "optim: ClipGradValue: invalid clip value: -0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := withGrad(param(0, 0), 3, 4)
			err := tt.clip(params(p))
			if err == nil || err.Error() != tt.want || !errors.Is(err, optim.ErrOption) {
				t.Errorf("error = %v, want %q wrapping ErrOption", err, tt.want)
			}
			if got := p.Grad().Data().ToSlice(); !cmp.Equal(got, []float64{3, 4}) {
				t.Errorf("grad = %v after a refused clip, want [3 4]", got)
			}
		})
	}
	t.Run("non-finite wraps ErrNonFinite", func(t *testing.T) {
		p := withGrad(param(0), math.Inf(1))
		total, err := optim.ClipGradNorm(params(p), 1, 2, true)
		if !errors.Is(err, optim.ErrNonFinite) || !math.IsInf(total, 1) {
			t.Errorf("ClipGradNorm = %v, %v; want +Inf and an ErrNonFinite", total, err)
		}
	})
}

// TestGradNormsNilGrad checks that GradNorms reports 0 for a nil gradient
// and the L2 norm otherwise.
func TestGradNormsNilGrad(t *testing.T) {
	got := optim.GradNorms(params(withGrad(param(0, 0), 3, -4), param(1), withGrad(param(0), -2)))
	if want := []float64{5, 0, 2}; !cmp.Equal(got, want) {
		t.Errorf("GradNorms = %v, want %v", got, want)
	}
}

// TestSchedulerErrors checks the schedulers' argument validation.
func TestSchedulerErrors(t *testing.T) {
	o, err := optim.NewSGD(params(param(1)), optim.SGDOptions{LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		make func() error
		want string
	}{
		{"StepLR step size", func() error { _, err := optim.NewStepLR(o, 0, 0.1); return err },
			"optim: StepLR: step size must be positive, got 0"},
		{"StepLR gamma", func() error { _, err := optim.NewStepLR(o, 1, -0.1); return err },
			"optim: StepLR: invalid gamma: -0.1"},
		{"Cosine tMax", func() error { _, err := optim.NewCosineAnnealingLR(o, 0, 0); return err },
			"optim: CosineAnnealingLR: tMax must be positive, got 0"},
		{"Cosine etaMin", func() error { _, err := optim.NewCosineAnnealingLR(o, 5, -1e-3); return err },
			"optim: CosineAnnealingLR: invalid etaMin: -0.001"},
		{"LinearWarmup start 0", func() error { _, err := optim.NewLinearWarmup(o, 0, 1, 5); return err },
			"optim: LinearWarmup: starting multiplicative factor expected to be greater than 0 and less or equal to 1, got 0.0"},
		{"LinearWarmup start > 1", func() error { _, err := optim.NewLinearWarmup(o, 1.5, 1, 5); return err },
			"optim: LinearWarmup: starting multiplicative factor expected to be greater than 0 and less or equal to 1, got 1.5"},
		{"LinearWarmup end", func() error { _, err := optim.NewLinearWarmup(o, 0.5, 2, 5); return err },
			"optim: LinearWarmup: ending multiplicative factor expected to be between 0 and 1, got 2.0"},
		{"LinearWarmup total", func() error { _, err := optim.NewLinearWarmup(o, 0.5, 1, 0); return err },
			"optim: LinearWarmup: totalIters must be positive, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.make()
			if err == nil || err.Error() != tt.want || !errors.Is(err, optim.ErrOption) {
				t.Errorf("error = %v, want %q wrapping ErrOption", err, tt.want)
			}
		})
	}
	if got := o.LR(0); got != 0.1 {
		t.Errorf("LR(0) = %v after refused schedulers, want 0.1", got)
	}
}

// TestOptimizersInParallel trains two independent models in two goroutines
// (run with -race): optimisers of different models share nothing.
func TestOptimizersInParallel(t *testing.T) {
	var wg sync.WaitGroup
	results := make([][]float64, 2)
	for k := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := param(1, -1)
			o, err := optim.NewAdam(params(w), optim.AdamDefaults())
			if err != nil {
				t.Error(err)
				return
			}
			for range 20 {
				o.ZeroGrad()
				tensor.Sum(tensor.Square(w)).Backward()
				o.Step()
			}
			results[k] = w.Data().ToSlice()
		}()
	}
	wg.Wait()
	if !cmp.Equal(results[0], results[1]) {
		t.Errorf("two identical trainings in parallel ended at %v and %v", results[0], results[1])
	}
}
