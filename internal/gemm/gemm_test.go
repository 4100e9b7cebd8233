package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// naive is the textbook triple loop that Gemm must agree with, computed in
// float64 whatever T is.
func naive[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) []float64 {
	out := make([]float64, m*n)
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				var av, bv T
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			v := float64(alpha) * s
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			out[i*n+j] = v
		}
	}
	return out
}

func randSlice[T float32 | float64](rng *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(rng.Float64()*2 - 1)
	}
	return s
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float64
	pad            int // extra elements per row beyond the minimal leading dimension
}

func (c gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d",
		c.transA, c.transB, c.m, c.n, c.k, c.alpha, c.beta, c.pad)
}

func gemmCases() []gemmCase {
	var cases []gemmCase
	sizes := [][3]int{
		{1, 1, 1}, {2, 3, 4}, {3, 1, 5}, {1, 7, 3}, {5, 4, 1}, {7, 9, 13},
		{17, 5, 130},   // k spans two k-blocks, with a remainder of 2 (not a multiple of 4)
		{3, 600, 9},    // n spans two n-blocks
		{20, 33, 7},    // m large enough to pack B
		{130, 100, 90}, // m*n*k above the parallel threshold
	}
	for _, s := range sizes {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, ab := range [][2]float64{{1, 0}, {0.5, 2}, {-1.5, 1}} {
					for _, pad := range []int{0, 3} {
						cases = append(cases, gemmCase{tA, tB, s[0], s[1], s[2], ab[0], ab[1], pad})
					}
				}
			}
		}
	}
	return cases
}

func runGemmCase[T float32 | float64](t *testing.T, rng *rand.Rand, tc gemmCase, tol float64) {
	t.Helper()
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := ac+tc.pad, bc+tc.pad, tc.n+tc.pad
	a := randSlice[T](rng, ar*lda)
	b := randSlice[T](rng, br*ldb)
	c := randSlice[T](rng, tc.m*ldc)
	want := naive(tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), c, ldc)
	padding := make([]T, 0, len(c))
	for i := range tc.m {
		padding = append(padding, c[i*ldc+tc.n:i*ldc+ldc]...)
	}
	Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), c, ldc)
	for i := range tc.m {
		for j := range tc.n {
			got, w := float64(c[i*ldc+j]), want[i*tc.n+j]
			if math.Abs(got-w) > tol*(1+math.Abs(w))*math.Sqrt(float64(tc.k+1)) {
				t.Fatalf("Gemm(%v): C[%d][%d] = %v, want %v", tc, i, j, got, w)
			}
		}
		// The padding between rows of C belongs to someone else.
		for j, v := range c[i*ldc+tc.n : i*ldc+ldc] {
			if v != padding[i*tc.pad+j] {
				t.Fatalf("Gemm(%v): wrote padding element C[%d][%d]", tc, i, tc.n+j)
			}
		}
	}
}

func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range gemmCases() {
		t.Run("float64/"+tc.String(), func(t *testing.T) { runGemmCase[float64](t, rng, tc, 1e-13) })
		t.Run("float32/"+tc.String(), func(t *testing.T) { runGemmCase[float32](t, rng, tc, 1e-6) })
	}
}

func TestGemmBetaZeroOverwritesNaN(t *testing.T) {
	a := []float64{1, 2, 3, 4} // 2x2
	b := []float64{5, 6, 7, 8} // 2x2
	c := []float64{math.NaN(), math.Inf(1), math.NaN(), math.NaN()}
	Gemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2)
	want := []float64{19, 22, 43, 50}
	for i := range c {
		if c[i] != want[i] {
			t.Fatalf("Gemm with beta=0 over NaN: got %v, want %v", c, want)
		}
	}
}

func TestGemmDegenerate(t *testing.T) {
	t.Run("k=0 scales C by beta", func(t *testing.T) {
		c := []float32{1, 2, 3, 4, 5, 6}
		Gemm[float32](false, false, 2, 3, 0, 1, nil, 1, nil, 3, 2, c, 3)
		want := []float32{2, 4, 6, 8, 10, 12}
		for i := range c {
			if c[i] != want[i] {
				t.Fatalf("got %v, want %v", c, want)
			}
		}
	})
	t.Run("alpha=0 does not read A or B", func(t *testing.T) {
		nan := math.NaN()
		a := []float64{nan, nan}
		b := []float64{nan, nan}
		c := []float64{1, 2, 3, 4}
		Gemm(false, false, 2, 2, 1, 0, a, 1, b, 2, 0.5, c, 2)
		want := []float64{0.5, 1, 1.5, 2}
		for i := range c {
			if c[i] != want[i] {
				t.Fatalf("got %v, want %v", c, want)
			}
		}
	})
	t.Run("m=0 and n=0 touch nothing", func(t *testing.T) {
		Gemm[float64](false, false, 0, 3, 2, 1, nil, 2, make([]float64, 6), 3, 0, nil, 3)
		Gemm[float64](false, false, 3, 0, 2, 1, make([]float64, 6), 2, nil, 1, 0, nil, 1)
	})
}

func TestGemmPanics(t *testing.T) {
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"negative size", func() { Gemm[float64](false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) }, "negative size"},
		{"small lda", func() {
			Gemm(false, false, 2, 2, 3, 1, make([]float64, 6), 2, make([]float64, 6), 2, 0, make([]float64, 4), 2)
		}, "lda = 2"},
		{"small ldb transposed", func() {
			Gemm(false, true, 2, 3, 2, 1, make([]float64, 4), 2, make([]float64, 6), 1, 0, make([]float64, 6), 3)
		}, "ldb = 1"},
		{"short c", func() {
			Gemm(false, false, 2, 2, 2, 1, make([]float64, 4), 2, make([]float64, 4), 2, 0, make([]float64, 3), 2)
		}, "len(c) = 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.Contains(msg, tt.want) {
					t.Fatalf("panic = %v, want a message containing %q", r, tt.want)
				}
			}()
			tt.call()
		})
	}
}

func benchGemm[T float32 | float64](b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(3, 4))
	a, bb, c := randSlice[T](rng, n*n), randSlice[T](rng, n*n), make([]T, n*n)
	b.ReportAllocs()
	for b.Loop() {
		Gemm(false, false, n, n, n, 1, a, n, bb, n, 0, c, n)
	}
	b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkGemm(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		b.Run(fmt.Sprintf("float32/n=%d", n), func(b *testing.B) { benchGemm[float32](b, n) })
		b.Run(fmt.Sprintf("float64/n=%d", n), func(b *testing.B) { benchGemm[float64](b, n) })
	}
}
