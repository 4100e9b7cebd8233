package nn

import (
	"strconv"

	"github.com/chainrule/chainrule/tensor"
)

// Sequential chains modules: its Forward feeds x through each layer in
// order, PyTorch's nn.Sequential. Its children are named by position, "0",
// "1", ..., so NewSequential(linear, tanh, linear) has the parameters
// "0.weight", "0.bias", "2.weight", "2.bias", as in PyTorch.
type Sequential[T tensor.Float] struct {
	// Layers are the modules in the order Forward applies them. Changing
	// the slice renames the children by their new positions.
	Layers []Module[T]
}

var _ Module[float32] = (*Sequential[float32])(nil)

// NewSequential returns a Sequential of mods, in order. It panics with
// ErrArgument if a module is nil.
func NewSequential[T tensor.Float](mods ...Module[T]) *Sequential[T] {
	for i, m := range mods {
		if m == nil {
			panic(nnError(tensor.ErrArgument, "NewSequential", "module %d is nil", i))
		}
	}
	return &Sequential[T]{Layers: append([]Module[T](nil), mods...)}
}

// Forward applies the layers to x in order and returns the last result; an
// empty Sequential returns x.
func (s *Sequential[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] {
	for _, m := range s.Layers {
		x = m.Forward(x)
	}
	return x
}

// OwnParams returns nil: a Sequential's parameters belong to its layers.
func (s *Sequential[T]) OwnParams() []Param[T] { return nil }

// Children returns the layers named "0", "1", ... by position.
func (s *Sequential[T]) Children() []Child[T] {
	cs := make([]Child[T], len(s.Layers))
	for i, m := range s.Layers {
		cs[i] = Child[T]{Name: strconv.Itoa(i), Module: m}
	}
	return cs
}
