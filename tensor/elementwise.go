package tensor

import "slices"

// This file holds the machinery shared by every elementwise kernel: the
// unary map, the broadcasting binary op and their in-place forms. An op
// supplies loops over flat slices; the machinery decides which loop runs over
// which part of memory. Fast paths, tried in order:
//
//  1. all operands contiguous with the output's shape: one flat loop;
//  2. one operand holds a single element: a tensor-scalar loop;
//  3. the bias pattern, a contiguous (..., n) with a contiguous (n) or
//     (1, n): one flat loop per row;
//  4. anything else (transposed, sliced, expanded): a strided walk whose
//     runs still use the flat loops whenever their strides allow.
//
// The loops of the first three paths are shared between goroutines when
// they are long (parallel.go); the walk of the fourth runs on the calling
// goroutine. So does unary, whose loops are closures made by its callers:
// handing one to another goroutine would move it to the heap on every call,
// large or small.

// binaryKernel is one binary op written as loops. Only f is required; the
// loops are the op's hot paths written out so that the compiler sees the
// arithmetic instead of a call per element. A missing loop falls back to
// calling f. Every loop must tolerate dst aliasing x or y index for index,
// which the in-place forms rely on.
type binaryKernel[T Float] struct {
	f  func(x, y T) T
	vv func(dst, x, y []T)       // dst[i] = f(x[i], y[i])
	vs func(dst, x []T, s T)     // dst[i] = f(x[i], s)
	sv func(dst []T, s T, y []T) // dst[i] = f(s, y[i])
}

func (k *binaryKernel[T]) loopVV(dst, x, y []T) {
	if k.vv != nil {
		k.vv(dst, x, y)
		return
	}
	f := k.f
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = f(x[i], y[i])
	}
}

func (k *binaryKernel[T]) loopVS(dst, x []T, s T) {
	if k.vs != nil {
		k.vs(dst, x, s)
		return
	}
	f := k.f
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = f(x[i], s)
	}
}

func (k *binaryKernel[T]) loopSV(dst []T, s T, y []T) {
	if k.sv != nil {
		k.sv(dst, s, y)
		return
	}
	f := k.f
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = f(s, y[i])
	}
}

// The shared forms of the loops: on a long dst they cut it, and x and y
// alongside, into ranges for parallelFor; on a short one they are the
// loops themselves. The closure for parallelFor is made only on the long
// path, where it costs an allocation next to hundreds of kilobytes of
// work.

func (k *binaryKernel[T]) sharedVV(dst, x, y []T) {
	if len(dst) < parallelMin {
		k.loopVV(dst, x, y)
		return
	}
	parallelFor(len(dst), 1, func(lo, hi int) { k.loopVV(dst[lo:hi], x[lo:hi], y[lo:hi]) })
}

func (k *binaryKernel[T]) sharedVS(dst, x []T, s T) {
	if len(dst) < parallelMin {
		k.loopVS(dst, x, s)
		return
	}
	parallelFor(len(dst), 1, func(lo, hi int) { k.loopVS(dst[lo:hi], x[lo:hi], s) })
}

func (k *binaryKernel[T]) sharedSV(dst []T, s T, y []T) {
	if len(dst) < parallelMin {
		k.loopSV(dst, s, y)
		return
	}
	parallelFor(len(dst), 1, func(lo, hi int) { k.loopSV(dst[lo:hi], s, y[lo:hi]) })
}

// sharedRows is the bias pattern: dst[r] = f(x[r], row) when rowIsY, and
// f(row, x[r]) otherwise, for every row r of dst and x, which hold whole
// rows of len(row) elements.
func (k *binaryKernel[T]) sharedRows(dst, x, row []T, rowIsY bool) {
	m := len(row)
	if len(dst) < parallelMin {
		k.loopRows(dst, x, row, rowIsY)
		return
	}
	parallelFor(len(dst)/m, m, func(lo, hi int) {
		k.loopRows(dst[lo*m:hi*m], x[lo*m:hi*m], row, rowIsY)
	})
}

func (k *binaryKernel[T]) loopRows(dst, x, row []T, rowIsY bool) {
	m := len(row)
	for r := 0; r < len(dst); r += m {
		if rowIsY {
			k.loopVV(dst[r:r+m], x[r:r+m], row)
		} else {
			k.loopVV(dst[r:r+m], row, x[r:r+m])
		}
	}
}

// binaryKernels holds the kernel of every binary op for one element type.
// Each table is built once (binaryKernels32, binaryKernels64): a kernel
// assembled inside generic code allocates a closure for each of its loops
// on every call, which costs more than the op itself on small tensors.
type binaryKernels[T Float] struct {
	add, sub, mul, div, pow, maximum, minimum binaryKernel[T]
	gt, ge, lt, le, eq, ne                    binaryKernel[T]
}

var (
	binaryKernels32 = newBinaryKernels[float32]()
	binaryKernels64 = newBinaryKernels[float64]()
)

