package tensor

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The references in this file never call the code under test: they read
// elements one at a time with At, and the fixtures are laid out by hand.

// vwEachIndex calls fn with every index of shape in row-major order (once,
// with no index, for the 0-d shape). fn must not keep idx.
func vwEachIndex(shape []int, fn func(idx []int)) {
	if numel(shape) == 0 {
		return
	}
	idx := make([]int, len(shape))
	for {
		fn(idx)
		d := len(shape) - 1
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// vwRowMajor returns t's elements in row-major order, read with At.
func vwRowMajor(t *Tensor[float64]) []float64 {
	out := []float64{}
	vwEachIndex(t.shape, func(idx []int) { out = append(out, t.At(idx...)) })
	return out
}

// vwCheck fails unless got has the given shape and holds want(idx) at
// every idx.
func vwCheck(t *testing.T, got *Tensor[float64], shape []int, want func(idx []int) float64) {
	t.Helper()
	if diff := cmp.Diff(shape, got.Shape()); diff != "" {
		t.Fatalf("shape: got %v, want %v", got.Shape(), shape)
	}
	vwEachIndex(shape, func(idx []int) {
		if g, w := got.At(idx...), want(idx); g != w {
			t.Errorf("at %v: got %v, want %v", idx, g, w)
		}
	})
}

// vwFixture is a tensor in a particular layout.
type vwFixture struct {
	name string
	t    *Tensor[float64]
}

// vwRaw returns a tensor with exactly the given layout over data.
func vwRaw(data []float64, off int, shape, stride []int) *Tensor[float64] {
	return &Tensor[float64]{st: &storage[float64]{data: data}, off: off, shape: shape, stride: stride}
}

// vwValue is a distinct, nonzero element for each index of a small shape.
func vwValue(idx []int) float64 {
	v := 1.0
	for _, x := range idx {
		v = 10*v + float64(x)
	}
	return v
}

// vwLayouts returns tensors of the given shape in four layouts: contiguous;
// column-major, as a transposed contiguous tensor is; a window of a larger
// storage with gaps in every dimension and an offset, as a sliced tensor
// is; and with axis 0 expanded (stride 0), as a broadcast tensor is. All but
// the expanded one hold vwValue(idx) at idx; the expanded one holds vwValue of
// idx with idx[0] set to 0.
func vwLayouts(shape []int) []vwFixture {
	n := len(shape)
	fill := func(size, off int, stride []int, v func([]int) float64) *Tensor[float64] {
		data := make([]float64, size)
		for i := range data {
			data[i] = -1 // never read
		}
		t := vwRaw(data, off, slices.Clone(shape), stride)
		vwEachIndex(shape, func(idx []int) { data[t.offset(idx)] = v(idx) })
		return t
	}
	rowStride := make([]int, n)
	colStride := make([]int, n)
	gapStride := make([]int, n)
	s, c, g := 1, 1, 2
	for d := n - 1; d >= 0; d-- {
		rowStride[d], gapStride[d] = s, g
		s *= shape[d]
		g *= shape[d] + 1
	}
	for d := range n {
		colStride[d] = c
		c *= shape[d]
	}
	out := []vwFixture{
		{"contiguous", fill(numel(shape), 0, rowStride, vwValue)},
		{"transposed", fill(numel(shape), 0, colStride, vwValue)},
		{"sliced", fill(3+g, 3, gapStride, vwValue)},
	}
	if n > 0 {
		expStride := slices.Clone(rowStride)
		expStride[0] = 0
		flat := func(idx []int) float64 {
			i := slices.Clone(idx)
			i[0] = 0
			return vwValue(i)
		}
		out = append(out, vwFixture{"expanded", fill(numel(shape[1:]), 0, expStride, flat)})
	}
	return out
}

func TestLayoutsFixture(t *testing.T) {
	// The fixtures must have the layouts their names claim.
	for _, f := range vwLayouts([]int{2, 3, 4}) {
		t.Run(f.name, func(t *testing.T) {
			want := map[string]bool{"contiguous": true}[f.name]
			if got := f.t.IsContiguous(); got != want {
				t.Errorf("IsContiguous: got %v, want %v (strides %v)", got, want, f.t.stride)
			}
		})
	}
}

func TestReshape(t *testing.T) {
	// Strides worked by hand through PyTorch's computeStride.
	tests := []struct {
		name   string
		in     *Tensor[float64]
		shape  []int
		want   []int // shape of the result
		stride []int // nil: a copy is expected
	}{
		{"contiguous/merge", vwLayouts([]int{2, 3, 4})[0].t, []int{6, 4}, []int{6, 4}, []int{4, 1}},
		{"contiguous/infer", vwLayouts([]int{2, 3, 4})[0].t, []int{4, -1}, []int{4, 6}, []int{6, 1}},
		{"contiguous/flat", vwLayouts([]int{2, 3, 4})[0].t, []int{-1}, []int{24}, []int{1}},
		{"transposed/merge", vwLayouts([]int{2, 3, 4})[1].t, []int{6, 4}, []int{6, 4}, nil},
		{"transposed/split", vwLayouts([]int{2, 3, 4})[1].t, []int{2, 3, 2, 2}, []int{2, 3, 2, 2}, []int{1, 2, 12, 6}},
		{"transposed/unit", vwLayouts([]int{2, 3, 4})[1].t, []int{1, 2, 3, 4}, []int{1, 2, 3, 4}, []int{2, 1, 2, 6}},
		{"transposed/flat", vwLayouts([]int{2, 3, 4})[1].t, []int{24}, []int{24}, nil},
		{"sliced/split", vwLayouts([]int{2, 3, 4})[2].t, []int{2, 3, 2, 2}, []int{2, 3, 2, 2}, []int{40, 10, 4, 2}},
		{"sliced/merge", vwLayouts([]int{2, 3, 4})[2].t, []int{2, 12}, []int{2, 12}, nil},
		{"expanded/split", vwLayouts([]int{3, 4})[3].t, []int{3, 2, 2}, []int{3, 2, 2}, []int{0, 2, 1}},
		{"expanded/unit", vwLayouts([]int{3, 4})[3].t, []int{3, 4, 1}, []int{3, 4, 1}, []int{0, 1, 1}},
		{"expanded/flat", vwLayouts([]int{3, 4})[3].t, []int{12}, []int{12}, nil},
		{"scalar/up", Scalar(7.0), []int{1, 1}, []int{1, 1}, []int{1, 1}},
		{"scalar/same", Scalar(7.0), nil, []int{}, []int{}},
		{"one/down", New([]float64{7}), nil, []int{}, []int{}},
		{"empty", Zeros[float64](0, 3), []int{3, 0}, []int{3, 0}, []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run("Reshape/"+tt.name, func(t *testing.T) {
			got := tt.in.Reshape(tt.shape...)
			if diff := cmp.Diff(tt.want, got.Shape()); diff != "" {
				t.Fatalf("shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(vwRowMajor(tt.in), vwRowMajor(got)); diff != "" {
				t.Errorf("elements (-in +got):\n%s", diff)
			}
			if view := got.SharesStorage(tt.in); view != (tt.stride != nil) {
				t.Fatalf("SharesStorage: got %v, want %v", view, tt.stride != nil)
			}
			if tt.stride == nil {
				if !got.IsContiguous() {
					t.Errorf("copy is not contiguous: strides %v", got.Strides())
				}
				return
			}
			if diff := cmp.Diff(tt.stride, got.Strides()); diff != "" {
				t.Errorf("strides (-want +got):\n%s", diff)
			}
		})
		t.Run("View/"+tt.name, func(t *testing.T) {
			if tt.stride == nil {
				vwWantPanic(t, ErrShape, func() { tt.in.View(tt.shape...) })
				return
			}
			got := tt.in.View(tt.shape...)
			if diff := cmp.Diff(tt.stride, got.Strides()); diff != "" {
				t.Errorf("strides (-want +got):\n%s", diff)
			}
			if !got.SharesStorage(tt.in) {
				t.Errorf("View copied")
			}
		})
	}
}

func TestReshapeLayouts(t *testing.T) {
	for _, f := range vwLayouts([]int{2, 3, 4}) {
		for _, shape := range [][]int{{24}, {4, 6}, {2, 12}, {3, 8}, {2, 3, 2, 2}, {1, 24, 1}, {4, 3, 2}} {
			t.Run(fmt.Sprintf("Reshape/%s/%v", f.name, shape), func(t *testing.T) {
				got := f.t.Reshape(shape...)
				if diff := cmp.Diff(vwRowMajor(f.t), vwRowMajor(got)); diff != "" {
					t.Errorf("elements (-in +got):\n%s", diff)
				}
			})
		}
		t.Run("Flatten/"+f.name, func(t *testing.T) {
			got := f.t.Flatten()
			if diff := cmp.Diff([]int{24}, got.Shape()); diff != "" {
				t.Fatalf("shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(vwRowMajor(f.t), vwRowMajor(got)); diff != "" {
				t.Errorf("elements (-in +got):\n%s", diff)
			}
		})
	}
	if got := Scalar(3.0).Flatten(); !slices.Equal(got.Shape(), []int{1}) || got.At(0) != 3 {
		t.Errorf("Flatten of a scalar: got %v, want [3] of shape [1]", got)
	}
}

func TestTranspose(t *testing.T) {
	for _, f := range vwLayouts([]int{2, 3, 4}) {
		for _, ab := range [][2]int{{0, 1}, {0, 2}, {1, 2}, {2, 0}, {-1, 0}, {1, 1}} {
			t.Run(fmt.Sprintf("Transpose/%s/%v", f.name, ab), func(t *testing.T) {
				a, b := (ab[0]+3)%3, (ab[1]+3)%3
				shape := []int{2, 3, 4}
				shape[a], shape[b] = shape[b], shape[a]
				vwCheck(t, f.t.Transpose(ab[0], ab[1]), shape, func(idx []int) float64 {
					i := slices.Clone(idx)
					i[a], i[b] = i[b], i[a]
					return f.t.At(i...)
				})
			})
		}
	}
	t.Run("Transpose/scalar", func(t *testing.T) {
		vwCheck(t, Scalar(5.0).Transpose(0, -1), []int{}, func([]int) float64 { return 5 })
	})
}

func TestPermute(t *testing.T) {
	for _, f := range vwLayouts([]int{2, 3, 4}) {
		for _, p := range [][]int{{0, 1, 2}, {2, 0, 1}, {1, 2, 0}, {2, 1, 0}, {-1, -3, -2}} {
			t.Run(fmt.Sprintf("Permute/%s/%v", f.name, p), func(t *testing.T) {
				in := []int{2, 3, 4}
				shape := make([]int, 3)
				for i, a := range p {
					shape[i] = in[(a+3)%3]
				}
				vwCheck(t, f.t.Permute(p...), shape, func(idx []int) float64 {
					i := make([]int, 3)
					for k, a := range p {
						i[(a+3)%3] = idx[k]
					}
					return f.t.At(i...)
				})
			})
		}
	}
	t.Run("Permute/scalar", func(t *testing.T) {
		vwCheck(t, Scalar(5.0).Permute(), []int{}, func([]int) float64 { return 5 })
	})
}

func TestT(t *testing.T) {
	for _, f := range vwLayouts([]int{3, 4}) {
		t.Run("T/"+f.name, func(t *testing.T) {
			vwCheck(t, f.t.T(), []int{4, 3}, func(idx []int) float64 { return f.t.At(idx[1], idx[0]) })
		})
	}
	t.Run("T/vector", func(t *testing.T) {
		vwCheck(t, New([]float64{1, 2, 3}).T(), []int{3}, func(idx []int) float64 { return float64(idx[0] + 1) })
	})
	t.Run("T/scalar", func(t *testing.T) {
		vwCheck(t, Scalar(5.0).T(), []int{}, func([]int) float64 { return 5 })
	})
}

func TestSlice(t *testing.T) {
	// Expected positions worked by hand from Python's range(size)[start:stop:step].
	tests := []struct {
		axis, start, stop, step int
		pos                     []int // kept positions along axis
	}{
		{2, 0, 4, 1, []int{0, 1, 2, 3}},
		{2, 1, -1, 1, []int{1, 2}},
		{2, 0, 4, 2, []int{0, 2}},
		{2, 1, 4, 2, []int{1, 3}},
		{2, 0, 4, 3, []int{0, 3}},
		{2, -10, 10, 2, []int{0, 2}},
		{2, -1, 4, 1, []int{3}},
		{2, 3, 1, 1, []int{}},
		{2, 4, 4, 1, []int{}},
		{2, 9, 12, 1, []int{}},
		{-1, -3, -1, 1, []int{1, 2}},
		{1, 0, 3, 2, []int{0, 2}},
		{-2, 1, 100, 5, []int{1}},
		{0, -1, 2, 1, []int{1}},
		{0, 0, 0, 1, []int{}},
	}
	for _, f := range vwLayouts([]int{2, 3, 4}) {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("Slice/%s/%d:%d:%d@%d", f.name, tt.start, tt.stop, tt.step, tt.axis), func(t *testing.T) {
				a := (tt.axis + 3) % 3
				shape := []int{2, 3, 4}
				shape[a] = len(tt.pos)
				got := f.t.Slice(tt.axis, tt.start, tt.stop, tt.step)
				vwCheck(t, got, shape, func(idx []int) float64 {
					i := slices.Clone(idx)
					i[a] = tt.pos[idx[a]]
					return f.t.At(i...)
				})
				if !got.SharesStorage(f.t) {
					t.Errorf("Slice copied")
				}
			})
		}
	}
}

func TestSliceEmptyStaysInStorage(t *testing.T) {
	// Slicing an empty slice again must not move the offset past the
	// storage, or Flat and ToSlice would slice out of range.
	x := Zeros[float64](2, 3).Slice(0, 2, 2, 1).Slice(1, 3, 3, 1).Unsqueeze(0)
	if x.Offset() > 6 {
		t.Errorf("Offset: got %d, want <= 6", x.Offset())
	}
	if got := x.ToSlice(); len(got) != 0 {
		t.Errorf("ToSlice: got %v, want []", got)
	}
}

func TestSelect(t *testing.T) {
	shape := []int{2, 3, 4}
	for _, f := range vwLayouts(shape) {
		for axis := -3; axis < 3; axis++ {
			a := (axis + 3) % 3
			for index := -shape[a]; index < shape[a]; index++ {
				t.Run(fmt.Sprintf("Select/%s/%d@%d", f.name, index, axis), func(t *testing.T) {
					want := slices.Delete(slices.Clone(shape), a, a+1)
					vwCheck(t, f.t.Select(axis, index), want, func(idx []int) float64 {
						return f.t.At(slices.Insert(slices.Clone(idx), a, (index+shape[a])%shape[a])...)
					})
				})
			}
		}
	}
	t.Run("Select/vector", func(t *testing.T) {
		vwCheck(t, New([]float64{1, 2, 3}).Select(0, -1), []int{}, func([]int) float64 { return 3 })
	})
}

func TestIndexSelect(t *testing.T) {
	shape := []int{2, 3, 4}
	for _, f := range vwLayouts(shape) {
		for _, tt := range []struct {
			axis    int
			indices []int
		}{
			{0, []int{1, 0}},
			{1, []int{2, 0, 2, 2}},
			{2, []int{3}},
			{-1, []int{}},
			{-2, []int{0, 1, 2}},
		} {
			t.Run(fmt.Sprintf("IndexSelect/%s/%v@%d", f.name, tt.indices, tt.axis), func(t *testing.T) {
				a := (tt.axis + 3) % 3
				want := slices.Clone(shape)
				want[a] = len(tt.indices)
				got := f.t.IndexSelect(tt.axis, tt.indices)
				vwCheck(t, got, want, func(idx []int) float64 {
					i := slices.Clone(idx)
					i[a] = tt.indices[idx[a]]
					return f.t.At(i...)
				})
				if got.SharesStorage(f.t) || !got.IsContiguous() {
					t.Errorf("IndexSelect must return a new contiguous tensor")
				}
			})
		}
	}
	t.Run("IndexSelect/scalar", func(t *testing.T) {
		vwCheck(t, Scalar(5.0).IndexSelect(0, []int{0}), []int{}, func([]int) float64 { return 5 })
	})
}

// TestIndexSelectInto checks that gathering into a destination gives what
// IndexSelect gives, for every source layout and for a contiguous and a
// transposed destination, bumps the destination's version, allocates
// nothing, and refuses a destination that does not fit.
func TestIndexSelectInto(t *testing.T) {
	shape := []int{2, 3, 4}
	for _, f := range vwLayouts(shape) {
		for _, tt := range []struct {
			axis    int
			indices []int
		}{{0, []int{1, 0, 1}}, {1, []int{2, 0}}, {-1, []int{3, 3, 1}}} {
			want := f.t.IndexSelect(tt.axis, tt.indices)
			dsts := map[string]*Tensor[float64]{
				"contiguous": Full(-1.0, want.Shape()...),
				"transposed": Full(-1.0, want.Shape()[2], want.Shape()[1], want.Shape()[0]).Permute(2, 1, 0),
			}
			for name, dst := range dsts {
				t.Run(fmt.Sprintf("%s/%v@%d/%s", f.name, tt.indices, tt.axis, name), func(t *testing.T) {
					v := dst.Version()
					f.t.IndexSelectInto(dst, tt.axis, tt.indices)
					if diff := cmp.Diff(want.ToSlice(), dst.ToSlice()); diff != "" {
						t.Errorf("elements (-IndexSelect +IndexSelectInto):\n%s", diff)
					}
					if dst.Version() == v {
						t.Errorf("the destination's version was not bumped")
					}
				})
			}
		}
	}
	t.Run("scalar", func(t *testing.T) {
		dst := Scalar(0.0)
		Scalar(5.0).IndexSelectInto(dst, 0, []int{0})
		if got := dst.Item(); got != 5 {
			t.Errorf("got %v, want 5", got)
		}
	})
	t.Run("allocations", func(t *testing.T) {
		src := Uniform[float32](rand.New(rand.NewPCG(1, 2)), 0, 1, 1000, 784)
		dst := Zeros[float32](64, 784)
		idx := rand.New(rand.NewPCG(3, 4)).Perm(1000)[:64]
		if n := testing.AllocsPerRun(10, func() { src.IndexSelectInto(dst, 0, idx) }); n != 0 {
			t.Errorf("gathering a batch into a tensor allocates %v times; want 0", n)
		}
	})
	src := Arange(0.0, 24, 1).Reshape(2, 3, 4)
	for name, tt := range map[string]struct {
		dst     *Tensor[float64]
		indices []int
		want    error
	}{
		"wrong size along axis": {Zeros[float64](3, 3, 4), []int{0, 1}, ErrShape},
		"wrong other size":      {Zeros[float64](2, 2, 4), []int{0, 1}, ErrShape},
		"wrong rank":            {Zeros[float64](2, 12), []int{0, 1}, ErrShape},
		"expanded":              {Zeros[float64](1, 3, 4).Expand(2, 3, 4), []int{0, 1}, ErrArgument},
		"shares the source":     {src, []int{0, 1}, ErrArgument},
		"index out of range":    {Zeros[float64](2, 3, 4), []int{0, 2}, ErrIndex},
	} {
		t.Run(name, func(t *testing.T) {
			mustPanic(t, tt.want, func() { src.IndexSelectInto(tt.dst, 0, tt.indices) })
		})
	}
}

func TestSqueeze(t *testing.T) {
	tests := []struct {
		name  string
		shape []int
		axes  []int
		want  []int
	}{
		{"all", []int{1, 3, 1, 2}, nil, []int{3, 2}},
		{"one", []int{1, 3, 1, 2}, []int{0}, []int{3, 1, 2}},
		{"notOne", []int{1, 3, 1, 2}, []int{1}, []int{1, 3, 1, 2}},
		{"negative", []int{1, 3, 1, 2}, []int{-2, 0}, []int{3, 2}},
		{"none", []int{3, 2}, nil, []int{3, 2}},
		{"allOnes", []int{1, 1}, nil, []int{}},
		{"scalar", []int{}, nil, []int{}},
		{"scalarAxis", []int{}, []int{0}, []int{}},
	}
	for _, tt := range tests {
		for _, f := range vwLayouts(tt.shape) {
			t.Run(fmt.Sprintf("Squeeze/%s/%s", tt.name, f.name), func(t *testing.T) {
				got := f.t.Squeeze(tt.axes...)
				// Squeezing removes size-1 dimensions, so row-major order is kept.
				if diff := cmp.Diff(tt.want, got.Shape()); diff != "" {
					t.Fatalf("shape (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(vwRowMajor(f.t), vwRowMajor(got)); diff != "" {
					t.Errorf("elements (-in +got):\n%s", diff)
				}
			})
		}
	}
}

func TestUnsqueeze(t *testing.T) {
	tests := []struct {
		shape []int
		axis  int
		want  []int
	}{
		{[]int{2, 3}, 0, []int{1, 2, 3}},
		{[]int{2, 3}, 1, []int{2, 1, 3}},
		{[]int{2, 3}, 2, []int{2, 3, 1}},
		{[]int{2, 3}, -1, []int{2, 3, 1}},
		{[]int{2, 3}, -3, []int{1, 2, 3}},
		{[]int{}, 0, []int{1}},
		{[]int{}, -1, []int{1}},
	}
	for _, tt := range tests {
		for _, f := range vwLayouts(tt.shape) {
			t.Run(fmt.Sprintf("Unsqueeze/%v@%d/%s", tt.shape, tt.axis, f.name), func(t *testing.T) {
				got := f.t.Unsqueeze(tt.axis)
				if diff := cmp.Diff(tt.want, got.Shape()); diff != "" {
					t.Fatalf("shape (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(vwRowMajor(f.t), vwRowMajor(got)); diff != "" {
					t.Errorf("elements (-in +got):\n%s", diff)
				}
			})
		}
	}
	t.Run("Unsqueeze/keepsContiguous", func(t *testing.T) {
		for axis := range 3 {
			if got := Zeros[float64](2, 3).Unsqueeze(axis); !got.IsContiguous() {
				t.Errorf("axis %d: strides %v are not contiguous", axis, got.Strides())
			}
		}
	})
}

func TestExpand(t *testing.T) {
	tests := []struct {
		name   string
		in     []int
		shape  []int
		want   []int
		stride []int // for the contiguous input, from PyTorch's inferExpandGeometry
	}{
		{"lead", []int{3, 1}, []int{2, 3, 4}, []int{2, 3, 4}, []int{0, 1, 0}},
		{"keep", []int{3, 1}, []int{-1, 4}, []int{3, 4}, []int{1, 0}},
		{"same", []int{3, 1}, []int{3, 1}, []int{3, 1}, []int{1, 1}},
		{"leadOne", []int{3, 1}, []int{1, 3, 1}, []int{1, 3, 1}, []int{3, 1, 1}},
		{"toZero", []int{3, 1}, []int{3, 0}, []int{3, 0}, []int{1, 0}},
		{"scalar", []int{}, []int{2, 2}, []int{2, 2}, []int{0, 0}},
	}
	for _, tt := range tests {
		for i, f := range vwLayouts(tt.in) {
			t.Run(fmt.Sprintf("Expand/%s/%s", tt.name, f.name), func(t *testing.T) {
				got := f.t.Expand(tt.shape...)
				lead := len(tt.want) - len(tt.in)
				vwCheck(t, got, tt.want, func(idx []int) float64 {
					i := slices.Clone(idx[lead:])
					for d := range i {
						if tt.in[d] == 1 {
							i[d] = 0
						}
					}
					return f.t.At(i...)
				})
				if i == 0 {
					if diff := cmp.Diff(tt.stride, got.Strides()); diff != "" {
						t.Errorf("strides (-want +got):\n%s", diff)
					}
				}
			})
		}
	}
	t.Run("BroadcastTo", func(t *testing.T) {
		x := New([]float64{1, 2, 3})
		vwCheck(t, x.BroadcastTo(2, 3), []int{2, 3}, func(idx []int) float64 { return float64(idx[1] + 1) })
	})
}

func TestConcat(t *testing.T) {
	a := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := New([]float64{7, 8, 9}, 1, 3)
	c := New([]float64{10, 20, 30, 40}, 2, 2)
	tests := []struct {
		name  string
		axis  int
		ts    []*Tensor[float64]
		want  []float64
		shape []int
	}{
		{"rows", 0, []*Tensor[float64]{a, b}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, []int{3, 3}},
		{"cols", 1, []*Tensor[float64]{a, c}, []float64{1, 2, 3, 10, 20, 4, 5, 6, 30, 40}, []int{2, 5}},
		{"negative", -1, []*Tensor[float64]{c, a}, []float64{10, 20, 1, 2, 3, 30, 40, 4, 5, 6}, []int{2, 5}},
		{"one", 0, []*Tensor[float64]{b}, []float64{7, 8, 9}, []int{1, 3}},
		{"transposed", 0, []*Tensor[float64]{a.T(), c}, []float64{1, 4, 2, 5, 3, 6, 10, 20, 30, 40}, []int{5, 2}},
		{"sliced", 1, []*Tensor[float64]{a.Slice(1, 0, 3, 2), c.Slice(1, 1, 2, 1)}, []float64{1, 3, 20, 4, 6, 40}, []int{2, 3}},
		{"expanded", 0, []*Tensor[float64]{b.Expand(2, 3), a}, []float64{7, 8, 9, 7, 8, 9, 1, 2, 3, 4, 5, 6}, []int{4, 3}},
		{"empty", 0, []*Tensor[float64]{Zeros[float64](0, 3), b}, []float64{7, 8, 9}, []int{1, 3}},
	}
	for _, tt := range tests {
		t.Run("Concat/"+tt.name, func(t *testing.T) {
			got := ConcatTensors(tt.axis, tt.ts...)
			if diff := cmp.Diff(tt.shape, got.Shape()); diff != "" {
				t.Fatalf("shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, vwRowMajor(got)); diff != "" {
				t.Errorf("elements (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("Concat/vwLayouts", func(t *testing.T) {
		fs := vwLayouts([]int{2, 3, 4})
		ts := make([]*Tensor[float64], len(fs))
		for i, f := range fs {
			ts[i] = f.t
		}
		got := ConcatTensors(1, ts...)
		vwCheck(t, got, []int{2, 3 * len(ts), 4}, func(idx []int) float64 {
			return ts[idx[1]/3].At(idx[0], idx[1]%3, idx[2])
		})
	})
	t.Run("Concat/float32", func(t *testing.T) {
		got := ConcatTensors(0, New([]float32{1}), New([]float32{2, 3}))
		if diff := cmp.Diff([]float32{1, 2, 3}, got.ToSlice()); diff != "" {
			t.Errorf("elements (-want +got):\n%s", diff)
		}
	})
}

func TestStack(t *testing.T) {
	a := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := New([]float64{10, 20, 30, 40, 50, 60}, 2, 3)
	tests := []struct {
		name  string
		axis  int
		ts    []*Tensor[float64]
		want  []float64
		shape []int
	}{
		{"first", 0, []*Tensor[float64]{a, b}, []float64{1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}, []int{2, 2, 3}},
		{"middle", 1, []*Tensor[float64]{a, b}, []float64{1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60}, []int{2, 2, 3}},
		{"last", -1, []*Tensor[float64]{a, b}, []float64{1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60}, []int{2, 3, 2}},
		{"transposed", 0, []*Tensor[float64]{a.T(), b.T()}, []float64{1, 4, 2, 5, 3, 6, 10, 40, 20, 50, 30, 60}, []int{2, 3, 2}},
		{"scalars", 0, []*Tensor[float64]{Scalar(1.0), Scalar(2.0), Scalar(3.0)}, []float64{1, 2, 3}, []int{3}},
	}
	for _, tt := range tests {
		t.Run("Stack/"+tt.name, func(t *testing.T) {
			got := StackTensors(tt.axis, tt.ts...)
			if diff := cmp.Diff(tt.shape, got.Shape()); diff != "" {
				t.Fatalf("shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, vwRowMajor(got)); diff != "" {
				t.Errorf("elements (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCopyFrom(t *testing.T) {
	t.Run("CopyFrom/vwLayouts", func(t *testing.T) {
		for _, dst := range vwLayouts([]int{2, 3, 4})[:3] {
			for _, src := range vwLayouts([]int{2, 3, 4}) {
				t.Run(dst.name+"<-"+src.name, func(t *testing.T) {
					d := vwRaw(slices.Clone(dst.t.st.data), dst.t.off, dst.t.Shape(), dst.t.Strides())
					before := slices.Clone(d.st.data)
					d.CopyFrom(src.t)
					vwCheck(t, d, []int{2, 3, 4}, func(idx []int) float64 { return src.t.At(idx...) })
					// The gaps between d's elements stay as they were.
					inside := map[int]bool{}
					vwEachIndex(d.shape, func(idx []int) { inside[d.offset(idx)] = true })
					for i, v := range d.st.data {
						if !inside[i] && v != before[i] {
							t.Errorf("storage[%d] outside the tensor changed from %v to %v", i, before[i], v)
						}
					}
					if d.Version() != 1 {
						t.Errorf("Version: got %d, want 1", d.Version())
					}
				})
			}
		}
	})
	t.Run("CopyFrom/broadcast", func(t *testing.T) {
		d := Zeros[float64](2, 3)
		d.CopyFrom(New([]float64{1, 2, 3}))
		if diff := cmp.Diff([]float64{1, 2, 3, 1, 2, 3}, vwRowMajor(d)); diff != "" {
			t.Errorf("elements (-want +got):\n%s", diff)
		}
		d.CopyFrom(Scalar(7.0))
		if diff := cmp.Diff([]float64{7, 7, 7, 7, 7, 7}, vwRowMajor(d)); diff != "" {
			t.Errorf("elements (-want +got):\n%s", diff)
		}
	})
	t.Run("CopyFrom/view", func(t *testing.T) {
		// Writing a column through a view updates the original.
		x := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
		x.Select(1, 1).CopyFrom(New([]float64{20, 50}))
		if diff := cmp.Diff([]float64{1, 20, 3, 4, 50, 6}, vwRowMajor(x)); diff != "" {
			t.Errorf("elements (-want +got):\n%s", diff)
		}
		if x.Version() != 1 {
			t.Errorf("Version: got %d, want 1", x.Version())
		}
	})
	t.Run("CopyFrom/overlap", func(t *testing.T) {
		// The source is read as it was before the copy started.
		x := New([]float64{1, 2, 3, 4}, 2, 2)
		x.CopyFrom(x.T())
		if diff := cmp.Diff([]float64{1, 3, 2, 4}, vwRowMajor(x)); diff != "" {
			t.Errorf("elements (-want +got):\n%s", diff)
		}
		y := New([]float64{1, 2, 3, 4, 5})
		y.Slice(0, 1, 5, 1).CopyFrom(y.Slice(0, 0, 4, 1))
		if diff := cmp.Diff([]float64{1, 1, 2, 3, 4}, vwRowMajor(y)); diff != "" {
			t.Errorf("elements (-want +got):\n%s", diff)
		}
	})
}

func TestViewsShareStorage(t *testing.T) {
	// Each view is made from x = [[0 1 2 3] [4 5 6 7] [8 9 10 11]];
	// vi in the view and xi in x name the same element.
	tests := []struct {
		name   string
		view   func(x *Tensor[float64]) *Tensor[float64]
		vi, xi []int
	}{
		{"Reshape", func(x *Tensor[float64]) *Tensor[float64] { return x.Reshape(2, 6) }, []int{1, 1}, []int{1, 3}},
		{"View", func(x *Tensor[float64]) *Tensor[float64] { return x.View(4, 3) }, []int{3, 0}, []int{2, 1}},
		{"Flatten", func(x *Tensor[float64]) *Tensor[float64] { return x.Flatten() }, []int{5}, []int{1, 1}},
		{"Transpose", func(x *Tensor[float64]) *Tensor[float64] { return x.Transpose(0, 1) }, []int{3, 1}, []int{1, 3}},
		{"Permute", func(x *Tensor[float64]) *Tensor[float64] { return x.Permute(1, 0) }, []int{0, 2}, []int{2, 0}},
		{"T", func(x *Tensor[float64]) *Tensor[float64] { return x.T() }, []int{2, 2}, []int{2, 2}},
		{"Slice", func(x *Tensor[float64]) *Tensor[float64] { return x.Slice(1, 1, 4, 2) }, []int{2, 1}, []int{2, 3}},
		{"Select", func(x *Tensor[float64]) *Tensor[float64] { return x.Select(0, -1) }, []int{2}, []int{2, 2}},
		{"Squeeze", func(x *Tensor[float64]) *Tensor[float64] { return x.Slice(0, 1, 2, 1).Squeeze() }, []int{3}, []int{1, 3}},
		{"Unsqueeze", func(x *Tensor[float64]) *Tensor[float64] { return x.Unsqueeze(1) }, []int{1, 0, 2}, []int{1, 2}},
		{"Expand", func(x *Tensor[float64]) *Tensor[float64] { return x.Expand(5, -1, -1) }, []int{4, 2, 1}, []int{2, 1}},
		{"BroadcastTo", func(x *Tensor[float64]) *Tensor[float64] { return x.Select(1, 0).Unsqueeze(1).BroadcastTo(3, 4) }, []int{1, 3}, []int{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := New([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4)
			v := tt.view(x)
			if !v.SharesStorage(x) {
				t.Fatalf("the view does not share storage")
			}
			if got, want := v.At(tt.vi...), x.At(tt.xi...); got != want {
				t.Fatalf("view%v = %v, x%v = %v: not the same element", tt.vi, got, tt.xi, want)
			}
			v.Set(-1, tt.vi...)
			if got := x.At(tt.xi...); got != -1 {
				t.Errorf("after a write through the view, x%v: got %v, want -1", tt.xi, got)
			}
			x.Set(-2, tt.xi...)
			if got := v.At(tt.vi...); got != -2 {
				t.Errorf("after a write to x, view%v: got %v, want -2", tt.vi, got)
			}
			if v.Version() != 2 || x.Version() != 2 {
				t.Errorf("Version: got %d through the view and %d through x, want 2 and 2", v.Version(), x.Version())
			}
		})
	}
}

func TestViewsCopyNoElements(t *testing.T) {
	// A view of a large tensor allocates its header and a few small slices,
	// never the elements.
	x := Zeros[float64](64, 64, 64)
	ops := []struct {
		name string
		fn   func()
	}{
		{"Reshape", func() { x.Reshape(64*64, 64) }},
		{"View", func() { x.View(-1) }},
		{"Transpose", func() { x.Transpose(0, 2) }},
		{"Permute", func() { x.Permute(2, 0, 1) }},
		{"Slice", func() { x.Slice(1, 3, 60, 2) }},
		{"Select", func() { x.Select(1, 7) }},
		{"Squeeze", func() { x.Squeeze() }},
		{"Unsqueeze", func() { x.Unsqueeze(1) }},
		{"Expand", func() { x.Expand(2, -1, -1, -1) }},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, op.fn); n > 6 {
				t.Errorf("allocations per call: got %v, want <= 6", n)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 100 {
				op.fn()
			}
			runtime.ReadMemStats(&after)
			if per := (after.TotalAlloc - before.TotalAlloc) / 100; per > 1024 {
				t.Errorf("bytes allocated per call: got %d, want <= 1024 (the elements take %d)", per, 8*x.Size())
			}
		})
	}
}

// vwWantPanic fails unless fn panics with an *OpError wrapping sentinel.
func vwWantPanic(t *testing.T, sentinel error, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		err, ok := r.(error)
		if !ok {
			t.Fatalf("got panic %v, want an *OpError wrapping %v", r, sentinel)
		}
		var op *OpError
		if !errors.As(err, &op) || !errors.Is(err, sentinel) {
			t.Fatalf("got panic %v, want an *OpError wrapping %v", err, sentinel)
		}
	}()
	fn()
}

func TestViewsErrors(t *testing.T) {
	x := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	tests := []struct {
		name string
		err  error
		fn   func()
	}{
		{"Reshape/count", ErrShape, func() { x.Reshape(4) }},
		{"Reshape/indivisible", ErrShape, func() { x.Reshape(4, -1) }},
		{"Reshape/twoInferred", ErrArgument, func() { x.Reshape(-1, -1) }},
		{"Reshape/negative", ErrArgument, func() { x.Reshape(-2, -3) }},
		{"Reshape/ambiguous", ErrShape, func() { Zeros[float64](0, 3).Reshape(0, -1) }},
		{"View/strides", ErrShape, func() { x.T().View(6) }},
		{"View/count", ErrShape, func() { x.View(7) }},
		{"Transpose/axis", ErrAxis, func() { x.Transpose(0, 2) }},
		{"Transpose/negative", ErrAxis, func() { x.Transpose(-3, 0) }},
		{"Permute/repeated", ErrAxis, func() { x.Permute(1, -1) }},
		{"Permute/short", ErrAxis, func() { x.Permute(0) }},
		{"Permute/axis", ErrAxis, func() { x.Permute(0, 2) }},
		{"T/3d", ErrShape, func() { Zeros[float64](1, 2, 3).T() }},
		{"Slice/zeroStep", ErrArgument, func() { x.Slice(0, 0, 2, 0) }},
		{"Slice/negativeStep", ErrArgument, func() { x.Slice(0, 2, 0, -1) }},
		{"Slice/axis", ErrAxis, func() { x.Slice(2, 0, 1, 1) }},
		{"Slice/scalar", ErrAxis, func() { Scalar(1.0).Slice(0, 0, 1, 1) }},
		{"Select/index", ErrIndex, func() { x.Select(1, 3) }},
		{"Select/negative", ErrIndex, func() { x.Select(1, -4) }},
		{"Select/axis", ErrAxis, func() { x.Select(-3, 0) }},
		{"Select/scalar", ErrAxis, func() { Scalar(1.0).Select(0, 0) }},
		{"IndexSelect/index", ErrIndex, func() { x.IndexSelect(1, []int{0, 3}) }},
		{"IndexSelect/negative", ErrIndex, func() { x.IndexSelect(1, []int{-1}) }},
		{"IndexSelect/axis", ErrAxis, func() { x.IndexSelect(2, []int{0}) }},
		{"IndexSelect/scalar", ErrIndex, func() { Scalar(1.0).IndexSelect(0, []int{0, 0}) }},
		{"Squeeze/repeated", ErrAxis, func() { x.Squeeze(0, -2) }},
		{"Squeeze/axis", ErrAxis, func() { x.Squeeze(2) }},
		{"Unsqueeze/high", ErrAxis, func() { x.Unsqueeze(3) }},
		{"Unsqueeze/low", ErrAxis, func() { x.Unsqueeze(-4) }},
		{"Expand/size", ErrShape, func() { x.Expand(2, 4) }},
		{"Expand/fewer", ErrShape, func() { x.Expand(6) }},
		{"Expand/leadKeep", ErrArgument, func() { x.Expand(-1, 2, 3) }},
		{"Expand/negative", ErrArgument, func() { x.Expand(-2, 3) }},
		{"BroadcastTo/keep", ErrArgument, func() { x.BroadcastTo(-1, 3) }},
		{"BroadcastTo/size", ErrShape, func() { x.BroadcastTo(3, 3) }},
		{"Concat/empty", ErrArgument, func() { ConcatTensors[float64](0) }},
		{"Concat/sizes", ErrShape, func() { ConcatTensors(0, x, Zeros[float64](1, 2)) }},
		{"Concat/dims", ErrShape, func() { ConcatTensors(0, x, Zeros[float64](3)) }},
		{"Concat/scalar", ErrShape, func() { ConcatTensors(0, Scalar(1.0), Scalar(2.0)) }},
		{"Concat/axis", ErrAxis, func() { ConcatTensors(2, x, x) }},
		{"Stack/empty", ErrArgument, func() { StackTensors[float64](0) }},
		{"Stack/shapes", ErrShape, func() { StackTensors(0, x, x.T()) }},
		{"Stack/axis", ErrAxis, func() { StackTensors(3, x, x) }},
		{"CopyFrom/shape", ErrShape, func() { x.CopyFrom(Zeros[float64](2, 2)) }},
		{"CopyFrom/bigger", ErrShape, func() { Zeros[float64](3).CopyFrom(x) }},
		{"CopyFrom/expanded", ErrArgument, func() { Zeros[float64](1, 3).Expand(2, 3).CopyFrom(x) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { vwWantPanic(t, tt.err, tt.fn) })
	}
}

// FuzzViews checks that the views and Concat lose nothing: permuting and
// permuting back, reshaping and reshaping back, and cutting into slices and
// concatenating them each give back the input exactly, for any layout.
func FuzzViews(f *testing.F) {
	f.Add([]byte{2, 3, 4, 0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{3, 1, 0, 2, 3, 5, 5, 5, 9, 1})
	f.Add([]byte{0})
	f.Add([]byte{1, 0, 2, 1, 0, 0, 0})
	f.Add([]byte{4, 5, 5, 5, 5, 2, 200, 17, 3, 4, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() int {
			if len(data) == 0 {
				return 0
			}
			b := int(data[0])
			data = data[1:]
			return b
		}
		// A shape of up to 4 dims of sizes 0..5, in one of the vwFixture vwLayouts.
		shape := make([]int, next()%5)
		for d := range shape {
			shape[d] = next() % 6
		}
		fs := vwLayouts(shape)
		in := fs[next()%len(fs)].t
		want := vwRowMajor(in)
		n := len(shape)

		// Permute by a permutation drawn from the bytes, then back.
		perm := make([]int, n)
		for i := range perm {
			perm[i] = i
		}
		for i := n - 1; i > 0; i-- {
			j := next() % (i + 1)
			perm[i], perm[j] = perm[j], perm[i]
		}
		inv := make([]int, n)
		for i, p := range perm {
			inv[p] = i
		}
		p := in.Permute(perm...)
		for i, a := range perm {
			if p.Dim(i) != shape[a] {
				t.Fatalf("Permute(%v) of %v: shape %v", perm, shape, p.Shape())
			}
		}
		back := p.Permute(inv...)
		if diff := cmp.Diff(want, vwRowMajor(back)); diff != "" || !slices.Equal(back.Shape(), shape) {
			t.Fatalf("Permute(%v) then Permute(%v) of shape %v: got shape %v, elements (-want +got):\n%s", perm, inv, shape, back.Shape(), diff)
		}
		if !slices.Equal(back.Strides(), in.Strides()) {
			t.Fatalf("Permute then inverse: strides %v, want %v", back.Strides(), in.Strides())
		}

		// Reshape the permuted tensor into a shape that factors its size
		// as the bytes say, then back.
		size := numel(shape)
		var to []int
		for rest := size; rest > 1; {
			f := 2 + next()%(rest-1) // try a factor in [2, rest]
			for rest%f != 0 || len(to) == 3 && f != rest {
				f++
			}
			to = append(to, f)
			rest /= f
		}
		if size == 0 {
			to = []int{0, next() % 3}
		}
		r := p.Reshape(to...)
		if diff := cmp.Diff(vwRowMajor(p), vwRowMajor(r)); diff != "" {
			t.Fatalf("Reshape(%v) of shape %v: elements (-want +got):\n%s", to, p.Shape(), diff)
		}
		if rb := r.Reshape(p.Shape()...); !slices.Equal(rb.Shape(), p.Shape()) || !cmp.Equal(vwRowMajor(rb), vwRowMajor(p)) {
			t.Fatalf("Reshape(%v) then Reshape(%v) changed the tensor", to, p.Shape())
		}

		// Cut along an axis at points drawn from the bytes, then Concat.
		if n == 0 {
			return
		}
		axis := next() % n
		var pieces []*Tensor[float64]
		for start := 0; ; {
			stop := start + next()%3 // pieces of 0, 1 or 2
			if len(pieces) == 10 {
				stop = shape[axis] // once the bytes run out, only 0s come
			}
			pieces = append(pieces, in.Slice(axis, start, stop, 1))
			if stop >= shape[axis] {
				break
			}
			start = stop
		}
		cat := ConcatTensors(axis-n, pieces...)
		if diff := cmp.Diff(want, vwRowMajor(cat)); diff != "" || !slices.Equal(cat.Shape(), shape) {
			t.Fatalf("Concat of %d slices along %d of shape %v: got shape %v, elements (-want +got):\n%s", len(pieces), axis, shape, cat.Shape(), diff)
		}
	})
}

func BenchmarkContiguous(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x := Zeros[float32](n, n).T()
			b.ReportAllocs()
			for b.Loop() {
				x.Contiguous()
			}
		})
	}
}

func BenchmarkConcat(b *testing.B) {
	for _, n := range []int{64, 256} {
		for _, axis := range []int{0, 1} {
			b.Run(fmt.Sprintf("%dx%d/axis%d", n, n, axis), func(b *testing.B) {
				ts := []*Tensor[float32]{Zeros[float32](n, n), Zeros[float32](n, n), Zeros[float32](n, n), Zeros[float32](n, n)}
				b.ReportAllocs()
				for b.Loop() {
					ConcatTensors(axis, ts...)
				}
			})
		}
	}
}
