package tensor

import "slices"

// This file is the derivative table of the shape primitives: the ops that
// move elements around without changing them. The view ops (Reshape, View,
// Transpose, Permute, T, Slice, Select, and the composites Flatten, Squeeze
// and Unsqueeze) return Values whose data is a view of their input's data,
// sharing its storage, as the Tensor views in views.go do; IndexSelect,
// Concat and Stack copy. Every gradient is the inverse rearrangement of g,
// so no op here saves a tensor for backward: they keep shapes and indices
// only.
//
// A gradient that must be written into part of a larger zero tensor (of
// Slice, Select, IndexSelect) is made by a primitive partner
// (sliceBackward, selectBackward, indexAdd) whose own gradient is the
// forward op again, so that a create-graph backward can be differentiated
// once more.

// Reshape returns x with its elements in row-major order and the given
// shape, in which one size may be -1 to be inferred. Its data is a view of
// x's data when the strides allow one and a copy otherwise, as with
// Tensor.Reshape. It panics with ErrShape if the shape holds a different
// number of elements and with ErrArgument if it has more than one -1.
//
// Gradient: dx = reshape(g, x's shape).
func Reshape[T Float](x *Value[T], shape ...int) *Value[T] { return reshape(x, shape, true) }

func reshape[T Float](x *Value[T], shape []int, rec bool) *Value[T] {
	xs := x.data.shape
	return record("Reshape", x.data.Reshape(shape...), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{reshape(g, xs, create)}
	})
}

// View is Reshape that insists on a view: its data always shares x's
// storage. It panics as Tensor.View does, with ErrShape if x's strides
// allow no view of that shape.
//
// Gradient: dx = reshape(g, x's shape) (g itself need not allow a view).
func View[T Float](x *Value[T], shape ...int) *Value[T] { return view(x, shape, true) }

func view[T Float](x *Value[T], shape []int, rec bool) *Value[T] {
	xs := x.data.shape
	return record("View", x.data.View(shape...), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{reshape(g, xs, create)}
	})
}

// Flatten returns x reshaped to one dimension (a 0-d x becomes shape [1]).
// It is the composite Reshape(x, -1).
func Flatten[T Float](x *Value[T]) *Value[T] { return flatten(x, true) }

func flatten[T Float](x *Value[T], rec bool) *Value[T] { return reshape(x, []int{-1}, rec) }

// Squeeze returns x without size-1 dimensions: all of them when no axes
// are given, otherwise those among axes (negative ones count from the
// end); a given axis whose size is not 1 stays, as in PyTorch. It is a
// composite of Reshape (always a view). It panics with ErrAxis if an axis
// is out of range or repeated.
func Squeeze[T Float](x *Value[T], axes ...int) *Value[T] { return squeeze(x, axes, true) }

func squeeze[T Float](x *Value[T], axes []int, rec bool) *Value[T] {
	return reshape(x, x.data.Squeeze(axes...).shape, rec)
}

// Unsqueeze returns x with a size-1 dimension inserted at axis, which may
// be in [-dims-1, dims] (a negative axis counts from the end of the
// result). It is a composite of Reshape (always a view). It panics with
// ErrAxis if axis is out of range.
func Unsqueeze[T Float](x *Value[T], axis int) *Value[T] { return unsqueeze(x, axis, true) }

func unsqueeze[T Float](x *Value[T], axis int, rec bool) *Value[T] {
	return reshape(x, x.data.Unsqueeze(axis).shape, rec)
}

// Transpose returns x with axes a and b swapped, as a view (negative axes
// count from the end). It panics with ErrAxis if either is out of range.
//
// Gradient: dx = transpose(g, a, b).
func Transpose[T Float](x *Value[T], a, b int) *Value[T] { return transpose(x, a, b, true) }

func transpose[T Float](x *Value[T], a, b int, rec bool) *Value[T] {
	return record("Transpose", x.data.Transpose(a, b), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{transpose(g, a, b, create)}
	})
}

// Permute returns a view of x whose dimension i is x's dimension axes[i]
// (negative axes count from the end). It panics with ErrAxis unless axes
// is a permutation of x's dimensions.
//
// Gradient: dx = permute(g, inverse of axes).
func Permute[T Float](x *Value[T], axes ...int) *Value[T] { return permute(x, axes, true) }

func permute[T Float](x *Value[T], axes []int, rec bool) *Value[T] {
	data := x.data.Permute(axes...) // validates axes
	inv := make([]int, len(axes))
	for i, a := range axes {
		inv[normAxis("Permute", a, len(axes))] = i
	}
	return record("Permute", data, rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{permute(g, inv, create)}
	})
}

// T returns the transpose of a 2-D x as a view; a 0-d or 1-D x is its own
// transpose, as torch's .t(). It panics with ErrShape if x has more than 2
// dimensions.
//
// Gradient: dx = T(g).
func T[T Float](x *Value[T]) *Value[T] { return transposeMatrix(x, true) }

