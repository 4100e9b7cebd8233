package tensor

import (
	"math"

	simd "github.com/chainrule/chainrule/internal/vec"
)

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
	if u.Size() == t.Size() && t.IsContiguous() && u.IsContiguous() && (u.st != t.st || u.off == t.off) {
		// The optimisers' case, a parameter and its gradient, has a loop
		// of its own: the general path needs a kernel made of closures
		// around alpha, which cost allocations.
		ewCheckInto("AddScaledInPlace", t, u)
		d, y := t.ewElems(), u.ewElems()
		if len(d) < parallelMin {
			axpyLoop(d, alpha, y)
		} else {
			parallelFor(len(d), 1, func(lo, hi int) { axpyLoop(d[lo:hi], alpha, y[lo:hi]) })
		}
		t.bump()
		return
	}
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

// axpyLoop adds alpha*y to dst, the product rounded before the sum
// (internal/vec, in AVX assembly where the machine has it).
func axpyLoop[T Float](dst []T, alpha T, y []T) { simd.Axpy(alpha, y, dst) }

// AddScalarInPlace adds s to every element of t. It panics with ErrArgument
// if t is expanded.
func (t *Tensor[T]) AddScalarInPlace(s T) {
	scalarInPlace("AddScalarInPlace", t, s, &kernelsOf[T]().add)
}

// MulScalarInPlace multiplies every element of t by s. It panics with
// ErrArgument if t is expanded.
func (t *Tensor[T]) MulScalarInPlace(s T) {
	scalarInPlace("MulScalarInPlace", t, s, &kernelsOf[T]().mul)
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
		switch {
		case v == 0 && !math.Signbit(float64(v)):
			// Every Zero. memclr is several times faster than a loop of
			// stores, and sharing it did not pay: 1 MiB took 20µs on one
			// goroutine and 28µs on two in cache, the same out of it.
			clear(d)
		case len(d) < parallelMin:
			fillLoop(d, v)
		default:
			parallelFor(len(d), 1, func(lo, hi int) { fillLoop(d[lo:hi], v) })
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

func fillLoop[T Float](dst []T, v T) {
	for i := range dst {
		dst[i] = v
	}
}

// Zero sets every element of t to 0. It panics with ErrArgument if t is
// expanded.
func (t *Tensor[T]) Zero() {
	ewCheckWritable("Zero", t)
	t.Fill(0)
}
