package tensor

// Fused plain backwards of elementwise ops. A rule composed of Values
// (mul(out, out), neg, addScalar, mul) makes a temporary per step, each a
// pass over memory and a buffer that the pool never sees again; a plain
// backward (no CreateGraph) does the same arithmetic, in the same order and
// with the same roundings, in one loop. The T(...) conversions force each
// product to be rounded before it is added, as the composed form rounds
// it, so that the compiler may not fuse a multiply-add on machines with
// FMA: results stay bit-identical to the composed rule (TestFusedGrads).

// fusable reports whether y is contiguous and g, of y's shape, is either
// contiguous too or one element broadcast everywhere (the gradient that
// Sum and Mean pass back).
func fusable[T Float](g, y *Tensor[T]) bool {
	if !y.IsContiguous() || !equalShape(g.shape, y.shape) {
		return false
	}
	return g.IsContiguous() || broadcastScalar(g)
}

func broadcastScalar[T Float](t *Tensor[T]) bool {
	for _, s := range t.stride {
		if s != 0 {
			return false
		}
	}
	return true
}

// fusedGrad returns f(g, y) elementwise for a fusable pair, as the
// constant Value that a rule returns.
func fusedGrad[T Float](g, y *Tensor[T], f func(gs, ys, rs []T)) *Value[T] {
	r := allocConst[T](y.shape)
	n := y.Size()
	ys, rs := y.ewElems(), r.data.st.data[:n]
	if g.IsContiguous() {
		f(g.ewElems()[:n], ys, rs)
		return r
	}
	// One gradient value for every element: f over a short run of it.
	var run [256]T
	for i := range run {
		run[i] = g.st.data[g.off]
	}
	for lo := 0; lo < n; lo += len(run) {
		hi := min(lo+len(run), n)
		f(run[:hi-lo], ys[lo:hi], rs[lo:hi])
	}
	return r
}

// tanhGrad returns g*(1 - y²) for y = tanh(x).
func tanhGrad[T Float](g, y *Tensor[T]) *Value[T] {
	return fusedGrad(g, y, func(gs, ys, rs []T) {
		ys, rs = ys[:len(gs)], rs[:len(gs)]
		for i, gv := range gs {
			yv := ys[i]
			rs[i] = gv * (-T(yv*yv) + 1)
		}
	})
}

// sigmoidGrad returns g*(y*(1 - y)) for y = sigmoid(x).
func sigmoidGrad[T Float](g, y *Tensor[T]) *Value[T] {
	return fusedGrad(g, y, func(gs, ys, rs []T) {
		ys, rs = ys[:len(gs)], rs[:len(gs)]
		for i, gv := range gs {
			yv := ys[i]
			rs[i] = gv * T(yv*(-yv+1))
		}
	})
}
