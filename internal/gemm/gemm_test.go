package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
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

// arches returns every kernel for T that this binary can run on this
// machine: the assembly one (unless built with purego or on a CPU without
// AVX2 and FMA) and the portable one.
func arches[T float32 | float64]() []*arch[T] {
	if a := activeArch[T](); a != goArch[T]() {
		return []*arch[T]{a, goArch[T]()}
	}
	return []*arch[T]{goArch[T]()}
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float64
	pad            int // extra elements per row beyond the minimal leading dimension
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// operands makes random A, B and C for tc, with the padding between rows
// of each filled too.
func (tc gemmCase) operands(rng *rand.Rand) (lda, ldb, ldc int, sizes [3]int) {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc = max(1, ac)+tc.pad, max(1, bc)+tc.pad, max(1, tc.n)+tc.pad
	return lda, ldb, ldc, [3]int{ar * lda, br * ldb, tc.m * ldc}
}

// gemmSizes are the shapes every kernel is checked on: every size up to 17
// (so every remainder of every tile shape, alone and combined), primes,
// m != n != k, and sizes on both sides of the block sizes and of the
// threshold for splitting work across goroutines.
func gemmSizes() [][3]int {
	var sizes [][3]int
	for s := 1; s <= 17; s++ {
		sizes = append(sizes, [3]int{s, s, s}, [3]int{s, s%17 + 1, (s*7)%17 + 1}, [3]int{(s*5)%17 + 1, s, (s*3)%17 + 1})
	}
	return append(sizes,
		[3]int{13, 31, 7}, [3]int{31, 7, 13}, [3]int{7, 13, 31}, [3]int{37, 41, 43},
		[3]int{1, 97, 61}, [3]int{97, 1, 61}, [3]int{61, 97, 1}, // vector shapes
		[3]int{17, 5, 255}, [3]int{6, 16, 257}, [3]int{5, 33, 513}, // k around kc and 2*kc
		[3]int{145, 17, 11}, [3]int{289, 9, 5}, [3]int{73, 9, 20}, // m around mc
		[3]int{2, 4097, 3}, [3]int{3, 2041, 2}, // n around nc
		[3]int{130, 100, 90}, [3]int{67, 131, 257}, // split across goroutines
		[3]int{7, 1009, 101}, [3]int{1009, 7, 101}, // split by columns, by rows
	)
}

func gemmCases() []gemmCase {
	var cases []gemmCase
	for i, s := range gemmSizes() {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				ab := [][2]float64{{1, 0}, {0.5, 2}, {-1.5, 1}, {2, -0.25}}[i%4]
				cases = append(cases, gemmCase{tA, tB, s[0], s[1], s[2], ab[0], ab[1], (i % 3) * 2})
			}
		}
	}
	return cases
}

func runGemmCase[T float32 | float64](t *testing.T, ar *arch[T], rng *rand.Rand, tc gemmCase, tol float64) {
	t.Helper()
	lda, ldb, ldc, sizes := tc.operands(rng)
	a := randSlice[T](rng, sizes[0])
	b := randSlice[T](rng, sizes[1])
	c := randSlice[T](rng, sizes[2])
	if tc.beta == 0 {
		// beta == 0 must overwrite whatever C holds, NaN included.
		for i := range tc.m {
			for j := range tc.n {
				c[i*ldc+j] = T(math.NaN())
			}
		}
	}
	want := naive(tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), c, ldc)
	orig := append([]T(nil), c...)
	gemm(ar, tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), c, ldc)
	for i := range tc.m {
		for j := range tc.n {
			got, w := float64(c[i*ldc+j]), want[i*tc.n+j]
			if !(math.Abs(got-w) <= tol*(1+math.Abs(w))*math.Sqrt(float64(tc.k+1))) {
				t.Fatalf("%s Gemm(%v): C[%d][%d] = %v, want %v", ar.name, tc, i, j, got, w)
			}
		}
		// The padding between rows of C belongs to someone else.
		for j := tc.n; j < ldc && i*ldc+j < len(c); j++ {
			if c[i*ldc+j] != orig[i*ldc+j] {
				t.Fatalf("%s Gemm(%v): wrote padding element C[%d][%d]", ar.name, tc, i, j)
			}
		}
	}
}

