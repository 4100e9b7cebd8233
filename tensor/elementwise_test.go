package tensor

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The expected values in these tests come from naive references written
// here: the math package applied element by element, and an index-by-index
// broadcast that re-derives NumPy's rule instead of calling BroadcastShapes.
// Operands are built directly on storage in several layouts, so the kernels'
// fast paths and their strided path all meet the same cases.

var (
	ewNaN    = math.NaN()
	ewInf    = math.Inf(1)
	ewNegZer = math.Copysign(0, -1)
)

// ewSentinel fills the storage positions that a layout does not use, so a
// kernel that reads or writes outside its operand shows up.
const ewSentinel = 7777

// ewKinds are the layouts every operand is tried in.
var ewKinds = []string{"contiguous", "transposed", "sliced", "padded", "expanded"}

func ewNumel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func ewStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for d := len(shape) - 1; d >= 0; d-- {
		st[d] = s
		s *= shape[d]
	}
	return st
}

// ewIndices returns every index of shape in row-major order.
func ewIndices(shape []int) [][]int {
	var out [][]int
	idx := make([]int, len(shape))
	for range ewNumel(shape) {
		out = append(out, slices.Clone(idx))
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// ewPlace lays out vals (row-major over shape) in a fresh storage of size
// elements at the given offset and strides, with ewSentinel elsewhere.
func ewPlace[T Float](shape, strides []int, off, size int, vals []float64) *Tensor[T] {
	data := make([]T, size)
	for i := range data {
		data[i] = ewSentinel
	}
	for k, idx := range ewIndices(shape) {
		p := off
		for d, i := range idx {
			p += i * strides[d]
		}
		data[p] = T(vals[k])
	}
	return &Tensor[T]{st: &storage[T]{data: data}, off: off, shape: slices.Clone(shape), stride: strides}
}

// ewOperand returns a tensor of the given shape in layout kind, and its
// logical values in row-major order. Values cycle through pool from
// position seed and are rounded to T. An "expanded" operand reads its first
// dimension of size > 1 with stride 0, so its values repeat along it.
func ewOperand[T Float](kind string, shape []int, pool []float64, seed int) (*Tensor[T], []float64) {
	n := ewNumel(shape)
	val := func(i int) float64 { return float64(T(pool[(i+seed)%len(pool)])) }
	nd := len(shape)
	switch kind {
	case "transposed":
		// Storage holds the reversed-axes array; the view reverses back.
		rev := slices.Clone(shape)
		slices.Reverse(rev)
		rs := ewStrides(rev)
		st := make([]int, nd)
		for d := range st {
			st[d] = rs[nd-1-d]
		}
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = val(i)
		}
		return ewPlace[T](shape, st, 0, n, vals), vals
	case "sliced":
		// Every other storage element, starting at 1, as x[..., ::2] of a
		// wider array would be.
		st := ewStrides(shape)
		for d := range st {
			st[d] *= 2
		}
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = val(i)
		}
		return ewPlace[T](shape, st, 1, 2*n+1, vals), vals
	case "padded":
		// Rows of a wider array, as x[..., 1:n+1] of an array with n+2
		// columns: the innermost stride is 1 but rows are not adjacent.
		if nd == 0 {
			break
		}
		wide := slices.Clone(shape)
		wide[nd-1] += 2
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = val(i)
		}
		return ewPlace[T](shape, ewStrides(wide), 1, ewNumel(wide), vals), vals
	case "expanded":
		e := slices.IndexFunc(shape, func(s int) bool { return s > 1 })
		if e < 0 {
			break
		}
		base := slices.Clone(shape)
		base[e] = 1
		bs := ewStrides(base)
		vals := make([]float64, n)
		for k, idx := range ewIndices(shape) {
			j := 0
			for d, i := range idx {
				if d != e {
					j += i * bs[d]
				}
			}
			vals[k] = val(j)
		}
		st := slices.Clone(bs)
		st[e] = 0
		return ewPlace[T](shape, st, 0, ewNumel(base), vals), vals
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = val(i)
	}
	return ewPlace[T](shape, ewStrides(shape), 0, n, vals), vals
}

// ewRefShape is NumPy's broadcasting rule, written independently of
// BroadcastShapes: align from the right, missing sizes count as 1.
func ewRefShape(a, b []int) ([]int, bool) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 1; i <= n; i++ {
		x, y := 1, 1
		if i <= len(a) {
			x = a[len(a)-i]
		}
		if i <= len(b) {
			y = b[len(b)-i]
		}
		switch {
		case x == y, y == 1:
			out[n-i] = x
		case x == 1:
			out[n-i] = y
		default:
			return nil, false
		}
	}
	return out, true
}

// ewSource returns the row-major position in an operand of shape of the
// element that broadcasting reads for output index idx.
func ewSource(idx, shape []int) int {
	lead := len(idx) - len(shape)
	p := 0
	for d, s := range shape {
		i := idx[lead+d]
		if s == 1 {
			i = 0
		}
		p = p*s + i
	}
	return p
}

