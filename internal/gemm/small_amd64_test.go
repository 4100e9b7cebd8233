package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestSmallAVXBits checks the assembly loops of tiny_amd64.s and
// small_amd64.s against the Go loops they stand in for (rows4, rows1,
// rowUnit, finished as shortK and small finish them), on the same
// operands, bit for bit: on every k of shortK and long ones, row counts
// from 1 to past every unrolling (odd and even, multiples of four and
// not), op(A), op(B) and C as they lie and transposed where the assembly
// takes them so, padded and not, alpha 1 and not, beta 0, -0 and not, and
// operands with zeros of both signs, infinities, NaNs, subnormals and the
// largest finite float32 among fractions of many magnitudes, so that any
// other order of additions, or a sum that does not start from +0, shows
// in the last bits. All of C is compared, padding included, which holds
// NaN where C must not be read (beta 0) and 99 where it must not be
// written; op(A) and op(B) hold NaN between their elements. A NaN matches
// any NaN: which payload a sum or product of two NaNs keeps depends on
// the order of its operands, which Go's compiler is free to swap.
func TestSmallAVXBits(t *testing.T) {
	if !smallAVX {
		t.Skip("the AVX loops are not in this binary or not on this CPU")
	}
	if fusesMultiplyAdd() {
		t.Skip("the compiler fuses the Go loops' multiply-adds on this target, the assembly does not")
	}
	t.Run("float32/rows4", func(t *testing.T) { testRows4AVX[float32](t) })
	t.Run("float64/rows4", func(t *testing.T) { testRows4AVX[float64](t) })
	t.Run("float32/rows1", func(t *testing.T) { testRows1AVX[float32](t) })
	t.Run("float64/rows1", func(t *testing.T) { testRows1AVX[float64](t) })
	t.Run("float32/unit", func(t *testing.T) { testUnitAVX[float32](t) })
	t.Run("float64/unit", func(t *testing.T) { testUnitAVX[float64](t) })
}

// avxRows are the row counts of the tests: every one up to two passes of
// every unrolled loop, then some past it.
var avxRows = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 100, 101}

// avxScalars are the alpha, beta pairs of the tests: beta -0 is 0, and C
// is not read.
var avxScalars = [][2]float64{{1, 0}, {1, math.Copysign(0, -1)}, {0.5, 0}, {1, 1}, {-1.5, -0.25}, {3, math.Inf(1)}}

// grid is a rows×cols matrix with element (i, j) at i*rs + j*cs.
type grid struct{ rows, cols, rs, cs int }

// layouts returns rows×cols as it lies and transposed, each unpadded and
// padded by pad.
func layouts(rows, cols, pad int) []grid {
	return []grid{
		{rows, cols, cols, 1}, {rows, cols, cols + pad, 1},
		{rows, cols, 1, rows}, {rows, cols, 1, rows + pad},
	}
}

func (g grid) String() string { return fmt.Sprintf("%dx%d/%d,%d", g.rows, g.cols, g.rs, g.cs) }

// fill returns the smallest slice that holds g, its elements drawn by
// elem and the rest set to pad.
func (g grid) fill(rng *rand.Rand, elem func(*rand.Rand) float64, pad float64) []float64 {
	x := make([]float64, (g.rows-1)*g.rs+(g.cols-1)*g.cs+1)
	for i := range x {
		x[i] = pad
	}
	for i := range g.rows {
		for j := range g.cols {
			x[i*g.rs+j*g.cs] = elem(rng)
		}
	}
	return x
}

// avxElem draws an operand: one in eight a special value.
func avxElem(rng *rand.Rand) float64 {
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		math.Float64frombits(0x7ff8_0000_0000_0002), math.MaxFloat32, 0x1p-149, 0x1p-1074}
	if rng.IntN(8) == 0 {
		return specials[rng.IntN(len(specials))]
	}
	return math.Ldexp(rng.Float64()*2-1, rng.IntN(21)-10)
}

// convert returns x as T, and the address of its first element.
func convert[T float32 | float64](x []float64) ([]T, unsafe.Pointer) {
	y := make([]T, len(x))
	for i, v := range x {
		y[i] = T(v)
	}
	return y, unsafe.Pointer(&y[0])
}

// cOperand returns C for a product with scalars ab: NaN in its elements
// when beta is 0, which must not be read, and 99 in its padding.
func cOperand(rng *rand.Rand, g grid, ab [2]float64) []float64 {
	if ab[1] == 0 {
		return g.fill(rng, func(*rand.Rand) float64 { return math.NaN() }, 99)
	}
	return g.fill(rng, avxElem, 99)
}

// avxOperands returns A and B of the layouts ga and gb, drawn by avxElem
// with NaN in their padding, and two copies of a C of layout gc for
// scalars sc (cOperand), one for each of the two loops compared, each
// with the address of its first element.
func avxOperands[T float32 | float64](rng *rand.Rand, ga, gb, gc grid, sc [2]float64) (a []T, pa unsafe.Pointer, b []T, pb unsafe.Pointer, got []T, pgot unsafe.Pointer, want []T, pwant unsafe.Pointer) {
	a, pa = convert[T](ga.fill(rng, avxElem, math.NaN()))
	b, pb = convert[T](gb.fill(rng, avxElem, math.NaN()))
	c := cOperand(rng, gc, sc)
	got, pgot = convert[T](c)
	want, pwant = convert[T](c)
	return a, pa, b, pb, got, pgot, want, pwant
}