func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range gemmCases() {
		for _, ar := range arches[float64]() {
			t.Run("float64/"+ar.name+"/"+tc.String(), func(t *testing.T) { runGemmCase(t, ar, rng, tc, 1e-13) })
		}
		for _, ar := range arches[float32]() {
			t.Run("float32/"+ar.name+"/"+tc.String(), func(t *testing.T) { runGemmCase(t, ar, rng, tc, 1e-6) })
		}
	}
}

// TestGemmSingleThread checks the same cases with the work kept on one
// goroutine, which then takes every piece of work itself.
func TestGemmSingleThread(t *testing.T) {
	defer SetThreads(SetThreads(1))
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range gemmCases() {
		if tc.m*tc.n*tc.k < minWorkPerThread {
			continue
		}
		for _, ar := range arches[float32]() {
			t.Run(ar.name+"/"+tc.String(), func(t *testing.T) { runGemmCase(t, ar, rng, tc, 1e-6) })
		}
	}
}

// TestGemmKernelsAgree runs the assembly and the portable kernel on the
// same random problems and compares them with each other.
func TestGemmKernelsAgree(t *testing.T) {
	t.Run("float32", func(t *testing.T) { kernelsAgree[float32](t, 1e-5) })
	t.Run("float64", func(t *testing.T) { kernelsAgree[float64](t, 1e-13) })
}

func kernelsAgree[T float32 | float64](t *testing.T, tol float64) {
	as := arches[T]()
	if len(as) < 2 {
		t.Skip("only the portable kernel runs here")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		tc := gemmCase{
			transA: rng.IntN(2) == 0, transB: rng.IntN(2) == 0,
			m: 1 + rng.IntN(150), n: 1 + rng.IntN(150), k: 1 + rng.IntN(300),
			alpha: []float64{1, -1, 0.75}[rng.IntN(3)], beta: []float64{0, 1, -0.5}[rng.IntN(3)],
			pad: rng.IntN(3),
		}
		lda, ldb, ldc, sizes := tc.operands(rng)
		a := randSlice[T](rng, sizes[0])
		b := randSlice[T](rng, sizes[1])
		c0 := randSlice[T](rng, sizes[2])
		c1 := append([]T(nil), c0...)
		gemm(as[0], tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), c0, ldc)
		gemm(as[1], tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), c1, ldc)
		for i := range c0 {
			if d := math.Abs(float64(c0[i]) - float64(c1[i])); !(d <= tol*(1+math.Abs(float64(c1[i])))*math.Sqrt(float64(tc.k))) {
				t.Fatalf("Gemm(%v): %s gives C[%d] = %v, %s gives %v", tc, as[0].name, i, c0[i], as[1].name, c1[i])
			}
		}
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

// TestGemmExact checks full tiles and edge tiles on small integers, where
// every kernel must be exact whatever order it adds in.
func TestGemmExact(t *testing.T) {
	t.Run("float32", func(t *testing.T) { exact[float32](t) })
	t.Run("float64", func(t *testing.T) { exact[float64](t) })
}

