package tensor

import (
	"github.com/chainrule/chainrule/internal/gemm"
	simd "github.com/chainrule/chainrule/internal/vec"
)

// This file is the derivative table of Linear, the op of a fully connected
// layer. It has two backwards: a plain one written with raw Tensor kernels,
// because a training step runs it for every layer and the per-op cost of
// Values (a node and a closure per intermediate) is most of a small layer's
// step; and a create-graph one composed of MatMul, Transpose, Reshape and
// Sum, so that the gradient can be differentiated again.

// Linear returns x @ wᵀ + b, PyTorch's torch.nn.functional.linear, for x of
// shape (..., in), w of shape (out, in) and b of shape (out) or nil (no
// bias). The result has shape (..., out); a 1-D x of shape (in) gives one of
// shape (out). It panics with ErrShape if w is not a matrix, if x is 0-d or
// its last dimension is not in, or if b is not of shape (out).
//
// Gradients: dx = g @ w, dw = g2ᵀ @ x2 and db = g2 summed over its rows,
// where x2 and g2 are x and g flattened to (rows, in) and (rows, out).
// Only the operands that required a gradient when Linear ran get one.
// Saves x and w.
//
// It is one primitive rather than the composite Add(MatMul(x, T(w)), b)
// for speed (DESIGN.md, rule 5): w is read transposed in place and the bias
// is added into the product instead of into a second result, dw comes out
// in w's (out, in) layout instead of as a transposed copy, and a plain
// backward records no intermediate Values.
func Linear[T Float](x, w, b *Value[T]) *Value[T] {
	if len(w.data.shape) != 2 {
		fail(ErrShape, "Linear", "weight of shape %v is not a matrix (out, in)", w.data.shape)
	}
	xs := x.data.shape
	out, in := w.data.shape[0], w.data.shape[1]
	if len(xs) == 0 || xs[len(xs)-1] != in {
		fail(ErrShape, "Linear", "input of shape %v does not end in the weight's %d input features (weight shape %v)", xs, in, w.data.shape)
	}
	if b != nil && !(len(b.data.shape) == 1 && b.data.shape[0] == out) {
		fail(ErrShape, "Linear", "bias of shape %v does not fit weight of shape %v", b.data.shape, w.data.shape)
	}

	y := linearProduct(x.data, w.data, true)
	inputs := []*Value[T]{x, w, b}
	if b != nil {
		linearAddBias(y, b.data)
	} else {
		inputs = inputs[:2]
	}
	// Whether each operand needs a gradient is fixed now, as PyTorch's
	// needs_input_grad is: a leaf's flag may change before backward.
	needX, needW := x.requiresGrad, w.requiresGrad
	needB := b != nil && b.requiresGrad
	nin := len(inputs) // not inputs itself: captured, it would go to the heap
	res := record("Linear", y, true, inputs, func(g *Value[T], create bool) []*Value[T] {
		grads := make([]*Value[T], nin)
		if create {
			linearBackwardOps(grads, g, x, w, needX, needW, needB)
		} else {
			linearBackwardKernels(grads, g.data, x.data, w.data, needX, needW, needB)
		}
		return grads
	})
	res.save(x, w)
	return res
}

// linearBackwardKernels fills grads (dx, dw and, if there is a bias, db)
// with raw kernels: no Value is made until each result is wrapped. dw and
// db are computed here rather than by Tensor.MatMul and Tensor.Sum, whose
// general bookkeeping (batch offsets for a transposed operand, a reduction
// plan) allocates more than a small layer's arithmetic costs.
func linearBackwardKernels[T Float](grads []*Value[T], g, x, w *Tensor[T], needX, needW, needB bool) {
	if needX {
		grads[0] = linearProductConst(g, w)
	}
	if !needW && !needB {
		return
	}
	out, in := w.shape[0], w.shape[1]
	rows := numel(x.shape[:len(x.shape)-1])
	g2 := linearRows(g) // (rows, out)
	if needW {
		// dw = g2ᵀ @ x2: gemm reads g2 transposed in place.
		dw := allocConst[T](w.shape)
		gemm.Gemm(true, false, out, in, rows, 1, g2, max(out, 1), linearRows(x), max(in, 1), 0, dw.data.st.data, max(in, 1))
		grads[1] = dw
	}
	if needB {
		db := allocConst[T](w.shape[:1])
		linearSumRows(db.data.st.data, g2, rows)
		grads[2] = db
	}
}

// linearRows returns t's elements in row-major order, t's own storage when
// t is contiguous and a copy otherwise; nil when t is empty, whose offset
// may lie past its storage.
func linearRows[T Float](t *Tensor[T]) []T {
	if t.Size() == 0 {
		return nil
	}
	return t.Contiguous().ewElems()
}

