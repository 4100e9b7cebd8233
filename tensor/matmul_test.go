package tensor

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// rdNaiveMatMul is torch.matmul written as the definition: promote 1-D
// operands, broadcast the batch dimensions by index, and run the triple
// loop in float64. x and y are row-major values of shapes xs and ys. It
// returns the result's shape and values; ok is false if the shapes do not
// multiply.
func rdNaiveMatMul(x []float64, xs []int, y []float64, ys []int) (shape []int, out []float64, ok bool) {
	a, b := slices.Clone(xs), slices.Clone(ys)
	if len(a) == 1 {
		a = []int{1, a[0]}
	}
	if len(b) == 1 {
		b = []int{b[0], 1}
	}
	m, k, n := a[len(a)-2], a[len(a)-1], b[len(b)-1]
	if b[len(b)-2] != k {
		return nil, nil, false
	}
	ab, bb := a[:len(a)-2], b[:len(b)-2]
	nb := max(len(ab), len(bb))
	batch := make([]int, nb)
	for d := range batch {
		sa, sb := 1, 1
		if d-(nb-len(ab)) >= 0 {
			sa = ab[d-(nb-len(ab))]
		}
		if d-(nb-len(bb)) >= 0 {
			sb = bb[d-(nb-len(bb))]
		}
		switch {
		case sa == sb || sb == 1:
			batch[d] = sa
		case sa == 1:
			batch[d] = sb
		default:
			return nil, nil, false
		}
	}
	// index maps a batch index to an operand's flat matrix number.
	index := func(idx, own []int) int {
		lead := len(idx) - len(own)
		f := 0
		for d, s := range own {
			i := idx[lead+d]
			if s == 1 {
				i = 0
			}
			f = f*s + i
		}
		return f
	}
	for _, idx := range rdIndices(batch) {
		ia, ib := index(idx, ab)*m*k, index(idx, bb)*k*n
		for i := range m {
			for j := range n {
				var s float64
				for p := range k {
					s += x[ia+i*k+p] * y[ib+p*n+j]
				}
				out = append(out, s)
			}
		}
	}
	shape = append(batch, m, n)
	switch {
	case len(xs) == 1 && len(ys) == 1:
		shape = []int{}
	case len(xs) == 1:
		shape = slices.Delete(shape, len(shape)-2, len(shape)-1)
	case len(ys) == 1:
		shape = shape[:len(shape)-1]
	}
	return shape, out, true
}

// rdMatMulLayouts adds to rdLayouts an irregular layout (neither row- nor
// column-major in the last two axes) and, with a leading batch axis of size
// 1, the same matrices read through a stride-0 (expanded) batch axis.
func rdMatMulLayouts[T Float](x *Tensor[T]) []rdLayout[T] {
	out := rdLayouts(x)
	nd := len(x.shape)
	if nd >= 2 {
		// Columns 2 apart and rows 2*cols+1 apart: neither row- nor
		// column-major, so MatMul must copy.
		st := make([]int, nd)
		st[nd-1] = 2
		st[nd-2] = 2*x.shape[nd-1] + 1
		block := st[nd-2]*max(x.shape[nd-2], 1) + 1
		for d := nd - 3; d >= 0; d-- {
			st[d] = block
			block *= max(x.shape[d], 1)
		}
		out = append(out, rdLayout[T]{"irregular", rdWithLayout(x, st, 0)})
	}
	if nd >= 3 && x.shape[0] == 1 {
		st := contiguousStrides(x.shape)
		st[0] = 0
		out = append(out, rdLayout[T]{"expandedbatch", rdWithLayout(x, st, 0)})
	}
	return out
}

