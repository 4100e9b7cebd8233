package tensor

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Helpers shared by reduce_test.go and matmul_test.go carry the prefix rd
// so they cannot collide with other test files of the package.

// rdIndices returns every multi-index of shape in row-major order (one
// empty index for the 0-d shape).
func rdIndices(shape []int) [][]int {
	var out [][]int
	if numel(shape) == 0 {
		return out
	}
	idx := make([]int, len(shape))
	for {
		out = append(out, slices.Clone(idx))
		d := len(shape) - 1
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return out
		}
	}
}

// rdRand returns a contiguous tensor of shape with values in [-2, 2).
func rdRand[T Float](rng *rand.Rand, shape ...int) *Tensor[T] {
	data := make([]T, numel(shape))
	for i := range data {
		data[i] = T(rng.Float64()*4 - 2)
	}
	return New(data, shape...)
}

// rdWithLayout returns a tensor with x's values (x contiguous) stored with
// the given strides and offset in a fresh storage whose other elements are
// NaN, so that reading outside the view shows.
func rdWithLayout[T Float](x *Tensor[T], strides []int, off int) *Tensor[T] {
	size := off + 1
	for d, s := range x.shape {
		if s == 0 {
			size = off
			break
		}
		size += (s - 1) * strides[d]
	}
	data := make([]T, size)
	for i := range data {
		data[i] = T(math.NaN())
	}
	y := &Tensor[T]{st: &storage[T]{data: data}, off: off, shape: slices.Clone(x.shape), stride: slices.Clone(strides)}
	vals := x.ToSlice()
	for i, idx := range rdIndices(x.shape) {
		y.st.data[y.offset(idx)] = vals[i]
	}
	return y
}

type rdLayout[T Float] struct {
	name string
	x    *Tensor[T]
}

// rdLayouts returns x's values in several memory layouts: contiguous;
// strided with gaps and an offset; column-major (every axis reversed in
// memory); and, for two or more dims, the last two axes swapped in memory
// as the T() view of a contiguous matrix is.
func rdLayouts[T Float](x *Tensor[T]) []rdLayout[T] {
	nd := len(x.shape)
	strided := contiguousStrides(x.shape)
	for d := range strided {
		strided[d] *= 2
	}
	colMajor := make([]int, nd)
	s := 1
	for d := range nd {
		colMajor[d] = s
		s *= max(x.shape[d], 1)
	}
	out := []rdLayout[T]{
		{"contiguous", x},
		{"strided", rdWithLayout(x, strided, 3)},
		{"colmajor", rdWithLayout(x, colMajor, 0)},
	}
	if nd >= 2 {
		sw := slices.Clone(x.shape)
		sw[nd-2], sw[nd-1] = sw[nd-1], sw[nd-2]
		st := contiguousStrides(sw)
		st[nd-2], st[nd-1] = st[nd-1], st[nd-2]
		out = append(out, rdLayout[T]{"transposed", rdWithLayout(x, st, 1)})
	}
	return out
}

// rdFloats returns t's elements in row-major order as float64.
func rdFloats[T Float](t *Tensor[T]) []float64 {
	var out []float64
	for _, idx := range rdIndices(t.shape) {
		out = append(out, float64(t.At(idx...)))
	}
	return out
}

// rdCheck fails unless got has shape want and values within tol (relative
// and absolute) of wantVals; NaNs are equal to each other and infinities
// must match exactly.
func rdCheck[T Float](t *testing.T, what string, got *Tensor[T], want []int, wantVals []float64, tol float64) {
	t.Helper()
	if diff := cmp.Diff(nonNil(want), got.Shape()); diff != "" {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want)
	}
	vals := rdFloats(got)
	close := len(vals) == len(wantVals)
	for i := 0; close && i < len(vals); i++ {
		close = rdClose(vals[i], wantVals[i], tol)
	}
	if !close {
		// cmp is slow on long slices, so it only explains failures.
		diff := cmp.Diff(wantVals, vals, cmpopts.EquateNaNs(), cmpopts.EquateApprox(tol, tol), cmpopts.EquateEmpty())
		t.Fatalf("%s: values differ (-want +got):\n%s", what, diff)
	}
}

