package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// smallShape is a product that small computes, with its transposes.
type smallShape struct {
	transA, transB bool
	m, n, k        int
}

func (s smallShape) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s_%dx%dx%d", t(s.transA), t(s.transB), s.m, s.n, s.k)
}

// layerShapes are the products of a training step of a Linear layer on a
// batch of 100, y = x@wᵀ, dw = gᵀ@x and dx = g@w, in the 2-4-1 network of
// the demo: as Linear calls gemm, and as MatMul does when it finds a
// transposed operand with a single row or column contiguous after all.
var layerShapes = []smallShape{
	{false, true, 100, 4, 2},  // y = x@w1ᵀ
	{false, true, 100, 1, 4},  // y = h@w2ᵀ
	{true, false, 4, 2, 100},  // dw1 = gᵀ@x
	{true, false, 1, 4, 100},  // dw2 = gᵀ@h
	{false, false, 100, 4, 1}, // dh = g@w2
	{false, false, 100, 1, 4}, // y = h@w2ᵀ, w2ᵀ a contiguous column
	{false, false, 1, 4, 100}, // dw2 = gᵀ@h, gᵀ a contiguous row
}

// TestSmall checks small, and Gemm on the same products, against the
// naive loop on every combination of sizes 0, 1, 2, 3, 5, 7 and 17 (every
// remainder of a group of four columns, alone and together), the layer
// shapes, all four transposes, padded and unpadded leading dimensions, and
// alpha and beta of 0, 1 and others. The operands are small integers and
// alpha and beta 0 or powers of two, so every result is exact whatever the
// order of the additions, and is compared exactly. C holds NaN when beta
// is 0, which must not survive, and the padding of A and B holds NaN, which
// must never be read.
func TestSmall(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testSmall[float32](t) })
	t.Run("float64", func(t *testing.T) { testSmall[float64](t) })
}

func testSmall[T float32 | float64](t *testing.T) {
	sizes := []int{0, 1, 2, 3, 5, 7, 17}
	var shapes []smallShape
	for _, m := range sizes {
		for _, n := range sizes {
			for _, k := range sizes {
				for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
					shapes = append(shapes, smallShape{tr[0], tr[1], m, n, k})
				}
			}
		}
	}
	for _, s := range layerShapes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			shapes = append(shapes, smallShape{tr[0], tr[1], s.m, s.n, s.k})
		}
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, s := range shapes {
		for _, pad := range []int{0, 3} {
			for _, alpha := range []float64{0, 1, -2, 0.5} {
				for _, beta := range []float64{0, 1, -0.25} {
					checkSmall(t, rng, s, pad, T(alpha), T(beta))
				}
			}
		}
	}
}

// smallOperands draws fresh operands of s with leading dimensions padded
// by pad, their elements from gen: NaN in the padding of A and B, which
// must never be read, and 99 in C's, which is someone else's.
func smallOperands[T float32 | float64](rng *rand.Rand, s smallShape, pad int, gen func(*rand.Rand, int, int, int, T) []T) (a, b, c []T, lda, ldb, ldc int) {
	lda, ldb, ldc, sizes := gemmCase{transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, pad: pad}.operands(rng)
	ac, bc := s.k, s.n
	if s.transA {
		ac = s.m
	}
	if s.transB {
		bc = s.k
	}
	nan := T(math.NaN())
	return gen(rng, sizes[0], ac, lda, nan), gen(rng, sizes[1], bc, ldb, nan), gen(rng, sizes[2], s.n, ldc, 99), lda, ldb, ldc
}

