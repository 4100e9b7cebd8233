package tensor

import "slices"

// This file is the derivative table of the reductions and of the softmax
// family. Reductions follow the axes convention of the Tensor kernels in
// reduce.go: R(x, axes...) removes the reduced axes, RKeepDim(x, axes...)
// keeps them with size 1, no axes means every axis, and negative axes count
// from the end. Every gradient starts by restoring g to the kept shape
// (keepdim), where it broadcasts against x.
//
// LogSumExp, LogSoftmax and Softmax are composites of Exp, Sum and Log in
// exact arithmetic; they are primitives here for numerical stability (each
// subtracts the maximum before exponentiating, SEMANTICS.md 3.1) and, for
// Softmax, for speed. Their backward closures are written with the same
// differentiable ops, so double backward works through them.

// Sum returns the sum of x's elements over axes (every axis with none),
// which are removed from the shape. It panics with ErrAxis if an axis is out
// of range or repeated.
//
// Gradient: dx = g with the reduced axes restored, broadcast to x's shape.
func Sum[T Float](x *Value[T], axes ...int) *Value[T] { return sum(x, axes, false, true) }

// SumKeepDim is Sum keeping the reduced axes with size 1.
//
// Gradient: dx = g broadcast to x's shape.
func SumKeepDim[T Float](x *Value[T], axes ...int) *Value[T] { return sum(x, axes, true, true) }

func sum[T Float](x *Value[T], axes []int, keepdim, rec bool) *Value[T] {
	op, data := "Sum", (*Tensor[T])(nil)
	if keepdim {
		op, data = "SumKeepDim", x.data.SumKeepDim(axes...)
	} else {
		data = x.data.Sum(axes...)
	}
	xs := x.data.shape
	keep := keptShape(xs, axes)
	return record(op, data, rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{broadcastTo(restoreAxes(g, keep, keepdim, create), xs, create)}
	})
}

// Mean returns the arithmetic mean of x's elements over axes (every axis
// with none), which are removed from the shape. It is the composite
// Sum(x, axes...) / N, N the number of elements reduced into each result,
// and has no rule of its own; dividing (rather than multiplying by 1/N)
// rounds as torch's CPU mean, which is sum then div. The mean of no
// elements is NaN. It panics with ErrAxis if an axis is out of range or
// repeated.
func Mean[T Float](x *Value[T], axes ...int) *Value[T] { return mean(x, axes, false, true) }

// MeanKeepDim is Mean keeping the reduced axes with size 1.
func MeanKeepDim[T Float](x *Value[T], axes ...int) *Value[T] { return mean(x, axes, true, true) }

func mean[T Float](x *Value[T], axes []int, keepdim, rec bool) *Value[T] {
	s := sum(x, axes, keepdim, rec)
	n := 1
	for d, k := range keptShape(x.data.shape, axes) {
		if k == 1 {
			n *= x.data.shape[d]
		}
	}
	return div(s, Const(Scalar(T(n))), rec)
}

// Max returns the largest of x's elements over axes (every axis with none),
// which are removed from the shape: the values only, as torch.amax. A NaN
// among the elements makes the result NaN. It panics with ErrAxis if an
// axis is out of range or repeated, and with ErrShape if the reduced axes
// hold no elements.
//
// Gradient: dx = g * (x == out) / count(x == out), counted over the reduced
// axes: tied maxima share the gradient evenly, as torch.amax and the full
// torch.max() do (SEMANTICS.md 3.6). Saves x and the result.
func Max[T Float](x *Value[T], axes ...int) *Value[T] { return amax(x, axes, false, true, true) }

// MaxKeepDim is Max keeping the reduced axes with size 1.
//
// Gradient: as Max.
func MaxKeepDim[T Float](x *Value[T], axes ...int) *Value[T] {
	return amax(x, axes, true, true, true)
}

// Min returns the smallest of x's elements over axes (every axis with none),
// which are removed from the shape, as torch.amin. It panics as Max does.
//
// Gradient: dx = g * (x == out) / count(x == out), ties split evenly.
// Saves x and the result.
func Min[T Float](x *Value[T], axes ...int) *Value[T] { return amax(x, axes, false, false, true) }

