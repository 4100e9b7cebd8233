package main

import (
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/chainrule/chainrule/internal/gemm"
)

// gemmOperands returns two random n×n matrices with entries in [-1, 1) and
// an n×n result buffer.
func gemmOperands[T float32 | float64](n int) (a, b, c []T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a, b, c = make([]T, n*n), make([]T, n*n), make([]T, n*n)
	for i := range a {
		a[i] = T(2*rng.Float64() - 1)
		b[i] = T(2*rng.Float64() - 1)
	}
	return a, b, c
}

// benchGemm times C = A*B (beta = 0, C overwritten) for square n×n
// matrices with chainrule's internal/gemm, the kernel behind every
// tensor.MatMul, and with gonum's pure-Go BLAS. torch_bench.py's gemm does
// the same with torch.mm(a, b, out=c), which calls OpenBLAS.
func benchGemm[T float32 | float64](n int, budget time.Duration) (chainrule, gonumSample sample) {
	a, b, c := gemmOperands[T](n)
	chainrule = measure(budget, 2, func() {
		gemm.Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
	})
	var impl gonum.Implementation
	switch a := any(a).(type) {
	case []float32:
		b, c := any(b).([]float32), any(c).([]float32)
		gonumSample = measure(budget, 2, func() {
			impl.Sgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, b, n, 0, c, n)
		})
	case []float64:
		b, c := any(b).([]float64), any(c).([]float64)
		gonumSample = measure(budget, 2, func() {
			impl.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, b, n, 0, c, n)
		})
	}
	return chainrule, gonumSample
}
