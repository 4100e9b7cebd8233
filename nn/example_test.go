package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// A Linear layer computes x @ Wᵀ + b with its weight stored (out, in), as
// PyTorch's nn.Linear; its gradients land in Weight.Grad() and Bias.Grad().
func ExampleLinear() {
	l := nn.NewLinear[float64](rand.New(rand.NewPCG(1, 2)), 3, 2, true)
	// Overwrite the random initial values with known ones.
	l.Weight.Data().CopyFrom(tensor.New([]float64{1, 0, -1, 0.5, 0.5, 0.5}, 2, 3))
	l.Bias.Data().CopyFrom(tensor.New([]float64{0, 1}, 2))

	x := tensor.Const(tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	y := l.Forward(x)
	fmt.Println("y:", y.Shape(), y.Data().ToSlice())

	tensor.Sum(y).Backward()
	fmt.Println("dW:", l.Weight.Grad().Data().ToSlice())
	fmt.Println("db:", l.Bias.Grad().Data().ToSlice())
	// Output:
	// y: [2 2] [-2 4 -2 8.5]
	// dW: [5 7 9 5 7 9]
	// db: [2 2]
}

// A Sequential chains layers; here a small network learns XOR with plain
// gradient descent written out by hand.
func ExampleSequential() {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewSequential[float64](
		nn.NewLinear[float64](rng, 2, 8, true),
		nn.Tanh[float64]{},
		nn.NewLinear[float64](rng, 8, 1, true),
	)
	x := tensor.Const(tensor.New([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2))
	y := tensor.Const(tensor.New([]float64{0, 1, 1, 0}, 4, 1))

	var loss *tensor.Value[float64]
	for range 500 {
		nn.ZeroGrad[float64](model)
		loss = tensor.Mean(tensor.Square(tensor.Sub(model.Forward(x), y)))
		loss.Backward()
		for _, p := range nn.Params[float64](model) {
			p.Data().AddScaledInPlace(-0.2, p.Grad().Data())
		}
	}
	fmt.Println("loss below 0.01:", loss.Item() < 0.01)
	for i, v := range model.Forward(x).Data().ToSlice() {
		fmt.Printf("%v xor %v = %.0f\n", x.Data().At(i, 0), x.Data().At(i, 1), v)
	}
	// Output:
	// loss below 0.01: true
	// 0 xor 0 = 0
	// 0 xor 1 = 1
	// 1 xor 0 = 1
	// 1 xor 1 = 0
}

// NamedParams lists parameters with PyTorch's dotted names, in PyTorch's
// order, skipping layers without parameters: the keys of a state dict.
func ExampleNamedParams() {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewSequential[float32](
		nn.NewLinear[float32](rng, 4, 8, true),
		nn.ReLU[float32]{},
		nn.NewDropout[float32](rng, 0.1),
		nn.NewLinear[float32](rng, 8, 2, false),
	)
	for _, p := range nn.NamedParams[float32](model) {
		fmt.Println(p.Name, p.Value.Shape())
	}
	// Output:
	// 0.weight [8 4]
	// 0.bias [8]
	// 3.weight [2 8]
}
