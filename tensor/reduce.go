package tensor

import (
	"math"
	"slices"
)

// Reductions fold the elements along some axes into one value per position
// of the remaining axes. Each comes in two forms, as torch's keepdim flag:
// R(axes...) removes the reduced axes, RKeepDim(axes...) keeps them with
// size 1 so the result broadcasts against t. No axes means every axis.
//
// Precision: every reduction accumulates in float64, whatever T is. A
// float32 sum therefore is the exactly rounded float32 of a float64 sum
// whose own error is far below float32's resolution, which puts it within
// float32 rounding of torch's (torch sums float32 in float32 with a
// cascade of partial sums). When the reduced elements of each result lie in
// one contiguous run (the fast path below), runs are summed pairwise, so
// float64 sums also err by O(log n) ulps rather than O(n); elsewhere
// (reducing leading or strided axes) each result accumulates in order, as
// a plain loop does.

// redKind selects what a reduction computes.
type redKind int

const (
	redSum redKind = iota
	redMax
	redMin
)

// reduction is the plan for reducing t over a set of axes, shared by every
// reduction so that axis checking and the choice of loop happen once.
type reduction[T Float] struct {
	t       *Tensor[T]
	reduced []bool // per axis of t
	keep    []int  // t's shape with the reduced axes set to 1
	count   int    // number of elements folded into each result

	// rows is set when the reduced elements of each result form one
	// contiguous run of count elements (the reduced axes are the trailing
	// ones, ignoring size-1 axes, and lie contiguously in memory). Then
	// the kept axes, outerShape and outerStride, enumerate the runs.
	rows        bool
	outerShape  []int
	outerStride []int
}

// newReduction validates axes against t (negative axes count from the end)
// and plans the reduction. It panics with ErrAxis, naming op, if an axis is
// out of range or repeated.
func newReduction[T Float](op string, t *Tensor[T], axes []int) *reduction[T] {
	nd := len(t.shape)
	r := &reduction[T]{t: t, reduced: make([]bool, nd)}
	if len(axes) == 0 {
		for d := range r.reduced {
			r.reduced[d] = true
		}
	}
	seen := make([]bool, max(nd, 1))
	for _, a := range axes {
		d := normAxis(op, a, nd)
		if seen[d] {
			fail(ErrAxis, op, "axis %d repeated in axes %v for a tensor of shape %v", a, axes, t.shape)
		}
		seen[d] = true
		if nd > 0 {
			r.reduced[d] = true
		}
	}
	r.keep = slices.Clone(t.shape)
	r.count = 1
	lastKept := -1
	for d, s := range t.shape {
		if r.reduced[d] {
			r.keep[d] = 1
			r.count *= s
		} else if s != 1 {
			lastKept = d
		}
	}
	// The runs are contiguous if every non-trivial axis after the last
	// kept one is reduced (true by the choice of lastKept) and has the
	// row-major stride, and no non-trivial reduced axis comes before it.
	r.rows = true
	want := 1
	for d := nd - 1; d >= 0; d-- {
		if t.shape[d] == 1 {
			continue
		}
		if d <= lastKept {
			if r.reduced[d] {
				r.rows = false
			}
			continue
		}
		if t.stride[d] != want {
			r.rows = false
		}
		want *= t.shape[d]
	}
	if r.rows {
		for d, s := range t.shape {
			if !r.reduced[d] {
				r.outerShape = append(r.outerShape, s)
				r.outerStride = append(r.outerStride, t.stride[d])
			}
		}
	}
	return r
}

// shape returns the shape of the result: keep, or keep without the reduced
// axes.
func (r *reduction[T]) shape(keepdim bool) []int {
	if keepdim {
		return slices.Clone(r.keep)
	}
	out := []int{}
	for d, s := range r.t.shape {
		if !r.reduced[d] {
			out = append(out, s)
		}
	}
	return out
}

// eachRow calls fn with the index of each result (row-major over the kept
// axes) and the contiguous run of elements that reduce into it. Only valid
// when r.rows is set.
func (r *reduction[T]) eachRow(fn func(i int, row []T)) {
	data := r.t.st.data
	i := 0
	walk(r.outerShape, []int{r.t.off}, [][]int{r.outerStride}, func(o []int, n int, s []int) {
		for j := 0; j < n; j++ {
			base := o[0] + j*s[0]
			fn(i, data[base:base+r.count])
			i++
		}
	})
}

