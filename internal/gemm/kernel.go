package gemm

import "unsafe"

// kernelFunc sets the mr×nr tile of C at c, whose rows are ldc elements
// apart, to alpha*A*B + beta*C, where A is a packed panel of k groups of mr
// elements (a column of the tile's rows of op(A) each) and B a packed panel
// of k groups of nr elements (a row of the tile's columns of op(B) each).
// When beta is 0 it must store without reading C.
type kernelFunc[T float32 | float64] func(k int, a, b, c *T, ldc int, alpha, beta T)

// arch is one micro-kernel with the tile shape it computes and the block
// sizes that suit it.
type arch[T float32 | float64] struct {
	name   string
	mr, nr int // tile of C computed by one kernel call
	// mc×kc is the packed block of A, sized for L2; kc×nr, one packed panel
	// of B, must fit in L1 beside a panel of A. mc is a multiple of mr.
	mc, kc int
	// bBytes bounds the packed block of op(B), k×nc, which is read from L3
	// by every task.
	bBytes int
	kernel kernelFunc[T]
}

// maxTile bounds mr*nr over all kernels; edge tiles are computed into a
// buffer of this size on the stack.
const maxTile = 6 * 16

// The portable kernels. The 4×4 tile keeps its 16 accumulators in the 16
// SSE registers that the Go compiler uses for floating point on amd64 (and
// in registers on the other 64-bit targets).
var (
	goArch32 = &arch[float32]{name: "go4x4", mr: 4, nr: 4, mc: 128, kc: 256, bBytes: 4 << 20, kernel: kernelGo[float32]}
	goArch64 = &arch[float64]{name: "go4x4", mr: 4, nr: 4, mc: 64, kc: 256, bBytes: 4 << 20, kernel: kernelGo[float64]}
)

// asmArch32 and asmArch64 are the assembly kernels, set by kernel_amd64.go
// when this binary has them and the CPU can run them, and nil otherwise.
var (
	asmArch32 *arch[float32]
	asmArch64 *arch[float64]
)

// activeArch returns the fastest kernel for T that this machine runs.
func activeArch[T float32 | float64]() *arch[T] {
	var z T
	switch any(z).(type) {
	case float32:
		if asmArch32 != nil {
			return any(asmArch32).(*arch[T])
		}
		return any(goArch32).(*arch[T])
	default:
		if asmArch64 != nil {
			return any(asmArch64).(*arch[T])
		}
		return any(goArch64).(*arch[T])
	}
}

// goArch returns the portable kernel for T.
func goArch[T float32 | float64]() *arch[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(goArch32).(*arch[T])
	}
	return any(goArch64).(*arch[T])
}

// kernelGo is the portable 4×4 kernelFunc.
func kernelGo[T float32 | float64](k int, a, b, c *T, ldc int, alpha, beta T) {
	as := unsafe.Slice(a, 4*k)
	bs := unsafe.Slice(b, 4*k)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
	for p := 0; p+4 <= len(as) && p+4 <= len(bs); p += 4 {
		ap := as[p : p+4 : p+4]
		bp := bs[p : p+4 : p+4]
		a0, a1, a2, a3 := ap[0], ap[1], ap[2], ap[3]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	store4(cs[0:4:4], alpha, beta, c00, c01, c02, c03)
	store4(cs[ldc:ldc+4:ldc+4], alpha, beta, c10, c11, c12, c13)
	store4(cs[2*ldc:2*ldc+4:2*ldc+4], alpha, beta, c20, c21, c22, c23)
	store4(cs[3*ldc:3*ldc+4:3*ldc+4], alpha, beta, c30, c31, c32, c33)
}

// store4 sets a row of four elements of C to alpha*(x0..x3) + beta*C.
func store4[T float32 | float64](row []T, alpha, beta T, x0, x1, x2, x3 T) {
	row = row[:4]
	if beta == 0 {
		row[0], row[1], row[2], row[3] = alpha*x0, alpha*x1, alpha*x2, alpha*x3
		return
	}
	row[0] = alpha*x0 + beta*row[0]
	row[1] = alpha*x1 + beta*row[1]
	row[2] = alpha*x2 + beta*row[2]
	row[3] = alpha*x3 + beta*row[3]
}