// ewRefBinary evaluates f index by index over the broadcast shape out.
func ewRefBinary(out, as []int, av []float64, bs []int, bv []float64, f func(x, y float64) float64) []float64 {
	var want []float64
	for _, idx := range ewIndices(out) {
		want = append(want, f(av[ewSource(idx, as)], bv[ewSource(idx, bs)]))
	}
	return want
}

// ewFloats returns t's elements in row-major order, read index by index.
func ewFloats[T Float](t *Tensor[T]) []float64 {
	var out []float64
	for _, idx := range ewIndices(t.shape) {
		out = append(out, float64(t.At(idx...)))
	}
	return out
}

// ewRound rounds each want value to T, as a kernel computing in float64
// and storing T does.
func ewRound[T Float](want []float64) []float64 {
	out := make([]float64, len(want))
	for i, v := range want {
		out[i] = float64(T(v))
	}
	return out
}

// ewCheck compares a kernel's result with the reference values: its shape,
// that it is a fresh contiguous tensor, and its elements within relative
// tolerance tol (NaN equals NaN, infinities must match exactly).
func ewCheck[T Float](t *testing.T, what string, got *Tensor[T], wantShape []int, want []float64, tol float64) {
	t.Helper()
	if diff := cmp.Diff(got.Shape(), wantShape, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: shape mismatch (-got +want):\n%s", what, diff)
		return
	}
	if !got.IsContiguous() || got.Offset() != 0 {
		t.Errorf("%s: result has strides %v, offset %d; want a contiguous tensor", what, got.Strides(), got.Offset())
	}
	ewCompare(t, what, ewFloats(got), ewRound[T](want), tol)
}

func ewCompare(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if ewClose(got, want, tol) {
		return // cmp.Diff is slow; run it only to describe a failure
	}
	if diff := cmp.Diff(got, want, cmpopts.EquateNaNs(), cmpopts.EquateApprox(tol, 0), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: values mismatch (-got +want):\n%s", what, diff)
	}
}

// ewClose is what ewCompare's options mean, computed directly.
func ewClose(got, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i, g := range got {
		w := want[i]
		switch {
		case g == w, math.IsNaN(g) && math.IsNaN(w):
		case math.IsInf(g, 0) || math.IsInf(w, 0) || math.IsNaN(g) || math.IsNaN(w):
			return false
		case math.Abs(g-w) > tol*math.Min(math.Abs(g), math.Abs(w)):
			return false
		}
	}
	return true
}

// ewPanic runs f and returns the *OpError it panics with, or nil if it
// returns normally. Any other panic value fails the test.
func ewPanic(t *testing.T, f func()) (err *OpError) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		e, ok := r.(*OpError)
		if !ok {
			t.Fatalf("panicked with %T %v; want *OpError", r, r)
		}
		err = e
	}()
	f()
	return nil
}

// ewUnaryPool holds the inputs of the unary tests: ordinary values, signed
// zeros, values at which exp over- or underflows, infinities and NaN.
var ewUnaryPool = []float64{0.5, -0.5, 0, ewNegZer, 1, -1, 2.5, -3, 10, -10, 0.1, 3.7,
	88, -88, 100, -100, 1000, -1000, 1e-7, -1e-7, ewInf, -ewInf, ewNaN}

// ewUnaryShapes covers matrices, 3-d, a vector, 0-d and an empty tensor.
var ewUnaryShapes = [][]int{{4, 6}, {2, 3, 4}, {23}, {}, {0, 3}}

type ewUnaryCase[T Float] struct {
	name         string
	op           func(*Tensor[T]) *Tensor[T]
	ref          func(float64) float64
	tol32, tol64 float64 // relative tolerance; 0 means the result must be exact
}