// eachRun is the general loop: it walks all of t and calls fn with each
// run's offset in t's storage and in a row-major result of shape keep
// (o[0], o[1]), its length, and the two strides (s[1] is 0 when the run
// lies along a reduced axis).
func (r *reduction[T]) eachRun(fn func(o []int, n int, s []int)) {
	accStride := contiguousStrides(r.keep)
	for d := range accStride {
		if r.reduced[d] {
			accStride[d] = 0
		}
	}
	walk(r.t.shape, []int{r.t.off, 0}, [][]int{r.t.stride, accStride}, fn)
}

// fold returns, for each result in row-major order, the sum, max or min of
// the elements reduced into it, in float64. Max and min start from -Inf and
// +Inf, so an empty reduction returns those.
func (r *reduction[T]) fold(kind redKind) []float64 {
	acc := make([]float64, numel(r.keep))
	switch kind {
	case redMax:
		for i := range acc {
			acc[i] = math.Inf(-1)
		}
	case redMin:
		for i := range acc {
			acc[i] = math.Inf(1)
		}
	}
	if r.rows {
		r.eachRow(func(i int, row []T) {
			switch kind {
			case redSum:
				acc[i] = redPairwiseSum(row)
			case redMax:
				acc[i] = redRowMax(row)
			case redMin:
				acc[i] = redRowMin(row)
			}
		})
		return acc
	}
	data := r.t.st.data
	r.eachRun(func(o []int, n int, s []int) {
		x, xs, a, as := o[0], s[0], o[1], s[1]
		switch kind {
		case redSum:
			for range n {
				acc[a] += float64(data[x])
				x, a = x+xs, a+as
			}
		case redMax:
			for range n {
				acc[a] = redMax2(acc[a], float64(data[x]))
				x, a = x+xs, a+as
			}
		case redMin:
			for range n {
				acc[a] = redMin2(acc[a], float64(data[x]))
				x, a = x+xs, a+as
			}
		}
	})
	return acc
}

// result returns a new tensor holding acc converted to T.
func (r *reduction[T]) result(acc []float64, keepdim bool) *Tensor[T] {
	data := make([]T, len(acc))
	for i, v := range acc {
		data[i] = T(v)
	}
	return wrap(data, r.shape(keepdim))
}

// redBlock is the length below which redPairwiseSum adds sequentially; it
// bounds the recursion depth while keeping the error logarithmic.
const redBlock = 128

// redPairwiseSum returns the sum of x in float64, adding blocks of redBlock
// elements with four independent accumulators and combining block sums
// pairwise, as NumPy does.
func redPairwiseSum[T Float](x []T) float64 {
	if len(x) > redBlock {
		h := len(x) / 2
		return redPairwiseSum(x[:h]) + redPairwiseSum(x[h:])
	}
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// redMax2 returns the larger of acc and v, or NaN if either is NaN (NaN
// propagates through max, as in torch.amax).
func redMax2(acc, v float64) float64 {
	if v > acc || v != v {
		return v
	}
	return acc
}

// redMin2 is redMax2 for the minimum.
func redMin2(acc, v float64) float64 {
	if v < acc || v != v {
		return v
	}
	return acc
}

func redRowMax[T Float](row []T) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		if v != v {
			return math.NaN()
		}
		m = max(m, float64(v))
	}
	return m
}

func redRowMin[T Float](row []T) float64 {
	m := math.Inf(1)
	for _, v := range row {
		if v != v {
			return math.NaN()
		}
		m = min(m, float64(v))
	}
	return m
}

// Sum returns the sum of t's elements over the given axes, which are
// removed from the shape; with no axes it sums everything into a 0-d
// tensor. It panics with ErrAxis if an axis is out of range or repeated.
func (t *Tensor[T]) Sum(axes ...int) *Tensor[T] {
	r := newReduction("Sum", t, axes)
	return r.result(r.fold(redSum), false)
}