// checkSmall runs one product through small (when its contract allows:
// sizes and alpha non-zero) and through Gemm, on fresh operands.
func checkSmall[T float32 | float64](t *testing.T, rng *rand.Rand, s smallShape, pad int, alpha, beta T) {
	t.Helper()
	a, b, c, lda, ldb, ldc := smallOperands(rng, s, pad, smallInts[T])
	if beta == 0 {
		for i := range s.m {
			for j := range s.n {
				c[i*ldc+j] = T(math.NaN())
			}
		}
	}
	want := append([]T(nil), c...)
	ref := naive(s.transA, s.transB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c, ldc)
	for i := range s.m {
		for j := range s.n {
			want[i*ldc+j] = T(ref[i*s.n+j])
		}
	}
	run := func(name string, f func(c []T)) {
		t.Helper()
		got := append([]T(nil), c...)
		f(got)
		if slices.Equal(got, want) { // cmp.Diff is slow enough to dominate the test
			return
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s(%v, lda=%d, ldb=%d, ldc=%d, alpha=%v, beta=%v): C mismatch (-want +got):\n%s", name, s, lda, ldb, ldc, alpha, beta, diff)
		}
	}
	if s.m > 0 && s.n > 0 && s.k > 0 && alpha != 0 {
		run("small", func(c []T) { small(s.transA, s.transB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c, ldc) })
	}
	run("Gemm", func(c []T) { Gemm(s.transA, s.transB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, c, ldc) })
}

// smallInts returns n elements of a matrix with cols columns and leading
// dimension ld, holding integers from -4 to 4 (so that every sum of
// products is exact) and pad between the rows.
func smallInts[T float32 | float64](rng *rand.Rand, n, cols, ld int, pad T) []T {
	x := make([]T, n)
	for i := range x {
		if i%ld < cols {
			x[i] = T(rng.IntN(9) - 4)
		} else {
			x[i] = pad
		}
	}
	return x
}

// TestUseSmall pins down which products go to small, on a kernel with the
// 6×16 tile of the float32 AVX2 one.
func TestUseSmall(t *testing.T) {
	ar := &arch[float32]{name: "test6x16", mr: 6, nr: 16}
	tests := []struct {
		m, n, k int
		want    bool
	}{
		{100, 4, 2, true}, {100, 1, 4, true}, {4, 2, 100, true}, {1, 4, 100, true}, {100, 4, 1, true}, // layerShapes
		{8, 8, 8, true},        // up to smallWork, any shape
		{12, 12, 12, false},    // fills three quarters of its tiles
		{16, 16, 16, false},    // fills eight ninths
		{1000, 4, 2, true},     // a quarter of each tile used
		{4, 2, 1000, true},     // a twelfth
		{2, 32, 64, true},      // a third
		{3, 32, 64, false},     // a half
		{1, 64, 512, true},     // at skinnyWork
		{1, 64, 513, false},    // past it
		{32, 4, 256, true},     // at skinnyWork
		{64, 4, 256, false},    // past it
		{1 << 20, 1, 1, false}, // past it
	}
	for _, tt := range tests {
		if got := useSmall(ar, tt.m, tt.n, tt.k); got != tt.want {
			t.Errorf("useSmall(%s, %d, %d, %d) = %v, want %v", ar.name, tt.m, tt.n, tt.k, got, tt.want)
		}
	}
	// The 6×8 tile of the float64 kernel, where a 4-wide C fills half of
	// each tile: only narrowK sends the layer products with short k to
	// small.
	ar64 := &arch[float64]{name: "test6x8", mr: 6, nr: 8}
	for _, tt := range []struct {
		m, n, k int
		want    bool
	}{
		{100, 4, 2, true},      // y = x@w1ᵀ
		{1000, 4, 2, true},     // the same over a batch of 1000
		{4, 1000, 4, true},     // turned around
		{100, 5, 4, false},     // five columns: not narrow
		{100, 4, 5, false},     // k of 5: not short
		{65536, 4, 1, true},    // at narrowWork
		{65537, 4, 1, false},   // past it
		{1 << 20, 1, 1, false}, // past it
	} {
		if got := useSmall(ar64, tt.m, tt.n, tt.k); got != tt.want {
			t.Errorf("useSmall(%s, %d, %d, %d) = %v, want %v", ar64.name, tt.m, tt.n, tt.k, got, tt.want)
		}
	}
}