func ewUnaryCases[T Float]() []ewUnaryCase[T] {
	const ulp32 = 1.2e-7 // one float32 ulp, relative
	return []ewUnaryCase[T]{
		{"Neg", (*Tensor[T]).Neg, func(x float64) float64 { return -x }, 0, 0},
		{"Exp", (*Tensor[T]).Exp, math.Exp, 0, 0},
		{"Log", (*Tensor[T]).Log, math.Log, 0, 0},
		{"Log1p", (*Tensor[T]).Log1p, math.Log1p, 0, 0},
		{"Sqrt", (*Tensor[T]).Sqrt, math.Sqrt, 0, 0},
		{"Abs", (*Tensor[T]).Abs, math.Abs, 0, 0},
		{"Sign", (*Tensor[T]).Sign, func(x float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return 0 // ±0, and NaN as in torch
		}, 0, 0},
		{"Tanh", (*Tensor[T]).Tanh, math.Tanh, 0, 0},
		// The naive formula is fine in float64 for a reference; it differs
		// from the stable one in the last bits only.
		{"Sigmoid", (*Tensor[T]).Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, ulp32, 1e-15},
		{"ReLU", (*Tensor[T]).ReLU, func(x float64) float64 { return math.Max(x, 0) }, 0, 0},
		{"Clamp", func(t *Tensor[T]) *Tensor[T] { return t.Clamp(-1, 2.5) },
			func(x float64) float64 { return math.Min(math.Max(x, -1), 2.5) }, 0, 0},
		{"ClampLowerOnly", func(t *Tensor[T]) *Tensor[T] { return t.Clamp(0.5, T(math.Inf(1))) },
			func(x float64) float64 { return math.Max(x, 0.5) }, 0, 0},
		{"Square", (*Tensor[T]).Square, func(x float64) float64 { return x * x }, 0, 0},
		{"Reciprocal", (*Tensor[T]).Reciprocal, func(x float64) float64 { return 1 / x }, 0, 0},
		{"Apply", func(t *Tensor[T]) *Tensor[T] { return t.Apply(func(x T) T { return 2*x + 1 }) },
			func(x float64) float64 { return 2*x + 1 }, 0, 0},
		{"AddScalar", func(t *Tensor[T]) *Tensor[T] { return t.AddScalar(1.5) },
			func(x float64) float64 { return x + 1.5 }, 0, 0},
		{"MulScalar", func(t *Tensor[T]) *Tensor[T] { return t.MulScalar(-2) },
			func(x float64) float64 { return x * -2 }, 0, 0},
		{"DivScalar", func(t *Tensor[T]) *Tensor[T] { return t.DivScalar(3) },
			func(x float64) float64 { return x / 3 }, 0, 0},
		{"DivScalarZero", func(t *Tensor[T]) *Tensor[T] { return t.DivScalar(0) },
			func(x float64) float64 { return x / 0 }, 0, 0},
		{"PowScalar2", func(t *Tensor[T]) *Tensor[T] { return t.PowScalar(2) },
			func(x float64) float64 { return x * x }, 0, 0},
		// Exponent 0.5 is a square root, as in PyTorch, which differs from
		// math.Pow at -Inf (NaN, not +Inf) and -0 (-0, not +0).
		{"PowScalarHalf", func(t *Tensor[T]) *Tensor[T] { return t.PowScalar(0.5) }, math.Sqrt, 0, 0},
		{"PowScalar3", func(t *Tensor[T]) *Tensor[T] { return t.PowScalar(3) },
			func(x float64) float64 { return math.Pow(x, 3) }, 0, 0},
		{"PowScalarNeg", func(t *Tensor[T]) *Tensor[T] { return t.PowScalar(-1.5) },
			func(x float64) float64 { return math.Pow(x, -1.5) }, 0, 0},
		{"PowScalar0", func(t *Tensor[T]) *Tensor[T] { return t.PowScalar(0) },
			func(x float64) float64 { return 1 }, 0, 0},
	}
}

func TestElementwiseUnary(t *testing.T) {
	t.Run("float32", ewTestUnary[float32])
	t.Run("float64", ewTestUnary[float64])
}

func ewTestUnary[T Float](t *testing.T) {
	for _, c := range ewUnaryCases[T]() {
		tol := c.tol64
		if bitSize[T]() == 32 {
			tol = c.tol32
		}
		t.Run(c.name, func(t *testing.T) {
			for _, shape := range ewUnaryShapes {
				for _, kind := range ewKinds {
					for seed := range 3 {
						x, xv := ewOperand[T](kind, shape, ewUnaryPool, 7*seed)
						before := slices.Clone(x.st.data)
						got := c.op(x)
						want := make([]float64, len(xv))
						for i, v := range xv {
							want[i] = c.ref(v)
						}
						what := fmt.Sprintf("%s of %s %v (seed %d)", c.name, kind, shape, seed)
						ewCheck(t, what, got, shape, want, tol)
						if got.SharesStorage(x) {
							t.Errorf("%s: result shares the operand's storage", what)
						}
						if !slices.EqualFunc(x.st.data, before, func(p, q T) bool { return p == q || p != p && q != q }) {
							t.Errorf("%s: operand modified", what)
						}
					}
				}
			}
		})
	}
}

// ewBinaryPool avoids 0 and NaN (the edge-value tests cover them) and holds
// values whose sums, products and quotients round the same in float32
// computed directly and via float64.
var ewBinaryPool = []float64{-2.5, -1, 0.5, 0.25, 0.75, 1.5, 2, 3, -4, 1, -0.5}

// ewShapePairs cover equal shapes, a missing leading dimension, size-1
// dimensions on either or both sides, the bias row in both operand orders,
// 0-d operands and empty tensors.
var ewShapePairs = [][2][]int{
	{{2, 3}, {2, 3}},
	{{3, 8}, {8}},
	{{8}, {3, 8}},
	{{2, 3, 4}, {1, 1, 4}},
	{{2, 3}, {1, 3}},
	{{3, 4}, {3, 1}},
	{{2, 1}, {1, 3}},
	{{4, 1, 3}, {2, 1}},
	{{2, 3, 4}, {3, 4}},
	{{3, 1, 4}, {1, 4}},
	{{4, 1}, {4, 1}},
	{{1}, {5}},
	{{2, 3, 4}, {}},
	{{}, {2, 3}},
	{{}, {}},
	{{1, 1}, {}},
	{{0, 3}, {3}},
	{{2, 0}, {1, 1}},
}

