package tensor

import "slices"

// This file holds the shape ops that copy elements: joining tensors
// (Concat, Stack), gathering along an axis (IndexSelect), and the in-place
// copy into a possibly strided tensor (CopyFrom). They all come down to
// copyStrided between two layouts of one shape. The views are in views.go.

// copyStrided copies src into dst element by element; both have the same
// shape and any strides. The caller makes sure they do not overlap.
func copyStrided[T Float](dst, src *Tensor[T]) {
	d, s := dst.st.data, src.st.data
	walk(dst.shape, []int{dst.off, src.off}, [][]int{dst.stride, src.stride}, func(o []int, n int, st []int) {
		if st[0] == 1 && st[1] == 1 {
			copy(d[o[0]:o[0]+n], s[o[1]:o[1]+n])
			return
		}
		for i := range n {
			d[o[0]+i*st[0]] = s[o[1]+i*st[1]]
		}
	})
}

// Concat returns a new tensor that joins ts along axis (torch.cat): the
// tensors must have the same number of dimensions and the same sizes except
// along axis, where the sizes add up. A negative axis counts from the end.
// It panics with ErrArgument if ts is empty, with ErrShape if the shapes do
// not fit or a tensor is 0-d, and with ErrAxis if axis is out of range.
func ConcatTensors[T Float](axis int, ts ...*Tensor[T]) *Tensor[T] {
	if len(ts) == 0 {
		fail(ErrArgument, "Concat", "expected a non-empty list of tensors")
	}
	first := ts[0].shape
	for i, t := range ts {
		if len(t.shape) == 0 {
			fail(ErrShape, "Concat", "a 0-d tensor (at position %d) cannot be concatenated", i)
		}
		if len(t.shape) != len(first) {
			fail(ErrShape, "Concat", "tensors must have the same number of dimensions: got shapes %v and %v (tensor %d)", first, t.shape, i)
		}
	}
	axis = normAxis("Concat", axis, len(first))
	shape := slices.Clone(first)
	shape[axis] = 0
	for i, t := range ts {
		for d, s := range t.shape {
			if d != axis && s != first[d] {
				fail(ErrShape, "Concat", "sizes of tensors must match except in axis %d: got shapes %v and %v (tensor %d)", axis, first, t.shape, i)
			}
		}
		shape[axis] += t.shape[axis]
	}
	return concat(axis, shape, ts)
}

// concat copies ts, which the caller has checked, into consecutive blocks
// along axis of a new tensor of the given shape.
func concat[T Float](axis int, shape []int, ts []*Tensor[T]) *Tensor[T] {
	out := empty[T](shape)
	off := 0
	for _, t := range ts {
		dst := out.view(off, t.shape, out.stride)
		copyStrided(dst, t)
		off += t.shape[axis] * out.stride[axis]
	}
	return out
}

// Stack returns a new tensor that joins ts, which must all have the same
// shape, along a new axis (torch.stack); axis may be in [-dims-1, dims],
// where dims is the number of dimensions of each tensor. It panics with
// ErrArgument if ts is empty, with ErrShape if the shapes differ, and with
// ErrAxis if axis is out of range.
func StackTensors[T Float](axis int, ts ...*Tensor[T]) *Tensor[T] {
	if len(ts) == 0 {
		fail(ErrArgument, "Stack", "expected a non-empty list of tensors")
	}
	first := ts[0].shape
	for i, t := range ts {
		if !slices.Equal(t.shape, first) {
			fail(ErrShape, "Stack", "expects each tensor to be equal size, but got %v at entry 0 and %v at entry %d", first, t.shape, i)
		}
	}
	axis = normAxis("Stack", axis, len(first)+1)
	parts := make([]*Tensor[T], len(ts))
	for i, t := range ts {
		parts[i] = t.Unsqueeze(axis)
	}
	shape := slices.Insert(slices.Clone(first), axis, len(ts))
	return concat(axis, shape, parts)
}

// IndexSelect returns a new tensor holding the slices of t at the given
// positions along axis, in order and with repeats (torch.index_select): its
// size along axis is len(indices). Unlike Select, indices may not be
// negative, as in PyTorch. A 0-d t takes exactly one index, 0, and gives a
// 0-d copy. It panics with ErrAxis if axis is out of range and with
// ErrIndex if an index is.
func (t *Tensor[T]) IndexSelect(axis int, indices []int) *Tensor[T] {
	axis = normAxis("IndexSelect", axis, len(t.shape))
	if len(t.shape) == 0 {
		checkScalarIndex("IndexSelect", indices)
		return t.Clone()
	}
	shape := slices.Clone(t.shape)
	shape[axis] = len(indices)
	out := alloc[T](shape)
	gatherInto("IndexSelect", out, t, axis, indices)
	return out
}

