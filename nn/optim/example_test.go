package optim_test

import (
	"fmt"
	"math"

	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// Plain gradient descent on (w-3)²: with lr 0.25 each step halves the
// distance to the minimum.
func ExampleSGD() {
	w := tensor.Param(tensor.New([]float64{1}, 1))
	opt, err := optim.NewSGD([]*tensor.Value[float64]{w}, optim.SGDOptions{LR: 0.25})
	if err != nil {
		panic(err)
	}
	for range 4 {
		opt.ZeroGrad()
		loss := tensor.Sum(tensor.Square(tensor.AddScalar(w, -3)))
		loss.Backward()
		opt.Step()
		fmt.Println(w.Data().Item())
	}
	// Output:
	// 2
	// 2.5
	// 2.75
	// 2.875
}

// Adam's first step moves every element by about lr in the direction
// against its gradient, whatever the gradient's scale.
func ExampleAdam() {
	w := tensor.Param(tensor.New([]float64{1, -2, 1000}, 3))
	opts := optim.AdamDefaults()
	opts.LR = 0.1
	opt, err := optim.NewAdam([]*tensor.Value[float64]{w}, opts)
	if err != nil {
		panic(err)
	}
	tensor.Sum(tensor.Square(w)).Backward() // gradient 2w
	opt.Step()
	fmt.Printf("%.4f\n", w.Data().ToSlice())
	for _, st := range opt.State() {
		fmt.Println(st.Name, st.Tensor.Shape())
	}
	// Output:
	// [0.9000 -1.9000 999.9000]
	// state.0.step []
	// state.0.exp_avg [3]
	// state.0.exp_avg_sq [3]
}

// Parameter groups give parts of a model their own options; LR and SetLR
// read and change a group's learning rate.
func ExampleSGD_AddParamGroup() {
	trunk := tensor.Param(tensor.Ones[float64](2))
	head := tensor.Param(tensor.Ones[float64](2))
	opt, err := optim.NewSGD([]*tensor.Value[float64]{head}, optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	if err != nil {
		panic(err)
	}
	if err := opt.AddParamGroup([]*tensor.Value[float64]{trunk}, optim.SGDOptions{LR: 0.001}); err != nil {
		panic(err)
	}
	fmt.Println(opt.NumGroups(), opt.LR(0), opt.LR(1))

	_, err = optim.NewSGD([]*tensor.Value[float64]{head}, optim.SGDOptions{LR: -0.1})
	fmt.Println(err)
	// Output:
	// 2 0.1 0.001
	// optim: invalid learning rate: -0.1
}

// Clipping the joint norm of all gradients (SEMANTICS.md 5.5's example):
// the norm of [3 4] and [0 0 12] together is 13.
func ExampleClipGradNorm() {
	a := tensor.Param(tensor.Zeros[float64](2))
	b := tensor.Param(tensor.Zeros[float64](3))
	a.SetGrad(tensor.Const(tensor.New([]float64{3, 4}, 2)))
	b.SetGrad(tensor.Const(tensor.New([]float64{0, 0, 12}, 3)))
	total, err := optim.ClipGradNorm([]*tensor.Value[float64]{a, b}, 1, 2, false)
	if err != nil {
		panic(err)
	}
	fmt.Println(total)
	fmt.Printf("%.4f %.4f\n", a.Grad().Data().ToSlice(), b.Grad().Data().ToSlice())

	// The infinity norm is the largest absolute element.
	a.SetGrad(tensor.Const(tensor.New([]float64{3, -4}, 2)))
	total, _ = optim.ClipGradNorm([]*tensor.Value[float64]{a}, 1, math.Inf(1), false)
	fmt.Printf("%v %.4f\n", total, a.Grad().Data().ToSlice())
	// Output:
	// 13
	// [0.2308 0.3077] [0.0000 0.0000 0.9231]
	// 4 [0.7500 -1.0000]
}

// GradNorms shows which parameters' gradients vanish or explode.
func ExampleGradNorms() {
	w1 := tensor.Param(tensor.New([]float64{1, 2}, 2))
	w2 := tensor.Param(tensor.New([]float64{3}, 1))
	unused := tensor.Param(tensor.Zeros[float64](4))
	tensor.Sum(tensor.Mul(tensor.Sum(w1), tensor.Sum(w2))).Backward()
	fmt.Println(optim.GradNorms([]*tensor.Value[float64]{w1, w2, unused}))
	// Output:
	// [4.242640687119285 3 0]
}

// A cosine schedule over 4 epochs, stepped after each optimiser step.
func ExampleNewCosineAnnealingLR() {
	w := tensor.Param(tensor.Zeros[float64](1))
	opt, _ := optim.NewSGD([]*tensor.Value[float64]{w}, optim.SGDOptions{LR: 0.1})
	sched, err := optim.NewCosineAnnealingLR(opt, 4, 0)
	if err != nil {
		panic(err)
	}
	for epoch := range 5 {
		fmt.Printf("epoch %d: lr %.4f\n", epoch, opt.LR(0))
		opt.Step() // a training epoch
		sched.Step()
	}
	// Output:
	// epoch 0: lr 0.1000
	// epoch 1: lr 0.0854
	// epoch 2: lr 0.0500
	// epoch 3: lr 0.0146
	// epoch 4: lr 0.0000
}

// A linear warm-up from a quarter of the learning rate over 4 epochs; the
// constructor already sets the first epoch's rate.
func ExampleNewLinearWarmup() {
	w := tensor.Param(tensor.Zeros[float64](1))
	opt, _ := optim.NewSGD([]*tensor.Value[float64]{w}, optim.SGDOptions{LR: 0.1})
	sched, err := optim.NewLinearWarmup(opt, 0.25, 1, 4)
	if err != nil {
		panic(err)
	}
	for range 6 {
		fmt.Printf("%.5f ", opt.LR(0))
		opt.Step()
		sched.Step()
	}
	fmt.Println()
	// Output:
	// 0.02500 0.04375 0.06250 0.08125 0.10000 0.10000
}

// StepLR divides the learning rate by 10 every 2 epochs.
func ExampleNewStepLR() {
	w := tensor.Param(tensor.Zeros[float64](1))
	opt, _ := optim.NewSGD([]*tensor.Value[float64]{w}, optim.SGDOptions{LR: 1})
	sched, err := optim.NewStepLR(opt, 2, 0.1)
	if err != nil {
		panic(err)
	}
	for range 6 {
		opt.Step()
		sched.Step()
	}
	fmt.Println(sched.LastEpoch(), sched.LastLR())
	// Output:
	// 6 [0.0010000000000000002]
}
