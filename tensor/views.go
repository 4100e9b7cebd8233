package tensor

import "slices"

// This file holds the shape ops that return views: tensors that share the
// receiver's storage (and so its version counter) with a new offset, shape
// and strides, copying no elements. Reshape is here too because it is a
// view whenever the strides allow one. The ops that copy are in concat.go.

// alias returns a view of t's storage with the given layout. A view with no
// elements keeps t's offset: the requested one may point past the end of the
// storage (a slice that starts at the end), and contiguous kernels slice the
// storage from the offset even when they read nothing.
func (t *Tensor[T]) alias(off int, shape, stride []int) *Tensor[T] {
	if numel(shape) == 0 {
		off = t.off
	}
	return t.view(off, shape, stride)
}

// Reshape returns a tensor with t's elements in row-major order and the
// given shape, in which one size may be -1 to be inferred from the others.
// The result is a view of t when t's strides allow one (every run of
// dimensions that is merged or split must be contiguous within itself, as
// in PyTorch's computeStride) and a contiguous copy otherwise; use View to
// insist on a view. It panics with ErrShape if the shape holds a different
// number of elements, and with ErrArgument if it has more than one -1 or a
// size below -1.
func (t *Tensor[T]) Reshape(shape ...int) *Tensor[T] {
	shape = inferShape("Reshape", shape, t.Size())
	if stride, ok := viewStrides(t.shape, t.stride, shape); ok {
		return t.alias(t.off, shape, stride)
	}
	return wrap(t.ToSlice(), shape)
}

// View returns a view of t with the given shape, in which one size may be -1
// to be inferred from the others. It panics with ErrShape if the shape holds
// a different number of elements or if t's strides allow no view of that
// shape (call Reshape, which copies then), and with ErrArgument if the shape
// has more than one -1 or a size below -1.
func (t *Tensor[T]) View(shape ...int) *Tensor[T] {
	shape = inferShape("View", shape, t.Size())
	stride, ok := viewStrides(t.shape, t.stride, shape)
	if !ok {
		fail(ErrShape, "View", "view size %v is not compatible with input tensor's size %v and stride %v "+
			"(at least one dimension spans across two contiguous subspaces); use Reshape instead", shape, t.shape, t.stride)
	}
	return t.alias(t.off, shape, stride)
}

// Flatten returns t reshaped to one dimension (a 0-d tensor becomes shape
// [1]): a view when t's strides allow one, a copy otherwise.
func (t *Tensor[T]) Flatten() *Tensor[T] { return t.Reshape(-1) }

// inferShape returns a copy of shape with its -1 (if any) replaced by the
// size that makes it hold n elements. It panics naming op, as described
// for Reshape.
func inferShape(op string, shape []int, n int) []int {
	out := slices.Clone(nonNil(shape))
	infer := -1
	known := 1
	for i, s := range out {
		switch {
		case s == -1 && infer >= 0:
			fail(ErrArgument, op, "only one dimension can be inferred (shape %v)", shape)
		case s == -1:
			infer = i
		case s < 0:
			fail(ErrArgument, op, "invalid shape dimension %d (shape %v)", s, shape)
		default:
			known *= s
		}
	}
	if infer >= 0 {
		if known == 0 {
			// Any size would do, so PyTorch refuses to guess.
			fail(ErrShape, op, "cannot reshape tensor of %d elements into shape %v because the unspecified dimension size -1 can be any value and is ambiguous", n, shape)
		}
		out[infer] = n / known
	}
	if numel(out) != n {
		fail(ErrShape, op, "shape %v is invalid for input of size %d", shape, n)
	}
	return out
}

// viewStrides returns the strides with which a tensor of the given shape and
// strides can be viewed as newShape (of the same number of elements), and
// false if no strides can. It is PyTorch's computeStride: the old dimensions
// fall into chunks, maximal runs in which each dimension steps exactly over
// the one after it; a view exists when the new dimensions can be grouped, in
// order, into runs with the same element counts as those chunks, since only
// within a chunk can elements be re-indexed with strides alone.
func viewStrides(shape, stride, newShape []int) ([]int, bool) {
	out := make([]int, len(newShape))
	if len(shape) == 0 {
		// A 0-d tensor holds one element; every new size is 1.
		for i := range out {
			out[i] = 1
		}
		return out, true
	}
	n := numel(shape)
	if n == 0 && slices.Equal(shape, newShape) {
		return slices.Clone(stride), true
	}
	if n == 0 {
		// Nothing is ever read, so any strides do; take contiguous ones.
		s := 1
		for i := len(newShape) - 1; i >= 0; i-- {
			out[i] = s
			s *= max(newShape[i], 1)
		}
		return out, true
	}
	vd := len(newShape) - 1
	base := stride[len(stride)-1] // stride of the innermost dimension of the chunk
	chunk, viewed := 1, 1         // elements in the chunk, and in the new dims matched to it
	for d := len(shape) - 1; d >= 0; d-- {
		chunk *= shape[d]
		if d > 0 && (shape[d-1] == 1 || stride[d-1] == chunk*base) {
			continue // dimension d-1 extends the chunk
		}
		for vd >= 0 && (viewed < chunk || newShape[vd] == 1) {
			out[vd] = viewed * base
			viewed *= newShape[vd]
			vd--
		}
		if viewed != chunk {
			return nil, false
		}
		if d > 0 {
			base = stride[d-1]
			chunk, viewed = 1, 1
		}
	}
	if vd != -1 {
		return nil, false
	}
	return out, true
}

