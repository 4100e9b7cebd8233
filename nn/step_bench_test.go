package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// BenchmarkTrainStep241 is one full-batch training step of the demo's
// 2-4-1 network on 100 points: forward, BCE, backward, SGD. At this size the
// step is all per-op overhead.
func BenchmarkTrainStep241(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := tensor.Normal[float32](rng, 0, 1, 100, 2)
	y := tensor.Const(xs.Sum(1).Gt(tensor.Zeros[float32](100)).Reshape(100, 1))
	x := tensor.Const(xs)
	model := nn.NewSequential[float32](nn.NewLinear[float32](rng, 2, 4, true), &nn.ReLU[float32]{}, nn.NewLinear[float32](rng, 4, 1, true), &nn.Sigmoid[float32]{})
	opt, _ := optim.NewSGD(nn.Params(model), optim.SGDOptions{LR: 0.1})
	b.ReportAllocs()
	for b.Loop() {
		opt.ZeroGrad()
		loss := nn.BCE(model.Forward(x), y, nil, nn.ReduceMean)
		loss.Backward()
		opt.Step()
	}
}

// BenchmarkTrainStepMNIST64 is one training step of the 784-256-128-10
// MLP at batch 64 with cross-entropy and SGD.
func BenchmarkTrainStepMNIST64(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.Const(tensor.Uniform[float32](rng, 0, 1, 64, 784))
	y := make([]int, 64)
	for i := range y {
		y[i] = i % 10
	}
	model := nn.NewSequential[float32](nn.NewLinear[float32](rng, 784, 256, true), &nn.ReLU[float32]{}, nn.NewLinear[float32](rng, 256, 128, true), &nn.ReLU[float32]{}, nn.NewLinear[float32](rng, 128, 10, true))
	opt, _ := optim.NewSGD(nn.Params(model), optim.SGDOptions{LR: 0.01})
	b.ReportAllocs()
	for b.Loop() {
		opt.ZeroGradInPlace()
		loss := nn.CrossEntropy(model.Forward(x), y, nn.CEOptions[float32]{})
		loss.BackwardWith(nil, tensor.BackwardOptions{ReleaseValues: true})
		opt.Step()
	}
}
