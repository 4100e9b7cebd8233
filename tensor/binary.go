package tensor

import (
	"math"

	simd "github.com/chainrule/chainrule/internal/vec"
)

// Binary elementwise ops. Each broadcasts its operands under NumPy's rule
// (see BroadcastShapes) and returns a new contiguous tensor. The hot ones
// spell out their loops (addVV, addVS, ...) so the arithmetic is compiled
// inline; the rest are given by their scalar function alone.

// Add returns t + u elementwise, broadcasting t and u to a common shape. It
// panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Add(u *Tensor[T]) *Tensor[T] { return binary("Add", t, u, &kernelsOf[T]().add) }

// Sub returns t - u elementwise, broadcasting t and u to a common shape. It
// panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Sub(u *Tensor[T]) *Tensor[T] { return binary("Sub", t, u, &kernelsOf[T]().sub) }

// Mul returns t * u elementwise (not the matrix product: see MatMul),
// broadcasting t and u to a common shape. It panics with ErrShape if their
// shapes do not broadcast.
func (t *Tensor[T]) Mul(u *Tensor[T]) *Tensor[T] { return binary("Mul", t, u, &kernelsOf[T]().mul) }

// Div returns t / u elementwise with IEEE semantics (x/0 is ±Inf, 0/0 is
// NaN), broadcasting t and u to a common shape. It panics with ErrShape if
// their shapes do not broadcast.
func (t *Tensor[T]) Div(u *Tensor[T]) *Tensor[T] { return binary("Div", t, u, &kernelsOf[T]().div) }

// Pow returns t raised to the power u elementwise, as math.Pow (a negative
// base with a non-integer exponent gives NaN), broadcasting t and u to a
// common shape. It panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Pow(u *Tensor[T]) *Tensor[T] {
	return binary("Pow", t, u, &kernelsOf[T]().pow)
}

// Maximum returns the elementwise maximum of t and u, broadcasting them to a
// common shape. As torch.maximum, a NaN in either operand gives NaN. It
// panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Maximum(u *Tensor[T]) *Tensor[T] {
	return binary("Maximum", t, u, &kernelsOf[T]().maximum)
}

// Minimum returns the elementwise minimum of t and u, broadcasting them to a
// common shape. As torch.minimum, a NaN in either operand gives NaN. It
// panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Minimum(u *Tensor[T]) *Tensor[T] {
	return binary("Minimum", t, u, &kernelsOf[T]().minimum)
}

// AddScalar returns t + s elementwise.
func (t *Tensor[T]) AddScalar(s T) *Tensor[T] {
	return unary(t, func(dst, x []T) { addVS(dst, x, s) })
}

// MulScalar returns t * s elementwise.
func (t *Tensor[T]) MulScalar(s T) *Tensor[T] {
	return unary(t, func(dst, x []T) { mulVS(dst, x, s) })
}

// DivScalar returns t / s elementwise. It divides rather than multiplying
// by 1/s, so results are exactly those of Div.
func (t *Tensor[T]) DivScalar(s T) *Tensor[T] {
	return unary(t, func(dst, x []T) { divVS(dst, x, s) })
}

// PowScalar returns t raised to the power p elementwise. Exponents 2 and 0.5
// are computed as x*x and a square root, as PyTorch does (correctly rounded,
// and several times faster; so PowScalar(0.5) of -Inf is NaN, not +Inf);
// any other p gives the result of math.Pow.
func (t *Tensor[T]) PowScalar(p T) *Tensor[T] {
	switch p {
	case 2:
		return unary(t, squareLoop[T])
	case 0.5:
		return unary(t, sqrtLoop[T])
	}
	return unary(t, func(dst, x []T) {
		x = x[:len(dst)]
		for i := range dst {
			dst[i] = T(math.Pow(float64(x[i]), float64(p)))
		}
	})
}

// newBinaryKernels is the table of binary kernels, built once per element
// type (see kernelsOf).
func newBinaryKernels[T Float]() binaryKernels[T] {
	return binaryKernels[T]{
		add:     binaryKernel[T]{f: func(x, y T) T { return x + y }, vv: addVV[T], vs: addVS[T], sv: addSV[T]},
		sub:     binaryKernel[T]{f: func(x, y T) T { return x - y }, vv: subVV[T], vs: subVS[T], sv: subSV[T]},
		mul:     binaryKernel[T]{f: func(x, y T) T { return x * y }, vv: mulVV[T], vs: mulVS[T], sv: mulSV[T]},
		div:     binaryKernel[T]{f: func(x, y T) T { return x / y }, vv: divVV[T], vs: divVS[T], sv: divSV[T]},
		pow:     binaryKernel[T]{f: ewPow[T]},
		maximum: binaryKernel[T]{f: ewMaximum[T]},
		minimum: binaryKernel[T]{f: ewMinimum[T]},
		gt:      maskKernel(func(x, y T) bool { return x > y }),
		ge:      maskKernel(func(x, y T) bool { return x >= y }),
		lt:      maskKernel(func(x, y T) bool { return x < y }),
		le:      maskKernel(func(x, y T) bool { return x <= y }),
		eq:      maskKernel(func(x, y T) bool { return x == y }),
		ne:      maskKernel(func(x, y T) bool { return x != y }),
	}
}

// The reslicing of x and y to len(dst) in these loops lets the compiler
// drop their bounds checks.

// addVV is in AVX assembly where the machine has it (internal/vec): a
// step's gradients are summed into the parameters' with it.
func addVV[T Float](dst, x, y []T) { simd.Add(dst, x, y) }

func addVS[T Float](dst, x []T, s T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + s
	}
}

// addSV and mulSV rely on x+y == y+x and x*y == y*x, exact in IEEE
// arithmetic.
func addSV[T Float](dst []T, s T, y []T) { addVS(dst, y, s) }

func mulSV[T Float](dst []T, s T, y []T) { mulVS(dst, y, s) }

func subVV[T Float](dst, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] - y[i]
	}
}

func subVS[T Float](dst, x []T, s T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] - s
	}
}

func subSV[T Float](dst []T, s T, y []T) {
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = s - y[i]
	}
}

func mulVV[T Float](dst, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

func mulVS[T Float](dst, x []T, s T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * s
	}
}

func divVV[T Float](dst, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] / y[i]
	}
}

func divVS[T Float](dst, x []T, s T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] / s
	}
}

func divSV[T Float](dst []T, s T, y []T) {
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = s / y[i]
	}
}

func ewPow[T Float](x, y T) T { return T(math.Pow(float64(x), float64(y))) }

// ewMaximum is torch.maximum on two elements: NaN if either is NaN, and +0
// for the pair (-0, +0) in either order, so that it is symmetric.
func ewMaximum[T Float](x, y T) T {
	switch {
	case x > y:
		return x
	case x < y:
		return y
	case x != x:
		return x
	case y != y:
		return y
	case math.Signbit(float64(x)):
		return y
	}
	return x
}

// ewMinimum is torch.minimum on two elements: NaN if either is NaN, and -0
// for the pair (-0, +0) in either order.
func ewMinimum[T Float](x, y T) T {
	switch {
	case x < y:
		return x
	case x > y:
		return y
	case x != x:
		return x
	case y != y:
		return y
	case math.Signbit(float64(x)):
		return x
	}
	return y
}