func testMatMulVsNaive[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	pairs := []struct{ a, b []int }{
		{[]int{3}, []int{3}},
		{[]int{1}, []int{1}},
		{[]int{2, 3}, []int{3}},
		{[]int{3}, []int{3, 4}},
		{[]int{2, 3}, []int{3, 4}},
		{[]int{1, 1}, []int{1, 1}},
		{[]int{5, 1}, []int{1, 4}},
		{[]int{1, 7}, []int{7, 1}},
		{[]int{5, 1, 2, 3}, []int{4, 3, 6}}, // -> (5,4,2,6), SEMANTICS.md §2.1
		{[]int{2, 3, 4}, []int{4}},
		{[]int{4}, []int{2, 4, 3}},
		{[]int{2, 2, 3}, []int{2, 3, 5}},
		{[]int{1, 2, 3}, []int{3, 2, 3, 2}},
		{[]int{3, 2, 4}, []int{4, 5}}, // shared 2-D right operand
		{[]int{0, 3}, []int{3, 2}},
		{[]int{2, 0}, []int{0, 3}}, // k = 0: zeros
		{[]int{2, 3}, []int{3, 0}},
		{[]int{0, 2, 3}, []int{3, 2}},
		{[]int{130, 9}, []int{9, 70}},        // m*n*k below gemm's parallel threshold, large enough to pack
		{[]int{40, 6, 50}, []int{1, 50, 90}}, // batch of small products, split across goroutines
		{[]int{200, 80}, []int{80, 100}},     // gemm splits rows across goroutines
	}
	for _, p := range pairs {
		x, y := rdRand[T](rng, p.a...), rdRand[T](rng, p.b...)
		wantShape, want, ok := rdNaiveMatMul(rdFloats(x), p.a, rdFloats(y), p.b)
		if !ok {
			t.Fatalf("bad test case %v @ %v", p.a, p.b)
		}
		for _, la := range rdMatMulLayouts(x) {
			for _, lb := range rdMatMulLayouts(y) {
				what := fmt.Sprintf("MatMul of %s %v and %s %v", la.name, p.a, lb.name, p.b)
				got := la.x.MatMul(lb.x)
				tol := rdTol[T]() * math.Sqrt(float64(p.a[len(p.a)-1]+1))
				rdCheck(t, what, got, wantShape, want, tol)
			}
		}
	}
}

func TestMatMul(t *testing.T) {
	t.Run("float32", testMatMulVsNaive[float32])
	t.Run("float64", testMatMulVsNaive[float64])
}

func TestMatMulHandComputed(t *testing.T) {
	a := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := New([]float64{7, 8, 9, 10, 11, 12}, 3, 2)
	tests := []struct {
		name      string
		got       *Tensor[float64]
		wantShape []int
		want      []float64
	}{
		{"MatMul", a.MatMul(b), []int{2, 2}, []float64{58, 64, 139, 154}},
		{"MatMul", New([]float64{1, 2, 3}).MatMul(New([]float64{4, 5, 6})), []int{}, []float64{32}},
		{"MatMul", a.MatMul(New([]float64{1, 0, -1})), []int{2}, []float64{-2, -2}},
		{"MatMul", New([]float64{1, -1}).MatMul(a), []int{3}, []float64{-3, -3, -3}},
		// a.T() as a view (strides 1, 3): [[1 4] [2 5] [3 6]] @ [[1] [1]].
		{"MatMul", a.view(0, []int{3, 2}, []int{1, 3}).MatMul(New([]float64{1, 1}, 2, 1)), []int{3, 1}, []float64{5, 7, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdCheck(t, tt.name, tt.got, tt.wantShape, tt.want, 0)
		})
	}
}

func TestMatMulErrors(t *testing.T) {
	tests := []struct {
		a, b []int
		want string
	}{
		{[]int{}, []int{3}, "tensor: MatMul: both arguments to matmul need to be at least 1D, but they are 0D and 1D"},
		{[]int{2, 3}, []int{}, "tensor: MatMul: both arguments to matmul need to be at least 1D, but they are 2D and 0D"},
		{[]int{2, 3}, []int{4, 2}, "tensor: MatMul: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)"},
		{[]int{3}, []int{4}, "tensor: MatMul: mat1 and mat2 shapes cannot be multiplied (1x3 and 4x1) (operand shapes [3] and [4])"},
		{[]int{5, 2, 3}, []int{2}, "tensor: MatMul: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x1) (operand shapes [5 2 3] and [2])"},
		{[]int{2, 2, 3}, []int{3, 3, 2}, ""}, // batch dims 2 and 3 do not broadcast
	}
	for _, tt := range tests {
		t.Run("MatMul", func(t *testing.T) {
			err := rdPanic(t, func() { Zeros[float32](tt.a...).MatMul(Zeros[float32](tt.b...)) })
			if !errors.Is(err, ErrShape) || err.Op != "MatMul" {
				t.Fatalf("%v @ %v: panic %v, want ErrShape from MatMul", tt.a, tt.b, err)
			}
			if tt.want != "" && err.Error() != tt.want {
				t.Errorf("%v @ %v: message %q, want %q", tt.a, tt.b, err.Error(), tt.want)
			}
		})
	}
}

