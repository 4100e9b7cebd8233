package tensor

import "slices"

// This file holds the pair of primitives that broadcasting rests on, and
// unbroadcast, the one helper through which every op sends a gradient back
// to an operand that was broadcast (DESIGN.md point 5).

// unbroadcast returns g summed down to x's shape: the gradient of an
// operand that was broadcast to g's shape. It returns g itself when the
// shapes already agree.
func unbroadcast[T Float](g, x *Value[T], create bool) *Value[T] {
	if slices.Equal(g.data.shape, x.data.shape) {
		return g
	}
	return sumTo(g, x.data.shape, create)
}

// SumTo returns x summed down to shape, the inverse of broadcasting
// (PyTorch's sum_to_size): leading dimensions that shape lacks are summed
// away and dimensions where shape has size 1 are summed with keepdim. It
// panics with ErrShape if x's shape is not a broadcast of shape.
//
// Gradient: dx = BroadcastTo(g, x's shape).
func SumTo[T Float](x *Value[T], shape ...int) *Value[T] { return sumTo(x, shape, true) }

func sumTo[T Float](x *Value[T], shape []int, rec bool) *Value[T] {
	shape = slices.Clone(shape)
	xs := x.data.shape
	return record("SumTo", x.data.SumTo(shape...), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{broadcastTo(g, xs, create)}
	})
}

// BroadcastTo returns x broadcast to shape as a view (stride 0 in the
// expanded dimensions), PyTorch's expand without -1. It panics with
// ErrShape if x does not broadcast to shape.
//
// Gradient: dx = SumTo(g, x's shape).
func BroadcastTo[T Float](x *Value[T], shape ...int) *Value[T] {
	return broadcastTo(x, shape, true)
}

func broadcastTo[T Float](x *Value[T], shape []int, rec bool) *Value[T] {
	shape = slices.Clone(shape)
	xs := x.data.shape
	return record("BroadcastTo", x.data.BroadcastTo(shape...), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{sumTo(g, xs, create)}
	})
}

// Expand is BroadcastTo where -1 keeps a dimension's size, as PyTorch's
// expand. It is a composite of BroadcastTo.
func Expand[T Float](x *Value[T], shape ...int) *Value[T] {
	target := slices.Clone(shape)
	lead := len(target) - len(x.data.shape)
	for i, s := range target {
		if s == -1 && i >= lead {
			target[i] = x.data.shape[i-lead]
		}
	}
	return broadcastTo(x, target, true)
}