type ewBinaryCase[T Float] struct {
	name string
	op   func(a, b *Tensor[T]) *Tensor[T]
	ref  func(x, y float64) float64
}

func ewMask(c bool) float64 {
	if c {
		return 1
	}
	return 0
}

func ewBinaryCases[T Float]() []ewBinaryCase[T] {
	return []ewBinaryCase[T]{
		{"Add", (*Tensor[T]).Add, func(x, y float64) float64 { return x + y }},
		{"Sub", (*Tensor[T]).Sub, func(x, y float64) float64 { return x - y }},
		{"Mul", (*Tensor[T]).Mul, func(x, y float64) float64 { return x * y }},
		{"Div", (*Tensor[T]).Div, func(x, y float64) float64 { return x / y }},
		{"Pow", (*Tensor[T]).Pow, math.Pow},
		{"Maximum", (*Tensor[T]).Maximum, math.Max},
		{"Minimum", (*Tensor[T]).Minimum, math.Min},
		{"Gt", (*Tensor[T]).Gt, func(x, y float64) float64 { return ewMask(x > y) }},
		{"Ge", (*Tensor[T]).Ge, func(x, y float64) float64 { return ewMask(x >= y) }},
		{"Lt", (*Tensor[T]).Lt, func(x, y float64) float64 { return ewMask(x < y) }},
		{"Le", (*Tensor[T]).Le, func(x, y float64) float64 { return ewMask(x <= y) }},
		{"Eq", (*Tensor[T]).Eq, func(x, y float64) float64 { return ewMask(x == y) }},
		{"Ne", (*Tensor[T]).Ne, func(x, y float64) float64 { return ewMask(x != y) }},
	}
}

func TestElementwiseBinary(t *testing.T) {
	t.Run("float32", ewTestBinary[float32])
	t.Run("float64", ewTestBinary[float64])
}

func ewTestBinary[T Float](t *testing.T) {
	for _, c := range ewBinaryCases[T]() {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range ewShapePairs {
				out, ok := ewRefShape(p[0], p[1])
				if !ok {
					t.Fatalf("bad test case: %v and %v do not broadcast", p[0], p[1])
				}
				for _, ka := range ewKinds {
					for _, kb := range ewKinds {
						a, av := ewOperand[T](ka, p[0], ewBinaryPool, 0)
						b, bv := ewOperand[T](kb, p[1], ewBinaryPool, 3)
						got := c.op(a, b)
						what := fmt.Sprintf("%s of %s %v and %s %v", c.name, ka, p[0], kb, p[1])
						ewCheck(t, what, got, out, ewRefBinary(out, p[0], av, p[1], bv, c.ref), 0)
					}
				}
			}
		})
	}
}

func TestElementwiseWhere(t *testing.T) {
	t.Run("float32", ewTestWhere[float32])
	t.Run("float64", ewTestWhere[float64])
}

func ewTestWhere[T Float](t *testing.T) {
	maskPool := []float64{1, 0, 0, -2, ewNaN, ewNegZer, 0.5}
	triples := [][3][]int{
		{{2, 3}, {2, 3}, {2, 3}},
		{{2, 1, 3}, {4, 1}, {3}},
		{{3}, {2, 3}, {}},
		{{}, {2, 2}, {2, 2}},
		{{}, {}, {}},
		{{0, 2}, {2}, {1}},
	}
	for _, tr := range triples {
		out, ok := ewRefShape(tr[0], tr[1])
		if ok {
			out, ok = ewRefShape(out, tr[2])
		}
		if !ok {
			t.Fatalf("bad test case %v", tr)
		}
		for _, km := range ewKinds {
			for _, ka := range ewKinds {
				for _, kb := range []string{"contiguous", "transposed"} {
					ewTestWhereCase[T](t, tr, out, km, ka, kb, maskPool)
				}
			}
		}
	}
}

func ewTestWhereCase[T Float](t *testing.T, tr [3][]int, out []int, km, ka, kb string, maskPool []float64) {
	t.Helper()
	m, mv := ewOperand[T](km, tr[0], maskPool, 0)
	a, av := ewOperand[T](ka, tr[1], ewBinaryPool, 1)
	b, bv := ewOperand[T](kb, tr[2], ewBinaryPool, 4)
	var want []float64
	for _, idx := range ewIndices(out) {
		if mv[ewSource(idx, tr[0])] != 0 {
			want = append(want, av[ewSource(idx, tr[1])])
		} else {
			want = append(want, bv[ewSource(idx, tr[2])])
		}
	}
	what := fmt.Sprintf("Where of %s mask %v, %s a %v, %s b %v", km, tr[0], ka, tr[1], kb, tr[2])
	ewCheck(t, what, WhereTensors(m, a, b), out, want, 0)
}

// ewEdge is one hand-checked case: an op on one or two 1-d operands.
type ewEdge struct {
	name string
	a, b []float64 // b is nil for unary ops
	want []float64
}

func TestElementwiseEdgeValues(t *testing.T) {
	t.Run("float32", ewTestEdge[float32])
	t.Run("float64", ewTestEdge[float64])
}