func exact[T float32 | float64](t *testing.T) {
	const m, n, k = 13, 35, 9
	a := make([]T, m*k)
	b := make([]T, k*n)
	for i := range a {
		a[i] = T(i%7 - 3)
	}
	for i := range b {
		b[i] = T(i%5 - 2)
	}
	for _, ar := range arches[T]() {
		c := make([]T, m*n)
		for i := range c {
			c[i] = T(math.NaN())
		}
		gemm(ar, false, false, m, n, k, 2, a, k, b, n, 0, c, n)
		want := naive(false, false, m, n, k, 2, a, k, b, n, 0, c, n)
		for i := range c {
			if float64(c[i]) != want[i] {
				t.Fatalf("%s: C[%d][%d] = %v, want %v", ar.name, i/n, i%n, c[i], want[i])
			}
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
	t.Run("alpha=0 beta=0 clears NaN", func(t *testing.T) {
		c := []float32{float32(math.NaN()), 1}
		Gemm[float32](false, false, 1, 2, 3, 0, make([]float32, 3), 3, make([]float32, 6), 2, 0, c, 2)
		if c[0] != 0 || c[1] != 0 {
			t.Fatalf("got %v, want [0 0]", c)
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

// TestGemmConcurrent runs products from many goroutines at once, with more
// Ps than cores so that calls share the worker pool; under -race it also
// checks that the parts of one call never write the same element.
func TestGemmConcurrent(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const m, n, k = 97, 83, 131
	rng := rand.New(rand.NewPCG(9, 10))
	a := randSlice[float32](rng, m*k)
	b := randSlice[float32](rng, k*n)
	want := make([]float32, m*n)
	gemm(goArch[float32](), false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			c := make([]float32, m*n)
			for range 10 {
				Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				for i := range c {
					if math.Abs(float64(c[i]-want[i])) > 1e-4 {
						errs <- fmt.Sprintf("goroutine %d: C[%d] = %v, want %v", g, i, c[i], want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestGemmAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	const n = 200
	rng := rand.New(rand.NewPCG(11, 12))
	a, b, c := randSlice[float32](rng, n*n), randSlice[float32](rng, n*n), make([]float32, n*n)
	Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
	if allocs := testing.AllocsPerRun(20, func() { Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) }); allocs > 0.5 {
		t.Errorf("Gemm %dx%dx%d allocates %v times per call, want 0", n, n, n, allocs)
	}
}

func TestSetThreads(t *testing.T) {
	prev := SetThreads(3)
	defer SetThreads(prev)
	if got := SetThreads(1); got != 3 {
		t.Fatalf("SetThreads returned %d, want the previous limit 3", got)
	}
	if got := threadsFor(1000, 1000, 1000); got != 1 {
		t.Fatalf("threadsFor with SetThreads(1) = %d, want 1", got)
	}
	SetThreads(0)
	if got, want := threadsFor(1000, 1000, 1000), runtime.GOMAXPROCS(0); got != want {
		t.Fatalf("threadsFor with SetThreads(0) = %d, want GOMAXPROCS = %d", got, want)
	}
	if got := threadsFor(8, 8, 8); got != 1 {
		t.Fatalf("threadsFor(8, 8, 8) = %d, want 1", got)
	}
}

func TestPlan(t *testing.T) {
	ar := &arch[float32]{mr: 6, nr: 16, mc: 144, kc: 256, bBytes: 4 << 20}
	tests := []struct {
		m, n, k, threads         int
		kc, nkb, nc, mc, nic, tc int
	}{
		{512, 512, 512, 1, 256, 2, 512, 132, 4, 1},
		{512, 512, 512, 2, 256, 2, 512, 132, 4, 1},
		{300, 40, 300, 1, 150, 2, 48, 102, 3, 1},    // equal blocks: k = 150+150, m = 3*102
		{128, 128, 128, 2, 128, 1, 128, 66, 2, 1},   // one block per goroutine
		{6, 512, 512, 2, 256, 2, 512, 6, 1, 2},      // one row panel: split columns
		{64, 8192, 1024, 1, 256, 4, 1024, 66, 1, 1}, // B limited to 4 MiB
	}
	for _, tt := range tests {
		j := &job[float32]{ar: ar, m: tt.m, n: tt.n, k: tt.k}
		j.plan(tt.threads)
		got := [6]int{j.kc, j.nkb, j.nc, j.mc, j.nic, j.tc}
		want := [6]int{tt.kc, tt.nkb, tt.nc, tt.mc, tt.nic, tt.tc}
		if got != want {
			t.Errorf("plan(%dx%dx%d, %d threads): kc, nkb, nc, mc, nic, tc = %v, want %v", tt.m, tt.n, tt.k, tt.threads, got, want)
		}
	}
}