// SumKeepDim is Sum keeping the reduced axes with size 1, so the result
// broadcasts against t. It panics with ErrAxis if an axis is out of range
// or repeated.
func (t *Tensor[T]) SumKeepDim(axes ...int) *Tensor[T] {
	r := newReduction("SumKeepDim", t, axes)
	return r.result(r.fold(redSum), true)
}

// Mean returns the arithmetic mean of t's elements over the given axes
// (all with none), which are removed from the shape. The mean of no
// elements is NaN, as in torch. It panics with ErrAxis if an axis is out
// of range or repeated.
func (t *Tensor[T]) Mean(axes ...int) *Tensor[T] {
	return t.mean("Mean", axes, false)
}

// MeanKeepDim is Mean keeping the reduced axes with size 1. It panics with
// ErrAxis if an axis is out of range or repeated.
func (t *Tensor[T]) MeanKeepDim(axes ...int) *Tensor[T] {
	return t.mean("MeanKeepDim", axes, true)
}

func (t *Tensor[T]) mean(op string, axes []int, keepdim bool) *Tensor[T] {
	r := newReduction(op, t, axes)
	acc := r.fold(redSum)
	n := float64(r.count)
	for i := range acc {
		acc[i] /= n
	}
	return r.result(acc, keepdim)
}

// Max returns the largest of t's elements over the given axes (all with
// none), which are removed from the shape: the values only, as torch.amax.
// A NaN among the elements makes the result NaN. It panics with ErrAxis if
// an axis is out of range or repeated, and with ErrShape if the reduced
// axes hold no elements.
func (t *Tensor[T]) Max(axes ...int) *Tensor[T] {
	return t.extreme("Max", redMax, axes, false)
}

// MaxKeepDim is Max keeping the reduced axes with size 1. It panics as Max
// does.
func (t *Tensor[T]) MaxKeepDim(axes ...int) *Tensor[T] {
	return t.extreme("MaxKeepDim", redMax, axes, true)
}

// Min returns the smallest of t's elements over the given axes (all with
// none), which are removed from the shape, as torch.amin. A NaN among the
// elements makes the result NaN. It panics with ErrAxis if an axis is out
// of range or repeated, and with ErrShape if the reduced axes hold no
// elements.
func (t *Tensor[T]) Min(axes ...int) *Tensor[T] {
	return t.extreme("Min", redMin, axes, false)
}

// MinKeepDim is Min keeping the reduced axes with size 1. It panics as Min
// does.
func (t *Tensor[T]) MinKeepDim(axes ...int) *Tensor[T] {
	return t.extreme("MinKeepDim", redMin, axes, true)
}

func (t *Tensor[T]) extreme(op string, kind redKind, axes []int, keepdim bool) *Tensor[T] {
	r := newReduction(op, t, axes)
	if r.count == 0 {
		// There is no identity for max to return, so torch refuses too.
		fail(ErrShape, op, "cannot reduce over axes %v of shape %v, which hold no elements", axes, t.shape)
	}
	return r.result(r.fold(kind), keepdim)
}

// LogSumExp returns log(sum(exp(t))) over the given axes (all with none),
// which are removed from the shape, computed stably: the maximum m is
// subtracted before exponentiating and added back, with an infinite m
// replaced by 0 so that all -Inf gives -Inf and any +Inf gives +Inf rather
// than NaN. Over no elements it is -Inf. It panics with ErrAxis if an axis
// is out of range or repeated.
func (t *Tensor[T]) LogSumExp(axes ...int) *Tensor[T] {
	return t.logSumExp("LogSumExp", axes, false)
}

// LogSumExpKeepDim is LogSumExp keeping the reduced axes with size 1. It
// panics with ErrAxis if an axis is out of range or repeated.
func (t *Tensor[T]) LogSumExpKeepDim(axes ...int) *Tensor[T] {
	return t.logSumExp("LogSumExpKeepDim", axes, true)
}