// MinKeepDim is Min keeping the reduced axes with size 1.
//
// Gradient: as Min.
func MinKeepDim[T Float](x *Value[T], axes ...int) *Value[T] {
	return amax(x, axes, true, false, true)
}

// amax is Max (isMax) or Min. The gradient is linear in g with a constant
// mask, so a create-graph backward differentiates only through g: the
// second derivative with respect to x is zero almost everywhere.
func amax[T Float](x *Value[T], axes []int, keepdim, isMax, rec bool) *Value[T] {
	var op string
	var data *Tensor[T]
	switch {
	case isMax && keepdim:
		op, data = "MaxKeepDim", x.data.MaxKeepDim(axes...)
	case isMax:
		op, data = "Max", x.data.Max(axes...)
	case keepdim:
		op, data = "MinKeepDim", x.data.MinKeepDim(axes...)
	default:
		op, data = "Min", x.data.Min(axes...)
	}
	keep := keptShape(x.data.shape, axes)
	axes = slices.Clone(axes)
	out := record(op, data, rec, []*Value[T]{x}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		// torch's scale_grad_by_count: (g / count) * mask.
		mask := x.data.Eq(out.data.Reshape(keep...))
		count := Const(mask.SumKeepDim(axes...))
		gk := restoreAxes(g, keep, keepdim, create)
		return []*Value[T]{mul(div(gk, count, create), Const(mask), create)}
	})
	out.save(x, out)
	return out
}

// LogSumExp returns log(sum(exp(x))) over axes (every axis with none),
// which are removed from the shape. It is a primitive for stability: the
// maximum is subtracted before exponentiating (an infinite maximum is
// replaced by 0), so LogSumExp of [1000, 1000] is 1000 + log 2 and of
// [-Inf, -Inf] is -Inf. It panics with ErrAxis if an axis is out of range
// or repeated.
//
// Gradient: dx = g * exp(x - out), with g and out restored to the kept
// shape. Saves x and the result.
func LogSumExp[T Float](x *Value[T], axes ...int) *Value[T] {
	return logSumExp(x, axes, false, true)
}

// LogSumExpKeepDim is LogSumExp keeping the reduced axes with size 1.
//
// Gradient: dx = g * exp(x - out). Saves x and the result.
func LogSumExpKeepDim[T Float](x *Value[T], axes ...int) *Value[T] {
	return logSumExp(x, axes, true, true)
}

func logSumExp[T Float](x *Value[T], axes []int, keepdim, rec bool) *Value[T] {
	op, data := "LogSumExp", (*Tensor[T])(nil)
	if keepdim {
		op, data = "LogSumExpKeepDim", x.data.LogSumExpKeepDim(axes...)
	} else {
		data = x.data.LogSumExp(axes...)
	}
	keep := keptShape(x.data.shape, axes)
	out := record(op, data, rec, []*Value[T]{x}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		outK := restoreAxes(out, keep, keepdim, create)
		gk := restoreAxes(g, keep, keepdim, create)
		return []*Value[T]{mul(gk, exp(sub(x, outK, create), create), create)}
	})
	out.save(x, out)
	return out
}

// Softmax returns exp(x) normalised to sum to 1 along axis, computed with
// the maximum subtracted first. It is a primitive for speed (one pass per
// lane instead of five recorded ops) and stability. As in torch, a lane that
// is all -Inf gives NaN. It panics with ErrAxis if axis is out of range.
//
// Gradient: dx = out * (g - sum(g*out, axis, keepdim)). Saves the result.
func Softmax[T Float](x *Value[T], axis int) *Value[T] { return softmax(x, axis, true) }

func softmax[T Float](x *Value[T], axis int, rec bool) *Value[T] {
	out := record("Softmax", x.data.Softmax(axis), rec, []*Value[T]{x}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		s := sum(mul(g, out, create), []int{axis}, true, create)
		return []*Value[T]{mul(out, sub(g, s, create), create)}
	})
	out.save(out)
	return out
}

// LogSoftmax returns log(Softmax(x, axis)), computed directly as
// (x - m) - log(sum(exp(x - m))) with m the maximum along axis: a primitive
// for stability, so LogSoftmax of [1000, 0, -1000] is [0, -1000, -2000].
// It panics with ErrAxis if axis is out of range.
//
// Gradient: dx = g - exp(out) * sum(g, axis, keepdim). Saves the result.
func LogSoftmax[T Float](x *Value[T], axis int) *Value[T] { return logSoftmax(x, axis, true) }