// rdClose reports whether x and y agree as cmpopts.EquateNaNs and
// EquateApprox(tol, tol) define it.
func rdClose(x, y, tol float64) bool {
	switch {
	case x == y, math.IsNaN(x) && math.IsNaN(y):
		return true
	case math.IsInf(x, 0) || math.IsInf(y, 0) || math.IsNaN(x) || math.IsNaN(y):
		return false
	}
	return math.Abs(x-y) <= max(tol, tol*min(math.Abs(x), math.Abs(y)))
}

// rdPanic runs fn and returns the *OpError it panics with, failing the
// test if it does not panic with one.
func rdPanic(t *testing.T, fn func()) (err *OpError) {
	t.Helper()
	defer func() {
		r := recover()
		e, ok := r.(*OpError)
		if !ok {
			t.Fatalf("panic = %v (%T), want an *OpError", r, r)
		}
		err = e
	}()
	fn()
	return nil
}

func rdTol[T Float]() float64 {
	if bitSize[T]() == 32 {
		return 2e-6
	}
	return 1e-13
}

// rdNaive reduces the row-major values x of shape over the reduced axes
// the slow obvious way and returns the result in the keepdim layout.
func rdNaive(x []float64, shape []int, reduced []bool, kind string) []float64 {
	keep := slices.Clone(shape)
	for d := range keep {
		if reduced[d] {
			keep[d] = 1
		}
	}
	groups := make([][]float64, numel(keep))
	ks := contiguousStrides(keep)
	for i, idx := range rdIndices(shape) {
		o := 0
		for d, v := range idx {
			if !reduced[d] {
				o += v * ks[d]
			}
		}
		groups[o] = append(groups[o], x[i])
	}
	out := make([]float64, len(groups))
	for o, g := range groups {
		switch kind {
		case "Sum", "Mean":
			for _, v := range g {
				out[o] += v
			}
			if kind == "Mean" {
				out[o] /= float64(len(g))
			}
		case "Max", "Min":
			out[o] = g[0]
			for _, v := range g {
				switch {
				case math.IsNaN(out[o]):
				case math.IsNaN(v), kind == "Max" && v > out[o], kind == "Min" && v < out[o]:
					out[o] = v
				}
			}
		case "LogSumExp":
			// The test values are small, so the unstable formula is exact
			// enough to be the reference.
			var s float64
			for _, v := range g {
				s += math.Exp(v)
			}
			out[o] = math.Log(s)
		}
	}
	return out
}

// rdAxisSets returns every subset of the axes of an nd-dim tensor, each
// also with its axes written negatively, plus the empty (all-axes) set.
func rdAxisSets(nd int) [][]int {
	sets := [][]int{nil}
	for mask := 1; mask < 1<<nd; mask++ {
		var pos, neg []int
		for d := range nd {
			if mask&(1<<d) != 0 {
				pos = append(pos, d)
				neg = append(neg, d-nd)
			}
		}
		slices.Reverse(neg) // order must not matter either
		sets = append(sets, pos, neg)
	}
	return sets
}

type rdReduceFn[T Float] func(x *Tensor[T], axes ...int) *Tensor[T]

func rdReductions[T Float]() []struct {
	name    string
	keepdim bool
	fn      rdReduceFn[T]
} {
	return []struct {
		name    string
		keepdim bool
		fn      rdReduceFn[T]
	}{
		{"Sum", false, (*Tensor[T]).Sum},
		{"Sum", true, (*Tensor[T]).SumKeepDim},
		{"Mean", false, (*Tensor[T]).Mean},
		{"Mean", true, (*Tensor[T]).MeanKeepDim},
		{"Max", false, (*Tensor[T]).Max},
		{"Max", true, (*Tensor[T]).MaxKeepDim},
		{"Min", false, (*Tensor[T]).Min},
		{"Min", true, (*Tensor[T]).MinKeepDim},
		{"LogSumExp", false, (*Tensor[T]).LogSumExp},
		{"LogSumExp", true, (*Tensor[T]).LogSumExpKeepDim},
	}
}

