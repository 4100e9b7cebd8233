package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// newMLP returns Linear layers of the widths dims with ReLU between them,
// as torch_bench.py's mlp builds them.
func newMLP[T tensor.Float](rng *rand.Rand, dims []int) []nn.Module[T] {
	var mods []nn.Module[T]
	for i := range len(dims) - 1 {
		mods = append(mods, nn.NewLinear[T](rng, dims[i], dims[i+1], true))
		if i < len(dims)-2 {
			mods = append(mods, &nn.ReLU[T]{})
		}
	}
	return mods
}

// reuseValues is the backward of the training loops timed here: the
// allocation-light loop of docs/benchmarks.md, which zeroes gradients in
// place (ZeroGradInPlace) and lets backward return the step's intermediate
// values to the buffer pool, so that a warm step allocates almost nothing.
var reuseValues = tensor.BackwardOptions{ReleaseValues: true}

// benchStep241 times one training step of cmd/demo's walkthrough: 100
// points with two features, a 2-4-1 network (ReLU, sigmoid), BCE, SGD lr
// 0.1, float64 as the demo runs it.
func benchStep241(budget time.Duration) sample {
	const n = 100
	rng := rand.New(rand.NewPCG(1, 2))
	xs := tensor.Normal[float64](rng, 0, 1, n, 2)
	x := tensor.Const(xs)
	y := tensor.Const(xs.Sum(1).Gt(tensor.Zeros[float64](n)).Reshape(n, 1))
	model := nn.NewSequential(append(newMLP[float64](rng, []int{2, 4, 1}), &nn.Sigmoid[float64]{})...)
	opt, err := optim.NewSGD(nn.Params(model), optim.SGDOptions{LR: 0.1})
	if err != nil {
		panic(err) // the options are constants
	}
	return measure(budget, 3, func() {
		opt.ZeroGradInPlace()
		loss := nn.BCE(model.Forward(x), y, nil, nn.ReduceMean)
		loss.BackwardWith(nil, reuseValues)
		opt.Step()
	})
}

// benchStepMLP times one training step of an MLP of widths dims in
// float32 on a fixed random batch: cross-entropy, and plain SGD (lr 0.1)
// or Adam (lr 1e-3) as opt says.
func benchStepMLP(dims []int, batch int, optName string, budget time.Duration) sample {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.Const(tensor.Uniform[float32](rng, 0, 1, batch, dims[0]))
	y := make([]int, batch)
	for i := range y {
		y[i] = rng.IntN(dims[len(dims)-1])
	}
	model := nn.NewSequential(newMLP[float32](rng, dims)...)
	opt := newOptimizer(model, optName)
	return measure(budget, 3, func() {
		opt.ZeroGradInPlace()
		loss := nn.CrossEntropy(model.Forward(x), y, nn.CEOptions[float32]{})
		loss.BackwardWith(nil, reuseValues)
		opt.Step()
	})
}

// newOptimizer returns plain SGD with lr 0.1 or Adam with lr 1e-3 (and
// PyTorch's other defaults) over model's parameters.
func newOptimizer[T tensor.Float](model nn.Module[T], name string) optim.Optimizer[T] {
	var opt optim.Optimizer[T]
	var err error
	switch name {
	case "sgd":
		opt, err = optim.NewSGD(nn.Params(model), optim.SGDOptions{LR: 0.1})
	case "adam":
		opts := optim.AdamDefaults()
		opts.LR = 1e-3
		opt, err = optim.NewAdam(nn.Params(model), opts)
	default:
		panic("bench: unknown optimiser " + name) // checked by parseFlags
	}
	if err != nil {
		panic(err) // the options are constants
	}
	return opt
}

// stateCopies is the optimiser state per parameter, in parameters' worth.
func stateCopies(optName string) int {
	if optName == "adam" {
		return 2 // exp_avg, exp_avg_sq
	}
	return 0
}

// optLabel is the optimiser's name in the tables.
func optLabel(optName string) string {
	if optName == "adam" {
		return "Adam"
	}
	return "SGD"
}

// stepTensorBytes is the yardstick of the allocation target: the bytes
// that the tensors of one training step of an MLP of widths dims occupy.
// It counts the parameters, their gradients and optimiser state
// (stateCopies per parameter: 2 for Adam, 0 for plain SGD), the batch and
// its targets, and every activation of the forward pass (each Linear's
// output, each ReLU's, the last layer's sigmoid or log-softmax) together
// with its gradient. elem is the size of one element in bytes; targets
// are one element per row (BCE) or an 8-byte class index (cross-entropy).
func stepTensorBytes(dims []int, batch, elem, stateCopies int, bceTargets bool) int64 {
	params, acts := 0, 0
	for i := range len(dims) - 1 {
		params += dims[i]*dims[i+1] + dims[i+1]
		acts += batch * dims[i+1] // Linear output
		if i < len(dims)-2 {
			acts += batch * dims[i+1] // ReLU output
		}
	}
	acts += batch * dims[len(dims)-1] // sigmoid or log-softmax
	elems := params*(2+stateCopies) + batch*dims[0] + 2*acts
	targets := batch * 8
	if bceTargets {
		targets = batch * elem
	}
	return int64(elems*elem + targets)
}

// dimsLabel writes widths as the issue does: 784-256-128-10.
func dimsLabel(dims []int) string {
	s := ""
	for i, d := range dims {
		if i > 0 {
			s += "-"
		}
		s += fmt.Sprint(d)
	}
	return s
}
