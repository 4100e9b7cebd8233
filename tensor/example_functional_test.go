package tensor_test

import (
	"fmt"
	"math"

	"github.com/chainrule/chainrule/tensor"
)

// value abbreviates the Value type in these examples.
type value = tensor.Value[float64]

// constant returns a 1-D constant Value.
func constant(xs ...float64) *value { return tensor.Const(tensor.New(xs)) }

// rounded prints a tensor's elements to four decimals.
func rounded(v *value) string {
	s := "["
	for i, x := range v.Data().ToSlice() {
		if i > 0 {
			s += " "
		}
		if math.Abs(x) < 5e-5 {
			x = 0 // no "-0.0000"
		}
		s += fmt.Sprintf("%.4f", x)
	}
	return s + "]"
}

// The gradient of sum(x³) is 3x².
func ExampleGradOf() {
	f := func(xs ...*value) *value { return tensor.Sum(tensor.PowScalar(xs[0], 3)) }
	grads := tensor.GradOf(f)(constant(1, 2))
	fmt.Println(grads[0].Data())
	// Output:
	// tensor([3, 12], shape=[2], float64)
}

// With argnums, only some arguments are differentiated; here the second
// of f(w, x) = sum(w·x²), whose gradient is 2w·x.
func ExampleValueAndGradOf() {
	f := func(xs ...*value) *value { return tensor.Sum(tensor.Mul(xs[0], tensor.Square(xs[1]))) }
	val, grads := tensor.ValueAndGradOf(f, 1)(constant(1, -1), constant(2, 3))
	fmt.Println(val.Item(), grads[0].Data())
	// Output:
	// -5 tensor([4, -6], shape=[2], float64)
}

// VJP returns the value and a function of cotangents: for x², ct·2x.
func ExampleVJP() {
	out, vjp := tensor.VJP(func(xs ...*value) *value { return tensor.Square(xs[0]) }, constant(1, 2))
	fmt.Println(out.Data())
	fmt.Println(vjp(constant(1, 1))[0].Data())
	fmt.Println(vjp(constant(0, 10))[0].Data())
	// Output:
	// tensor([1, 4], shape=[2], float64)
	// tensor([2, 4], shape=[2], float64)
	// tensor([0, 40], shape=[2], float64)
}

// JVP pushes a tangent forward: for f(a, b) = a·b, J·(ta, tb) = ta·b + a·tb.
func ExampleJVP() {
	f := func(xs ...*value) *value { return tensor.Mul(xs[0], xs[1]) }
	out, tangent := tensor.JVP(f, []*value{constant(1, 2), constant(3, 4)}, []*value{constant(1, 0), constant(0, 1)})
	fmt.Println(out.Data())
	fmt.Println(tangent.Data())
	// Output:
	// tensor([3, 8], shape=[2], float64)
	// tensor([3, 2], shape=[2], float64)
}

// Linearize pays for the double-VJP construction once and then pushes any
// number of tangents through: for f(x) = x³, J·t = 3x²·t.
func ExampleLinearize() {
	out, jvp := tensor.Linearize(func(xs ...*value) *value { return tensor.PowScalar(xs[0], 3) }, constant(1, 2))
	fmt.Println(out.Data())
	fmt.Println(jvp(constant(1, 0)).Data())
	fmt.Println(jvp(constant(1, 1)).Data())
	// Output:
	// tensor([1, 8], shape=[2], float64)
	// tensor([3, 0], shape=[2], float64)
	// tensor([3, 12], shape=[2], float64)
}

// The Jacobian of x -> A·x is A, whichever way it is built.
func ExampleJacobian() {
	a := tensor.Const(tensor.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2))
	f := func(x *value) *value { return tensor.MatMul(a, x) }
	fmt.Println(tensor.Jacobian(f, constant(7, 8)).Data())
	fmt.Println(tensor.JacobianFwd(f, constant(7, 8)).Data())
	// Output:
	// tensor([[1, 2],
	//         [3, 4],
	//         [5, 6]], shape=[3 2], float64)
	// tensor([[1, 2],
	//         [3, 4],
	//         [5, 6]], shape=[3 2], float64)
}

// The Hessian of sum(x³) is diag(6x); a Hessian-vector product needs no
// Hessian.
func ExampleHessian() {
	f := func(x *value) *value { return tensor.Sum(tensor.PowScalar(x, 3)) }
	fmt.Println(tensor.Hessian(f, constant(1, 2)).Data())
	val, hv := tensor.HVP(f, constant(1, 2), constant(1, 0))
	fmt.Println(val.Item(), hv.Data())
	// Output:
	// tensor([[6, 0],
	//         [0, 12]], shape=[2 2], float64)
	// 9 tensor([6, 0], shape=[2], float64)
}

