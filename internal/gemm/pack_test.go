package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPack checks packA and packB, with whatever assembly this build has,
// against the layouts their doc comments promise, for every panel width the
// kernels use, transposed or not, with full and partial panels and step
// counts that leave every remainder of the assembly's 8- and 4-step loops.
func TestPack(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testPack[float32](t, []int{4, 6, 16}) })
	t.Run("float64", func(t *testing.T) { testPack[float64](t, []int{4, 6, 8}) })
}

func testPack[T float32 | float64](t *testing.T, widths []int) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, w := range widths {
		for _, trans := range []bool{false, true} {
			for _, kb := range []int{1, 3, 4, 7, 8, 9, 16, 21, 33} {
				for _, size := range []int{w, 2 * w, 2*w + 1, w - 1} {
					if size < 1 {
						continue
					}
					name := fmt.Sprintf("w=%d/trans=%v/kb=%d/size=%d", w, trans, kb, size)
					t.Run("A/"+name, func(t *testing.T) { checkPack[T](t, rng, true, trans, w, kb, size) })
					t.Run("B/"+name, func(t *testing.T) { checkPack[T](t, rng, false, trans, w, kb, size) })
				}
			}
		}
	}
}

// checkPack packs a size×kb block of op(A) (isA) or a kb×size block of
// op(B), starting one row and two columns into a padded source matrix, and
// compares every element of the packed panels, padding included.
func checkPack[T float32 | float64](t *testing.T, rng *rand.Rand, isA, trans bool, w, kb, size int) {
	t.Helper()
	const i0, p0 = 1, 2          // block origin inside the source (element of op(X))
	rows, cols := i0+size, p0+kb // op(A) is rows×cols
	if !isA {
		rows, cols = p0+kb, i0+size // op(B) is rows×cols
	}
	sr, sc := rows, cols
	if trans {
		sr, sc = cols, rows
	}
	ld := sc + 3
	src := randSlice[T](rng, sr*ld)
	at := func(i, j int) T { // op(X)(i, j)
		if trans {
			return src[j*ld+i]
		}
		return src[i*ld+j]
	}
	panels := (size + w - 1) / w
	dst := make([]T, panels*kb*w+5)
	for i := range dst {
		dst[i] = -7 // garbage that packing must overwrite or leave past the end
	}
	if isA {
		packA(trans, src, ld, i0, p0, size, kb, w, dst)
	} else {
		packB(trans, src, ld, p0, i0, kb, size, w, dst)
	}
	for q := range panels {
		for p := range kb {
			for r := range w {
				got := dst[q*kb*w+p*w+r]
				var want T
				if x := q*w + r; x < size {
					if isA {
						want = at(i0+x, p0+p)
					} else {
						want = at(p0+p, i0+x)
					}
				}
				if got != want {
					t.Fatalf("panel %d step %d element %d = %v, want %v", q, p, r, got, want)
				}
			}
		}
	}
	for i := panels * kb * w; i < len(dst); i++ {
		if dst[i] != -7 {
			t.Fatalf("wrote dst[%d] past the panels", i)
		}
	}
}
