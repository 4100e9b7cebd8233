package tensor

import "slices"

// numel returns the number of elements of a tensor of the given shape
// (1 for the 0-d shape).
func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// contiguousStrides returns the row-major strides of shape.
func contiguousStrides(shape []int) []int {
	strides := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		strides[i] = s
		s *= shape[i]
	}
	return strides
}

// checkShape panics unless every size in shape is non-negative.
func checkShape(op string, shape []int) {
	for _, s := range shape {
		if s < 0 {
			fail(ErrArgument, op, "negative size in shape %v", shape)
		}
	}
}

// normAxis maps a possibly negative axis into [0, dims) or panics with
// ErrAxis naming op. A 0-d tensor accepts axes -1 and 0, as PyTorch does.
func normAxis(op string, axis, dims int) int {
	d := max(dims, 1)
	if axis < -d || axis >= d {
		fail(ErrAxis, op, "axis %d out of range for a tensor of %d dims (expected in [%d, %d])", axis, dims, -d, d-1)
	}
	if axis < 0 {
		axis += d
	}
	return axis
}

// BroadcastShapes returns the shape that the given shapes broadcast to under
// NumPy's rule: align from the right, pad the shorter shapes with leading 1s,
// and in each dimension the sizes must be equal or one of them 1. It returns
// an error wrapping ErrShape if they do not broadcast. This is the single
// statement of the rule; every binary op uses it.
func BroadcastShapes(shapes ...[]int) ([]int, error) {
	n := 0
	for _, s := range shapes {
		n = max(n, len(s))
	}
	out := make([]int, n)
	for i := range out {
		out[i] = 1
	}
	for si, s := range shapes {
		lead := n - len(s)
		for d, size := range s {
			o := out[lead+d]
			switch {
			case o == size || size == 1:
			case o == 1:
				out[lead+d] = size
			default:
				// Find which earlier shape fixed o, to name both in the message.
				return nil, &OpError{Op: "broadcast", Err: ErrShape,
					Msg: broadcastMsg(shapes[:si], s, lead+d, n)}
			}
		}
	}
	return out, nil
}

func broadcastMsg(prev [][]int, b []int, dim, n int) string {
	bs := b[dim-(n-len(b))]
	var as int
	var a []int
	for _, p := range prev {
		pd := dim - (n - len(p))
		if pd >= 0 && p[pd] != 1 {
			a, as = p, p[pd]
		}
	}
	return sprintf("the size of tensor a (%d) must match the size of tensor b (%d) at non-singleton dimension %d (shapes %v and %v)",
		as, bs, dim, a, b)
}

// broadcastShape is BroadcastShapes for two operands that panics, naming op.
func broadcastShape(op string, a, b []int) []int {
	if slices.Equal(a, b) {
		return slices.Clone(a)
	}
	out, err := BroadcastShapes(a, b)
	if err != nil {
		e := err.(*OpError)
		e.Op = op
		panic(e.withSite())
	}
	return out
}

// broadcastStrides returns the strides with which a tensor of shape and
// strides is read when broadcast to target: stride 0 in every dimension that
// is added in front or expanded from size 1.
func broadcastStrides(shape, strides, target []int) []int {
	out := make([]int, len(target))
	lead := len(target) - len(shape)
	for d := range shape {
		if shape[d] != 1 || target[lead+d] == 1 {
			out[lead+d] = strides[d]
		}
	}
	return out
}