// BenchmarkSmall compares small with smallBaseline, the loop it replaced
// (before rowUnit and tiny.go), on the layer shapes,
// on others like them (k of 4 or less with many rows, a handful of
// elements of C with a long k), and on squares at and below smallWork,
// and measures Gemm's fixed cost on top of small (Gemm/1x1x1).
func BenchmarkSmall(b *testing.B) {
	shapes := append(layerShapes[:len(layerShapes):len(layerShapes)],
		smallShape{false, false, 100, 2, 4}, // dx = g@w1 in the 2-4-1 network
		smallShape{false, true, 100, 3, 3},
		smallShape{false, false, 1, 3, 100},
		smallShape{false, false, 2, 2, 100},
		smallShape{true, false, 3, 3, 100},
		smallShape{false, false, 8, 8, 8},
		smallShape{false, false, 16, 16, 16},
		smallShape{true, true, 16, 16, 16},
		smallShape{false, false, 7, 5, 3},
	)
	for _, s := range shapes {
		b.Run("shape="+s.String()+"/impl=old", func(b *testing.B) { benchSmall[float32](b, s, smallBaseline[float32]) })
		b.Run("shape="+s.String()+"/impl=new", func(b *testing.B) { benchSmall[float32](b, s, small[float32]) })
	}
	one := smallShape{false, false, 1, 1, 1}
	b.Run("shape="+one.String()+"/impl=small", func(b *testing.B) { benchSmall[float32](b, one, small[float32]) })
	b.Run("shape="+one.String()+"/impl=Gemm", func(b *testing.B) { benchSmall[float32](b, one, Gemm[float32]) })
}

type gemmFunc[T float32 | float64] func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

func benchSmall[T float32 | float64](b *testing.B, s smallShape, f gemmFunc[T]) {
	rng := rand.New(rand.NewPCG(3, 4))
	lda, ldb, ldc, sizes := gemmCase{transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k}.operands(rng)
	x, y, c := randSlice[T](rng, sizes[0]), randSlice[T](rng, sizes[1]), make([]T, sizes[2])
	b.ReportAllocs()
	for b.Loop() {
		f(s.transA, s.transB, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, c, ldc)
	}
}

// smallBaseline is the small of before the four-column loops, kept as the
// baseline of BenchmarkSmall: one row of C at a time, and for each element
// of op(A) a loop over the n elements of a row of op(B).
func smallBaseline[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := range m {
		crow := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(crow)
		case 1:
		default:
			for j := range crow {
				crow[j] *= beta
			}
		}
		for p := range k {
			var aip T
			if transA {
				aip = a[p*lda+i]
			} else {
				aip = a[i*lda+p]
			}
			aip *= alpha
			if transB {
				for j := range crow {
					crow[j] += aip * b[j*ldb+p]
				}
			} else {
				brow := b[p*ldb : p*ldb+n]
				for j, bv := range brow {
					crow[j] += aip * bv
				}
			}
		}
	}
}