func transposeMatrix[T Float](x *Value[T], rec bool) *Value[T] {
	return record("T", x.data.T(), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{transposeMatrix(g, create)}
	})
}

// Slice returns the view of x that keeps, along axis, the indices start,
// start+step, ... below stop, with Python's rules for negative and
// out-of-range bounds, as Tensor.Slice. It panics with ErrAxis if axis is
// out of range and with ErrArgument if step is not positive.
//
// Gradient: dx = sliceBackward(g): zeros of x's shape with g written into
// the slice (PyTorch's slice_scatter).
func Slice[T Float](x *Value[T], axis, start, stop, step int) *Value[T] {
	return slice(x, axis, start, stop, step, true)
}

func slice[T Float](x *Value[T], axis, start, stop, step int, rec bool) *Value[T] {
	data := x.data.Slice(axis, start, stop, step) // validates
	xs := x.data.shape
	axis = normAxis("Slice", axis, len(xs))
	start, stop = clampBound(start, xs[axis]), clampBound(stop, xs[axis])
	return record("Slice", data, rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{sliceBackward(g, xs, axis, start, stop, step, create)}
	})
}

// sliceBackward returns zeros of the given shape with g written into the
// slice (axis, start, stop, step) of it: the gradient of Slice, with
// normalised arguments.
//
// Gradient: dg = slice(gg, axis, start, stop, step).
func sliceBackward[T Float](g *Value[T], shape []int, axis, start, stop, step int, rec bool) *Value[T] {
	out := Zeros[T](shape...)
	out.Slice(axis, start, stop, step).CopyFrom(g.data)
	return record("SliceBackward", out, rec, []*Value[T]{g}, func(gg *Value[T], create bool) []*Value[T] {
		return []*Value[T]{slice(gg, axis, start, stop, step, create)}
	})
}

// Select returns the view of x at position index along axis, with that
// axis removed (x[..., index, ...]); a negative index counts from the end.
// It panics with ErrAxis if axis is out of range and with ErrIndex if
// index is.
//
// Gradient: dx = selectBackward(g): zeros of x's shape with g written at
// index along axis (PyTorch's select_scatter).
func Select[T Float](x *Value[T], axis, index int) *Value[T] { return selectAt(x, axis, index, true) }

// selectAt is Select's rec form (select is a keyword).
func selectAt[T Float](x *Value[T], axis, index int, rec bool) *Value[T] {
	data := x.data.Select(axis, index) // validates
	xs := x.data.shape
	axis = normAxis("Select", axis, len(xs))
	if index < 0 {
		index += xs[axis]
	}
	return record("Select", data, rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{selectBackward(g, xs, axis, index, create)}
	})
}

// selectBackward returns zeros of the given shape with g written at index
// along axis: the gradient of Select, with normalised arguments.
//
// Gradient: dg = selectAt(gg, axis, index).
func selectBackward[T Float](g *Value[T], shape []int, axis, index int, rec bool) *Value[T] {
	out := Zeros[T](shape...)
	out.Select(axis, index).CopyFrom(g.data)
	return record("SelectBackward", out, rec, []*Value[T]{g}, func(gg *Value[T], create bool) []*Value[T] {
		return []*Value[T]{selectAt(gg, axis, index, create)}
	})
}

// IndexSelect returns the slices of x at the given positions along axis,
// in order and with repeats (torch.index_select), as a copy. Indices may
// not be negative. It panics with ErrAxis if axis is out of range and with
// ErrIndex if an index is.
//
// Gradient: dx = indexAdd(g): zeros of x's shape into which slice k of g
// is added at position indices[k], so repeated indices accumulate.
func IndexSelect[T Float](x *Value[T], axis int, indices []int) *Value[T] {
	return indexSelect(x, axis, indices, true)
}

func indexSelect[T Float](x *Value[T], axis int, indices []int, rec bool) *Value[T] {
	data := x.data.IndexSelect(axis, indices) // validates
	xs := x.data.shape
	axis = normAxis("IndexSelect", axis, len(xs))
	indices = slices.Clone(indices)
	return record("IndexSelect", data, rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{indexAdd(g, xs, axis, indices, create)}
	})
}

// indexAdd returns zeros of the given shape into which slice k of g along
// axis is added at position indices[k] (PyTorch's index_add into zeros):
// the gradient of IndexSelect, with arguments it has checked.
//
// Gradient: dg = indexSelect(gg, axis, indices).
func indexAdd[T Float](g *Value[T], shape []int, axis int, indices []int, rec bool) *Value[T] {
	out := Zeros[T](shape...)
	if len(shape) == 0 {
		// A 0-d x was selected once, at index 0.
		out.CopyFrom(g.data)
	} else {
		for k, i := range indices {
			out.Select(axis, i).AddInPlace(g.data.Select(axis, k))
		}
	}
	return record("IndexAdd", out, rec, []*Value[T]{g}, func(gg *Value[T], create bool) []*Value[T] {
		return []*Value[T]{indexSelect(gg, axis, indices, create)}
	})
}