func ewTestEdge[T Float](t *testing.T) {
	inf, nan, nz := ewInf, ewNaN, ewNegZer
	cases := []ewEdge{
		{"Sigmoid", []float64{1000, -1000, 0, nan, inf, -inf, 40}, nil, []float64{1, 0, 0.5, nan, 1, 0, 1}},
		{"Exp", []float64{1000, -1000, -inf, inf, 0, nan}, nil, []float64{inf, 0, 0, inf, 1, nan}},
		{"ReLU", []float64{nan, -inf, inf, -1, 0, 2}, nil, []float64{nan, 0, inf, 0, 0, 2}},
		{"Sign", []float64{nz, 0, nan, -inf, inf, -0.5, 3}, nil, []float64{0, 0, 0, -1, 1, -1, 1}},
		{"Abs", []float64{nz, -inf, nan, -2}, nil, []float64{0, inf, nan, 2}},
		{"Neg", []float64{0, nz, inf}, nil, []float64{nz, 0, -inf}},
		{"Sqrt", []float64{nz, -1, inf, 4}, nil, []float64{nz, nan, inf, 2}},
		{"Log", []float64{0, -1, inf, 1}, nil, []float64{-inf, nan, inf, 0}},
		{"Log1p", []float64{-1, -2, 0}, nil, []float64{-inf, nan, 0}},
		{"Tanh", []float64{1000, -1000, nan, 0}, nil, []float64{1, -1, nan, 0}},
		{"Reciprocal", []float64{0, nz, inf, 4}, nil, []float64{inf, -inf, 0, 0.25}},
		{"Clamp", []float64{nan, -5, 5, 0.5, -inf}, nil, []float64{nan, 0, 1, 0.5, 0}},
		{"ClampEmptyRange", []float64{-5, 1.5, 5, 3}, nil, []float64{1, 1, 1, 1}},
		{"PowScalarHalf", []float64{-inf, nz, 4}, nil, []float64{nan, nz, 2}},
		{"PowScalar0", []float64{nan, 0, inf}, nil, []float64{1, 1, 1}},
		{"Maximum", []float64{nan, 1, nz, 0, 1}, []float64{1, nan, 0, nz, inf}, []float64{nan, nan, 0, 0, inf}},
		{"Minimum", []float64{nan, 1, nz, 0, 1}, []float64{1, nan, 0, nz, -inf}, []float64{nan, nan, nz, nz, -inf}},
		{"Div", []float64{1, -1, 0, 1, inf}, []float64{0, 0, 0, nz, inf}, []float64{inf, -inf, nan, -inf, nan}},
		{"Gt", []float64{nan, 1, inf}, []float64{1, nan, inf}, []float64{0, 0, 0}},
		{"Ge", []float64{nan, 1, inf}, []float64{1, nan, inf}, []float64{0, 0, 1}},
		{"Eq", []float64{nan, 0, inf}, []float64{nan, nz, inf}, []float64{0, 1, 1}},
		{"Ne", []float64{nan, 0, inf}, []float64{nan, nz, inf}, []float64{1, 0, 0}},
	}
	if bitSize[T]() == 32 {
		// float32 overflows and underflows far sooner than float64.
		cases = append(cases,
			ewEdge{"Exp", []float64{89, 88, -104}, nil, []float64{inf, math.Exp(88), 0}},
			ewEdge{"Sigmoid", []float64{-88, -104, 20}, nil, []float64{1 / (1 + math.Exp(88)), 0, 1}},
		)
	}
	unaryOps := map[string]func(*Tensor[T]) *Tensor[T]{
		"Sigmoid": (*Tensor[T]).Sigmoid, "Exp": (*Tensor[T]).Exp, "ReLU": (*Tensor[T]).ReLU,
		"Sign": (*Tensor[T]).Sign, "Abs": (*Tensor[T]).Abs, "Neg": (*Tensor[T]).Neg,
		"Sqrt": (*Tensor[T]).Sqrt, "Log": (*Tensor[T]).Log, "Log1p": (*Tensor[T]).Log1p,
		"Tanh": (*Tensor[T]).Tanh, "Reciprocal": (*Tensor[T]).Reciprocal,
		"Clamp":           func(x *Tensor[T]) *Tensor[T] { return x.Clamp(0, 1) },
		"ClampEmptyRange": func(x *Tensor[T]) *Tensor[T] { return x.Clamp(2, 1) },
		"PowScalarHalf":   func(x *Tensor[T]) *Tensor[T] { return x.PowScalar(0.5) },
		"PowScalar0":      func(x *Tensor[T]) *Tensor[T] { return x.PowScalar(0) },
	}
	binaryOps := map[string]func(a, b *Tensor[T]) *Tensor[T]{
		"Maximum": (*Tensor[T]).Maximum, "Minimum": (*Tensor[T]).Minimum, "Div": (*Tensor[T]).Div,
		"Gt": (*Tensor[T]).Gt, "Ge": (*Tensor[T]).Ge, "Eq": (*Tensor[T]).Eq, "Ne": (*Tensor[T]).Ne,
	}
	ts := func(v []float64) *Tensor[T] {
		x := make([]T, len(v))
		for i := range v {
			x[i] = T(v[i])
		}
		return New(x)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got *Tensor[T]
			if c.b == nil {
				got = unaryOps[c.name](ts(c.a))
			} else {
				got = binaryOps[c.name](ts(c.a), ts(c.b))
			}
			g, w := ewFloats(got), ewRound[T](c.want)
			ewCompare(t, fmt.Sprintf("%s%v", c.name, c.a), g, w, 0)
			for i := range min(len(g), len(w)) {
				if g[i] == 0 && w[i] == 0 && math.Signbit(g[i]) != math.Signbit(w[i]) {
					t.Errorf("%s at %v: got %v, want %v (sign of zero)", c.name, c.a[i], g[i], w[i])
				}
			}
		})
	}
}