// BenchmarkSmallCrossover compares small with the packed path on products
// around the limits of useSmall (smallWork, skinnyWork, a third of a tile
// filled), to check them on another machine or kernel.
func BenchmarkSmallCrossover(b *testing.B) {
	shapes := []smallShape{
		{false, false, 8, 8, 8},
		{false, false, 12, 12, 12},
		{false, false, 16, 16, 16},
		{false, false, 32, 16, 1},
		{false, true, 1000, 4, 2},
		{true, false, 4, 2, 1000},
		{true, false, 4, 16, 16},
		{false, false, 1, 16, 512},
		{false, false, 64, 4, 256},
	}
	packed := func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		multiply(activeArch[float32](), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
	for _, s := range shapes {
		b.Run("shape="+s.String()+"/impl=small", func(b *testing.B) { benchSmall[float32](b, s, small[float32]) })
		b.Run("shape="+s.String()+"/impl=packed", func(b *testing.B) { benchSmall[float32](b, s, packed) })
	}
}

// TestSmallBits holds small to smallRef, the definition, bit for bit:
// every element of C must be the same sum, added in the same order, on
// every path, the Go loops and the assembly (TestSmallAVXBits holds the
// one to the other directly). Unlike TestSmall's, the operands here are
// random fractions of magnitudes from 2⁻¹⁰ to 2¹⁰, so that any other
// order of additions shows in the last bits, with zeros of both signs,
// infinities and NaN among them, so that a sum that starts from a product
// instead of from +0, or a product by padding, shows too (0 + -0 is +0;
// Inf*0 is NaN). That NaN is the one the hardware makes of Inf - Inf, so
// that every NaN in a sum has the same bits whichever operand an addition
// keeps, and the comparison can stay exact. The padding of A and B holds
// another NaN, which must never be read, and C holds it when beta is 0,
// which must not be either. The shapes are every m, n, k from 1 to 6, the
// layer shapes, others with a side of 100, and the shapes of the
// assembly's loops: four or eight columns with k from 1 to 4 and odd and
// even row counts past every unrolling (rows4), one column with k = 4
// (rows1, four rows at a time), and long k with one to five rows and four
// to seventeen columns (rowUnit, two rows and two groups of four at a
// time), all with the four transposes, padded and unpadded leading
// dimensions, alpha of 1, 0.5 and -1 and beta of 0, 1 and -0.25.
//
// That holds where the compiler rounds every multiply and add on its own,
// as on amd64 before GOAMD64=v3. Where it fuses them (v3, arm64), which
// pairs it fuses depends on how the loops load their operands, and the
// test is skipped.
func TestSmallBits(t *testing.T) {
	if fusesMultiplyAdd() {
		t.Skip("the compiler fuses multiply-adds on this target, so the sums are not rounded as written")
	}
	t.Run("float32", func(t *testing.T) { testSmallBits[float32](t) })
	t.Run("float64", func(t *testing.T) { testSmallBits[float64](t) })
}

func testSmallBits[T float32 | float64](t *testing.T) {
	var sizes [][3]int
	for m := 1; m <= 6; m++ {
		for n := 1; n <= 6; n++ {
			for k := 1; k <= 6; k++ {
				sizes = append(sizes, [3]int{m, n, k})
			}
		}
	}
	for _, s := range layerShapes {
		sizes = append(sizes, [3]int{s.m, s.n, s.k})
	}
	sizes = append(sizes,
		[3]int{100, 2, 4}, [3]int{100, 3, 3}, [3]int{100, 5, 1}, [3]int{100, 1, 1}, [3]int{1, 100, 1}, [3]int{3, 100, 2},
		[3]int{1, 1, 100}, [3]int{2, 2, 100}, [3]int{3, 1, 100}, [3]int{2, 3, 100}, [3]int{4, 4, 100}, [3]int{5, 2, 100},
		[3]int{100, 2, 5}, [3]int{6, 100, 6}, [3]int{16, 16, 2}, [3]int{32, 16, 1},
		[3]int{7, 7, 2}, [3]int{9, 11, 3}, [3]int{7, 7, 7}, [3]int{3, 7, 100},
	)
	for _, m := range []int{7, 8, 9, 13, 100, 101} {
		for k := 1; k <= 4; k++ {
			sizes = append(sizes, [3]int{m, 4, k}, [3]int{m, 8, k})
		}
		sizes = append(sizes, [3]int{m, 1, 4}, [3]int{1, m, 4})
	}
	for m := 1; m <= 5; m++ {
		for _, n := range []int{4, 8, 9, 12, 13, 16, 17} {
			sizes = append(sizes, [3]int{m, n, 7}, [3]int{m, n, 100})
		}
	}
	rng := rand.New(rand.NewPCG(13, 14))
	for _, sz := range sizes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			s := smallShape{tr[0], tr[1], sz[0], sz[1], sz[2]}
			for _, pad := range []int{0, 3} {
				for _, alpha := range []T{1, 0.5, -1} {
					for _, beta := range []T{0, 1, -0.25} {
						checkSmallBits(t, rng, s, pad, alpha, beta)
					}
				}
			}
		}
	}
}

