package tensor

import "math"

// Unary elementwise ops. Each returns a new contiguous tensor of t's shape;
// t may have any layout. Transcendental functions compute in float64 and
// round once, so float32 results are correctly rounded (or within one ulp)
// and agree with PyTorch's float32 kernels to float32 rounding.

// Neg returns -t elementwise.
func (t *Tensor[T]) Neg() *Tensor[T] { return unary(t, negLoop[T]) }

// Exp returns e**t elementwise; it overflows to +Inf (e**89 in float32,
// e**710 in float64) and underflows to 0.
func (t *Tensor[T]) Exp() *Tensor[T] { return unary(t, expLoop[T]) }

// Log returns the natural logarithm of t elementwise: -Inf at 0 and NaN
// below it.
func (t *Tensor[T]) Log() *Tensor[T] { return unary(t, logLoop[T]) }

// Log1p returns log(1 + t) elementwise, accurate for t near 0.
func (t *Tensor[T]) Log1p() *Tensor[T] { return unary(t, log1pLoop[T]) }

// Sqrt returns the square root of t elementwise (NaN below 0, -0 at -0).
func (t *Tensor[T]) Sqrt() *Tensor[T] { return unary(t, sqrtLoop[T]) }

// Abs returns |t| elementwise (+0 at -0).
func (t *Tensor[T]) Abs() *Tensor[T] { return unary(t, absLoop[T]) }

// Sign returns 1, -1 or 0 according to the sign of each element of t.
// Sign(±0) is +0 and, as torch.sign computes it, Sign(NaN) is 0 (NumPy
// would give NaN; see pytorch/pytorch#41245).
func (t *Tensor[T]) Sign() *Tensor[T] { return unary(t, signLoop[T]) }

// Tanh returns the hyperbolic tangent of t elementwise.
func (t *Tensor[T]) Tanh() *Tensor[T] { return unary(t, tanhLoop[T]) }

// Sigmoid returns 1/(1+e**-t) elementwise. It evaluates e**x only for x <= 0
// (as e**x/(1+e**x) for negative x), so large inputs of either sign give 0
// or 1 instead of overflowing to NaN.
func (t *Tensor[T]) Sigmoid() *Tensor[T] { return unary(t, sigmoidLoop[T]) }

// ReLU returns max(t, 0) elementwise. As torch.relu, NaN stays NaN.
func (t *Tensor[T]) ReLU() *Tensor[T] { return unary(t, reluLoop[T]) }

// Clamp returns t with each element limited to [lo, hi]; pass -Inf or +Inf
// for a missing bound. A NaN element stays NaN, and if lo >
// hi every element becomes hi, as in torch.clamp.
func (t *Tensor[T]) Clamp(lo, hi T) *Tensor[T] {
	return unary(t, func(dst, x []T) { clampLoop(dst, x, lo, hi) })
}

// Square returns t*t elementwise.
func (t *Tensor[T]) Square() *Tensor[T] { return unary(t, squareLoop[T]) }

// Reciprocal returns 1/t elementwise (±Inf at ±0).
func (t *Tensor[T]) Reciprocal() *Tensor[T] { return unary(t, reciprocalLoop[T]) }

// Apply returns f applied to every element of t, in row-major order, on
// the calling goroutine (f may keep state). It is the escape hatch for
// maps this package does not provide; the named ops are faster.
func (t *Tensor[T]) Apply(f func(T) T) *Tensor[T] {
	return unaryShared(t, func(dst, x []T) { applyLoop(dst, x, f) }, false)
}

// The loops below all read x[i] before writing dst[i], so the in-place
// forms may pass the same slice twice.

func negLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = -x[i]
	}
}

func expLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = T(math.Exp(float64(x[i])))
	}
}

func logLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = T(math.Log(float64(x[i])))
	}
}

func log1pLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = T(math.Log1p(float64(x[i])))
	}
}

func sqrtLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = T(math.Sqrt(float64(x[i])))
	}
}

func absLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = T(math.Abs(float64(x[i])))
	}
}

func signLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i, v := range x {
		switch {
		case v > 0:
			dst[i] = 1
		case v < 0:
			dst[i] = -1
		default: // ±0 and NaN
			dst[i] = 0
		}
	}
}

func tanhLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = T(math.Tanh(float64(x[i])))
	}
}

func sigmoidLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		v := float64(x[i])
		if v >= 0 {
			dst[i] = T(1 / (1 + math.Exp(-v)))
		} else {
			e := math.Exp(v)
			dst[i] = T(e / (1 + e))
		}
	}
}

// reluLoop is the branch-free loop of the ReLU op (ops_unary.go): the
// same results as `if v < 0 { v = 0 }`, NaN and -0 included, at several
// times the speed, since the branch mispredicts on data of mixed sign.
func reluLoop[T Float](dst, x []T) { reluBitsLoop(dst, x) }

func clampLoop[T Float](dst, x []T, lo, hi T) {
	x = x[:len(dst)]
	for i, v := range x {
		// Comparisons with NaN are false, so a NaN element passes through.
		if v < lo {
			v = lo
		}
		if v > hi {
			v = hi
		}
		dst[i] = v
	}
}

func squareLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * x[i]
	}
}

func reciprocalLoop[T Float](dst, x []T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = 1 / x[i]
	}
}

func applyLoop[T Float](dst, x []T, f func(T) T) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = f(x[i])
	}
}