// kernelsOf returns the kernel table for T.
func kernelsOf[T Float]() *binaryKernels[T] {
	if k, ok := any(&binaryKernels32).(*binaryKernels[T]); ok {
		return k
	}
	return any(&binaryKernels64).(*binaryKernels[T])
}

// ewElems returns the storage slice holding a contiguous t's elements.
func (t *Tensor[T]) ewElems() []T { return t.st.data[t.off : t.off+t.Size()] }

// unary returns a new contiguous tensor holding loop applied to t's
// elements. loop must tolerate dst aliasing x. From parallelMin elements
// on, the loop is shared among goroutines (parallelFor), each on its own
// range: loop must be safe to call so, as every loop of this package is.
// On two cores Exp of a million float32 takes 9.5 ms shared against 17.9
// on one goroutine (BenchmarkElementwise).
func unary[T Float](t *Tensor[T], loop func(dst, x []T)) *Tensor[T] {
	return unaryShared(t, loop, true)
}

// unaryShared is unary, with the loop kept on the calling goroutine unless
// share is set.
func unaryShared[T Float](t *Tensor[T], loop func(dst, x []T), share bool) *Tensor[T] {
	var out *Tensor[T]
	var x []T
	if t.IsContiguous() {
		out = alloc[T](t.shape) // loop writes every element
		x = t.ewElems()
	} else {
		// Gather into the output first, then transform it in place: one
		// allocation and two cache-friendly passes instead of a strided
		// loop.
		out = t.Clone()
		x = out.st.data
	}
	dst := out.st.data
	if !share || len(dst) < parallelMin {
		loop(dst, x)
		return out
	}
	parallelFor(len(dst), 1, func(lo, hi int) { loop(dst[lo:hi], x[lo:hi]) })
	return out
}

// unaryInPlace applies loop to t's elements where they lie, then bumps t's
// version once. It panics with ErrArgument, naming op, if t is expanded.
func unaryInPlace[T Float](op string, t *Tensor[T], loop func(dst, x []T)) {
	ewCheckWritable(op, t)
	if t.IsContiguous() {
		d := t.ewElems()
		loop(d, d)
		t.bump()
		return
	}
	shape, strides := ewMergeDims(t.shape, [][]int{t.stride})
	var buf []T
	walk(shape, []int{t.off}, strides, func(o []int, n int, s []int) {
		if s[0] == 1 {
			d := t.st.data[o[0] : o[0]+n]
			loop(d, d)
			return
		}
		// A strided run: gather, transform, scatter.
		buf = slices.Grow(buf[:0], n)[:n]
		for i := range buf {
			buf[i] = t.st.data[o[0]+i*s[0]]
		}
		loop(buf, buf)
		for i, v := range buf {
			t.st.data[o[0]+i*s[0]] = v
		}
	})
	t.bump()
}

// scalarInPlace writes k(t, s) into t, k's loop over a tensor and a scalar,
// then bumps t's version once. It panics with ErrArgument, naming op, if t
// is expanded.
func scalarInPlace[T Float](op string, t *Tensor[T], s T, k *binaryKernel[T]) {
	ewCheckWritable(op, t)
	if t.IsContiguous() {
		d := t.ewElems()
		k.sharedVS(d, d, s)
		t.bump()
		return
	}
	shape, strides := ewMergeDims(t.shape, [][]int{t.stride})
	data, f := t.st.data, k.f
	walk(shape, []int{t.off}, strides, func(o []int, n int, st []int) {
		if st[0] == 1 {
			d := data[o[0] : o[0]+n]
			k.loopVS(d, d, s)
			return
		}
		for i := range n {
			data[o[0]+i*st[0]] = f(data[o[0]+i*st[0]], s)
		}
	})
	t.bump()
}

// binary returns a new contiguous tensor holding k applied to a and b
// broadcast together. It panics with ErrShape, naming op, if their shapes do
// not broadcast.
func binary[T Float](op string, a, b *Tensor[T], k *binaryKernel[T]) *Tensor[T] {
	out := alloc[T](broadcastShape(op, a.shape, b.shape)) // binaryInto writes every element
	binaryInto(out, a, b, k)
	return out
}

// binaryInPlace writes k(t, u) into t, broadcasting u to t's shape, and
// bumps t's version once. It panics with ErrShape if u does not broadcast to
// t's shape and with ErrArgument if t is expanded.
func binaryInPlace[T Float](op string, t, u *Tensor[T], k *binaryKernel[T]) {
	ewCheckInto(op, t, u)
	ewCheckWritable(op, t)
	if u.st == t.st && !(u.off == t.off && slices.Equal(u.shape, t.shape) && slices.Equal(u.stride, t.stride)) {
		// u overlaps t in a different layout (a transpose of t, say): writing
		// t would change elements of u not yet read. Reading a copy is
		// always right; PyTorch refuses some of these cases instead.
		u = u.Clone()
	}
	binaryInto(t, t, u, k)
	t.bump()
}

