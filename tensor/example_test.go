package tensor_test

import (
	"fmt"
	"math"

	"github.com/chainrule/chainrule/tensor"
)

func ExampleNew() {
	t := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(t.Shape(), t.At(1, 2))
	fmt.Println(t.T().Shape(), t.T().IsContiguous())
	// Output:
	// [2 3] 6
	// [3 2] false
}

func ExampleTensor_Reshape() {
	t := tensor.Arange[float64](0, 6, 1)
	v := t.Reshape(2, 3) // a view: no copy
	v.Set(100, 0, 1)
	fmt.Println(t.ToSlice(), v.SharesStorage(t))
	// Output: [0 100 2 3 4 5] true
}

func ExampleBroadcastShapes() {
	s, err := tensor.BroadcastShapes([]int{5, 1, 4, 1}, []int{3, 1, 1})
	fmt.Println(s, err)
	_, err = tensor.BroadcastShapes([]int{2, 3}, []int{4})
	fmt.Println(err)
	// Output:
	// [5 3 4 1] <nil>
	// tensor: broadcast: the size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1 (shapes [2 3] and [4])
}

// Backward accumulates the gradient of a one-element result into every
// leaf that requires one.
func ExampleValue_Backward() {
	w := tensor.Param(tensor.New([]float64{1, 2, 3}))
	x := tensor.Const(tensor.New([]float64{4, 5, 6}))
	loss := tensor.Sum(tensor.Mul(w, x)) // w·x
	loss.Backward()
	fmt.Println(loss.Item(), w.Grad().Data().ToSlice(), x.Grad())
	// Output: 32 [4 5 6] <nil>
}

// Grad with CreateGraph returns gradients that can be differentiated
// again: here the first three derivatives of x³ at x = 2.
func ExampleGrad() {
	x := tensor.Param(tensor.Scalar(2.0))
	create := tensor.GradOptions{Options: tensor.BackwardOptions{CreateGraph: true}}
	d1 := tensor.Grad([]*tensor.Value[float64]{tensor.PowScalar(x, 3)}, []*tensor.Value[float64]{x}, nil, create)[0]
	d2 := tensor.Grad([]*tensor.Value[float64]{d1}, []*tensor.Value[float64]{x}, nil, create)[0]
	d3 := tensor.Grad([]*tensor.Value[float64]{d2}, []*tensor.Value[float64]{x}, nil, tensor.GradOptions{})[0]
	fmt.Println(d1.Item(), d2.Item(), d3.Item())
	// Output: 12 12 6
}

// Detach cuts the graph: the detached value shares storage but gradients
// do not flow through it.
func ExampleValue_Detach() {
	x := tensor.Param(tensor.New([]float64{3}))
	y := tensor.Mul(x, x)
	z := tensor.Mul(y.Detach(), x) // d z/d x treats y as a constant 9
	z.Backward()
	fmt.Println(x.Grad().Data().ToSlice())
	// Output: [9]
}

func ExampleGradCheck() {
	f := func(xs []*tensor.Value[float64]) *tensor.Value[float64] {
		return tensor.Sum(tensor.Mul(tensor.Tanh(xs[0]), xs[1]))
	}
	a := tensor.Param(tensor.New([]float64{0.1, -0.4, 0.7}))
	b := tensor.Param(tensor.New([]float64{1.5, 0.2, -1}))
	fmt.Println(tensor.GradCheck(f, []*tensor.Value[float64]{a, b}, tensor.GradCheckOptions{}))
	// Output: <nil>
}

// StraightThrough trains through a step function: rounding forward, the
// identity backward.
func ExampleStraightThrough() {
	x := tensor.Param(tensor.New([]float64{0.3, 1.6}))
	q := tensor.StraightThrough(x, func(t *tensor.Tensor[float64]) *tensor.Tensor[float64] { return t.Apply(math.Round) })
	tensor.Sum(tensor.MulScalar(q, 2)).Backward()
	fmt.Println(q.Data().ToSlice(), x.Grad().Data().ToSlice())
	// Output: [0 2] [2 2]
}