func testReductionsVsNaive[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := [][]int{{}, {1}, {5}, {3, 4}, {2, 1, 3}, {2, 3, 4}, {4, 1, 3, 2}, {0, 3}, {3, 0}, {300}, {2, 150}}
	for _, shape := range shapes {
		x := rdRand[T](rng, shape...)
		if len(x.st.data) > 4 {
			// Put a NaN and infinities somewhere, to check they propagate.
			x.st.data[1] = T(math.NaN())
			x.st.data[2] = T(math.Inf(1))
			x.st.data[3] = T(math.Inf(-1))
		}
		vals := rdFloats(x)
		for _, lay := range rdLayouts(x) {
			for _, axes := range rdAxisSets(len(shape)) {
				reduced := make([]bool, len(shape))
				for d := range reduced {
					reduced[d] = axes == nil
				}
				for _, a := range axes {
					reduced[(a+len(shape))%len(shape)] = true
				}
				count := 1
				for d, s := range shape {
					if reduced[d] {
						count *= s
					}
				}
				for _, r := range rdReductions[T]() {
					what := fmt.Sprintf("%s(keepdim=%v) of %s %v over axes %v", r.name, r.keepdim, lay.name, shape, axes)
					if count == 0 && (r.name == "Max" || r.name == "Min") {
						err := rdPanic(t, func() { r.fn(lay.x, axes...) })
						if !errors.Is(err, ErrShape) {
							t.Fatalf("%s: panic %v, want ErrShape", what, err)
						}
						continue
					}
					want := rdNaive(vals, shape, reduced, r.name)
					wantShape := []int{}
					for d, s := range shape {
						switch {
						case !reduced[d]:
							wantShape = append(wantShape, s)
						case r.keepdim:
							wantShape = append(wantShape, 1)
						}
					}
					got := r.fn(lay.x, axes...)
					rdCheck(t, what, got, wantShape, want, rdTol[T]())
				}
			}
		}
	}
}

func TestReductions(t *testing.T) {
	t.Run("float32", testReductionsVsNaive[float32])
	t.Run("float64", testReductionsVsNaive[float64])
}

func TestReductionsExpanded(t *testing.T) {
	// A stride-0 (expanded) axis is read repeatedly: [1 2 3] seen as 4 rows.
	x := New([]float64{1, 2, 3})
	e := x.view(0, []int{4, 3}, []int{0, 1})
	rdCheck(t, "Sum(0)", e.Sum(0), []int{3}, []float64{4, 8, 12}, 0)
	rdCheck(t, "Sum(1)", e.Sum(1), []int{4}, []float64{6, 6, 6, 6}, 0)
	rdCheck(t, "Sum()", e.Sum(), []int{}, []float64{24}, 0)
	rdCheck(t, "Max(0)", e.Max(0), []int{3}, []float64{1, 2, 3}, 0)
}