// ewCheckInto panics unless u broadcasts to t's shape, the rule for the right
// operand of an in-place op.
func ewCheckInto[T Float](op string, t, u *Tensor[T]) {
	if slices.Equal(t.shape, u.shape) {
		return
	}
	shape := broadcastShape(op, t.shape, u.shape)
	if !slices.Equal(shape, t.shape) {
		fail(ErrShape, op, "output with shape %v doesn't match the broadcast shape %v", t.shape, shape)
	}
}

// ewCheckWritable panics with ErrArgument unless every element of t has its
// own memory location: writing through an expanded dimension would apply
// the op several times to one location. An empty t has no elements to
// collide, whatever its strides.
func ewCheckWritable[T Float](op string, t *Tensor[T]) {
	if t.Size() == 0 {
		return
	}
	for d, s := range t.stride {
		if s == 0 && t.shape[d] > 1 {
			fail(ErrArgument, op, "unsupported operation: more than one element of the written-to tensor refers to a single memory location (shape %v, strides %v); Clone the tensor before writing to it", t.shape, t.stride)
		}
	}
}

// binaryInto writes k(a, b) into dst, whose shape a and b broadcast to. dst
// may be strided and may be a itself.
func binaryInto[T Float](dst, a, b *Tensor[T], k *binaryKernel[T]) {
	n := dst.Size()
	if n == 0 {
		return
	}
	if dst.IsContiguous() {
		d := dst.ewElems()
		aFull := a.Size() == n && a.IsContiguous()
		bFull := b.Size() == n && b.IsContiguous()
		switch {
		case aFull && bFull:
			// Same number of elements as the broadcast shape means the same
			// shape up to leading 1s, so flat positions correspond.
			k.sharedVV(d, a.ewElems(), b.ewElems())
			return
		case aFull && b.Size() == 1:
			k.sharedVS(d, a.ewElems(), b.st.data[b.off])
			return
		case bFull && a.Size() == 1:
			k.sharedSV(d, a.st.data[a.off], b.ewElems())
			return
		case aFull && ewIsRow(b, dst.shape):
			k.sharedRows(d, a.ewElems(), b.ewElems(), true)
			return
		case bFull && ewIsRow(a, dst.shape):
			k.sharedRows(d, b.ewElems(), a.ewElems(), false)
			return
		}
	}
	shape, strides := ewMergeDims(dst.shape, [][]int{
		dst.stride,
		broadcastStrides(a.shape, a.stride, dst.shape),
		broadcastStrides(b.shape, b.stride, dst.shape),
	})
	data, x, y := dst.st.data, a.st.data, b.st.data
	walk(shape, []int{dst.off, a.off, b.off}, strides, func(o []int, n int, s []int) {
		od, oa, ob := o[0], o[1], o[2]
		switch {
		case s[0] == 1 && s[1] == 1 && s[2] == 1:
			k.loopVV(data[od:od+n], x[oa:oa+n], y[ob:ob+n])
		case s[0] == 1 && s[1] == 1 && s[2] == 0:
			k.loopVS(data[od:od+n], x[oa:oa+n], y[ob])
		case s[0] == 1 && s[1] == 0 && s[2] == 1:
			k.loopSV(data[od:od+n], x[oa], y[ob:ob+n])
		default:
			f := k.f
			for i := range n {
				data[od+i*s[0]] = f(x[oa+i*s[1]], y[ob+i*s[2]])
			}
		}
	})
}

// ewIsRow reports whether the contiguous tensor r is a row that broadcasts
// along every dimension of shape but the last, the bias of a linear layer:
// shape (n) or (1, n) against (..., n) with n > 1.
func ewIsRow[T Float](r *Tensor[T], shape []int) bool {
	m := r.Size()
	return m > 1 && len(shape) > 0 && len(r.shape) > 0 &&
		r.shape[len(r.shape)-1] == m && shape[len(shape)-1] == m && r.IsContiguous()
}

// ewMergeDims simplifies the index space that walk visits without changing
// which elements it pairs up: it drops size-1 dimensions and merges each
// dimension into the next inner one wherever every operand steps through
// both as through one. A strided (64, 1) column becomes one run of 64
// instead of 64 runs of one, and a (1000, 2, 2) plus a (2, 2) becomes 1000
// runs of 4 instead of 2000 runs of 2.
func ewMergeDims(shape []int, strides [][]int) ([]int, [][]int) {
	ms := make([]int, 0, len(shape))
	mst := make([][]int, len(strides))
	for j := range mst {
		mst[j] = make([]int, 0, len(shape))
	}
	// Build from the innermost dimension outwards, then reverse.
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] == 1 {
			continue
		}
		last := len(ms) - 1
		merge := last >= 0
		for j := range strides {
			if merge && strides[j][d] != mst[j][last]*ms[last] {
				merge = false
			}
		}
		if merge {
			ms[last] *= shape[d]
			continue
		}
		ms = append(ms, shape[d])
		for j := range strides {
			mst[j] = append(mst[j], strides[j][d])
		}
	}
	slices.Reverse(ms)
	for j := range mst {
		slices.Reverse(mst[j])
	}
	return ms, mst
}
