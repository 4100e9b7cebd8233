package nn_test

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// trainLoops are the two ways to write a training step that the step
// benchmarks compare: PyTorch 2's default (gradients set to nil, a plain
// backward), and the allocation-light loop (gradients zeroed in place,
// intermediate values released by backward), which reuses last step's
// memory for everything.
var trainLoops = []struct {
	name  string
	reuse bool
}{{"plain", false}, {"reuse", true}}

// mlpStep returns one training step of model on (x, y) with loss, written
// as the loop reuse asks for.
func mlpStep[T tensor.Float](model nn.Module[T], opt optim.Optimizer[T], reuse bool, loss func() *tensor.Value[T]) func() {
	return func() {
		if reuse {
			opt.ZeroGradInPlace()
			loss().BackwardWith(nil, tensor.BackwardOptions{ReleaseValues: true})
		} else {
			opt.ZeroGrad()
			loss().Backward()
		}
		opt.Step()
	}
}

// step241 is one full-batch training step of the demo's 2-4-1 network on
// 100 points: forward, BCE, backward, SGD. The demo and cmd/bench run it in
// float64.
func step241[T tensor.Float](reuse bool) func() {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := tensor.Normal[T](rng, 0, 1, 100, 2)
	y := tensor.Const(xs.Sum(1).Gt(tensor.Zeros[T](100)).Reshape(100, 1))
	x := tensor.Const(xs)
	model := nn.NewSequential[T](nn.NewLinear[T](rng, 2, 4, true), &nn.ReLU[T]{}, nn.NewLinear[T](rng, 4, 1, true), &nn.Sigmoid[T]{})
	opt, _ := optim.NewSGD(nn.Params(model), optim.SGDOptions{LR: 0.1})
	return mlpStep(model, opt, reuse, func() *tensor.Value[T] { return nn.BCE(model.Forward(x), y, nil, nn.ReduceMean) })
}

// stepMLP is one training step of a ReLU MLP of widths dims on a fixed
// random batch, with cross-entropy and SGD.
func stepMLP(dims []int, batch int, reuse bool) func() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.Const(tensor.Uniform[float32](rng, 0, 1, batch, dims[0]))
	y := make([]int, batch)
	for i := range y {
		y[i] = i % dims[len(dims)-1]
	}
	var layers []nn.Module[float32]
	for i := range len(dims) - 1 {
		if i > 0 {
			layers = append(layers, &nn.ReLU[float32]{})
		}
		layers = append(layers, nn.NewLinear[float32](rng, dims[i], dims[i+1], true))
	}
	model := nn.NewSequential(layers...)
	opt, _ := optim.NewSGD(nn.Params(model), optim.SGDOptions{LR: 0.01})
	return mlpStep(model, opt, reuse, func() *tensor.Value[float32] {
		return nn.CrossEntropy(model.Forward(x), y, nn.CEOptions[float32]{})
	})
}

// stepMNIST is one training step of the 784-256-128-10 MLP at the given
// batch size.
func stepMNIST(batch int, reuse bool) func() { return stepMLP([]int{784, 256, 128, 10}, batch, reuse) }

// benchSteps runs step after a warm-up, so that B/op is the steady state
// rather than the first steps' filling of the pools.
func benchSteps(b *testing.B, step func()) {
	for range 20 {
		step()
	}
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}

// BenchmarkTrainStep241 is the demo's step, in float64 as the demo and
// cmd/bench run it, and in float32. At this size the step is all per-op
// overhead.
func BenchmarkTrainStep241(b *testing.B) {
	for _, l := range trainLoops {
		b.Run("float64/"+l.name, func(b *testing.B) { benchSteps(b, step241[float64](l.reuse)) })
		b.Run("float32/"+l.name, func(b *testing.B) { benchSteps(b, step241[float32](l.reuse)) })
	}
}

// BenchmarkTrainStepMNIST64 is one step of the 784-256-128-10 MLP at batch
// 64.
func BenchmarkTrainStepMNIST64(b *testing.B) {
	for _, l := range trainLoops {
		b.Run(l.name, func(b *testing.B) { benchSteps(b, stepMNIST(64, l.reuse)) })
	}
}

// TestSteadyStateAllocation checks the allocation target of the speed work:
// once warm, a step of the allocation-light loop allocates less than 1% of
// the bytes its tensors occupy (parameters, gradients, batch, every
// activation and its gradient), while the plain loop, for comparison,
// allocates most of them afresh.
func TestSteadyStateAllocation(t *testing.T) {
	if testing.Short() {
		t.Skip("steady-state measurement takes a second")
	}
	const batch = 64
	params := 784*256 + 256 + 256*128 + 128 + 128*10 + 10
	acts := batch * (256 + 256 + 128 + 128 + 10 + 10) // Linear and ReLU outputs, log-softmax
	tensorBytes := float64(4 * (2*params + batch*784 + 2*acts))
	perStep := func(step func()) float64 {
		for range 30 {
			step()
		}
		const n = 100
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			step()
		}
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc-before.TotalAlloc) / n
	}
	reuse, plain := perStep(stepMNIST(batch, true)), perStep(stepMNIST(batch, false))
	t.Logf("bytes per step: %.0f with reuse, %.0f plain, of %.0f tensor bytes (%.2f%%, %.1f%%)",
		reuse, plain, tensorBytes, 100*reuse/tensorBytes, 100*plain/tensorBytes)
	if reuse > 0.01*tensorBytes {
		t.Errorf("the allocation-light loop allocates %.0f bytes per step, %.2f%% of the step's %.0f tensor bytes; want under 1%%",
			reuse, 100*reuse/tensorBytes, tensorBytes)
	}
	if plain < 0.1*tensorBytes {
		t.Errorf("the plain loop allocates only %.0f bytes per step: the measurement is not seeing allocations", plain)
	}
}

// TestStep241Allocations pins the per-op bookkeeping of the demo's step,
// which at this size is what the step costs (docs/benchmarks.md): once
// warm, the allocation-light loop makes 37 allocations a step on Go 1.26
// (a recorded op, a result and a closure per op, the gradients' Values,
// the loss's Function). A few more may come with another compiler's
// escape analysis; many more mean an op or the engine began to allocate
// per call again.
func TestStep241Allocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	step := step241[float64](true)
	for range 20 {
		step()
	}
	if a := testing.AllocsPerRun(200, step); a > 40 {
		t.Errorf("the 2-4-1 step makes %.0f allocations, want at most 40 (37 on Go 1.26)", a)
	}
}

// BenchmarkTrainStep1024 is one step of the 1024-1024-1024-10 MLP at batch
// 512 with cross-entropy and SGD, the large workload: GEMM-bound.
func BenchmarkTrainStep1024(b *testing.B) {
	benchSteps(b, stepMLP([]int{1024, 1024, 1024, 10}, 512, true))
}