func TestReductionsHandComputed(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	a := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	tests := []struct {
		name      string
		got       *Tensor[float64]
		wantShape []int
		want      []float64
	}{
		{"Sum", a.Sum(), []int{}, []float64{21}},
		{"Sum", a.Sum(0), []int{3}, []float64{5, 7, 9}},
		{"Sum", a.SumKeepDim(1), []int{2, 1}, []float64{6, 15}},
		{"Sum", a.SumKeepDim(), []int{1, 1}, []float64{21}},
		{"Sum", a.Sum(0, 1), []int{}, []float64{21}},
		{"Mean", a.Mean(-1), []int{2}, []float64{2, 5}},
		{"Mean", New([]float64{}).Mean(), []int{}, []float64{nan}},
		{"Max", a.Max(0), []int{3}, []float64{4, 5, 6}},
		{"Min", a.MinKeepDim(-1), []int{2, 1}, []float64{1, 4}},
		{"Max", New([]float64{1, nan, 3}).Max(), []int{}, []float64{nan}},
		{"Min", New([]float64{1, nan, -inf}).Min(), []int{}, []float64{nan}},
		{"Max", New([]float64{-inf, -inf}).Max(), []int{}, []float64{-inf}},
		{"Sum", Scalar(2.5).Sum(), []int{}, []float64{2.5}},
		{"Sum", Scalar(2.5).Sum(0), []int{}, []float64{2.5}},
		{"Sum", Scalar(2.5).SumKeepDim(-1), []int{}, []float64{2.5}},
		{"Sum", Zeros[float64](0, 3).Sum(0), []int{3}, []float64{0, 0, 0}},
		// logsumexp([1,2,3]) = 3 + log(1 + e^-1 + e^-2) = 3.40760596444438 (SEMANTICS.md §3.1).
		{"LogSumExp", New([]float64{1, 2, 3}).LogSumExp(), []int{}, []float64{3.40760596444438}},
		{"LogSumExp", New([]float64{-inf, -inf}).LogSumExp(), []int{}, []float64{-inf}},
		{"LogSumExp", New([]float64{inf, 1}).LogSumExp(), []int{}, []float64{inf}},
		{"LogSumExp", New([]float64{-inf, inf}).LogSumExp(), []int{}, []float64{inf}},
		{"LogSumExp", New([]float64{nan, 1}).LogSumExp(), []int{}, []float64{nan}},
		// 1000 + log 2: the naive formula would overflow.
		{"LogSumExp", New([]float64{1000, 1000}).LogSumExp(), []int{}, []float64{1000.6931471805599}},
		{"LogSumExp", New([]float64{-1000, -1000}, 1, 2).LogSumExpKeepDim(1), []int{1, 1}, []float64{-999.3068528194401}},
		{"LogSumExp", Zeros[float64](0).LogSumExp(), []int{}, []float64{-inf}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdCheck(t, tt.name, tt.got, tt.wantShape, tt.want, 1e-14)
		})
	}
}

func TestSumFloat32Accuracy(t *testing.T) {
	// 2^24 + 1 + 1 + ... is where a float32 running sum stops growing: with
	// 1<<20 ones after 2^24 a float32 accumulator returns 2^24, the exact
	// answer is 2^24 + 2^20 (representable in float32).
	n := 1 << 20
	data := make([]float32, n+1)
	data[0] = 1 << 24
	for i := 1; i <= n; i++ {
		data[i] = 1
	}
	x := New(data)
	if got, want := x.Sum().Item(), float32(1<<24+1<<20); got != want {
		t.Errorf("Sum of 2^24 and 2^20 ones: got %v, want %v", got, want)
	}
	col := x.view(0, []int{n + 1, 1}, []int{1, 1}) // non-row layout, general path
	if got, want := col.Sum(0).Item(), float32(1<<24+1<<20); got != want {
		t.Errorf("Sum(0) of a column of 2^24 and 2^20 ones: got %v, want %v", got, want)
	}
}

func TestReductionErrors(t *testing.T) {
	x := Zeros[float64](2, 3)
	tests := []struct {
		name string
		fn   func()
		want error
	}{
		{"Sum", func() { x.Sum(0, 0) }, ErrAxis},
		{"Sum", func() { x.SumKeepDim(1, -1) }, ErrAxis},
		{"Sum", func() { x.Sum(2) }, ErrAxis},
		{"Mean", func() { x.Mean(-3) }, ErrAxis},
		{"Max", func() { x.Max(0, -2) }, ErrAxis},
		{"Max", func() { Zeros[float64](0, 3).Max(0) }, ErrShape},
		{"Min", func() { Zeros[float64](0).Min() }, ErrShape},
		{"LogSumExp", func() { x.LogSumExp(5) }, ErrAxis},
		{"ArgMax", func() { x.ArgMax(2) }, ErrAxis},
		{"ArgMin", func() { Zeros[float64](3, 0).ArgMin(1) }, ErrShape},
		{"ArgMaxAll", func() { Zeros[float64](0).ArgMaxAll() }, ErrShape},
		{"Softmax", func() { x.Softmax(2) }, ErrAxis},
		{"LogSoftmax", func() { x.LogSoftmax(-3) }, ErrAxis},
		{"SumTo", func() { x.SumTo(4) }, ErrShape},
		{"SumTo", func() { x.SumTo(3, 3) }, ErrShape},
		{"SumTo", func() { x.SumTo(1, 2, 3) }, ErrShape},
		{"SumTo", func() { x.SumTo(2, 1, 3) }, ErrShape},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rdPanic(t, tt.fn)
			if !errors.Is(err, tt.want) {
				t.Fatalf("panic %v, want %v", err, tt.want)
			}
			if err.Op != tt.name && err.Op != tt.name+"KeepDim" {
				t.Errorf("panic names op %q, want %q", err.Op, tt.name)
			}
		})
	}
}