type ewInPlaceCase[T Float] struct {
	name  string
	op    func(t, u *Tensor[T]) // u is nil for the ops without a tensor operand
	ref   func(x, y float64) float64
	unary bool
}

func ewInPlaceCases[T Float]() []ewInPlaceCase[T] {
	return []ewInPlaceCase[T]{
		{"AddInPlace", (*Tensor[T]).AddInPlace, func(x, y float64) float64 { return x + y }, false},
		{"SubInPlace", (*Tensor[T]).SubInPlace, func(x, y float64) float64 { return x - y }, false},
		{"MulInPlace", (*Tensor[T]).MulInPlace, func(x, y float64) float64 { return x * y }, false},
		{"DivInPlace", (*Tensor[T]).DivInPlace, func(x, y float64) float64 { return x / y }, false},
		{"AddScaledInPlace", func(t, u *Tensor[T]) { t.AddScaledInPlace(-0.5, u) },
			func(x, y float64) float64 { return x + -0.5*y }, false},
		{"AddScalarInPlace", func(t, _ *Tensor[T]) { t.AddScalarInPlace(2.5) },
			func(x, _ float64) float64 { return x + 2.5 }, true},
		{"MulScalarInPlace", func(t, _ *Tensor[T]) { t.MulScalarInPlace(-3) },
			func(x, _ float64) float64 { return x * -3 }, true},
		{"ClampInPlace", func(t, _ *Tensor[T]) { t.ClampInPlace(-1, 1) },
			func(x, _ float64) float64 { return math.Min(math.Max(x, -1), 1) }, true},
		{"ApplyInPlace", func(t, _ *Tensor[T]) { t.ApplyInPlace(func(x T) T { return x*x - 1 }) },
			func(x, _ float64) float64 { return x*x - 1 }, true},
		{"Fill", func(t, _ *Tensor[T]) { t.Fill(-7) }, func(_, _ float64) float64 { return -7 }, true},
		{"Zero", func(t, _ *Tensor[T]) { t.Zero() }, func(_, _ float64) float64 { return 0 }, true},
	}
}

func TestElementwiseInPlace(t *testing.T) {
	t.Run("float32", ewTestInPlace[float32])
	t.Run("float64", ewTestInPlace[float64])
}

func ewTestInPlace[T Float](t *testing.T) {
	// Right-hand shapes for each left shape: the same, a row, a column, a
	// 0-d scalar, a one-element tensor with fewer dims.
	cases := []struct{ t, u []int }{
		{[]int{3, 4}, []int{3, 4}},
		{[]int{3, 4}, []int{4}},
		{[]int{3, 4}, []int{1, 4}},
		{[]int{3, 4}, []int{3, 1}},
		{[]int{3, 4}, []int{}},
		{[]int{2, 3, 4}, []int{1}},
		{[]int{2, 3, 4}, []int{3, 4}},
		{[]int{}, []int{}},
		{[]int{5}, []int{5}},
		{[]int{0, 4}, []int{4}},
	}
	for _, c := range ewInPlaceCases[T]() {
		t.Run(c.name, func(t *testing.T) {
			for _, sh := range cases {
				// An expanded receiver is an error (see the errors test).
				for _, kt := range []string{"contiguous", "transposed", "sliced", "padded"} {
					for _, ku := range ewKinds {
						x, xv := ewOperand[T](kt, sh.t, ewBinaryPool, 2)
						u, uv := ewOperand[T](ku, sh.u, ewBinaryPool, 5)
						data, st, v0 := x.st.data, x.st, x.Version()
						var want []float64
						for _, idx := range ewIndices(sh.t) {
							want = append(want, c.ref(xv[ewSource(idx, sh.t)], uv[ewSource(idx, sh.u)]))
						}
						// Which storage positions x owns, to check the rest
						// kept the sentinel.
						owned := make([]bool, len(data))
						for _, idx := range ewIndices(sh.t) {
							owned[x.offset(idx)] = true
						}
						c.op(x, u)
						what := fmt.Sprintf("%s of %s %v with %s %v", c.name, kt, sh.t, ku, sh.u)
						if x.st != st || x.Version() != v0+1 {
							t.Errorf("%s: storage replaced or version %d after %d; want the same storage at version %d", what, x.Version(), v0, v0+1)
						}
						ewCompare(t, what, ewFloats(x), ewRound[T](want), 0)
						for p, own := range owned {
							if !own && data[p] != ewSentinel {
								t.Errorf("%s: wrote %v to storage position %d outside the tensor", what, data[p], p)
							}
						}
						if c.unary {
							break // u plays no part
						}
					}
				}
			}
		})
	}
}