// Contiguous returns x itself if its data is contiguous (as PyTorch's
// contiguous returns self), and otherwise a Value holding a contiguous
// copy.
//
// Gradient: dx = g.
func Contiguous[T Float](x *Value[T]) *Value[T] { return contiguous(x, true) }

func contiguous[T Float](x *Value[T], rec bool) *Value[T] {
	if x.data.IsContiguous() {
		return x
	}
	return record("Contiguous", x.data.Clone(), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{g}
	})
}

// Reshape is the method form of Reshape.
func (v *Value[T]) Reshape(shape ...int) *Value[T] { return reshape(v, shape, true) }

// View is the method form of View.
func (v *Value[T]) View(shape ...int) *Value[T] { return view(v, shape, true) }

// Flatten is the method form of Flatten.
func (v *Value[T]) Flatten() *Value[T] { return flatten(v, true) }

// Squeeze is the method form of Squeeze.
func (v *Value[T]) Squeeze(axes ...int) *Value[T] { return squeeze(v, axes, true) }

// Unsqueeze is the method form of Unsqueeze.
func (v *Value[T]) Unsqueeze(axis int) *Value[T] { return unsqueeze(v, axis, true) }

// Transpose is the method form of Transpose.
func (v *Value[T]) Transpose(a, b int) *Value[T] { return transpose(v, a, b, true) }

// Permute is the method form of Permute.
func (v *Value[T]) Permute(axes ...int) *Value[T] { return permute(v, axes, true) }

// T is the method form of T.
func (v *Value[T]) T() *Value[T] { return transposeMatrix(v, true) }

// Slice is the method form of Slice.
func (v *Value[T]) Slice(axis, start, stop, step int) *Value[T] {
	return slice(v, axis, start, stop, step, true)
}

// Select is the method form of Select.
func (v *Value[T]) Select(axis, index int) *Value[T] { return selectAt(v, axis, index, true) }

// IndexSelect is the method form of IndexSelect.
func (v *Value[T]) IndexSelect(axis int, indices []int) *Value[T] {
	return indexSelect(v, axis, indices, true)
}

// Contiguous is the method form of Contiguous.
func (v *Value[T]) Contiguous() *Value[T] { return contiguous(v, true) }

// Concat returns xs joined along axis, a negative axis counting from
// the end (torch.cat): the values must have the same number of dimensions
// and the same sizes except along axis. Its data is a copy. It panics as
// ConcatTensors does: with ErrArgument if xs is empty, with ErrShape if
// the shapes do not fit or a value is 0-d, and with ErrAxis if axis is out
// of range.
//
// Gradients: dx_i = slice(g, axis, o_i, o_i+n_i, 1), where n_i is x_i's
// size along axis and o_i the sum of the sizes before it.
func Concat[T Float](axis int, xs ...*Value[T]) *Value[T] { return cat(axis, xs, true) }

// cat is Concat's rec form (concat is the kernel's helper).
func cat[T Float](axis int, xs []*Value[T], rec bool) *Value[T] {
	ts := make([]*Tensor[T], len(xs))
	for i, x := range xs {
		ts[i] = x.data
	}
	data := ConcatTensors(axis, ts...) // validates
	axis = normAxis("Concat", axis, len(data.shape))
	inputs := slices.Clone(xs)
	sizes := make([]int, len(xs))
	for i, x := range xs {
		sizes[i] = x.data.shape[axis]
	}
	return record("Concat", data, rec, inputs, func(g *Value[T], create bool) []*Value[T] {
		gs := make([]*Value[T], len(inputs))
		off := 0
		for i, x := range inputs {
			if x.requiresGrad {
				gs[i] = slice(g, axis, off, off+sizes[i], 1, create)
			}
			off += sizes[i]
		}
		return gs
	})
}

// Stack returns xs, which must all have the same shape, joined along
// a new axis in [-dims-1, dims] (torch.stack). It is the composite
// Concat(axis, Unsqueeze(x_i, axis)...). It panics with ErrArgument if xs
// is empty, with ErrShape if the shapes differ, and with ErrAxis if axis is
// out of range.
func Stack[T Float](axis int, xs ...*Value[T]) *Value[T] { return stack(axis, xs, true) }

func stack[T Float](axis int, xs []*Value[T], rec bool) *Value[T] {
	if len(xs) == 0 {
		fail(ErrArgument, "Stack", "expected a non-empty list of values")
	}
	first := xs[0].data.shape
	for i, x := range xs {
		if !slices.Equal(x.data.shape, first) {
			fail(ErrShape, "Stack", "expects each value to be equal size, but got %v at entry 0 and %v at entry %d", first, x.data.shape, i)
		}
	}
	axis = normAxis("Stack", axis, len(first)+1)
	parts := make([]*Value[T], len(xs))
	for i, x := range xs {
		parts[i] = unsqueeze(x, axis, rec)
	}
	return cat(axis, parts, rec)
}