// sameBits reports whether got and want hold the same bits, or NaN both,
// element by element, and if not, the first that differs.
func sameBits[T float32 | float64](got, want []T) (int, bool) {
	for i := range got {
		if floatBits(got[i]) != floatBits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			return i, false
		}
	}
	return 0, true
}

func testRows4AVX[T float32 | float64](t *testing.T) {
	size := int(unsafe.Sizeof(T(0)))
	rng := rand.New(rand.NewPCG(21, 22))
	for k := 1; k <= 4; k++ {
		for _, m := range avxRows {
			for _, ga := range layouts(m, k, 3) {
				for _, gb := range layouts(k, 4, 2) {
					for _, gc := range []grid{{m, 4, 4, 1}, {m, 4, 7, 1}} { // cj == size
						for _, sc := range avxScalars {
							a, pa, b, pb, got, pgot, want, pwant := avxOperands[T](rng, ga, gb, gc, sc)
							ab := [2]T{T(sc[0]), T(sc[1])}
							ai, ap, bp, bj, ci := ga.rs*size, ga.cs*size, gb.rs*size, gb.cs*size, gc.rs*size
							rows4AVX(m, k, pa, ai, ap, pb, bp, bj, pgot, ci, size, unsafe.Pointer(&ab))
							rows4(m, k, pa, ai, ap, pb, bp, bj, pwant, ci, size, ab[0], ab[1])
							if i, ok := sameBits(got, want); !ok {
								t.Fatalf("rows4AVX(m=%d, k=%d, A %v, B %v, C %v, alpha=%v, beta=%v): C[%d] = %v (%#x), rows4 gives %v (%#x)\nA = %v\nB = %v",
									m, k, ga, gb, gc, ab[0], ab[1], i, got[i], floatBits(got[i]), want[i], floatBits(want[i]), a, b)
							}
						}
					}
				}
			}
		}
	}
}

func testRows1AVX[T float32 | float64](t *testing.T) {
	size := int(unsafe.Sizeof(T(0)))
	rng := rand.New(rand.NewPCG(23, 24))
	const k = 4
	for _, m := range avxRows {
		m4 := m &^ 3
		if m4 == 0 {
			continue
		}
		for _, ga := range []grid{{m, k, k, 1}, {m, k, k + 3, 1}} { // ap == size
			for _, gb := range layouts(k, 1, 2) {
				for _, sc := range avxScalars {
					gc := grid{m, 1, 1, 1} // ci == size
					a, pa, b, pb, got, pgot, want, pwant := avxOperands[T](rng, ga, gb, gc, sc)
					ab := [2]T{T(sc[0]), T(sc[1])}
					ai, bp := ga.rs*size, gb.rs*size
					rows1AVX(m4, pa, ai, pb, bp, pgot, size, unsafe.Pointer(&ab))
					if m4 < m { // as shortK finishes
						rows1(m-m4, k, unsafe.Add(pa, m4*ai), ai, size, pb, bp, unsafe.Add(pgot, m4*size), size, ab[0], ab[1])
					}
					rows1(m, k, pa, ai, size, pb, bp, pwant, size, ab[0], ab[1])
					if i, ok := sameBits(got, want); !ok {
						t.Fatalf("rows1AVX(m=%d, A %v, B %v, alpha=%v, beta=%v): C[%d] = %v (%#x), rows1 gives %v (%#x)\nA = %v\nB = %v",
							m, ga, gb, ab[0], ab[1], i, got[i], floatBits(got[i]), want[i], floatBits(want[i]), a, b)
					}
				}
			}
		}
	}
}

func testUnitAVX[T float32 | float64](t *testing.T) {
	size := int(unsafe.Sizeof(T(0)))
	rng := rand.New(rand.NewPCG(25, 26))
	for _, m := range []int{1, 2, 3, 4, 5, 6, 7} {
		for _, n := range []int{4, 5, 7, 8, 9, 12, 13, 16, 17} {
			for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 9, 13, 100} {
				for _, ga := range layouts(m, k, 3) {
					gb := grid{k, n, n + k%3, 1} // rowUnit's op(B): rows contiguous
					for _, gc := range []grid{{m, n, n, 1}, {m, n, n + 2, 1}, {m, n, 1, m + 1}} {
						for _, sc := range avxScalars {
							a, pa, b, pb, got, pgot, want, pwant := avxOperands[T](rng, ga, gb, gc, sc)
							s := strided[T]{
								m: m, n: n, k: k,
								a: pa, b: pb,
								ai: ga.rs * size, ap: ga.cs * size,
								bp: gb.rs * size, bj: size,
								ci: gc.rs * size, cj: gc.cs * size,
								alpha: T(sc[0]), beta: T(sc[1]),
							}
							ab := [2]T{s.alpha, s.beta}
							unitAVX(m, n, k, pa, s.ai, s.ap, pb, s.bp, pgot, s.ci, s.cj, size, unsafe.Pointer(&ab))
							if n&^3 < n { // as small finishes
								s.c = pgot
								rowsUnit(&s, n&^3)
							}
							s.c = pwant
							rowsUnit(&s, 0)
							if i, ok := sameBits(got, want); !ok {
								t.Fatalf("unitAVX(%dx%dx%d, A %v, B %v, C %v, alpha=%v, beta=%v): C[%d] = %v (%#x), rowUnit gives %v (%#x)\nA = %v\nB = %v",
									m, n, k, ga, gb, gc, s.alpha, s.beta, i, got[i], floatBits(got[i]), want[i], floatBits(want[i]), a, b)
							}
						}
					}
				}
			}
		}
	}
}
