package tensor

import (
	"math"
	"slices"
)

// Softmax returns exp(t) normalised to sum to 1 along axis, computed as
// exp(t-m)/sum(exp(t-m)) with m the maximum along axis so that no exp
// overflows. As in torch, a lane that is all -Inf, or holds +Inf or NaN,
// gives NaN. It panics with ErrAxis if axis is out of range.
func (t *Tensor[T]) Softmax(axis int) *Tensor[T] {
	return t.softmax("Softmax", axis, false)
}

// LogSoftmax returns log(Softmax(t, axis)) computed directly as
// (t - m) - log(sum(exp(t - m))), with m the maximum along axis and an
// infinite m replaced by 0 as in LogSumExp: LogSoftmax of [1000, 0, -1000]
// is [0, -1000, -2000] and of [-Inf, 0] is [-Inf, 0]. It panics with ErrAxis
// if axis is out of range.
func (t *Tensor[T]) LogSoftmax(axis int) *Tensor[T] {
	return t.softmax("LogSoftmax", axis, true)
}

func (t *Tensor[T]) softmax(op string, axis int, log bool) *Tensor[T] {
	ax := normAxis(op, axis, len(t.shape))
	out := empty[T](t.shape)
	if len(t.shape) == 0 {
		// A single element: softmax 1, log-softmax 0 (NaN stays NaN).
		smLane(t.st.data, t.off, 0, out.st.data, 0, 0, 1, log)
		return out
	}
	n, xs := t.shape[ax], t.stride[ax]
	ys := out.stride[ax]
	// Walk every position of the other axes; each is the start of a lane.
	shape := slices.Delete(slices.Clone(t.shape), ax, ax+1)
	xStride := slices.Delete(slices.Clone(t.stride), ax, ax+1)
	yStride := slices.Delete(slices.Clone(out.stride), ax, ax+1)
	if n == 0 {
		return out
	}
	walk(shape, []int{t.off, 0}, [][]int{xStride, yStride}, func(o []int, m int, s []int) {
		for j := range m {
			smLane(t.st.data, o[0]+j*s[0], xs, out.st.data, o[1]+j*s[1], ys, n, log)
		}
	})
	return out
}

// smLane writes the softmax (or log-softmax) of the n elements x[xo],
// x[xo+xs], ... to y[yo], y[yo+ys], ...; the arithmetic is in float64.
func smLane[T Float](x []T, xo, xs int, y []T, yo, ys, n int, log bool) {
	m := math.Inf(-1)
	for i, o := 0, xo; i < n; i, o = i+1, o+xs {
		m = redMax2(m, float64(x[o]))
	}
	if log && math.IsInf(m, 0) {
		m = 0
	}
	var sum float64
	for i, xi, yi := 0, xo, yo; i < n; i, xi, yi = i+1, xi+xs, yi+ys {
		e := math.Exp(float64(x[xi]) - m)
		sum += e
		if !log {
			y[yi] = T(e)
		}
	}
	if log {
		ls := math.Log(sum)
		for i, xi, yi := 0, xo, yo; i < n; i, xi, yi = i+1, xi+xs, yi+ys {
			y[yi] = T((float64(x[xi]) - m) - ls)
		}
		return
	}
	for i, yi := 0, yo; i < n; i, yi = i+1, yi+ys {
		y[yi] = T(float64(y[yi]) / sum)
	}
}