func TestArgMaxArgMin(t *testing.T) {
	nan := math.NaN()
	ties := New([]float64{1, 3, 3, 2, 2, 0}, 2, 3)
	tests := []struct {
		name      string
		got       *Tensor[float64]
		wantShape []int
		want      []float64
	}{
		// First occurrence on ties, as torch's CPU kernel.
		{"ArgMax", ties.ArgMax(1), []int{2}, []float64{1, 0}},
		{"ArgMax", ties.ArgMax(-1), []int{2}, []float64{1, 0}},
		{"ArgMin", ties.ArgMin(1), []int{2}, []float64{0, 2}},
		{"ArgMax", ties.ArgMax(0), []int{3}, []float64{1, 0, 0}},
		{"ArgMin", ties.ArgMin(0), []int{3}, []float64{0, 1, 1}},
		// NaN wins for both, and the first NaN.
		{"ArgMax", New([]float64{1, nan, 3, nan}).ArgMax(0), []int{}, []float64{1}},
		{"ArgMin", New([]float64{1, nan, -3, nan}).ArgMin(0), []int{}, []float64{1}},
		{"ArgMax", Scalar(5.0).ArgMax(0), []int{}, []float64{0}},
		{"ArgMin", Zeros[float64](0, 2).ArgMin(1), []int{0}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdCheck(t, tt.name, tt.got, tt.wantShape, tt.want, 0)
		})
	}
	all := []struct {
		name string
		got  int
		want int
	}{
		{"ArgMaxAll", ties.ArgMaxAll(), 1},
		{"ArgMinAll", ties.ArgMinAll(), 5},
		{"ArgMaxAll", New([]float64{1, 2, nan, 9, nan}).ArgMaxAll(), 2},
		{"ArgMinAll", New([]float64{1, 2, nan, -9}).ArgMinAll(), 2},
		{"ArgMaxAll", Scalar(1.0).ArgMaxAll(), 0},
		// Row-major position in a transposed view: ties.T() is
		// [[1 2] [3 2] [3 0]], whose first 3 is at position 2.
		{"ArgMaxAll", ties.view(0, []int{3, 2}, []int{1, 3}).ArgMaxAll(), 2},
		{"ArgMinAll", ties.view(0, []int{3, 2}, []int{1, 3}).ArgMinAll(), 5},
	}
	for _, tt := range all {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}

// rdNaiveArg returns the index along axis of the extreme of each lane of
// the row-major values x of shape, with NaN winning and ties going first.
func rdNaiveArg(x []float64, shape []int, axis int, isMax bool) []float64 {
	var out []float64
	rest := slices.Delete(slices.Clone(shape), axis, axis+1)
	strides := contiguousStrides(shape)
	for _, idx := range rdIndices(rest) {
		full := slices.Insert(slices.Clone(idx), axis, 0)
		best := -1
		var bv float64
		for j := range shape[axis] {
			full[axis] = j
			o := 0
			for d, v := range full {
				o += v * strides[d]
			}
			v := x[o]
			switch {
			case best >= 0 && math.IsNaN(bv):
			case best < 0, math.IsNaN(v), isMax && v > bv, !isMax && v < bv:
				best, bv = j, v
			}
		}
		out = append(out, float64(best))
	}
	return out
}

