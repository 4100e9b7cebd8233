package vec

// Axpy adds a*x[i] to y[i], BLAS's axpy, with each product rounded before
// the sum, never fused into an FMA, as the optimisers' update step and
// tensor's AddScaledInPlace document. The assembly and the Go loop agree
// bit for bit (TestAxpyBits). x and y must have the same length.
func Axpy[T float32 | float64](a T, x, y []T) {
	x = x[:len(y)]
	var n int
	switch yy := any(y).(type) {
	case []float32:
		n = axpy32(any(a).(float32), any(x).([]float32), yy)
	case []float64:
		n = axpy64(any(a).(float64), any(x).([]float64), yy)
	}
	axpyGo(a, x[n:], y[n:])
}

// axpyGo is Axpy's Go loop; the conversion T(...) forbids the compiler to
// fuse the product into the sum.
func axpyGo[T float32 | float64](a T, x, y []T) {
	x = x[:len(y)]
	for i := range y {
		y[i] += T(a * x[i])
	}
}

// Add sets dst[i] = x[i] + y[i]. The assembly and the Go loop agree bit for
// bit (TestAddBits). The three slices must have the same length, and dst
// may be x or y but must not overlap them otherwise.
func Add[T float32 | float64](dst, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	var n int
	switch d := any(dst).(type) {
	case []float32:
		n = add32(d, any(x).([]float32), any(y).([]float32))
	case []float64:
		n = add64(d, any(x).([]float64), any(y).([]float64))
	}
	addGo(dst[n:], x[n:], y[n:])
}

func addGo[T float32 | float64](dst, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}
