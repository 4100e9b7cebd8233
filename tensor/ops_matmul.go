package tensor

// This file is the derivative table of the matrix product. Its backward is
// written with MatMul itself and the differentiable Transpose view of
// ops_shape.go (transposed operands are read in place by the kernel, not
// copied), so a create-graph backward can be differentiated again.

// MatMul returns the matrix product of a and b with torch.matmul's rules:
// 1-D @ 1-D is the dot product (0-d); 2-D @ 2-D the matrix product; a 1-D
// a is a (1,k) row and a 1-D b a (k,1) column, the added dimension removed
// from the result; further leading dimensions are batch dimensions, which
// broadcast: (5,1,2,3) @ (4,3,6) -> (5,4,2,6). It panics with ErrShape if
// either operand is 0-d, if the inner sizes differ or if the batch
// dimensions do not broadcast.
//
// Gradients: da = g @ bᵀ, db = aᵀ @ g, with 1-D operands treated as (1,k)
// and (k,1) and the added dimension removed again, and batch dimensions that
// were broadcast summed back to the operand's shape (SEMANTICS.md 2.2).
// Saves a and b.
func MatMul[T Float](a, b *Value[T]) *Value[T] { return matmul(a, b, true) }

func matmul[T Float](a, b *Value[T], rec bool) *Value[T] {
	out := record("MatMul", a.data.MatMul(b.data), rec, []*Value[T]{a, b}, func(g *Value[T], create bool) []*Value[T] {
		return matmulBackward(g, a, b, create)
	})
	out.save(a, b)
	return out
}

// matmulBackward returns da and db (nil for an operand that does not
// require a gradient).
func matmulBackward[T Float](g, a, b *Value[T], create bool) []*Value[T] {
	// Lift vectors to matrices, and g to the unreduced result shape
	// batch+(m,n), so that one pair of formulas serves every rank.
	a2, b2, g2 := a, b, g
	aVec, bVec := len(a.data.shape) == 1, len(b.data.shape) == 1
	if aVec {
		a2 = reshape(a, []int{1, a.data.shape[0]}, create)
	}
	if bVec {
		b2 = reshape(b, []int{b.data.shape[0], 1}, create)
	}
	if aVec || bVec {
		gs := append([]int{}, g.data.shape...)
		switch {
		case aVec && bVec:
			gs = []int{1, 1}
		case aVec:
			gs = append(gs[:len(gs)-1], 1, gs[len(gs)-1])
		default:
			gs = append(gs, 1)
		}
		g2 = reshape(g, gs, create)
	}

	var da, db *Value[T]
	if a.requiresGrad {
		d := unbroadcast(matmul(g2, transpose(b2, -1, -2, create), create), a2, create)
		if aVec {
			d = reshape(d, a.data.shape, create)
		}
		da = d
	}
	if b.requiresGrad {
		var d *Value[T]
		as := a2.data.shape
		if na := len(as); len(b2.data.shape) == 2 && na > 2 {
			// A shared matrix b (a Linear layer's weight): the batch of a
			// is just more rows, so fold it into one product instead of
			// computing a product per batch element and summing them.
			k, n := as[na-1], g2.data.shape[len(g2.data.shape)-1]
			rows := numel(as[:na-1])
			a2 = reshape(a2, []int{rows, k}, create)
			g2 = reshape(g2, []int{rows, n}, create)
			d = matmul(transpose(a2, 0, 1, create), g2, create)
		} else {
			d = unbroadcast(matmul(transpose(a2, -1, -2, create), g2, create), b2, create)
		}
		if bVec {
			d = reshape(d, b.data.shape, create)
		}
		db = d
	}
	return []*Value[T]{da, db}
}

// MatMul is the method form of MatMul.
func (v *Value[T]) MatMul(u *Value[T]) *Value[T] { return matmul(v, u, true) }
