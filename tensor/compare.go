package tensor

// Comparisons return masks of t's element type, 1 where the relation holds
// and 0 elsewhere, so that a mask multiplies straight into arithmetic (for
// example the gradient of ReLU is g.Mul(x.Gt(zero))). They broadcast like
// the arithmetic ops. A comparison with NaN is false, except Ne which is
// true.

// Gt returns the mask of t > u, broadcasting t and u to a common shape. It
// panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Gt(u *Tensor[T]) *Tensor[T] {
	return binary("Gt", t, u, &kernelsOf[T]().gt)
}

// Ge returns the mask of t >= u, broadcasting t and u to a common shape. It
// panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Ge(u *Tensor[T]) *Tensor[T] {
	return binary("Ge", t, u, &kernelsOf[T]().ge)
}

// Lt returns the mask of t < u, broadcasting t and u to a common shape. It
// panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Lt(u *Tensor[T]) *Tensor[T] {
	return binary("Lt", t, u, &kernelsOf[T]().lt)
}

// Le returns the mask of t <= u, broadcasting t and u to a common shape. It
// panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Le(u *Tensor[T]) *Tensor[T] {
	return binary("Le", t, u, &kernelsOf[T]().le)
}

// Eq returns the mask of t == u, broadcasting t and u to a common shape. It
// panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Eq(u *Tensor[T]) *Tensor[T] {
	return binary("Eq", t, u, &kernelsOf[T]().eq)
}

// Ne returns the mask of t != u, broadcasting t and u to a common shape. It
// panics with ErrShape if their shapes do not broadcast.
func (t *Tensor[T]) Ne(u *Tensor[T]) *Tensor[T] {
	return binary("Ne", t, u, &kernelsOf[T]().ne)
}

// maskKernel is the kernel of a comparison: rel as a function returning 1
// or 0.
func maskKernel[T Float](rel func(x, y T) bool) binaryKernel[T] {
	return binaryKernel[T]{f: func(x, y T) T {
		if rel(x, y) {
			return 1
		}
		return 0
	}}
}

// Where returns a tensor holding a's element where mask is nonzero and b's
// element elsewhere (a NaN in mask counts as nonzero), with mask, a and b
// broadcast together to a common shape. It panics with ErrShape if the three
// shapes do not broadcast.
func WhereTensors[T Float](mask, a, b *Tensor[T]) *Tensor[T] {
	shape, err := BroadcastShapes(mask.shape, a.shape, b.shape)
	if err != nil {
		e := err.(*OpError)
		e.Op = "Where"
		panic(e.withSite())
	}
	out := empty[T](shape)
	n := out.Size()
	if n == 0 {
		return out
	}
	d := out.st.data
	if mask.Size() == n && a.Size() == n && b.Size() == n &&
		mask.IsContiguous() && a.IsContiguous() && b.IsContiguous() {
		m, x, y := mask.ewElems(), a.ewElems()[:n], b.ewElems()[:n]
		for i := range d {
			if m[i] != 0 {
				d[i] = x[i]
			} else {
				d[i] = y[i]
			}
		}
		return out
	}
	ms, strides := ewMergeDims(shape, [][]int{
		out.stride,
		broadcastStrides(mask.shape, mask.stride, shape),
		broadcastStrides(a.shape, a.stride, shape),
		broadcastStrides(b.shape, b.stride, shape),
	})
	m, x, y := mask.st.data, a.st.data, b.st.data
	walk(ms, []int{0, mask.off, a.off, b.off}, strides, func(o []int, n int, s []int) {
		for i := range n {
			if m[o[1]+i*s[1]] != 0 {
				d[o[0]+i*s[0]] = x[o[2]+i*s[2]]
			} else {
				d[o[0]+i*s[0]] = y[o[3]+i*s[3]]
			}
		}
	})
	return out
}