// TestElementwiseInPlaceAliasing checks in-place ops whose right operand
// shares the receiver's storage.
func TestElementwiseInPlaceAliasing(t *testing.T) {
	t.Run("AddInPlace/self", func(t *testing.T) {
		x := New([]float64{1, 2, 3, 4}, 2, 2)
		x.AddInPlace(x)
		if diff := cmp.Diff(x.ToSlice(), []float64{2, 4, 6, 8}); diff != "" {
			t.Errorf("x += x (-got +want):\n%s", diff)
		}
	})
	t.Run("AddInPlace/transpose", func(t *testing.T) {
		x := New([]float64{1, 2, 3, 4}, 2, 2)
		xt := x.view(0, []int{2, 2}, []int{1, 2})
		x.AddInPlace(xt)
		// [[1 2] [3 4]] + [[1 3] [2 4]]
		if diff := cmp.Diff(x.ToSlice(), []float64{2, 5, 5, 8}); diff != "" {
			t.Errorf("x += x.T (-got +want):\n%s", diff)
		}
	})
	t.Run("MulInPlace/row of itself", func(t *testing.T) {
		x := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
		row := x.view(0, []int{3}, []int{1}) // x[0], rewritten while it is read
		x.MulInPlace(row)
		if diff := cmp.Diff(x.ToSlice(), []float64{1, 4, 9, 4, 10, 18}); diff != "" {
			t.Errorf("x *= x[0] (-got +want):\n%s", diff)
		}
	})
	t.Run("AddInPlace/view writes through", func(t *testing.T) {
		base := New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
		col := base.view(1, []int{2}, []int{3}) // base[:, 1]
		col.AddInPlace(Scalar(10.0))
		if diff := cmp.Diff(base.ToSlice(), []float64{1, 12, 3, 4, 15, 6}); diff != "" {
			t.Errorf("base after base[:, 1] += 10 (-got +want):\n%s", diff)
		}
		if base.Version() != 1 {
			t.Errorf("base version %d; want 1 (shared with the view)", base.Version())
		}
	})
}

func TestElementwiseErrors(t *testing.T) {
	x23 := Ones[float64](2, 3)
	expanded := Ones[float64](1, 3).view(0, []int{2, 3}, []int{0, 1})
	cases := []struct {
		name     string
		f        func()
		sentinel error
		msg      []string // substrings the message must hold
	}{
		{"Add", func() { x23.Add(Ones[float64](4)) }, ErrShape, []string{"tensor: Add:", "[2 3]", "[4]"}},
		{"Sub", func() { x23.Sub(Ones[float64](2)) }, ErrShape, []string{"tensor: Sub:"}},
		{"Mul", func() { Ones[float64](3, 1, 2).Mul(Ones[float64](4, 3)) }, ErrShape, []string{"tensor: Mul:"}},
		{"Div", func() { x23.Div(Ones[float64](3, 3)) }, ErrShape, []string{"tensor: Div:"}},
		{"Pow", func() { x23.Pow(Ones[float64](2)) }, ErrShape, []string{"tensor: Pow:"}},
		{"Maximum", func() { x23.Maximum(Ones[float64](0)) }, ErrShape, []string{"tensor: Maximum:"}},
		{"Minimum", func() { x23.Minimum(Ones[float64](2)) }, ErrShape, []string{"tensor: Minimum:"}},
		{"Gt", func() { x23.Gt(Ones[float64](2)) }, ErrShape, []string{"tensor: Gt:"}},
		{"Ne", func() { x23.Ne(Ones[float64](2)) }, ErrShape, []string{"tensor: Ne:"}},
		{"Where", func() { WhereTensors(Ones[float64](2, 1), x23, Ones[float64](4)) }, ErrShape, []string{"tensor: Where:"}},
		{"AddInPlace/grows", func() { Ones[float64](3).AddInPlace(x23) }, ErrShape,
			[]string{"tensor: AddInPlace: output with shape [3] doesn't match the broadcast shape [2 3]"}},
		{"MulInPlace/grows", func() { Ones[float64](2, 1).MulInPlace(Ones[float64](3)) }, ErrShape,
			[]string{"tensor: MulInPlace: output with shape [2 1] doesn't match the broadcast shape [2 3]"}},
		{"SubInPlace/mismatch", func() { x23.SubInPlace(Ones[float64](4)) }, ErrShape, []string{"tensor: SubInPlace:"}},
		{"AddScaledInPlace/grows", func() { Scalar(1.0).AddScaledInPlace(2, x23) }, ErrShape, []string{"output with shape []"}},
	}
	written := "more than one element of the written-to tensor refers to a single memory location"
	for name, f := range map[string]func(){
		"AddInPlace":       func() { expanded.AddInPlace(x23) },
		"SubInPlace":       func() { expanded.SubInPlace(x23) },
		"MulInPlace":       func() { expanded.MulInPlace(x23) },
		"DivInPlace":       func() { expanded.DivInPlace(x23) },
		"AddScaledInPlace": func() { expanded.AddScaledInPlace(2, x23) },
		"AddScalarInPlace": func() { expanded.AddScalarInPlace(1) },
		"MulScalarInPlace": func() { expanded.MulScalarInPlace(2) },
		"ClampInPlace":     func() { expanded.ClampInPlace(0, 1) },
		"ApplyInPlace":     func() { expanded.ApplyInPlace(math.Sqrt) },
		"Fill":             func() { expanded.Fill(3) },
		"Zero":             func() { expanded.Zero() },
	} {
		cases = append(cases, struct {
			name     string
			f        func()
			sentinel error
			msg      []string
		}{name + "/expanded", f, ErrArgument, []string{"tensor: " + name + ": unsupported operation: " + written}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v0 := expanded.Version()
			err := ewPanic(t, c.f)
			if err == nil {
				t.Fatal("no panic; want one")
			}
			if !errors.Is(err, c.sentinel) {
				t.Errorf("panicked with %v; want an error wrapping %v", err, c.sentinel)
			}
			for _, m := range c.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q does not contain %q", err.Error(), m)
				}
			}
			if expanded.Version() != v0 || x23.Version() != 0 {
				t.Errorf("a failed op bumped a version counter")
			}
		})
	}
}

