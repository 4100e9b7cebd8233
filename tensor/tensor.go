package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
)

// Float is the constraint on element types: float32 (the training default)
// and float64 (what gradient checks run in).
type Float interface {
	float32 | float64
}

// storage is the memory that a tensor and all its views share, with the
// version counter that in-place writes bump (autograd uses it to detect a
// saved tensor that was modified after it was saved).
type storage[T Float] struct {
	data    []T
	version atomic.Uint64
	// serial orders storages by creation; private and refs are the buffer
	// pool's ownership record (pool.go), touched only by the backward pass
	// that owns a private storage.
	serial  uint64
	private bool
	refs    int32
	// owner is the recorded op result this storage was made for, which
	// may give it back to the pool under BackwardOptions.ReleaseValues. It
	// is cleared when the storage is handed out (Data, Detach, Flat, ...)
	// and when the owner's graph is released, so that a storage never keeps
	// a graph alive.
	owner atomic.Pointer[Value[T]]
}

// Tensor is an n-dimensional strided array of T. Several tensors (views) may
// share one storage; element (i0, i1, ...) of t lives at
// storage[offset + i0*strides[0] + i1*strides[1] + ...]. Strides may be 0
// (an expanded dimension). A Tensor carries no autograd state: see Value.
type Tensor[T Float] struct {
	st     *storage[T]
	off    int
	shape  []int
	stride []int
	// inline backs shape and stride for tensors of up to inlineDims
	// dimensions, so that making a tensor does not allocate them
	// separately: small tensors are made by the thousand per training step.
	inline [2 * inlineDims]int
}

const inlineDims = 4

// block is a fresh tensor allocated together with its storage header: one
// allocation instead of two.
type block[T Float] struct {
	t  Tensor[T]
	st storage[T]
}

// wrap returns a contiguous tensor over data, which it takes ownership of.
// shape is copied.
func wrap[T Float](data []T, shape []int) *Tensor[T] {
	b := &block[T]{}
	b.init(data, shape)
	return &b.t
}

// init makes b's tensor a contiguous one over data, of the given shape.
func (b *block[T]) init(data []T, shape []int) {
	b.st.data = data
	b.st.serial = storageSerial.Add(1)
	b.t.st = &b.st
	b.t.setLayout(shape, nil)
}

// constBlock is a new tensor, its storage header and the constant Value
// holding it, allocated together. Gradient rules return their results as
// such Values: one allocation instead of two is a few percent of a small
// network's training step.
type constBlock[T Float] struct {
	v Value[T]
	block[T]
}

// allocConst returns Const(alloc(shape)) in one allocation: a Value
// holding a new contiguous tensor whose elements are unspecified, for a
// rule's result that a kernel overwrites completely.
//
// A result of up to smallConst elements (a bias gradient, a small weight's,
// a scalar seed) is carried in the same allocation too: such buffers are
// below the pool's minimum, and a training step of a small network makes
// several of them.
func allocConst[T Float](shape []int) *Value[T] {
	var c *constBlock[T]
	if n := numel(shape); n <= smallConst {
		s := &smallConstBlock[T]{}
		c = &s.constBlock
		c.init(s.data[:n:n], shape)
	} else {
		c = &constBlock[T]{}
		c.init(poolFor[T]().get(n), shape)
	}
	c.v.data = &c.t
	return &c.v
}

// smallConst is the most elements that allocConst carries in its block.
const smallConst = 8

// smallConstBlock is a constBlock with the storage of a small tensor.
type smallConstBlock[T Float] struct {
	constBlock[T]
	data [smallConst]T
}

// setLayout copies shape and stride into t, inline when they fit; a nil
// stride means the contiguous strides of shape.
func (t *Tensor[T]) setLayout(shape, stride []int) {
	n := len(shape)
	if n <= inlineDims {
		t.shape = t.inline[:n:n]
		t.stride = t.inline[inlineDims : inlineDims+n : inlineDims+n]
	} else {
		t.shape = make([]int, n)
		t.stride = make([]int, n)
	}
	copy(t.shape, shape)
	if stride != nil {
		copy(t.stride, stride)
		return
	}
	s := 1
	for i := n - 1; i >= 0; i-- {
		t.stride[i] = s
		s *= shape[i]
	}
}

