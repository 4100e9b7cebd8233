package main

import (
	"fmt"
	"strings"
	"time"
)

// A benchCase is one row of the tables: a workload that both sides run at
// every thread count.
type benchCase struct {
	workload string // the -workloads name that selects it
	label    string // its row in the table

	// For GEMM: the product's size and element type; flops is 2n³.
	gemm  bool
	n     int
	dtype string
	flops float64

	// goRun times the Go side; for GEMM it also times gonum.
	goRun func(budget time.Duration) (chainrule, gonum sample)
	// torchReq is the request torch_bench.py answers with the same
	// workload.
	torchReq map[string]any
	// tensorBytes is stepTensorBytes for training steps, 0 otherwise.
	tensorBytes int64

	targets []target
}

// A target is one of the goals for a case, checked on the medians.
type target struct {
	threads int     // the thread count it applies to, 0 for all
	kind    string  // one of the target kinds below
	bound   float64 // the number the measurement must reach
}

// The target kinds.
const (
	speedVsTorch = "speed-vs-torch" // chainrule GFLOP/s ÷ OpenBLAS's >= bound
	speedVsGonum = "speed-vs-gonum" // chainrule GFLOP/s ÷ gonum's >= bound
	timeVsTorch  = "time-vs-torch"  // chainrule time ÷ PyTorch's <= bound
	allocShare   = "alloc-share"    // B/op ÷ the step's tensor bytes < bound
)

// workloadNames lists the -workloads names in table order.
var workloadNames = []string{"gemm-f32", "gemm-f64", "step-2-4-1", "step-784-b64", "step-784-b256", "step-1024-b512", "mnist-epoch"}

// config is what the cases depend on besides the workload names.
type config struct {
	sizes      []int
	mnistDir   string // "" when the mnist-epoch workload is not run
	mnistLimit int    // images per epoch, 0 for all
	optim      string // "sgd" or "adam", for the MLP steps
	mnist      *mnistData
}

// cases returns the cases of the named workloads, in table order.
func cases(names []string, c *config) ([]*benchCase, error) {
	want := map[string]bool{}
	for _, n := range names {
		found := false
		for _, w := range workloadNames {
			found = found || w == n
		}
		if !found {
			return nil, fmt.Errorf("bench: unknown workload %q (have %s)", n, strings.Join(workloadNames, ", "))
		}
		want[n] = true
	}
	var out []*benchCase
	for _, w := range workloadNames {
		if !want[w] {
			continue
		}
		switch w {
		case "gemm-f32", "gemm-f64":
			for _, n := range c.sizes {
				out = append(out, gemmCase(w, n))
			}
		case "step-2-4-1":
			out = append(out, &benchCase{
				workload:    w,
				label:       "2-4-1 step, 100 samples, float64, SGD",
				goRun:       func(b time.Duration) (sample, sample) { return benchStep241(b), sample{} },
				torchReq:    map[string]any{"workload": "step_241"},
				tensorBytes: stepTensorBytes([]int{2, 4, 1}, 100, 8, 0, true),
				targets:     []target{{0, timeVsTorch, 1.0 / 20}, {0, allocShare, 0.01}},
			})
		case "step-784-b64", "step-784-b256":
			batch := 64
			if w == "step-784-b256" {
				batch = 256
			}
			out = append(out, mlpCase(w, []int{784, 256, 128, 10}, batch, c.optim, 1.0))
		case "step-1024-b512":
			out = append(out, mlpCase(w, []int{1024, 1024, 1024, 10}, 512, c.optim, 1.1))
		case "mnist-epoch":
			out = append(out, mnistCase(c))
		}
	}
	return out, nil
}

func gemmCase(w string, n int) *benchCase {
	bc := &benchCase{workload: w, gemm: true, n: n, flops: 2 * float64(n) * float64(n) * float64(n)}
	if w == "gemm-f32" {
		bc.dtype = "float32"
		bc.goRun = func(b time.Duration) (sample, sample) { return benchGemm[float32](n, b) }
		if n >= 512 {
			bc.targets = []target{{0, speedVsTorch, 0.9}, {0, speedVsGonum, 10}}
		}
	} else {
		bc.dtype = "float64"
		bc.goRun = func(b time.Duration) (sample, sample) { return benchGemm[float64](n, b) }
		if n >= 512 {
			bc.targets = []target{{0, speedVsTorch, 0.8}}
		}
	}
	bc.label = fmt.Sprintf("%s n=%d", bc.dtype, n)
	bc.torchReq = map[string]any{"workload": "gemm", "dtype": bc.dtype, "n": n}
	return bc
}

func mlpCase(w string, dims []int, batch int, optName string, bound float64) *benchCase {
	return &benchCase{
		workload:    w,
		label:       fmt.Sprintf("%s step, batch %d, float32, %s", dimsLabel(dims), batch, optLabel(optName)),
		goRun:       func(b time.Duration) (sample, sample) { return benchStepMLP(dims, batch, optName, b), sample{} },
		torchReq:    map[string]any{"workload": "step_mlp", "dims": dims, "batch": batch, "optim": optName},
		tensorBytes: stepTensorBytes(dims, batch, 4, stateCopies(optName), false),
		targets:     []target{{2, timeVsTorch, bound}, {0, allocShare, 0.01}},
	}
}

func mnistCase(c *config) *benchCase {
	const batch, warmup = 64, 20
	label := "MNIST epoch, 784-256-128-10, batch 64, Adam"
	if c.mnistLimit > 0 {
		label += fmt.Sprintf(" (first %d images)", c.mnistLimit)
	}
	return &benchCase{
		workload: "mnist-epoch",
		label:    label,
		goRun: func(time.Duration) (sample, sample) {
			return benchMNISTEpoch(c.mnist, batch, c.mnistLimit, warmup), sample{}
		},
		torchReq: map[string]any{"workload": "mnist_epoch", "data": c.mnistDir, "batch": batch,
			"warmup": warmup, "limit": c.mnistLimit},
		tensorBytes: stepTensorBytes([]int{784, 256, 128, 10}, batch, 4, stateCopies("adam"), false),
		targets:     []target{{0, allocShare, 0.01}},
	}
}
