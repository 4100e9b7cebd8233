package tensor

// In-place ops write their result into t and return nothing. Each bumps the
// version counter of t's storage exactly once, so that autograd can tell a
// tensor saved for backward was modified afterwards. They work on any
// layout of t (a transpose, a slice) and write through to the storage t
// shares with its views. Only the right operand broadcasts, to t's own shape,
// as in PyTorch. Every op refuses an expanded t (one with a stride-0
// dimension of size > 1) with ErrArgument, because one memory location would
// receive the op several times.

// AddInPlace adds u to t elementwise, broadcasting u to t's shape. It panics
// with ErrShape if u does not broadcast to t's shape and with ErrArgument if
// t is expanded.
func (t *Tensor[T]) AddInPlace(u *Tensor[T]) { binaryInPlace("AddInPlace", t, u, &kernelsOf[T]().add) }

// SubInPlace subtracts u from t elementwise, broadcasting u to t's shape. It
// panics with ErrShape if u does not broadcast to t's shape and with
// ErrArgument if t is expanded.
func (t *Tensor[T]) SubInPlace(u *Tensor[T]) { binaryInPlace("SubInPlace", t, u, &kernelsOf[T]().sub) }

// MulInPlace multiplies t by u elementwise, broadcasting u to t's shape. It
// panics with ErrShape if u does not broadcast to t's shape and with
// ErrArgument if t is expanded.
func (t *Tensor[T]) MulInPlace(u *Tensor[T]) { binaryInPlace("MulInPlace", t, u, &kernelsOf[T]().mul) }

// DivInPlace divides t by u elementwise, broadcasting u to t's shape. It
// panics with ErrShape if u does not broadcast to t's shape and with
// ErrArgument if t is expanded.
func (t *Tensor[T]) DivInPlace(u *Tensor[T]) { binaryInPlace("DivInPlace", t, u, &kernelsOf[T]().div) }

// AddScaledInPlace adds alpha*u to t elementwise (BLAS's axpy, the update
// step of the optimisers), broadcasting u to t's shape. The product is
// rounded before the sum, never fused, so results are the same on every
// platform. It panics with ErrShape if u does not broadcast to t's shape and
// with ErrArgument if t is expanded.
func (t *Tensor[T]) AddScaledInPlace(alpha T, u *Tensor[T]) {
	binaryInPlace("AddScaledInPlace", t, u, &binaryKernel[T]{
		// The conversions T(...) forbid the compiler to fuse into an FMA.
		f: func(x, y T) T { return x + T(alpha*y) },
		vv: func(dst, x, y []T) {
			x, y = x[:len(dst)], y[:len(dst)]
			for i := range dst {
				dst[i] = x[i] + T(alpha*y[i])
			}
		},
		vs: func(dst, x []T, s T) { addVS(dst, x, T(alpha*s)) },
	})
}

// AddScalarInPlace adds s to every element of t. It panics with ErrArgument
// if t is expanded.
func (t *Tensor[T]) AddScalarInPlace(s T) {
	unaryInPlace("AddScalarInPlace", t, func(dst, x []T) { addVS(dst, x, s) })
}

// MulScalarInPlace multiplies every element of t by s. It panics with
// ErrArgument if t is expanded.
func (t *Tensor[T]) MulScalarInPlace(s T) {
	unaryInPlace("MulScalarInPlace", t, func(dst, x []T) { mulVS(dst, x, s) })
}

// ClampInPlace limits every element of t to [lo, hi], as Clamp. It panics
// with ErrArgument if t is expanded.
func (t *Tensor[T]) ClampInPlace(lo, hi T) {
	unaryInPlace("ClampInPlace", t, func(dst, x []T) { clampLoop(dst, x, lo, hi) })
}

// ApplyInPlace replaces every element x of t by f(x), visiting them in
// row-major order. It panics with ErrArgument if t is expanded.
func (t *Tensor[T]) ApplyInPlace(f func(T) T) {
	unaryInPlace("ApplyInPlace", t, func(dst, x []T) { applyLoop(dst, x, f) })
}

// Fill sets every element of t to v. It panics with ErrArgument if t is
// expanded (PyTorch's fill_ would allow it; this package keeps one rule for
// every in-place write).
func (t *Tensor[T]) Fill(v T) {
	ewCheckWritable("Fill", t)
	if t.IsContiguous() {
		d := t.ewElems()
		for i := range d {
			d[i] = v
		}
		t.bump()
		return
	}
	shape, strides := ewMergeDims(t.shape, [][]int{t.stride})
	walk(shape, []int{t.off}, strides, func(o []int, n int, s []int) {
		for i := range n {
			t.st.data[o[0]+i*s[0]] = v
		}
	})
	t.bump()
}

// Zero sets every element of t to 0. It panics with ErrArgument if t is
// expanded.
func (t *Tensor[T]) Zero() {
	ewCheckWritable("Zero", t)
	t.Fill(0)
}