// empty returns a new contiguous tensor of the given shape with zeroed
// elements.
func empty[T Float](shape []int) *Tensor[T] {
	buf := poolFor[T]().get(numel(shape))
	clear(buf)
	return wrap(buf, shape)
}

// view returns a tensor sharing t's storage with the given layout.
func (t *Tensor[T]) view(off int, shape, stride []int) *Tensor[T] {
	v := &Tensor[T]{st: t.st, off: off}
	v.setLayout(shape, stride)
	return v
}

// New returns a contiguous tensor of the given shape holding a copy of data
// in row-major order. With no shape it makes a 1-D tensor of len(data)
// elements. It panics with ErrShape if len(data) differs from the number of
// elements of shape.
func New[T Float](data []T, shape ...int) *Tensor[T] {
	if shape == nil {
		shape = []int{len(data)}
	}
	checkShape("New", shape)
	if numel(shape) != len(data) {
		fail(ErrShape, "New", "%d elements do not fill shape %v (%d elements)", len(data), shape, numel(shape))
	}
	return wrap(slices.Clone(data), shape)
}

// Scalar returns a 0-d tensor holding v.
func Scalar[T Float](v T) *Tensor[T] {
	return wrap([]T{v}, []int{})
}

// Zeros returns a tensor of the given shape filled with 0. With no shape it
// is 0-d.
func Zeros[T Float](shape ...int) *Tensor[T] {
	checkShape("Zeros", shape)
	return empty[T](nonNil(shape))
}

// Ones returns a tensor of the given shape filled with 1.
func Ones[T Float](shape ...int) *Tensor[T] { return Full[T](1, shape...) }

// Full returns a tensor of the given shape filled with v.
func Full[T Float](v T, shape ...int) *Tensor[T] {
	checkShape("Full", shape)
	t := empty[T](nonNil(shape))
	for i := range t.st.data {
		t.st.data[i] = v
	}
	return t
}

// ZerosLike returns a contiguous tensor of t's shape filled with 0.
func ZerosLike[T Float](t *Tensor[T]) *Tensor[T] { return empty[T](t.shape) }

// OnesLike returns a contiguous tensor of t's shape filled with 1.
func OnesLike[T Float](t *Tensor[T]) *Tensor[T] { return Full[T](1, t.shape...) }

// Arange returns the 1-D tensor [start, start+step, ...] of the values below
// stop (above it for a negative step), as torch.arange. It panics with
// ErrArgument if step is 0.
func Arange[T Float](start, stop, step T) *Tensor[T] {
	if step == 0 {
		fail(ErrArgument, "Arange", "step must be nonzero")
	}
	n := int(math.Ceil(float64(stop-start) / float64(step)))
	n = max(n, 0)
	t := empty[T]([]int{n})
	for i := range t.st.data {
		t.st.data[i] = start + T(i)*step
	}
	return t
}

// Linspace returns n values evenly spaced from start to stop inclusive, as
// torch.linspace. It panics with ErrArgument if n is negative.
func Linspace[T Float](start, stop T, n int) *Tensor[T] {
	if n < 0 {
		fail(ErrArgument, "Linspace", "number of steps must be non-negative, got %d", n)
	}
	t := empty[T]([]int{n})
	if n == 1 {
		t.st.data[0] = start
		return t
	}
	// torch computes the first half forward from start and the second half
	// backward from stop, so both ends are exact.
	step := (float64(stop) - float64(start)) / float64(n-1)
	half := n / 2
	for i := range t.st.data {
		if i < half {
			t.st.data[i] = T(float64(start) + step*float64(i))
		} else {
			t.st.data[i] = T(float64(stop) - step*float64(n-1-i))
		}
	}
	return t
}

// Eye returns the n×n identity matrix.
func Eye[T Float](n int) *Tensor[T] {
	checkShape("Eye", []int{n})
	t := empty[T]([]int{n, n})
	for i := 0; i < n; i++ {
		t.st.data[i*n+i] = 1
	}
	return t
}