// IndexSelectInto is IndexSelect writing into dst instead of a new tensor,
// PyTorch's index_select(..., out=dst) for a dst of the right shape: a
// training loop that gathers every batch into the same tensor allocates
// nothing for it. dst's version counter is bumped, as by any in-place
// write. It panics as IndexSelect does, with ErrShape if dst does not
// have the result's shape (it is never resized), and with ErrArgument if
// dst shares t's storage or is expanded.
func (t *Tensor[T]) IndexSelectInto(dst *Tensor[T], axis int, indices []int) {
	const op = "IndexSelectInto"
	axis = normAxis(op, axis, len(t.shape))
	if len(t.shape) == 0 {
		checkScalarIndex(op, indices)
	}
	if len(dst.shape) != len(t.shape) {
		fail(ErrShape, op, "destination of shape %v does not fit %d indices along axis %d of shape %v", dst.shape, len(indices), axis, t.shape)
	}
	for d, s := range t.shape {
		if d == axis {
			s = len(indices)
		}
		if dst.shape[d] != s {
			fail(ErrShape, op, "destination of shape %v does not fit %d indices along axis %d of shape %v", dst.shape, len(indices), axis, t.shape)
		}
		if dst.stride[d] == 0 && s > 1 {
			fail(ErrArgument, op, "more than one element of the destination (shape %v, strides %v) refers to a single memory location; Clone it first", dst.shape, dst.stride)
		}
	}
	if dst.st == t.st {
		fail(ErrArgument, op, "the destination shares the source's storage; gather into a tensor of its own")
	}
	if len(t.shape) == 0 {
		dst.st.data[dst.off] = t.st.data[t.off]
	} else {
		gatherInto(op, dst, t, axis, indices)
	}
	dst.bump()
}

// checkScalarIndex panics unless indices is the one index a 0-d tensor
// takes.
func checkScalarIndex(op string, indices []int) {
	if len(indices) != 1 || indices[0] != 0 {
		fail(ErrIndex, op, "a 0-d tensor takes exactly one index, 0; got %v", indices)
	}
}

// gatherInto writes the slices of t (at least 1-d) at indices along axis
// into out, which has the result's shape.
func gatherInto[T Float](op string, out, t *Tensor[T], axis int, indices []int) {
	size := t.shape[axis]
	for _, i := range indices {
		if i < 0 || i >= size {
			fail(ErrIndex, op, "index %d out of range for axis %d of size %d (shape %v)", i, axis, size, t.shape)
		}
	}
	if t.IsContiguous() && out.IsContiguous() {
		// Whole blocks of inner elements, copied without a view per index:
		// gathering a batch of rows is one copy per row.
		inner := numel(t.shape[axis+1:])
		outer := numel(t.shape[:axis])
		src, dst := t.st.data[t.off:t.off+t.Size()], out.st.data[out.off:out.off+out.Size()]
		for o := range outer {
			for k, i := range indices {
				copy(dst[(o*len(indices)+k)*inner:][:inner], src[(o*size+i)*inner:][:inner])
			}
		}
		return
	}
	for k, i := range indices {
		copyStrided(out.Select(axis, k), t.Select(axis, i))
	}
}

// CopyFrom copies src, broadcast to t's shape, into t in place (PyTorch's
// copy_), writing through t's strides so that a view updates the tensor it
// views, and bumps the version counter. src may share storage with t, even
// overlapping it: it is read as it was before the copy. It panics with
// ErrShape if src does not broadcast to t's shape, and with ErrArgument if
// t is expanded (more than one of its positions is one element, so the
// result would depend on the order of writes).
func (t *Tensor[T]) CopyFrom(src *Tensor[T]) {
	out, err := BroadcastShapes(t.shape, src.shape)
	if err != nil || !slices.Equal(out, t.shape) {
		fail(ErrShape, "CopyFrom", "source of shape %v does not broadcast to destination shape %v", src.shape, t.shape)
	}
	for d, s := range t.shape {
		if s > 1 && t.stride[d] == 0 {
			fail(ErrArgument, "CopyFrom", "more than one element of the destination (shape %v, strides %v) refers to a single memory location; Clone it first", t.shape, t.stride)
		}
	}
	if src.st == t.st {
		src = src.Clone()
	}
	copyStrided(t, src.view(src.off, t.shape, broadcastStrides(src.shape, src.stride, t.shape)))
	t.bump()
}