// FuzzBroadcast checks the broadcasting binary ops against the rule: for
// any two shapes (decoded from the bytes, at most 4 dims of size at most
// 5), Add and Mul either return the rule's shape with the values of an
// index-by-index reference, or, when the rule rejects the shapes, panic
// with an error wrapping ErrShape. AddInPlace must succeed exactly when the
// broadcast shape is the receiver's own.
func FuzzBroadcast(f *testing.F) {
	// Layout: dims of a, dims of b, sizes of a, sizes of b, layout byte.
	f.Add([]byte{2, 2, 2, 3, 2, 3, 0})
	f.Add([]byte{2, 1, 3, 8, 8, 4})
	f.Add([]byte{3, 2, 4, 1, 3, 2, 1, 5})
	f.Add([]byte{2, 1, 2, 3, 4, 0})
	f.Add([]byte{0, 3, 2, 1, 3, 8})
	f.Add([]byte{1, 1, 0, 1, 2})
	f.Add([]byte{1, 1, 0, 2, 3})
	f.Add([]byte{4, 4, 1, 2, 1, 3, 5, 1, 4, 1, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func(m int) int {
			if len(data) == 0 {
				return 1 % m
			}
			v := int(data[0]) % m
			data = data[1:]
			return v
		}
		as, bs := make([]int, next(5)), make([]int, next(5))
		for i := range as {
			as[i] = next(6)
		}
		for i := range bs {
			bs[i] = next(6)
		}
		layout := next(len(ewKinds) * len(ewKinds))
		ka, kb := ewKinds[layout%len(ewKinds)], ewKinds[layout/len(ewKinds)]
		a, av := ewOperand[float64](ka, as, ewBinaryPool, 0)
		b, bv := ewOperand[float64](kb, bs, ewBinaryPool, 3)
		out, ok := ewRefShape(as, bs)
		for _, op := range []struct {
			name string
			f    func(a, b *Tensor[float64]) *Tensor[float64]
			ref  func(x, y float64) float64
		}{
			{"Add", (*Tensor[float64]).Add, func(x, y float64) float64 { return x + y }},
			{"Mul", (*Tensor[float64]).Mul, func(x, y float64) float64 { return x * y }},
		} {
			var got *Tensor[float64]
			err := ewPanic(t, func() { got = op.f(a, b) })
			what := fmt.Sprintf("%s of %s %v and %s %v", op.name, ka, as, kb, bs)
			if !ok {
				if err == nil || !errors.Is(err, ErrShape) {
					t.Fatalf("%s: panicked with %v; want an error wrapping ErrShape", what, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: panicked with %v; want shape %v", what, err, out)
			}
			ewCheck(t, what, got, out, ewRefBinary(out, as, av, bs, bv, op.ref), 0)
		}
		into := ok && slices.Equal(out, as)
		if ka == "expanded" {
			a = a.Clone() // an expanded receiver is refused for another reason
		}
		err := ewPanic(t, func() { a.AddInPlace(b) })
		switch {
		case into && err != nil:
			t.Fatalf("AddInPlace of %v and %v: panicked with %v", as, bs, err)
		case !into && (err == nil || !errors.Is(err, ErrShape)):
			t.Fatalf("AddInPlace of %v and %v: panicked with %v; want an error wrapping ErrShape", as, bs, err)
		case into:
			want := ewRefBinary(out, as, av, bs, bv, func(x, y float64) float64 { return x + y })
			ewCompare(t, "AddInPlace", ewFloats(a), want, 0)
		}
	})
}
