package tensor

import (
	"runtime"
	"slices"
	"sync"

	"github.com/chainrule/chainrule/internal/gemm"
)

// MatMul returns the matrix product of t and u with torch.matmul's rules:
//
//   - 1-D @ 1-D is the dot product, a 0-d tensor;
//   - 2-D @ 2-D is the matrix product, (m,k) @ (k,n) -> (m,n);
//   - a 1-D t is treated as a (1,k) row and a 1-D u as a (k,1) column, and
//     the added dimension is removed from the result: (m,k) @ (k) -> (m),
//     (k) @ (k,n) -> (n);
//   - with more dimensions, all but the last two are batch dimensions,
//     which broadcast: (5,1,2,3) @ (4,3,6) -> (5,4,2,6).
//
// Operands that are transposed views are read in place (the kernel is told
// they are transposed); only a matrix whose strides are neither row- nor
// column-major is copied first. It panics with ErrShape if either operand
// is 0-d, if the inner sizes differ or if the batch dimensions do not
// broadcast.
func (t *Tensor[T]) MatMul(u *Tensor[T]) *Tensor[T] {
	if len(t.shape) == 0 || len(u.shape) == 0 {
		fail(ErrShape, "MatMul", "both arguments to matmul need to be at least 1D, but they are %dD and %dD", len(t.shape), len(u.shape))
	}
	a, b := t, u
	aVec, bVec := len(a.shape) == 1, len(b.shape) == 1
	if aVec {
		a = a.view(a.off, []int{1, a.shape[0]}, []int{0, a.stride[0]})
	}
	if bVec {
		b = b.view(b.off, []int{b.shape[0], 1}, []int{b.stride[0], 0})
	}
	na, nb := len(a.shape), len(b.shape)
	m, k, k2, n := a.shape[na-2], a.shape[na-1], b.shape[nb-2], b.shape[nb-1]
	if k != k2 {
		msg := sprintf("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)", m, k, k2, n)
		if len(t.shape) != 2 || len(u.shape) != 2 {
			msg += sprintf(" (operand shapes %v and %v)", t.shape, u.shape)
		}
		fail(ErrShape, "MatMul", "%s", msg)
	}
	batch := broadcastShape("MatMul", a.shape[:na-2], b.shape[:nb-2])

	aTrans, lda, ok := mmLayout(m, k, a.stride[na-2], a.stride[na-1])
	if !ok {
		a = a.Clone()
		aTrans, lda, _ = mmLayout(m, k, a.stride[na-2], a.stride[na-1])
	}
	bTrans, ldb, ok := mmLayout(k, n, b.stride[nb-2], b.stride[nb-1])
	if !ok {
		b = b.Clone()
		bTrans, ldb, _ = mmLayout(k, n, b.stride[nb-2], b.stride[nb-1])
	}

	outShape := append(slices.Clone(batch), m, n)
	out := empty[T](outShape)
	nBatch := numel(batch)
	c := out.st.data
	ldc := max(n, 1)
	switch {
	case nBatch == 0 || m == 0 || n == 0 || k == 0:
		// Nothing to multiply (out is already the zeros an empty sum gives),
		// and an empty operand's offsets may lie past its storage.
	case nb == 2 && !aTrans && a.IsContiguous():
		// A shared u and a row-major t: the batch is just more rows of one
		// product, (batch*m, k) @ (k, n), as torch does for Linear layers.
		gemm.Gemm(false, bTrans, nBatch*m, n, k, 1, a.st.data[a.off:], lda, b.st.data[b.off:], ldb, 0, c, ldc)
	default:
		// Storage offsets of each batch's matrices, in result order.
		aOffs := make([]int, 0, nBatch)
		bOffs := make([]int, 0, nBatch)
		walk(batch, []int{a.off, b.off}, [][]int{
			broadcastStrides(a.shape[:na-2], a.stride[:na-2], batch),
			broadcastStrides(b.shape[:nb-2], b.stride[:nb-2], batch),
		}, func(o []int, cnt int, s []int) {
			for j := range cnt {
				aOffs = append(aOffs, o[0]+j*s[0])
				bOffs = append(bOffs, o[1]+j*s[1])
			}
		})
		one := func(i int) {
			gemm.Gemm(aTrans, bTrans, m, n, k, 1, a.st.data[aOffs[i]:], lda, b.st.data[bOffs[i]:], ldb, 0, c[i*m*n:], ldc)
		}
		mmEachBatch(nBatch, m*n*k, one)
	}

	switch {
	case aVec && bVec:
		out.shape, out.stride = []int{}, []int{}
	case aVec:
		out.shape = slices.Delete(out.shape, len(out.shape)-2, len(out.shape)-1)
		out.stride = contiguousStrides(out.shape)
	case bVec:
		out.shape = out.shape[:len(out.shape)-1]
		out.stride = contiguousStrides(out.shape)
	}
	return out
}

// mmParallelWork is the total number of multiply-adds above which a batch
// of products too small for gemm to parallelise is spread over goroutines.
// It matches gemm's own threshold for one product.
const mmParallelWork = 1 << 20

// mmEachBatch calls one(i) for each of the n products of a batch, each of
// work multiply-adds. Large products are parallelised inside gemm; a
// batch of small ones is split across goroutines here instead, each
// product writing a disjoint block of the result.
func mmEachBatch(n, work int, one func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if work > mmParallelWork || n*work <= mmParallelWork || workers <= 1 {
		for i := range n {
			one(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for i0 := 0; i0 < n; i0 += per {
		wg.Go(func() {
			for i := i0; i < min(i0+per, n); i++ {
				one(i)
			}
		})
	}
	wg.Wait()
}

// mmLayout says how gemm can read a rows×cols matrix stored with row stride
// rs and column stride cs: row-major with leading dimension ld, or, when
// trans is set, as the transpose of a row-major cols×rows matrix (a
// column-major matrix, such as the T() view of a contiguous one). The
// stride of a size-1 dimension never matters. ok is false when the
// strides are neither (for example an expanded dimension), and the caller
// must copy.
func mmLayout(rows, cols, rs, cs int) (trans bool, ld int, ok bool) {
	switch {
	case rows <= 1 && cols <= 1, rows == 0 || cols == 0:
		return false, max(cols, 1), true
	case (cs == 1 || cols == 1) && rows == 1:
		return false, cols, true
	case (cs == 1 || cols == 1) && rs >= max(cols, 1):
		return false, rs, true
	case (rs == 1 || rows == 1) && cols == 1:
		return true, rows, true
	case (rs == 1 || rows == 1) && cs >= max(rows, 1):
		return true, cs, true
	}
	return false, 0, false
}