func testArgVsNaive[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, shape := range [][]int{{5}, {3, 4}, {2, 3, 4}, {2, 1, 5}} {
		x := rdRand[T](rng, shape...)
		for i := range x.st.data {
			x.st.data[i] = T(math.Round(float64(x.st.data[i]))) // make ties likely
		}
		vals := rdFloats(x)
		for _, lay := range rdLayouts(x) {
			for axis := -len(shape); axis < len(shape); axis++ {
				ax := (axis + len(shape)) % len(shape)
				rest := slices.Delete(slices.Clone(shape), ax, ax+1)
				what := fmt.Sprintf("%s %v axis %d", lay.name, shape, axis)
				rdCheck(t, "ArgMax of "+what, lay.x.ArgMax(axis), rest, rdNaiveArg(vals, shape, ax, true), 0)
				rdCheck(t, "ArgMin of "+what, lay.x.ArgMin(axis), rest, rdNaiveArg(vals, shape, ax, false), 0)
			}
			flat := []int{len(vals)}
			if got, want := lay.x.ArgMaxAll(), int(rdNaiveArg(vals, flat, 0, true)[0]); got != want {
				t.Errorf("ArgMaxAll of %s %v = %d, want %d", lay.name, shape, got, want)
			}
			if got, want := lay.x.ArgMinAll(), int(rdNaiveArg(vals, flat, 0, false)[0]); got != want {
				t.Errorf("ArgMinAll of %s %v = %d, want %d", lay.name, shape, got, want)
			}
		}
	}
}

func TestArgVsNaive(t *testing.T) {
	t.Run("float32", testArgVsNaive[float32])
	t.Run("float64", testArgVsNaive[float64])
}

// rdNaiveSumTo sums the row-major values x of shape down to target the
// obvious way: each element adds into the target element it was broadcast
// from.
func rdNaiveSumTo(x []float64, shape, target []int) []float64 {
	out := make([]float64, numel(target))
	ts := contiguousStrides(target)
	lead := len(shape) - len(target)
	for i, idx := range rdIndices(shape) {
		o := 0
		for d := range target {
			if target[d] != 1 {
				o += idx[lead+d] * ts[d]
			}
		}
		out[o] += x[i]
	}
	return out
}

func TestSumTo(t *testing.T) {
	g := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	g12 := Arange[float64](0, 12, 1).view(0, []int{3, 4}, []int{4, 1})
	ones132 := Ones[float64](1, 3, 2)               // G*f of the e*f example
	ge := New([]float64{1, 2, 1, 2, 1, 2}, 1, 3, 2) // G*e of the e*f example
	ga := New([]float64{1, 4, 9, 16, 25, 36}, 2, 3) // G*a of SEMANTICS.md §2.2
	// The worked examples of SEMANTICS.md §2.2, computed with torch there.
	tests := []struct {
		name  string
		x     *Tensor[float64]
		shape []int
		want  []float64
	}{
		{"SumTo", g, []int{1, 3}, []float64{5, 7, 9}},
		{"SumTo", g, []int{2, 1}, []float64{6, 15}},
		{"SumTo", g, []int{3}, []float64{5, 7, 9}},
		{"SumTo", g12, []int{3, 1}, []float64{6, 22, 38}},
		{"SumTo", g12, []int{1, 4}, []float64{12, 15, 18, 21}},
		{"SumTo", ga, []int{}, []float64{91}},
		{"SumTo", ones132, []int{1, 1, 2}, []float64{3, 3}},
		{"SumTo", ge, []int{3, 1}, []float64{3, 3, 3}},
		{"SumTo", Ones[float64](3, 2), []int{2}, []float64{3, 3}},
		{"SumTo", Ones[float64](1, 3), []int{3}, []float64{1, 1, 1}},
		{"SumTo", Zeros[float64](0, 3), []int{1, 3}, []float64{0, 0, 0}},
		{"SumTo", Zeros[float64](0), []int{1}, []float64{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdCheck(t, fmt.Sprintf("SumTo(%v) of %v", tt.shape, tt.x.shape), tt.x.SumTo(tt.shape...), tt.shape, tt.want, 0)
		})
	}
	t.Run("SumTo", func(t *testing.T) {
		if g.SumTo(2, 3) != g {
			t.Errorf("SumTo to its own shape returned a new tensor, want the receiver")
		}
	})
	t.Run("SumTo", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		shape := []int{2, 3, 1, 4}
		x := rdRand[float64](rng, shape...)
		vals := rdFloats(x)
		targets := [][]int{{}, {1}, {4}, {1, 4}, {3, 1, 1}, {3, 1, 4}, {1, 1, 1, 1}, {2, 1, 1, 4}, {1, 3, 1, 1}, {2, 3, 1, 1}}
		for _, lay := range rdLayouts(x) {
			for _, target := range targets {
				what := fmt.Sprintf("SumTo(%v) of %s %v", target, lay.name, shape)
				rdCheck(t, what, lay.x.SumTo(target...), target, rdNaiveSumTo(vals, shape, target), 1e-13)
			}
		}
	})
}

