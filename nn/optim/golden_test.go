package optim_test

import (
	"encoding/json"
	"fmt"
	"github.com/chainrule/chainrule/internal/golden"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// This file replays PyTorch's reference computations from
// testdata/golden/optim_traces.json, which testdata/gen_optim_golden.py
// made (its header documents the format and the torch version): training
// traces of every optimiser on a small perceptron, gradient clipping, and
// learning-rate schedules.

const goldenPath = "../../testdata/golden/optim_traces.json"

// Tolerances. In float64 the Go and PyTorch updates perform the same
// operations in the same order, and differ only where one side fuses a
// multiply-add or sums in another order; 1e-10 relative (the acceptance
// bound) leaves room for five steps of that. absFloor covers values that
// arise from cancellation (a gradient component near zero), whose relative
// error is meaningless. In float32 both sides round every operation to
// float32 and the errors grow over the steps of a trace. Measured on
// amd64: at most 3e-14 relative in float64 and 2.2e-5 in float32, over
// every parameter and state element of every trace.
const (
	relTol64   = 1e-10
	absFloor64 = 1e-15
	relTol32   = 1e-4
	absFloor32 = 1e-6
)

type goldenFloat = golden.Float

type goldenTensor struct {
	Shape []int         `json:"shape"`
	Data  []goldenFloat `json:"data"`
}

type goldenFile struct {
	Generator    string `json:"generator"`
	TorchVersion string `json:"torch_version"`
	MLP          struct {
		X      goldenTensor            `json:"x"`
		Target goldenTensor            `json:"target"`
		Init   map[string]goldenTensor `json:"init"`
	} `json:"mlp"`
	Traces    []goldenTrace    `json:"traces"`
	ClipNorm  []goldenClip     `json:"clip_norm"`
	ClipValue []goldenClip     `json:"clip_value"`
	Schedules []goldenSchedule `json:"schedules"`
}

type goldenTrace struct {
	Name      string           `json:"name"`
	Optimizer string           `json:"optimizer"`
	Hidden    string           `json:"hidden"`
	Loss      string           `json:"loss"`
	Groups    []goldenGroup    `json:"groups"`
	Skip      map[string][]int `json:"skip"`
	Float64   goldenRun        `json:"float64"`
	Float32   goldenRun        `json:"float32"`
}

type goldenGroup struct {
	Params  []string      `json:"params"`
	Options goldenOptions `json:"options"`
}

// goldenOptions holds the options of any optimiser; each sets its fields.
type goldenOptions struct {
	LR          goldenFloat    `json:"lr"`
	Momentum    goldenFloat    `json:"momentum"`
	Dampening   goldenFloat    `json:"dampening"`
	WeightDecay goldenFloat    `json:"weight_decay"`
	Nesterov    bool           `json:"nesterov"`
	Maximize    bool           `json:"maximize"`
	Betas       [2]goldenFloat `json:"betas"`
	Eps         goldenFloat    `json:"eps"`
	AMSGrad     bool           `json:"amsgrad"`
	Alpha       goldenFloat    `json:"alpha"`
	Centered    bool           `json:"centered"`
}

type goldenRun struct {
	Steps []goldenStep `json:"steps"`
	State []struct {
		Name   string       `json:"name"`
		Tensor goldenTensor `json:"tensor"`
	} `json:"state"`
}

type goldenStep struct {
	Loss      goldenFloat              `json:"loss"`
	Grads     map[string]*goldenTensor `json:"grads"`
	GradNorms []goldenFloat            `json:"grad_norms"`
	Params    map[string]goldenTensor  `json:"params"`
}

type goldenClip struct {
	Name             string          `json:"name"`
	Grads            []*goldenTensor `json:"grads"`
	MaxNorm          goldenFloat     `json:"max_norm"`
	NormType         goldenFloat     `json:"norm_type"`
	ErrorIfNonfinite bool            `json:"error_if_nonfinite"`
	Total            *goldenFloat    `json:"total"`
	Error            string          `json:"error"`
	ClipValue        goldenFloat     `json:"clip_value"`
	Clipped          []*goldenTensor `json:"clipped"`
}

type goldenSchedule struct {
	Name    string                 `json:"name"`
	Kind    string                 `json:"kind"`
	Args    map[string]json.Number `json:"args"`
	Then    *goldenSchedulerSpec   `json:"then"`
	BaseLRs []goldenFloat          `json:"base_lrs"`
	LRs     [][]goldenFloat        `json:"lrs"`
}

type goldenSchedulerSpec struct {
	Kind string                 `json:"kind"`
	Args map[string]json.Number `json:"args"`
}

// The args of a schedule are ints (JSON numbers) or floats (strings);
// json.Number takes both once the strings are unquoted.
func (s *goldenSchedule) UnmarshalJSON(b []byte) error {
	type plain goldenSchedule
	var raw struct {
		plain
		Args map[string]any `json:"args"`
		Then *struct {
			Kind string         `json:"kind"`
			Args map[string]any `json:"args"`
		} `json:"then"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*s = goldenSchedule(raw.plain)
	s.Args = numbers(raw.Args)
	if raw.Then != nil {
		s.Then = &goldenSchedulerSpec{Kind: raw.Then.Kind, Args: numbers(raw.Then.Args)}
	}
	return nil
}

func numbers(m map[string]any) map[string]json.Number {
	out := make(map[string]json.Number, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = json.Number(v)
		case float64:
			out[k] = json.Number(strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	return out
}

func loadGolden(t testing.TB) *goldenFile {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(goldenPath))
	if err != nil {
		t.Fatalf("golden file: %v", err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("golden file %s: %v", goldenPath, err)
	}
	if g.Generator == "" || g.TorchVersion == "" || len(g.Traces) == 0 {
		t.Fatalf("golden file %s: generator %q, torch version %q, %d traces: incomplete",
			goldenPath, g.Generator, g.TorchVersion, len(g.Traces))
	}
	return &g
}

func goldenInput[T tensor.Float](g goldenTensor) *tensor.Tensor[T] {
	data := make([]T, len(g.Data))
	for i, v := range g.Data {
		data[i] = T(v)
	}
	return tensor.New(data, append([]int{}, g.Shape...)...)
}

func dtypeName[T tensor.Float]() string {
	var z T
	if _, ok := any(z).(float32); ok {
		return "float32"
	}
	return "float64"
}

func tolerances[T tensor.Float]() (rel, abs float64) {
	if dtypeName[T]() == "float32" {
		return relTol32, absFloor32
	}
	return relTol64, absFloor64
}

// close reports whether got is within rel (relative to want) or abs of
// want; NaNs and infinities must match exactly.
func close(got, want, rel, abs float64) bool {
	switch {
	case math.IsNaN(want):
		return math.IsNaN(got)
	case math.IsInf(want, 0):
		return got == want
	}
	return math.Abs(got-want) <= max(rel*math.Abs(want), abs)
}

// checkTensor compares got with want element by element and reports the
// first few mismatches under what.
func checkTensor[T tensor.Float](t *testing.T, what string, got *tensor.Tensor[T], want goldenTensor, rel, abs float64) {
	t.Helper()
	if !slices.Equal(got.Shape(), want.Shape) && !(len(got.Shape()) == 0 && len(want.Shape) == 0) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
		return
	}
	vals := got.ToSlice()
	bad := 0
	for i, w := range want.Data {
		if !close(float64(vals[i]), float64(w), rel, abs) {
			if bad < 3 {
				t.Errorf("%s[%d] = %v, want %v (rel err %.3g)", what, i, vals[i], float64(w),
					math.Abs(float64(vals[i])-float64(w))/math.Abs(float64(w)))
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d mismatches in all", what, bad)
	}
}

var mlpNames = []string{"W1", "b1", "W2", "b2"}

// mlpLoss is the perceptron of the generator,
// y = sigmoid(hidden(x @ W1^T + b1) @ W2^T + b2), with its loss written
// out from primitive ops as the generator writes it.
func mlpLoss[T tensor.Float](p map[string]*tensor.Value[T], x, target *tensor.Value[T], hidden, loss string) *tensor.Value[T] {
	h := tensor.Add(tensor.MatMul(x, tensor.T(p["W1"])), p["b1"])
	if hidden == "relu" {
		h = tensor.ReLU(h)
	} else {
		h = tensor.Tanh(h)
	}
	y := tensor.Sigmoid(tensor.Add(tensor.MatMul(h, tensor.T(p["W2"])), p["b2"]))
	if loss == "bce" {
		oneMinusT := tensor.Const(target.Data().Neg().AddScalar(1))
		ll := tensor.Add(tensor.Mul(target, tensor.Log(y)), tensor.Mul(oneMinusT, tensor.Log1p(tensor.Neg(y))))
		return tensor.Mean(tensor.Neg(ll))
	}
	return tensor.Mean(tensor.Square(tensor.Sub(y, target)))
}

// traceRig is a perceptron and an optimiser built from a golden trace.
type traceRig[T tensor.Float] struct {
	params    map[string]*tensor.Value[T]
	x, target *tensor.Value[T]
	opt       optim.Optimizer[T]
}

func newTraceRig[T tensor.Float](t *testing.T, g *goldenFile, tr goldenTrace) *traceRig[T] {
	t.Helper()
	r := &traceRig[T]{
		params: make(map[string]*tensor.Value[T]),
		x:      tensor.Const(goldenInput[T](g.MLP.X)),
		target: tensor.Const(goldenInput[T](g.MLP.Target)),
	}
	for _, n := range mlpNames {
		r.params[n] = tensor.Param(goldenInput[T](g.MLP.Init[n]))
	}
	r.opt = newOptimizer(t, tr, r.params)
	return r
}

// newOptimizer builds the trace's optimiser over params, group by group.
func newOptimizer[T tensor.Float](t *testing.T, tr goldenTrace, params map[string]*tensor.Value[T]) optim.Optimizer[T] {
	t.Helper()
	var (
		opt optim.Optimizer[T]
		add func(ps []*tensor.Value[T], o goldenOptions) error
	)
	for i, gr := range tr.Groups {
		ps := make([]*tensor.Value[T], len(gr.Params))
		for j, n := range gr.Params {
			ps[j] = params[n]
		}
		if i > 0 {
			if err := add(ps, gr.Options); err != nil {
				t.Fatalf("AddParamGroup(group %d): %v", i, err)
			}
			continue
		}
		var err error
		switch o := gr.Options; tr.Optimizer {
		case "SGD":
			var s *optim.SGD[T]
			s, err = optim.NewSGD(ps, sgdOptions(o))
			opt, add = s, func(ps []*tensor.Value[T], o goldenOptions) error { return s.AddParamGroup(ps, sgdOptions(o)) }
		case "Adam", "AdamW":
			newAdam := optim.NewAdam[T]
			if tr.Optimizer == "AdamW" {
				newAdam = optim.NewAdamW[T]
			}
			var a *optim.Adam[T]
			a, err = newAdam(ps, adamOptions(o))
			opt, add = a, func(ps []*tensor.Value[T], o goldenOptions) error { return a.AddParamGroup(ps, adamOptions(o)) }
		case "RMSProp":
			var r *optim.RMSProp[T]
			r, err = optim.NewRMSProp(ps, rmsPropOptions(o))
			opt, add = r, func(ps []*tensor.Value[T], o goldenOptions) error { return r.AddParamGroup(ps, rmsPropOptions(o)) }
		default:
			t.Fatalf("unknown optimizer %q", tr.Optimizer)
		}
		if err != nil {
			t.Fatalf("New%s: %v", tr.Optimizer, err)
		}
	}
	return opt
}

func sgdOptions(o goldenOptions) optim.SGDOptions {
	return optim.SGDOptions{
		LR: float64(o.LR), Momentum: float64(o.Momentum), Dampening: float64(o.Dampening),
		WeightDecay: float64(o.WeightDecay), Nesterov: o.Nesterov, Maximize: o.Maximize,
	}
}

func adamOptions(o goldenOptions) optim.AdamOptions {
	return optim.AdamOptions{
		LR: float64(o.LR), Betas: [2]float64{float64(o.Betas[0]), float64(o.Betas[1])}, Eps: float64(o.Eps),
		WeightDecay: float64(o.WeightDecay), AMSGrad: o.AMSGrad, Maximize: o.Maximize,
	}
}

func rmsPropOptions(o goldenOptions) optim.RMSPropOptions {
	return optim.RMSPropOptions{
		LR: float64(o.LR), Alpha: float64(o.Alpha), Eps: float64(o.Eps), WeightDecay: float64(o.WeightDecay),
		Momentum: float64(o.Momentum), Centered: o.Centered, Maximize: o.Maximize,
	}
}

// step runs training step i of a trace (0-based) and checks its loss,
// gradients, gradient norms and updated parameters against want.
func (r *traceRig[T]) step(t *testing.T, tr goldenTrace, i int, want goldenStep) {
	t.Helper()
	rel, abs := tolerances[T]()
	r.opt.ZeroGrad()
	loss := mlpLoss(r.params, r.x, r.target, tr.Hidden, tr.Loss)
	loss.Backward()
	for n, steps := range tr.Skip {
		if slices.Contains(steps, i) {
			r.params[n].ZeroGrad()
		}
	}
	if got := float64(loss.Item()); !close(got, float64(want.Loss), rel, abs) {
		t.Errorf("step %d: loss = %v, want %v", i, got, float64(want.Loss))
	}
	ps := make([]*tensor.Value[T], len(mlpNames))
	for k, n := range mlpNames {
		ps[k] = r.params[n]
		g := r.params[n].Grad()
		switch w := want.Grads[n]; {
		case w == nil && g != nil:
			t.Errorf("step %d: grad %s is set, want nil", i, n)
		case w != nil && g == nil:
			t.Errorf("step %d: grad %s is nil, want one", i, n)
		case w != nil:
			checkTensor(t, fmt.Sprintf("step %d: grad %s", i, n), g.Data(), *w, rel, abs)
		}
	}
	norms := optim.GradNorms(ps)
	for k, w := range want.GradNorms {
		if !close(norms[k], float64(w), rel, abs) {
			t.Errorf("step %d: GradNorms[%d] (%s) = %v, want %v", i, k, mlpNames[k], norms[k], float64(w))
		}
	}
	r.opt.Step()
	for _, n := range mlpNames {
		checkTensor(t, fmt.Sprintf("step %d: %s after Step", i, n), r.params[n].Data(), want.Params[n], rel, abs)
	}
}

// checkState compares the optimiser's State with PyTorch's state_dict.
func checkState[T tensor.Float](t *testing.T, opt optim.Optimizer[T], run goldenRun) {
	t.Helper()
	rel, abs := tolerances[T]()
	got := opt.State()
	var gotNames, wantNames []string
	for _, nt := range got {
		gotNames = append(gotNames, nt.Name)
	}
	for _, w := range run.State {
		wantNames = append(wantNames, w.Name)
	}
	if !slices.Equal(gotNames, wantNames) {
		t.Fatalf("State names = %q, want %q", gotNames, wantNames)
	}
	for k, w := range run.State {
		checkTensor(t, "State "+w.Name, got[k].Tensor, w.Tensor, rel, abs)
	}
}

func runGoldenTrace[T tensor.Float](t *testing.T, g *goldenFile, tr goldenTrace, run goldenRun) {
	r := newTraceRig[T](t, g, tr)
	for i, want := range run.Steps {
		r.step(t, tr, i, want)
	}
	checkState(t, r.opt, run)
}

// TestGoldenTraces trains the perceptron five steps with each optimiser
// configuration and compares loss, gradients, gradient norms, parameters
// and the final optimiser state with PyTorch's, step by step.
func TestGoldenTraces(t *testing.T) {
	g := loadGolden(t)
	for _, tr := range g.Traces {
		t.Run(tr.Name+"/float64", func(t *testing.T) { runGoldenTrace[float64](t, g, tr, tr.Float64) })
		t.Run(tr.Name+"/float32", func(t *testing.T) { runGoldenTrace[float32](t, g, tr, tr.Float32) })
	}
}

// TestGoldenResumeFromState stops each trace after two steps, moves the
// optimiser state through State, nn.SaveTensors, nn.LoadTensors and
// LoadState into a fresh optimiser, and checks that the remaining steps
// still follow PyTorch's trace.
func TestGoldenResumeFromState(t *testing.T) {
	g := loadGolden(t)
	for _, tr := range g.Traces {
		t.Run(tr.Name, func(t *testing.T) {
			r := newTraceRig[float64](t, g, tr)
			for i := range 2 {
				r.step(t, tr, i, tr.Float64.Steps[i])
			}
			path := filepath.Join(t.TempDir(), "optim.safetensors")
			if err := nn.SaveTensors(path, r.opt.State(), nil); err != nil {
				t.Fatalf("SaveTensors: %v", err)
			}
			state, _, err := nn.LoadTensors[float64](path)
			if err != nil {
				t.Fatalf("LoadTensors: %v", err)
			}
			r.opt = newOptimizer(t, tr, r.params)
			if err := r.opt.LoadState(state); err != nil {
				t.Fatalf("LoadState: %v", err)
			}
			for i := 2; i < len(tr.Float64.Steps); i++ {
				r.step(t, tr, i, tr.Float64.Steps[i])
			}
			checkState(t, r.opt, tr.Float64)
		})
	}
}

func clipParams(t *testing.T, grads []*goldenTensor) []*tensor.Value[float64] {
	t.Helper()
	ps := make([]*tensor.Value[float64], len(grads))
	for i, gr := range grads {
		if gr == nil {
			ps[i] = tensor.Param(tensor.Zeros[float64](3))
			continue
		}
		ps[i] = tensor.Param(tensor.Zeros[float64](gr.Shape...))
		ps[i].SetGrad(tensor.Const(goldenInput[float64](*gr)))
	}
	return ps
}

func checkClipped(t *testing.T, ps []*tensor.Value[float64], want []*goldenTensor) {
	t.Helper()
	for i, w := range want {
		g := ps[i].Grad()
		switch {
		case w == nil && g != nil:
			t.Errorf("grad %d is set, want nil", i)
		case w != nil && g == nil:
			t.Errorf("grad %d is nil", i)
		case w != nil:
			checkTensor(t, fmt.Sprintf("grad %d", i), g.Data(), *w, relTol64, absFloor64)
		}
	}
}

// goMessage is PyTorch's error_if_nonfinite message as ClipGradNorm words
// it: Go's prefix and casing, and the Go parameter name.
func goMessage(torch string) string {
	const (
		torchTail = "set `error_if_nonfinite=False`"
		goTail    = "set errorIfNonfinite to false"
	)
	if len(torch) < len(torchTail) || torch[len(torch)-len(torchTail):] != torchTail {
		return "unexpected torch message: " + torch
	}
	msg := torch[:len(torch)-len(torchTail)] + goTail
	return "optim: ClipGradNorm: t" + msg[1:]
}

// TestGoldenClipGradNorm checks ClipGradNorm's returned norm, clipped
// gradients and non-finite errors against torch's clip_grad_norm_,
// including SEMANTICS.md 5.5's examples.
func TestGoldenClipGradNorm(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.ClipNorm {
		t.Run(c.Name, func(t *testing.T) {
			ps := clipParams(t, c.Grads)
			total, err := optim.ClipGradNorm(ps, float64(c.MaxNorm), float64(c.NormType), c.ErrorIfNonfinite)
			if c.Error != "" {
				if err == nil {
					t.Fatalf("ClipGradNorm: no error, want %q", c.Error)
				}
				if got, want := err.Error(), goMessage(c.Error); got != want {
					t.Errorf("ClipGradNorm error:\n got %s\nwant %s", got, want)
				}
			} else {
				if err != nil {
					t.Fatalf("ClipGradNorm: %v", err)
				}
				if !close(total, float64(*c.Total), relTol64, absFloor64) {
					t.Errorf("ClipGradNorm = %v, want %v", total, float64(*c.Total))
				}
			}
			checkClipped(t, ps, c.Clipped)
		})
	}
}

// TestGoldenClipGradValue checks ClipGradValue against clip_grad_value_.
func TestGoldenClipGradValue(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.ClipValue {
		t.Run(c.Name, func(t *testing.T) {
			ps := clipParams(t, c.Grads)
			if err := optim.ClipGradValue(ps, float64(c.ClipValue)); err != nil {
				t.Fatalf("ClipGradValue: %v", err)
			}
			checkClipped(t, ps, c.Clipped)
		})
	}
}

func newScheduler(t *testing.T, opt optim.LRGroups, kind string, args map[string]json.Number) optim.Scheduler {
	t.Helper()
	f := func(k string) float64 {
		v, err := args[k].Float64()
		if err != nil {
			t.Fatalf("schedule arg %s: %v", k, err)
		}
		return v
	}
	i := func(k string) int {
		v, err := args[k].Int64()
		if err != nil {
			t.Fatalf("schedule arg %s: %v", k, err)
		}
		return int(v)
	}
	var (
		s   optim.Scheduler
		err error
	)
	switch kind {
	case "StepLR":
		s, err = optim.NewStepLR(opt, i("step_size"), f("gamma"))
	case "CosineAnnealingLR":
		s, err = optim.NewCosineAnnealingLR(opt, i("T_max"), f("eta_min"))
	case "LinearLR":
		s, err = optim.NewLinearWarmup(opt, f("start_factor"), f("end_factor"), i("total_iters"))
	default:
		t.Fatalf("unknown scheduler %q", kind)
	}
	if err != nil {
		t.Fatalf("New%s: %v", kind, err)
	}
	return s
}

// TestGoldenSchedules compares the learning rates the schedulers set, at
// construction and after every Step, with torch.optim.lr_scheduler's.
func TestGoldenSchedules(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Schedules {
		t.Run(c.Name, func(t *testing.T) {
			opt, err := optim.NewSGD([]*tensor.Value[float64]{tensor.Param(tensor.Zeros[float64](1))},
				optim.SGDOptions{LR: float64(c.BaseLRs[0])})
			if err != nil {
				t.Fatal(err)
			}
			for _, lr := range c.BaseLRs[1:] {
				p := tensor.Param(tensor.Zeros[float64](1))
				if err := opt.AddParamGroup([]*tensor.Value[float64]{p}, optim.SGDOptions{LR: float64(lr)}); err != nil {
					t.Fatal(err)
				}
			}
			scheds := []optim.Scheduler{newScheduler(t, opt, c.Kind, c.Args)}
			if c.Then != nil {
				scheds = append(scheds, newScheduler(t, opt, c.Then.Kind, c.Then.Args))
			}
			for e, want := range c.LRs {
				if e > 0 {
					opt.Step()
					for _, s := range scheds {
						s.Step()
					}
				}
				for gi, w := range want {
					if got := opt.LR(gi); !close(got, float64(w), 1e-13, 0) {
						t.Errorf("epoch %d: LR(%d) = %v, want %v", e, gi, got, float64(w))
					}
				}
				last := scheds[len(scheds)-1]
				if got := last.LastEpoch(); got != e {
					t.Errorf("epoch %d: LastEpoch() = %d", e, got)
				}
				for gi, w := range want {
					if got := last.LastLR()[gi]; !close(got, float64(w), 1e-13, 0) {
						t.Errorf("epoch %d: LastLR()[%d] = %v, want %v", e, gi, got, float64(w))
					}
				}
			}
		})
	}
}