// linearAddBias adds b to every row of the new contiguous result y of
// Linear. It is AddInPlace without the broadcasting machinery, and without
// the version bump that y, which nothing has seen yet, does not need. A
// narrow layer's rows (up to linearNarrow columns) are too short for a
// loop per row: internal/vec adds a register's worth of columns at a time
// down the rows, in AVX assembly where the machine has it.
func linearAddBias[T Float](y, b *Tensor[T]) {
	n := b.Size()
	if y.Size() == 0 || n == 0 {
		return
	}
	bs, ys := linearRows(b), y.ewElems()
	if n > linearNarrow {
		for r := 0; r < len(ys); r += n {
			addVV(ys[r:r+n], ys[r:r+n], bs)
		}
		return
	}
	simd.AddRows(ys, bs[:n])
}

// linearNarrow is the widest layer whose bias and bias gradient are
// computed column by column rather than row by row (linearAddBias,
// linearSumRows).
const linearNarrow = 16

// linearSumRows sets d, of n elements, to the sum of the rows of g, a
// (rows, n) matrix held row-major. Each sum accumulates in float64 over
// the rows in order, exactly as Sum(0) does, so the two agree bit for bit.
// A narrow g (n up to linearNarrow) is summed down its columns by
// internal/vec, several columns at once; a wider one a block of columns
// at a time, so that the accumulators stay on the stack and g is read row
// by row.
func linearSumRows[T Float](d, g []T, rows int) {
	n := len(d)
	if n <= linearNarrow {
		simd.SumRows(d, g[:rows*n])
		return
	}
	var acc [64]float64
	for j0 := 0; j0 < n; j0 += len(acc) {
		a := acc[:min(len(acc), n-j0)]
		clear(a)
		for r := range rows {
			for j, v := range g[r*n+j0 : r*n+j0+len(a)] {
				a[j] += float64(v)
			}
		}
		for j, s := range a {
			d[j0+j] = T(s)
		}
	}
}

// linearBackwardOps is linearBackwardKernels composed of recorded ops, for
// a create-graph backward.
func linearBackwardOps[T Float](grads []*Value[T], g, x, w *Value[T], needX, needW, needB bool) {
	if needX {
		grads[0] = matmul(g, w, true)
	}
	if !needW && !needB {
		return
	}
	out, in := w.data.shape[0], w.data.shape[1]
	rows := numel(x.data.shape[:len(x.data.shape)-1])
	g2 := reshape(g, []int{rows, out}, true)
	if needW {
		grads[1] = matmul(transpose(g2, 0, 1, true), reshape(x, []int{rows, in}, true), true)
	}
	if needB {
		grads[2] = sum(g2, []int{0}, false, true)
	}
}

// linearProduct returns a @ wᵀ (transW) or a @ w for a of shape (..., k),
// calling the GEMM directly when a and w are contiguous: Tensor.MatMul's
// general path (broadcast batches, views) costs more than the arithmetic of
// a small layer. Anything else goes through MatMul, reading w transposed
// in place.
func linearProduct[T Float](a, w *Tensor[T], transW bool) *Tensor[T] {
	if !linearDirect(a, w) {
		if transW {
			return a.MatMul(w.T())
		}
		return a.MatMul(w)
	}
	var buf [inlineDims]int
	y := alloc[T](linearShape(buf[:0], a, w, transW))
	linearGemm(y, a, w, transW)
	return y
}

// linearProductConst is Const(linearProduct(a, w, false)), the input
// gradient g @ w, made as allocConst makes a rule's result.
func linearProductConst[T Float](a, w *Tensor[T]) *Value[T] {
	if !linearDirect(a, w) {
		return Const(a.MatMul(w))
	}
	var buf [inlineDims]int
	y := allocConst[T](linearShape(buf[:0], a, w, false))
	linearGemm(y.data, a, w, false)
	return y
}

// linearDirect reports whether linearProduct can hand a and w to the GEMM
// as they are.
func linearDirect[T Float](a, w *Tensor[T]) bool {
	return a.IsContiguous() && w.IsContiguous() && len(a.shape) > 0
}

// linearShape appends to buf the shape of linearProduct's result: a's,
// with its last dimension replaced by w's number of output columns.
func linearShape[T Float](buf []int, a, w *Tensor[T], transW bool) []int {
	n := w.shape[1] // a @ w: w is (k, n)
	if transW {
		n = w.shape[0] // a @ wᵀ: w is (n, k)
	}
	shape := append(buf, a.shape...)
	shape[len(shape)-1] = n
	return shape
}

// linearGemm sets y, the new contiguous result of linearProduct, to a @ wᵀ
// or a @ w for linearDirect operands.
func linearGemm[T Float](y, a, w *Tensor[T], transW bool) {
	k := a.shape[len(a.shape)-1]
	n := y.shape[len(y.shape)-1]
	rows := numel(a.shape[:len(a.shape)-1])
	if rows == 0 || n == 0 {
		return
	}
	ldw := max(w.shape[1], 1)
	gemm.Gemm(false, transW, rows, n, k, 1, linearRows(a), max(k, 1), w.st.data[w.off:w.off+w.Size()], ldw, 0, y.st.data, n)
}