// Uniform returns a tensor of the given shape with elements drawn
// independently and uniformly from [lo, hi) using rng.
func Uniform[T Float](rng *rand.Rand, lo, hi T, shape ...int) *Tensor[T] {
	checkShape("Uniform", shape)
	t := empty[T](nonNil(shape))
	for i := range t.st.data {
		t.st.data[i] = lo + (hi-lo)*T(rng.Float64())
	}
	return t
}

// Normal returns a tensor of the given shape with elements drawn
// independently from the normal distribution N(mean, std²) using rng.
func Normal[T Float](rng *rand.Rand, mean, std T, shape ...int) *Tensor[T] {
	checkShape("Normal", shape)
	t := empty[T](nonNil(shape))
	for i := range t.st.data {
		t.st.data[i] = mean + std*T(rng.NormFloat64())
	}
	return t
}

func nonNil(shape []int) []int {
	if shape == nil {
		return []int{}
	}
	return shape
}

// Shape returns a copy of t's shape ([] for a 0-d tensor).
func (t *Tensor[T]) Shape() []int { return slices.Clone(t.shape) }

// Strides returns a copy of t's strides, in elements.
func (t *Tensor[T]) Strides() []int { return slices.Clone(t.stride) }

// Offset returns the position of t's first element in its storage.
func (t *Tensor[T]) Offset() int { return t.off }

// Dims returns the number of dimensions (0 for a scalar).
func (t *Tensor[T]) Dims() int { return len(t.shape) }

// Size returns the number of elements (1 for a scalar).
func (t *Tensor[T]) Size() int { return numel(t.shape) }

// Dim returns the size of dimension axis; a negative axis counts from the
// end. It panics with ErrAxis if axis is out of range.
func (t *Tensor[T]) Dim(axis int) int {
	return t.shape[normAxis("Dim", axis, len(t.shape))]
}

// Version returns the version counter of t's storage, which every in-place
// write through t or any tensor sharing its storage increments.
func (t *Tensor[T]) Version() uint64 { return t.st.version.Load() }

// bump records an in-place write to t's storage.
func (t *Tensor[T]) bump() { t.st.version.Add(1) }

// SharesStorage reports whether t and u are views of the same storage.
func (t *Tensor[T]) SharesStorage(u *Tensor[T]) bool { return t.st == u.st }

// IsContiguous reports whether t's elements lie in row-major order with no
// gaps (size-1 dimensions may have any stride).
func (t *Tensor[T]) IsContiguous() bool {
	s := 1
	for i := len(t.shape) - 1; i >= 0; i-- {
		if t.shape[i] != 1 && t.stride[i] != s {
			return false
		}
		s *= t.shape[i]
	}
	return true
}

// offset returns the storage position of the element at idx, which the
// caller has checked.
func (t *Tensor[T]) offset(idx []int) int {
	o := t.off
	for i, x := range idx {
		o += x * t.stride[i]
	}
	return o
}

// checkedOffset validates idx (negative entries count from the end) and
// returns the storage position of that element.
func (t *Tensor[T]) checkedOffset(op string, idx []int) int {
	if len(idx) != len(t.shape) {
		fail(ErrIndex, op, "%d indices for a tensor of shape %v", len(idx), t.shape)
	}
	o := t.off
	for i, x := range idx {
		if x < -t.shape[i] || x >= t.shape[i] {
			fail(ErrIndex, op, "index %d out of range for dimension %d of size %d (shape %v)", x, i, t.shape[i], t.shape)
		}
		if x < 0 {
			x += t.shape[i]
		}
		o += x * t.stride[i]
	}
	return o
}

// At returns the element at idx (one index per dimension; negative indices
// count from the end). It panics with ErrIndex if idx is out of range.
func (t *Tensor[T]) At(idx ...int) T { return t.st.data[t.checkedOffset("At", idx)] }

// Set writes v at idx, an in-place write that bumps the version counter. It
// panics with ErrIndex if idx is out of range.
func (t *Tensor[T]) Set(v T, idx ...int) {
	t.st.data[t.checkedOffset("Set", idx)] = v
	t.bump()
}

