package tensor

import "slices"

// SumTo returns t summed down to shape, the inverse of broadcasting shape
// to t's shape and what the gradient of a broadcast operand goes through
// (torch's sum_to_size): it sums over t's leading axes that shape lacks, and
// keeps with size 1 each axis where shape has 1 and t has not. If t already
// has that shape it returns t itself, not a copy. It panics with ErrShape if
// t's shape is not a broadcast of shape.
func (t *Tensor[T]) SumTo(shape ...int) *Tensor[T] {
	shape = nonNil(shape)
	if slices.Equal(t.shape, shape) {
		return t
	}
	lead := len(t.shape) - len(shape)
	ok := lead >= 0
	var axes []int
	for d := 0; ok && d < len(t.shape); d++ {
		switch {
		case d < lead:
			axes = append(axes, d)
		case shape[d-lead] == t.shape[d]:
		case shape[d-lead] == 1:
			axes = append(axes, d)
		default:
			ok = false
		}
	}
	if !ok {
		fail(ErrShape, "SumTo", "shape %v cannot be summed to shape %v, which does not broadcast to it", t.shape, shape)
	}
	r := newReduction("SumTo", t, axes)
	out := r.result(r.fold(redSum), true)
	// The keepdim result has shape's elements in shape's order; only the
	// leading size-1 axes differ.
	out.shape = slices.Clone(shape)
	out.stride = contiguousStrides(out.shape)
	return out
}