// Transpose returns a view of t with axes a and b swapped (negative axes
// count from the end). It panics with ErrAxis if either is out of range.
func (t *Tensor[T]) Transpose(a, b int) *Tensor[T] {
	a = normAxis("Transpose", a, len(t.shape))
	b = normAxis("Transpose", b, len(t.shape))
	v := t.alias(t.off, t.shape, t.stride) // v owns copies of the layout
	if len(v.shape) > 0 {
		v.shape[a], v.shape[b] = v.shape[b], v.shape[a]
		v.stride[a], v.stride[b] = v.stride[b], v.stride[a]
	}
	return v
}

// Permute returns a view of t whose dimension i is t's dimension axes[i]
// (negative axes count from the end). It panics with ErrAxis unless axes is
// a permutation of t's dimensions.
func (t *Tensor[T]) Permute(axes ...int) *Tensor[T] {
	n := len(t.shape)
	if len(axes) != n {
		fail(ErrAxis, "Permute", "%d axes %v for a tensor of %d dims (shape %v)", len(axes), axes, n, t.shape)
	}
	shape, stride := make([]int, n), make([]int, n)
	seen := make([]bool, n)
	for i, a := range axes {
		d := normAxis("Permute", a, n)
		if seen[d] {
			fail(ErrAxis, "Permute", "repeated axis %d in %v", a, axes)
		}
		seen[d] = true
		shape[i], stride[i] = t.shape[d], t.stride[d]
	}
	return t.alias(t.off, shape, stride)
}

// T returns the transpose of a 2-D t as a view. A 0-d or 1-D t is its own
// transpose, so it returns a view with t's layout, as torch's .t() does. It
// panics with ErrShape if t has more than 2 dimensions (use Transpose or
// Permute to say which axes).
func (t *Tensor[T]) T() *Tensor[T] {
	switch len(t.shape) {
	case 0, 1:
		return t.alias(t.off, t.shape, t.stride)
	case 2:
		return t.Transpose(0, 1)
	}
	fail(ErrShape, "T", "expects a tensor with <= 2 dims, but shape %v has %d", t.shape, len(t.shape))
	return nil
}

// Slice returns the view of t that keeps, along axis, the indices start,
// start+step, ... below stop, with Python's rules: a negative start or stop
// counts from the end, and both are then clamped to [0, size], so an empty
// range is not an error. It panics with ErrAxis if axis is out of range (a
// 0-d tensor has no axis to slice) and with ErrArgument if step is not
// positive (as in PyTorch, which has no reversed views).
func (t *Tensor[T]) Slice(axis, start, stop, step int) *Tensor[T] {
	if len(t.shape) == 0 {
		fail(ErrAxis, "Slice", "cannot slice a 0-d tensor")
	}
	axis = normAxis("Slice", axis, len(t.shape))
	if step <= 0 {
		fail(ErrArgument, "Slice", "step must be positive, got %d", step)
	}
	size := t.shape[axis]
	start, stop = clampBound(start, size), clampBound(stop, size)
	n := 0
	if stop > start {
		n = (stop - start + step - 1) / step
	}
	shape, stride := slices.Clone(t.shape), slices.Clone(t.stride)
	shape[axis] = n
	stride[axis] *= step
	return t.alias(t.off+start*t.stride[axis], shape, stride)
}

// clampBound maps a Python slice bound into [0, size].
func clampBound(i, size int) int {
	if i < 0 {
		i += size
	}
	return min(max(i, 0), size)
}

// Select returns the view of t at position index along axis, with that axis
// removed (t[..., index, ...] in PyTorch). A negative index counts from the
// end. It panics with ErrAxis if axis is out of range (a 0-d tensor has none)
// and with ErrIndex if index is.
func (t *Tensor[T]) Select(axis, index int) *Tensor[T] {
	if len(t.shape) == 0 {
		fail(ErrAxis, "Select", "cannot select from a 0-d tensor")
	}
	axis = normAxis("Select", axis, len(t.shape))
	size := t.shape[axis]
	if index < -size || index >= size {
		fail(ErrIndex, "Select", "index %d out of range for axis %d of size %d (shape %v)", index, axis, size, t.shape)
	}
	if index < 0 {
		index += size
	}
	shape := slices.Delete(slices.Clone(t.shape), axis, axis+1)
	stride := slices.Delete(slices.Clone(t.stride), axis, axis+1)
	return t.alias(t.off+index*t.stride[axis], shape, stride)
}