// A Hessian-vector product of an MLP loss: a 2-3-1 tanh network with a
// mean-squared error over four samples, as a function of its 13 parameters
// (W1, b1, W2, b2, flattened). HVP costs two backward passes whatever the
// number of parameters; the full Hessian costs one per parameter. The
// printed numbers agree with torch.autograd.functional.hvp to all digits
// shown.
func ExampleHVP() {
	data := tensor.Const(tensor.New([]float64{0.5, -1, 1, 0.25, -0.5, 0.75, 0, 1}, 4, 2))
	target := tensor.Const(tensor.New([]float64{1, -1, 0.5, 0}, 4, 1))
	loss := func(theta *value) *value {
		w1 := tensor.Reshape(tensor.Slice(theta, 0, 0, 6, 1), 3, 2)
		b1 := tensor.Slice(theta, 0, 6, 9, 1)
		w2 := tensor.Reshape(tensor.Slice(theta, 0, 9, 12, 1), 1, 3)
		b2 := tensor.Slice(theta, 0, 12, 13, 1)
		h := tensor.Tanh(tensor.Add(tensor.MatMul(data, tensor.T(w1)), b1))
		pred := tensor.Add(tensor.MatMul(h, tensor.T(w2)), b2)
		return tensor.Mean(tensor.Square(tensor.Sub(pred, target)))
	}
	theta := constant(0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0, 0.1, -0.1, 0.7, -0.8, 0.9, 0.05)
	v := constant(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1) // W1[0][0] and b2

	val, hv := tensor.HVP(loss, theta, v)
	fmt.Printf("loss %.4f\n", val.Item())
	fmt.Println("Hv", rounded(hv))

	// The same product from the full Hessian: column 0 plus column 12.
	h := tensor.Hessian(loss, theta).Data()
	fmt.Printf("H[0][0]+H[0][12] = %.4f, H[12][0]+H[12][12] = %.4f\n", h.At(0, 0)+h.At(0, 12), h.At(12, 0)+h.At(12, 12))
	// Output:
	// loss 0.4903
	// Hv [0.7316 0.1200 -0.6694 -0.1155 0.6573 0.3996 1.7048 -1.6182 1.4653 -0.0308 0.6058 -0.4406 2.3454]
	// H[0][0]+H[0][12] = 0.7316, H[12][0]+H[12][12] = 2.3454
}

// GradGradCheck compares second derivatives with finite differences of
// first ones; nil means they agree.
func ExampleGradGradCheck() {
	x := tensor.Param(tensor.New([]float64{-0.5, 0.25, 1.5}))
	f := func(xs []*value) *value { return tensor.Mul(tensor.Tanh(xs[0]), tensor.Exp(xs[0])) }
	fmt.Println(tensor.GradGradCheck(f, []*value{x}, nil, tensor.GradCheckOptions{}))
	// Output:
	// <nil>
}

// A WGAN-GP gradient penalty, trained through: the penalty is a function
// of the critic's input gradient, so its gradient with respect to the
// critic's parameters is a second derivative. GradOf records that input
// gradient because the critic closes over Params. The printed penalties
// agree with the same 100 steps run in PyTorch (0.374 and 0.0116).
func Example_gradientPenalty() {
	// Critic D(x) = tanh(x W1ᵀ + b1)·w2 on 2-D points, one score per row.
	w1 := tensor.Param(tensor.New([]float64{1.5, -0.5, 0.3, 2, -1.2, 0.8, 0.4, 0.9}, 4, 2))
	b1 := tensor.Param(tensor.New([]float64{0.1, -0.2, 0.3, 0}))
	w2 := tensor.Param(tensor.New([]float64{1, -1.5, 0.8, 1.2}))
	critic := func(x *value) *value {
		return tensor.MatMul(tensor.Tanh(tensor.Add(tensor.MatMul(x, tensor.T(w1)), b1)), w2)
	}
	real := tensor.Const(tensor.New([]float64{1, 1, 0.8, 1.2, 1.1, 0.9}, 3, 2))
	fake := tensor.Const(tensor.New([]float64{-1, 0, -0.8, 0.3, -1.2, -0.1}, 3, 2))
	eps := tensor.Const(tensor.New([]float64{0.3, 0.5, 0.9}, 3, 1))
	xhat := tensor.Add(tensor.Mul(eps, real), tensor.Mul(tensor.AddScalar(tensor.Neg(eps), 1), fake))

	// mean over rows of (‖∇x̂ D(x̂)‖ - 1)²; the gradient of sum(D) holds
	// each row's own gradient, since rows do not interact.
	penalty := func() *value {
		g := tensor.GradOf(func(xs ...*value) *value { return tensor.Sum(critic(xs[0])) })(xhat)[0]
		norm := tensor.Sqrt(tensor.Sum(tensor.Square(g), 1))
		return tensor.Mean(tensor.Square(tensor.AddScalar(norm, -1)))
	}
	params := []*value{w1, b1, w2}
	fmt.Printf("penalty before: %.3f\n", penalty().Item())
	for range 100 {
		// The critic's loss: Wasserstein estimate plus 10 times the penalty.
		loss := tensor.Add(tensor.Sub(tensor.Mean(critic(fake)), tensor.Mean(critic(real))), tensor.MulScalar(penalty(), 10))
		for _, p := range params {
			p.ZeroGrad()
		}
		loss.Backward()
		for _, p := range params {
			p.Data().AddScaledInPlace(-0.01, p.Grad().Data())
		}
	}
	fmt.Printf("penalty after 100 steps: %.3f\n", penalty().Item())
	// Output:
	// penalty before: 0.374
	// penalty after 100 steps: 0.012
}