func TestMMLayout(t *testing.T) {
	tests := []struct {
		name       string
		rows, cols int
		rs, cs     int
		trans      bool
		ld         int
		ok         bool
	}{
		{"row-major", 3, 4, 4, 1, false, 4, true},
		{"row-major padded", 3, 4, 10, 1, false, 10, true},
		{"transposed view", 3, 4, 1, 3, true, 3, true},
		{"transposed padded", 3, 4, 1, 8, true, 8, true},
		{"single row strided", 1, 4, 99, 5, true, 5, true},
		{"single column strided", 4, 1, 5, 99, false, 5, true},
		{"expanded rows", 3, 4, 0, 1, false, 0, false},
		{"irregular", 3, 4, 12, 2, false, 0, false},
		{"empty", 0, 4, 0, 0, false, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trans, ld, ok := mmLayout(tt.rows, tt.cols, tt.rs, tt.cs)
			if ok != tt.ok || ok && (trans != tt.trans || ld != tt.ld) {
				t.Errorf("mmLayout(%d, %d, %d, %d) = %v, %d, %v; want %v, %d, %v",
					tt.rows, tt.cols, tt.rs, tt.cs, trans, ld, ok, tt.trans, tt.ld, tt.ok)
			}
		})
	}
}

// FuzzMatMul decodes two operand shapes (ranks 1 to 4, sizes 0 to 5, batch
// dimensions that broadcast or, rarely, do not) and layouts from the
// bytes, and checks MatMul against the naive definition: the same shape and
// values, or an ErrShape panic exactly when the definition has no answer.
func FuzzMatMul(f *testing.F) {
	f.Add([]byte{0, 0, 3, 3, 0, 0})
	f.Add([]byte{1, 1, 2, 3, 4, 1, 2})
	f.Add([]byte{3, 2, 5, 1, 2, 3, 4, 3, 6, 0, 0})
	f.Add([]byte{2, 3, 2, 0, 3, 2, 2, 1, 1, 3, 7})
	f.Add([]byte{1, 0, 0, 0, 4, 5})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() int {
			if len(data) == 0 {
				return 0
			}
			v := int(data[0])
			data = data[1:]
			return v
		}
		ra, rb := 1+next()%4, 1+next()%4
		m, k, n := next()%6, next()%6, next()%6
		bad := next()%16 == 0 // occasionally make the inner sizes differ
		kb := k
		if bad {
			kb = (k + 1) % 6
		}
		var a, b []int
		for range ra - 2 {
			a = append(a, next()%4) // batch sizes 0..3, 1 broadcasts
		}
		for range rb - 2 {
			b = append(b, next()%4)
		}
		switch ra {
		case 1:
			a = []int{k}
		default:
			a = append(a, m, k)
		}
		switch rb {
		case 1:
			b = []int{kb}
		default:
			b = append(b, kb, n)
		}
		layA, layB := next(), next()
		rng := rand.New(rand.NewPCG(uint64(next()), 1))
		x, y := rdRand[float64](rng, a...), rdRand[float64](rng, b...)
		la, lb := rdMatMulLayouts(x), rdMatMulLayouts(y)
		xa, yb := la[layA%len(la)].x, lb[layB%len(lb)].x
		wantShape, want, ok := rdNaiveMatMul(rdFloats(x), a, rdFloats(y), b)
		if !ok {
			err := rdPanic(t, func() { xa.MatMul(yb) })
			if !errors.Is(err, ErrShape) {
				t.Fatalf("%v @ %v: panic %v, want ErrShape", a, b, err)
			}
			return
		}
		rdCheck(t, fmt.Sprintf("MatMul %v @ %v", a, b), xa.MatMul(yb), wantShape, want, 1e-12)
	})
}