// Squeeze returns a view of t without size-1 dimensions: all of them when no
// axes are given, otherwise those among axes (negative ones count from the
// end); a given axis whose size is not 1 is left in place, as in PyTorch.
// It panics with ErrAxis if an axis is out of range or repeated.
func (t *Tensor[T]) Squeeze(axes ...int) *Tensor[T] {
	n := len(t.shape)
	drop := make([]bool, n)
	if len(axes) == 0 {
		for d, s := range t.shape {
			drop[d] = s == 1
		}
	}
	seen := make([]bool, max(n, 1))
	for _, a := range axes {
		d := normAxis("Squeeze", a, n)
		if seen[d] {
			fail(ErrAxis, "Squeeze", "axis %d appears more than once in %v", a, axes)
		}
		seen[d] = true
		if n > 0 {
			drop[d] = t.shape[d] == 1
		}
	}
	shape, stride := make([]int, 0, n), make([]int, 0, n)
	for d := range n {
		if !drop[d] {
			shape = append(shape, t.shape[d])
			stride = append(stride, t.stride[d])
		}
	}
	return t.alias(t.off, shape, stride)
}

// Unsqueeze returns a view of t with a size-1 dimension inserted at axis,
// which may be in [-dims-1, dims] (a negative axis counts from the end of the
// result). It panics with ErrAxis otherwise.
func (t *Tensor[T]) Unsqueeze(axis int) *Tensor[T] {
	n := len(t.shape)
	axis = normAxis("Unsqueeze", axis, n+1)
	// The new stride is never used to step; PyTorch's choice keeps a
	// contiguous tensor contiguous.
	s := 1
	if axis < n {
		s = t.shape[axis] * t.stride[axis]
	}
	shape := slices.Insert(slices.Clone(t.shape), axis, 1)
	stride := slices.Insert(slices.Clone(t.stride), axis, s)
	return t.alias(t.off, shape, stride)
}

// Expand returns a view of t with the given shape in which each size-1
// dimension of t may be repeated to any size and new dimensions may be added
// in front, reading the same elements again through stride 0 (so writes to
// one position of an expanded dimension show at all of them). A size of -1
// keeps t's size there. It panics with ErrShape if shape has fewer
// dimensions than t or a size differs from t's non-1 size, and with
// ErrArgument if -1 is given for a new dimension or a size is below -1.
func (t *Tensor[T]) Expand(shape ...int) *Tensor[T] { return t.expand("Expand", shape, true) }

// BroadcastTo returns a view of t broadcast to shape: Expand without -1. It
// panics with ErrShape if t does not broadcast to shape, and with ErrArgument
// if shape holds a negative size.
func (t *Tensor[T]) BroadcastTo(shape ...int) *Tensor[T] {
	return t.expand("BroadcastTo", shape, false)
}

// expand is PyTorch's inferExpandGeometry, panicking naming op.
func (t *Tensor[T]) expand(op string, target []int, keep bool) *Tensor[T] {
	nd, td := len(target), len(t.shape)
	if nd < td {
		fail(ErrShape, op, "the number of sizes in %v must be at least the number of dimensions of shape %v", target, t.shape)
	}
	shape, stride := make([]int, nd), make([]int, nd)
	for i := nd - 1; i >= 0; i-- {
		d := i - (nd - td) // t's dimension aligned with i, if d >= 0
		size, st := 1, 1
		switch {
		case d >= 0:
			size, st = t.shape[d], t.stride[d]
		case i < nd-1:
			// A new dimension of size 1 steps over everything after it.
			st = shape[i+1] * stride[i+1]
		}
		want := target[i]
		switch {
		case want == -1 && keep && d >= 0:
			want = size
		case want == -1 && keep:
			fail(ErrArgument, op, "size -1 is not allowed in the new leading dimension %d (sizes %v)", i, target)
		case want < 0:
			fail(ErrArgument, op, "invalid size %d in %v", want, target)
		}
		if want != size {
			if size != 1 {
				fail(ErrShape, op, "the expanded size (%d) must match the existing size (%d) at non-singleton dimension %d; target sizes %v, tensor sizes %v",
					want, size, i, target, t.shape)
			}
			size, st = want, 0
		}
		shape[i], stride[i] = size, st
	}
	return t.alias(t.off, shape, stride)
}