func (t *Tensor[T]) logSumExp(op string, axes []int, keepdim bool) *Tensor[T] {
	r := newReduction(op, t, axes)
	m := r.fold(redMax)
	for i, v := range m {
		if math.IsInf(v, 0) {
			m[i] = 0
		}
	}
	s := make([]float64, len(m))
	if r.rows {
		r.eachRow(func(i int, row []T) {
			mi := m[i]
			var acc float64
			for _, v := range row {
				acc += math.Exp(float64(v) - mi)
			}
			s[i] = acc
		})
	} else {
		data := t.st.data
		r.eachRun(func(o []int, n int, st []int) {
			x, xs, a, as := o[0], st[0], o[1], st[1]
			for range n {
				s[a] += math.Exp(float64(data[x]) - m[a])
				x, a = x+xs, a+as
			}
		})
	}
	for i := range s {
		s[i] = m[i] + math.Log(s[i])
	}
	return r.result(s, keepdim)
}

// ArgMax returns the index along axis of the largest element, for every
// position of the other axes: a tensor of t's shape without axis holding
// whole numbers. Ties go to the first occurrence, and a NaN counts as
// larger than everything (the first NaN wins), as in torch. A 0-d t gives
// 0. It panics with ErrAxis if axis is out of range and with ErrShape if
// the axis has size 0.
func (t *Tensor[T]) ArgMax(axis int) *Tensor[T] { return t.argExtreme("ArgMax", axis, true) }

// ArgMin is ArgMax for the smallest element; a NaN still wins, as in torch.
// It panics as ArgMax does.
func (t *Tensor[T]) ArgMin(axis int) *Tensor[T] { return t.argExtreme("ArgMin", axis, false) }

// ArgMaxAll returns the position of the largest element of t in row-major
// order, with ties and NaN resolved as by ArgMax. It panics with ErrShape
// if t has no elements.
func (t *Tensor[T]) ArgMaxAll() int { return t.argExtremeAll("ArgMaxAll", true) }

// ArgMinAll returns the position of the smallest element of t in row-major
// order, with ties and NaN resolved as by ArgMin. It panics with ErrShape
// if t has no elements.
func (t *Tensor[T]) ArgMinAll() int { return t.argExtremeAll("ArgMinAll", false) }

func (t *Tensor[T]) argExtreme(op string, axis int, isMax bool) *Tensor[T] {
	ax := normAxis(op, axis, len(t.shape))
	if len(t.shape) == 0 {
		return Scalar[T](0)
	}
	n, step := t.shape[ax], t.stride[ax]
	if n == 0 {
		fail(ErrShape, op, "cannot reduce over axis %d of shape %v, which has size 0", axis, t.shape)
	}
	shape := slices.Delete(slices.Clone(t.shape), ax, ax+1)
	stride := slices.Delete(slices.Clone(t.stride), ax, ax+1)
	out := empty[T](shape)
	data := t.st.data
	walk(shape, []int{t.off, 0}, [][]int{stride, contiguousStrides(shape)}, func(o []int, m int, s []int) {
		for j := range m {
			out.st.data[o[1]+j*s[1]] = T(redArgLane(data, o[0]+j*s[0], step, n, isMax))
		}
	})
	return out
}

func (t *Tensor[T]) argExtremeAll(op string, isMax bool) int {
	if t.Size() == 0 {
		fail(ErrShape, op, "cannot take the position of an extreme of a tensor of shape %v, which has no elements", t.shape)
	}
	if t.IsContiguous() {
		return redArgLane(t.st.data, t.off, 1, t.Size(), isMax)
	}
	best, pos := t.st.data[t.off], 0
	i := 0
	walk(t.shape, []int{t.off}, [][]int{t.stride}, func(o []int, n int, s []int) {
		for j := range n {
			v := t.st.data[o[0]+j*s[0]]
			if redBetter(v, best, isMax) {
				best, pos = v, i
			}
			i++
		}
	})
	return pos
}

// redArgLane returns the index of the extreme among the n elements
// data[base], data[base+step], ...
func redArgLane[T Float](data []T, base, step, n int, isMax bool) int {
	best, pos := data[base], 0
	for j := 1; j < n; j++ {
		if best != best {
			break
		}
		v := data[base+j*step]
		if redBetter(v, best, isMax) {
			best, pos = v, j
		}
	}
	return pos
}

// redBetter reports whether v replaces best as the running extreme: a
// strictly better value, or the first NaN (after which nothing replaces
// it), so ties keep the first occurrence.
func redBetter[T Float](v, best T, isMax bool) bool {
	if best != best {
		return false
	}
	if v != v {
		return true
	}
	if isMax {
		return v > best
	}
	return v < best
}
