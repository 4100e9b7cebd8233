package nn

import "github.com/chainrule/chainrule/tensor"

// This file wraps package tensor's activation functions as modules without
// parameters, so that they can stand in a Sequential. Each is a value type
// whose zero value (or the stated field) is ready to use, and each Forward
// is the tensor op of the same name, with that op's gradient.

var (
	_ Module[float32] = Identity[float32]{}
	_ Module[float32] = ReLU[float32]{}
	_ Module[float32] = LeakyReLU[float32]{}
	_ Module[float32] = Sigmoid[float32]{}
	_ Module[float32] = Tanh[float32]{}
	_ Module[float32] = GELU[float32]{}
	_ Module[float32] = Softmax[float32]{}
	_ Module[float32] = LogSoftmax[float32]{}
)

// Identity returns its input unchanged, PyTorch's nn.Identity: a
// placeholder, for example to remove a layer from a Sequential.
type Identity[T tensor.Float] struct{}

// Forward returns x itself.
func (Identity[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] { return x }

// OwnParams returns nil.
func (Identity[T]) OwnParams() []Param[T] { return nil }

// Children returns nil.
func (Identity[T]) Children() []Child[T] { return nil }

// ReLU applies max(x, 0) elementwise, PyTorch's nn.ReLU.
type ReLU[T tensor.Float] struct{}

// Forward returns tensor.ReLU(x).
func (ReLU[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] { return tensor.ReLU(x) }

// OwnParams returns nil.
func (ReLU[T]) OwnParams() []Param[T] { return nil }

// Children returns nil.
func (ReLU[T]) Children() []Child[T] { return nil }

// LeakyReLU applies x for x > 0 and Slope*x otherwise, elementwise,
// PyTorch's nn.LeakyReLU(negative_slope=Slope). PyTorch's default slope is
// 0.01; the zero value's slope is 0, which is ReLU.
type LeakyReLU[T tensor.Float] struct {
	// Slope is the slope for negative inputs.
	Slope T
}

// Forward returns tensor.LeakyReLU(x, Slope).
func (l LeakyReLU[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] {
	return tensor.LeakyReLU(x, l.Slope)
}

// OwnParams returns nil.
func (LeakyReLU[T]) OwnParams() []Param[T] { return nil }

// Children returns nil.
func (LeakyReLU[T]) Children() []Child[T] { return nil }

// Sigmoid applies 1/(1+exp(-x)) elementwise, PyTorch's nn.Sigmoid.
type Sigmoid[T tensor.Float] struct{}

// Forward returns tensor.Sigmoid(x).
func (Sigmoid[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] { return tensor.Sigmoid(x) }

// OwnParams returns nil.
func (Sigmoid[T]) OwnParams() []Param[T] { return nil }

// Children returns nil.
func (Sigmoid[T]) Children() []Child[T] { return nil }

// Tanh applies the hyperbolic tangent elementwise, PyTorch's nn.Tanh.
type Tanh[T tensor.Float] struct{}

// Forward returns tensor.Tanh(x).
func (Tanh[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] { return tensor.Tanh(x) }

// OwnParams returns nil.
func (Tanh[T]) OwnParams() []Param[T] { return nil }

// Children returns nil.
func (Tanh[T]) Children() []Child[T] { return nil }

// GELU applies x*Φ(x) elementwise with the exact normal distribution
// function Φ, PyTorch's nn.GELU(approximate="none").
type GELU[T tensor.Float] struct{}

// Forward returns tensor.GELU(x).
func (GELU[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] { return tensor.GELU(x) }

// OwnParams returns nil.
func (GELU[T]) OwnParams() []Param[T] { return nil }

// Children returns nil.
func (GELU[T]) Children() []Child[T] { return nil }

// Softmax normalises exp(x) to sum to 1 along Axis, PyTorch's
// nn.Softmax(dim=Axis). Negative axes count from the end, so Axis -1 is the
// usual choice for (batch, classes) scores; the zero value normalises along
// axis 0. It panics with ErrAxis if Axis is out of range for x.
type Softmax[T tensor.Float] struct {
	// Axis is the dimension that sums to 1.
	Axis int
}

// Forward returns tensor.Softmax(x, Axis).
func (s Softmax[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] { return tensor.Softmax(x, s.Axis) }

// OwnParams returns nil.
func (Softmax[T]) OwnParams() []Param[T] { return nil }

// Children returns nil.
func (Softmax[T]) Children() []Child[T] { return nil }

// LogSoftmax returns the logarithm of Softmax along Axis, computed stably
// (x minus its log-sum-exp), PyTorch's nn.LogSoftmax(dim=Axis). It panics
// with ErrAxis if Axis is out of range for x.
type LogSoftmax[T tensor.Float] struct {
	// Axis is the dimension normalised over.
	Axis int
}

// Forward returns tensor.LogSoftmax(x, Axis).
func (s LogSoftmax[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] {
	return tensor.LogSoftmax(x, s.Axis)
}

// OwnParams returns nil.
func (LogSoftmax[T]) OwnParams() []Param[T] { return nil }

// Children returns nil.
func (LogSoftmax[T]) Children() []Child[T] { return nil }