func logSoftmax[T Float](x *Value[T], axis int, rec bool) *Value[T] {
	out := record("LogSoftmax", x.data.LogSoftmax(axis), rec, []*Value[T]{x}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		s := sum(g, []int{axis}, true, create)
		return []*Value[T]{sub(g, mul(exp(out, create), s, create), create)}
	})
	out.save(out)
	return out
}

// ArgMax returns the index along axis of the largest element of x, for
// every position of the other axes, as a Const Value holding whole numbers:
// indices are not differentiable. Ties go to the first occurrence. It
// panics as Tensor.ArgMax does.
func ArgMax[T Float](x *Value[T], axis int) *Value[T] { return Const(x.data.ArgMax(axis)) }

// ArgMin is ArgMax for the smallest element.
func ArgMin[T Float](x *Value[T], axis int) *Value[T] { return Const(x.data.ArgMin(axis)) }

// keptShape returns shape with the reduced axes set to 1: the shape of a
// keepdim reduction, against which a gradient broadcasts. The axes must
// already have been validated by the forward kernel.
func keptShape(shape, axes []int) []int {
	keep := slices.Clone(shape)
	if len(keep) == 0 {
		return []int{}
	}
	if len(axes) == 0 {
		for d := range keep {
			keep[d] = 1
		}
	}
	for _, a := range axes {
		if a < 0 {
			a += len(keep)
		}
		keep[a] = 1
	}
	return keep
}

// restoreAxes returns g reshaped to keep, re-inserting the reduced axes
// that a reduction without keepdim removed.
func restoreAxes[T Float](g *Value[T], keep []int, keepdim, create bool) *Value[T] {
	if keepdim {
		return g
	}
	return reshape(g, keep, create)
}

// Sum is the method form of Sum.
func (v *Value[T]) Sum(axes ...int) *Value[T] { return sum(v, axes, false, true) }

// SumKeepDim is the method form of SumKeepDim.
func (v *Value[T]) SumKeepDim(axes ...int) *Value[T] { return sum(v, axes, true, true) }

// Mean is the method form of Mean.
func (v *Value[T]) Mean(axes ...int) *Value[T] { return mean(v, axes, false, true) }

// MeanKeepDim is the method form of MeanKeepDim.
func (v *Value[T]) MeanKeepDim(axes ...int) *Value[T] { return mean(v, axes, true, true) }

// Max is the method form of Max.
func (v *Value[T]) Max(axes ...int) *Value[T] { return amax(v, axes, false, true, true) }

// MaxKeepDim is the method form of MaxKeepDim.
func (v *Value[T]) MaxKeepDim(axes ...int) *Value[T] { return amax(v, axes, true, true, true) }

// Min is the method form of Min.
func (v *Value[T]) Min(axes ...int) *Value[T] { return amax(v, axes, false, false, true) }

// MinKeepDim is the method form of MinKeepDim.
func (v *Value[T]) MinKeepDim(axes ...int) *Value[T] { return amax(v, axes, true, false, true) }

// LogSumExp is the method form of LogSumExp.
func (v *Value[T]) LogSumExp(axes ...int) *Value[T] { return logSumExp(v, axes, false, true) }

// LogSumExpKeepDim is the method form of LogSumExpKeepDim.
func (v *Value[T]) LogSumExpKeepDim(axes ...int) *Value[T] {
	return logSumExp(v, axes, true, true)
}

// Softmax is the method form of Softmax.
func (v *Value[T]) Softmax(axis int) *Value[T] { return softmax(v, axis, true) }

// LogSoftmax is the method form of LogSoftmax.
func (v *Value[T]) LogSoftmax(axis int) *Value[T] { return logSoftmax(v, axis, true) }

// ArgMax is the method form of ArgMax.
func (v *Value[T]) ArgMax(axis int) *Value[T] { return ArgMax(v, axis) }

// ArgMin is the method form of ArgMin.
func (v *Value[T]) ArgMin(axis int) *Value[T] { return ArgMin(v, axis) }