// Item returns the only element of a one-element tensor. It panics with
// ErrShape otherwise.
func (t *Tensor[T]) Item() T {
	if t.Size() != 1 {
		fail(ErrShape, "Item", "a tensor with %d elements (shape %v) cannot be converted to a scalar", t.Size(), t.shape)
	}
	return t.st.data[t.off]
}

// ToSlice returns a new slice with t's elements in row-major order.
func (t *Tensor[T]) ToSlice() []T {
	if t.IsContiguous() {
		return slices.Clone(t.st.data[t.off : t.off+t.Size()])
	}
	out := make([]T, 0, t.Size())
	walk(t.shape, []int{t.off}, [][]int{t.stride}, func(o []int, n int, s []int) {
		for i := 0; i < n; i++ {
			out = append(out, t.st.data[o[0]+i*s[0]])
		}
	})
	return out
}

// Clone returns a contiguous copy of t with its own storage.
func (t *Tensor[T]) Clone() *Tensor[T] {
	c := alloc[T](t.shape)
	copyStrided(c, t)
	return c
}

// Contiguous returns t itself if it is contiguous, and otherwise a
// contiguous copy.
func (t *Tensor[T]) Contiguous() *Tensor[T] {
	if t.IsContiguous() {
		return t
	}
	return t.Clone()
}

// Flat returns the storage slice that holds a contiguous t's elements in
// row-major order, shared with t: writes through it change t without
// bumping the version counter (call MarkModified after such writes). It
// panics with ErrArgument if t is not contiguous. It is the escape hatch for
// kernels outside this package (optimisers, data loaders).
func (t *Tensor[T]) Flat() []T {
	if !t.IsContiguous() {
		fail(ErrArgument, "Flat", "tensor of shape %v and strides %v is not contiguous; call Contiguous first", t.shape, t.stride)
	}
	t.escape() // the caller may keep the slice
	return t.st.data[t.off : t.off+t.Size() : t.off+t.Size()]
}

// Borrow calls f with the storage slice that holds a contiguous t's
// elements in row-major order, for reading during the call only: unlike
// Flat it does not hand the storage out, so an intermediate value read this
// way can still go back to the buffer pool after backward
// (BackwardOptions.ReleaseValues). f must not keep the slice or write to
// it. It panics with ErrArgument if t is not contiguous.
func (t *Tensor[T]) Borrow(f func(elems []T)) {
	if !t.IsContiguous() {
		fail(ErrArgument, "Borrow", "tensor of shape %v and strides %v is not contiguous; call Contiguous first", t.shape, t.stride)
	}
	f(t.st.data[t.off : t.off+t.Size() : t.off+t.Size()])
}

// MarkModified bumps the version counter after writes through Flat.
func (t *Tensor[T]) MarkModified() { t.bump() }

// walk visits the index space of shape for a group of operands that share
// it, one run of the innermost dimension at a time: for each run it calls fn
// with the storage offset at which each operand's run starts, the run length
// and each operand's innermost stride. offs[k] and strides[k] give operand
// k's base offset and strides (already broadcast to shape). Kernels put
// their tight loop inside fn; fn may be called with n == 0 never. A 0-d
// shape gives one run of length 1.
func walk(shape []int, offs []int, strides [][]int, fn func(o []int, n int, s []int)) {
	k := len(offs)
	nd := len(shape)
	if numel(shape) == 0 {
		return
	}
	cur := slices.Clone(offs)
	inner := make([]int, k)
	if nd == 0 {
		for j := range inner {
			inner[j] = 0
		}
		fn(cur, 1, inner)
		return
	}
	for j := range k {
		inner[j] = strides[j][nd-1]
	}
	n := shape[nd-1]
	idx := make([]int, nd-1)
	for {
		fn(cur, n, inner)
		// Advance the odometer over the outer dimensions.
		d := nd - 2
		for ; d >= 0; d-- {
			idx[d]++
			for j := range k {
				cur[j] += strides[j][d]
			}
			if idx[d] < shape[d] {
				break
			}
			for j := range k {
				cur[j] -= strides[j][d] * shape[d]
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}