// rdNaiveSoftmax returns softmax (or log-softmax) of the row-major values x
// of shape along axis with the textbook formula, fine for small values.
func rdNaiveSoftmax(x []float64, shape []int, axis int, log bool) []float64 {
	out := make([]float64, len(x))
	strides := contiguousStrides(shape)
	rest := slices.Delete(slices.Clone(shape), axis, axis+1)
	for _, idx := range rdIndices(rest) {
		full := slices.Insert(slices.Clone(idx), axis, 0)
		base := 0
		for d, v := range full {
			base += v * strides[d]
		}
		var s float64
		for j := range shape[axis] {
			s += math.Exp(x[base+j*strides[axis]])
		}
		for j := range shape[axis] {
			o := base + j*strides[axis]
			if log {
				out[o] = x[o] - math.Log(s)
			} else {
				out[o] = math.Exp(x[o]) / s
			}
		}
	}
	return out
}

func testSoftmaxVsNaive[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, shape := range [][]int{{1}, {5}, {3, 4}, {2, 3, 4}, {2, 1, 3}, {0, 3}} {
		x := rdRand[T](rng, shape...)
		vals := rdFloats(x)
		for _, lay := range rdLayouts(x) {
			for axis := -len(shape); axis < len(shape); axis++ {
				ax := (axis + len(shape)) % len(shape)
				what := fmt.Sprintf("of %s %v along %d", lay.name, shape, axis)
				rdCheck(t, "Softmax "+what, lay.x.Softmax(axis), shape, rdNaiveSoftmax(vals, shape, ax, false), rdTol[T]())
				rdCheck(t, "LogSoftmax "+what, lay.x.LogSoftmax(axis), shape, rdNaiveSoftmax(vals, shape, ax, true), rdTol[T]())
			}
		}
	}
}

func TestSoftmax(t *testing.T) {
	t.Run("float32", testSoftmaxVsNaive[float32])
	t.Run("float64", testSoftmaxVsNaive[float64])
	inf, nan := math.Inf(1), math.NaN()
	// Edge values from SEMANTICS.md §3.1 (torch 1.13), and by hand.
	tests := []struct {
		name string
		got  *Tensor[float64]
		want []float64
	}{
		{"Softmax", New([]float64{1, 2, 3}).Softmax(0), []float64{0.09003057317038046, 0.24472847105479767, 0.6652409557748219}},
		{"Softmax", New([]float64{-inf, -inf}).Softmax(0), []float64{nan, nan}},
		{"Softmax", New([]float64{-inf, 0}).Softmax(0), []float64{0, 1}},
		{"Softmax", New([]float64{1000, 0, -1000}).Softmax(0), []float64{1, 0, 0}},
		{"Softmax", New([]float64{nan, 0}).Softmax(-1), []float64{nan, nan}},
		{"Softmax", Scalar(7.0).Softmax(0), []float64{1}},
		{"LogSoftmax", New([]float64{1000, 0, -1000}).LogSoftmax(0), []float64{0, -1000, -2000}},
		{"LogSoftmax", New([]float64{-inf, 0}).LogSoftmax(0), []float64{-inf, 0}},
		{"LogSoftmax", New([]float64{1, 2, 3}).LogSoftmax(0), []float64{1 - 3.40760596444438, 2 - 3.40760596444438, 3 - 3.40760596444438}},
		{"LogSoftmax", Scalar(7.0).LogSoftmax(-1), []float64{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdCheck(t, tt.name, tt.got, tt.got.Shape(), tt.want, 1e-14)
		})
	}
	t.Run("Softmax", func(t *testing.T) {
		// float32: exp(1000) overflows float32, the max shift must happen
		// before anything is exponentiated.
		got := New([]float32{1000, 1000}, 1, 2).Softmax(1)
		rdCheck(t, "Softmax float32 [1000 1000]", got, []int{1, 2}, []float64{0.5, 0.5}, 0)
	})
}