// checkSmallBits runs one product through small and smallRef on the same
// fresh operands and compares all of C, padding included, bit for bit.
func checkSmallBits[T float32 | float64](t *testing.T, rng *rand.Rand, s smallShape, pad int, alpha, beta T) {
	t.Helper()
	a, b, c, lda, ldb, ldc := smallOperands(rng, s, pad, randBits[T])
	for i := range c {
		if math.IsNaN(float64(c[i])) || math.IsInf(float64(c[i]), 0) {
			c[i] = 1.5 // C's NaN would have a payload of its own
		}
		if beta == 0 && i%ldc < s.n {
			c[i] = T(math.NaN()) // not to be read
		}
	}
	got, want := slices.Clone(c), slices.Clone(c)
	small(s.transA, s.transB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, got, ldc)
	smallRef(s.transA, s.transB, s.m, s.n, s.k, alpha, a, lda, b, ldb, beta, want, ldc)
	for i := range got {
		if g, w := floatBits(got[i]), floatBits(want[i]); g != w {
			t.Fatalf("small(%v, lda=%d, ldb=%d, ldc=%d, alpha=%v, beta=%v): C(%d, %d) = %v (%#x), want %v (%#x)",
				s, lda, ldb, ldc, alpha, beta, i/ldc, i%ldc, got[i], g, want[i], w)
		}
	}
}

// randBits returns n elements of a matrix with cols columns and leading
// dimension ld, and pad between the rows: fractions of magnitude 2⁻¹⁰ to
// 2¹⁰ of either sign, and one in ten a zero of either sign, an infinity
// or the hardware's NaN.
func randBits[T float32 | float64](rng *rand.Rand, n, cols, ld int, pad T) []T {
	inf := T(math.Inf(1))
	special := []T{0, T(math.Copysign(0, -1)), inf, -inf, sub(inf, inf)}
	x := make([]T, n)
	for i := range x {
		switch {
		case i%ld >= cols:
			x[i] = pad
		case rng.IntN(10) == 0:
			x[i] = special[rng.IntN(len(special))]
		default:
			x[i] = T(math.Ldexp(rng.Float64()*2-1, rng.IntN(21)-10))
		}
	}
	return x
}

// fusesMultiplyAdd reports whether the compiler fuses x*y + z into one
// rounding on this target: (1 + 2⁻²⁷)(1 - 2⁻²⁷) is 1 - 2⁻⁵⁴, which rounds
// to 1 on its own.
func fusesMultiplyAdd() bool {
	return mulAdd(1+0x1p-27, 1-0x1p-27, -1) != 0
}

// mulAdd is not inlined, so that its operands are in registers, not
// constants, as in small's sums.
//
//go:noinline
func mulAdd(x, y, z float64) float64 {
	return x*y + z
}

// sub returns x - y, computed at run time: Inf - Inf is then the NaN the
// hardware makes, where the compiler's constant would be Go's own.
//
//go:noinline
func sub[T float32 | float64](x, y T) T {
	return x - y
}

// floatBits returns the bits of x, in which -0 and +0, and NaNs with
// different payloads, differ.
func floatBits[T float32 | float64](x T) uint64 {
	if f, ok := any(x).(float32); ok {
		return uint64(math.Float32bits(f))
	}
	return math.Float64bits(float64(x))
}

// smallRef is the arithmetic that every path of small must reproduce to
// the bit, written as the definition: each element of C is the sum from 0
// of op(A)(i, p)*op(B)(p, j) over p in order, rounded to T at each step,
// then alpha times that, plus beta*C unless beta is 0 (C is not read
// then). TestSmallBits holds small to it.
func smallRef[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := range m {
		for j := range n {
			var s T
			for p := range k {
				ia, ib := i*lda+p, p*ldb+j
				if transA {
					ia = p*lda + i
				}
				if transB {
					ib = j*ldb + p
				}
				s += a[ia] * b[ib]
			}
			s = alpha * s
			if beta != 0 {
				s += beta * c[i*ldc+j]
			}
			c[i*ldc+j] = s
		}
	}
}
