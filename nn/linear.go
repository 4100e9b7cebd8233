package nn

import (
	"math"
	"math/rand/v2"

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
// It is the primitive tensor.Linear, whose doc comment gives its gradients
// and why it is not composed of MatMul and Add; BenchmarkLinear measures
// the two side by side. The checks are repeated here so that a misfit
// input is reported in the layer's terms.
func (l *Linear[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] {
	w := l.Weight.Data()
	if w.Dims() != 2 {
		panic(nnError(tensor.ErrShape, "Linear", "weight of shape %v is not a matrix (out, in)", l.Weight.Shape()))
	}
	if d := x.Dims(); d == 0 || x.Dim(d-1) != w.Dim(1) {
		panic(nnError(tensor.ErrShape, "Linear", "input of shape %v does not end in the layer's %d input features (weight shape %v)", x.Shape(), l.In(), l.Weight.Shape()))
	}
	if b := l.Bias; b != nil && (b.Dims() != 1 || b.Dim(0) != w.Dim(0)) {
		panic(nnError(tensor.ErrShape, "Linear", "bias of shape %v does not fit weight of shape %v", l.Bias.Shape(), l.Weight.Shape()))
	}
	return tensor.Linear(x, l.Weight, l.Bias)
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
