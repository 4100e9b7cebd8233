package nn

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/chainrule/chainrule/tensor"
)

// Linear is a fully connected layer, PyTorch's nn.Linear: y = x @ Wᵀ + b
// for x of shape (..., in), giving y of shape (..., out). Its parameters are
// named as PyTorch names them, "weight" of shape (out, in) and "bias" of
// shape (out), so a state dict moves between the two unchanged.
type Linear[T tensor.Float] struct {
	// Weight has shape (out, in).
	Weight *tensor.Value[T]
	// Bias has shape (out); it is nil in a layer made without bias.
	Bias *tensor.Value[T]
}

var _ Module[float32] = (*Linear[float32])(nil)

// NewLinear returns a Linear layer from in to out features, with a bias if
// bias is set, initialised as PyTorch initialises one: weight and bias
// drawn from U(-1/√in, 1/√in) using rng, weight first (the bound is 0 when
// in is 0). It panics with ErrArgument if in or out is negative.
func NewLinear[T tensor.Float](rng *rand.Rand, in, out int, bias bool) *Linear[T] {
	if in < 0 || out < 0 {
		panic(nnError(tensor.ErrArgument, "NewLinear", "in and out features must be non-negative, got in=%d, out=%d", in, out))
	}
	// PyTorch's reset_parameters: kaiming_uniform_ with a = √5, whose
	// bound √3·√(2/(1+5))/√in simplifies to 1/√in, and the same bound
	// for the bias.
	bound := 0.0
	if in > 0 {
		bound = 1 / math.Sqrt(float64(in))
	}
	l := &Linear[T]{Weight: tensor.Param(Uniform(rng, tensor.Zeros[T](out, in), T(-bound), T(bound)))}
	if bias {
		l.Bias = tensor.Param(Uniform(rng, tensor.Zeros[T](out), T(-bound), T(bound)))
	}
	return l
}

// In returns the number of input features, the weight's second dimension.
func (l *Linear[T]) In() int { return l.Weight.Data().Dim(1) }

// Out returns the number of output features, the weight's first dimension.
func (l *Linear[T]) Out() int { return l.Weight.Data().Dim(0) }

// Forward returns x @ Wᵀ + b for x of shape (..., in), of shape (..., out);
// a 1-D x of shape (in) gives a result of shape (out). It panics with
// ErrShape if x is 0-d or its last dimension is not in, or if Weight is not
// a matrix or Bias not of shape (out).
//
// Gradients: dx = g @ W, dW = gᵀ @ x and db = g summed over all leading
// dimensions, with x and g flattened to (rows, in) and (rows, out). Saves
// its operands and its result, as every tensor.Function does; the backward
// reads x and W.
//
// It is one primitive, "Linear", rather than the composite
// Add(MatMul(x, T(W)), b), for speed (DESIGN.md, rule 5): the bias is added
// into the product in place instead of into a second result, dW comes out
// in W's (out, in) layout instead of as a transposed copy, and gradients are
// computed only for the operands that require them. BenchmarkLinear
// measures both forms side by side. The backward is written with
// differentiable ops, so CreateGraph works through it.
func (l *Linear[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] {
	if l.Weight.Data().Dims() != 2 {
		panic(nnError(tensor.ErrShape, "Linear", "weight of shape %v is not a matrix (out, in)", l.Weight.Shape()))
	}
	shape := x.Shape()
	if len(shape) == 0 || shape[len(shape)-1] != l.In() {
		panic(nnError(tensor.ErrShape, "Linear", "input of shape %v does not end in the layer's %d input features (weight shape %v)", shape, l.In(), l.Weight.Shape()))
	}
	if l.Bias != nil && !slices.Equal(l.Bias.Shape(), []int{l.Out()}) {
		panic(nnError(tensor.ErrShape, "Linear", "bias of shape %v does not fit weight of shape %v", l.Bias.Shape(), l.Weight.Shape()))
	}
	// Whether each operand needs a gradient is fixed when the op is
	// recorded, as PyTorch's ctx.needs_input_grad is; a plain backward
	// hands Backward detached operands that cannot tell.
	needX, needW := x.RequiresGrad(), l.Weight.RequiresGrad()
	needB := l.Bias != nil && l.Bias.RequiresGrad()
	f := &tensor.Function[T]{
		Name: "Linear",
		Forward: func(xs []*tensor.Tensor[T]) *tensor.Tensor[T] {
			y := xs[0].MatMul(xs[1].T()) // reads W transposed in place
			if len(xs) == 3 {
				y.AddInPlace(xs[2])
			}
			return y
		},
		Backward: func(g *tensor.Value[T], xs []*tensor.Value[T], _ *tensor.Value[T]) []*tensor.Value[T] {
			x, w := xs[0], xs[1]
			grads := make([]*tensor.Value[T], len(xs))
			if needX {
				grads[0] = tensor.MatMul(g, w)
			}
			if needW || needB {
				in, out := w.Data().Dim(1), w.Data().Dim(0)
				rows := 1
				for _, d := range shape[:len(shape)-1] {
					rows *= d
				}
				g2 := tensor.Reshape(g, rows, out)
				if needW {
					grads[1] = tensor.MatMul(tensor.T(g2), tensor.Reshape(x, rows, in))
				}
				if needB {
					grads[2] = tensor.Sum(g2, 0)
				}
			}
			return grads
		},
	}
	if l.Bias == nil {
		return f.Apply(x, l.Weight)
	}
	return f.Apply(x, l.Weight, l.Bias)
}

// OwnParams returns "weight" and, if the layer has one, "bias".
func (l *Linear[T]) OwnParams() []Param[T] {
	ps := []Param[T]{{Name: "weight", Value: l.Weight}}
	if l.Bias != nil {
		ps = append(ps, Param[T]{Name: "bias", Value: l.Bias})
	}
	return ps
}

// Children returns nil: a Linear layer has no submodules.
func (l *Linear[T]) Children() []Child[T] { return nil }
