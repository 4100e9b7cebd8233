package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// The shared loops must give exactly the serial results: every kernel that
// parallelFor runs is checked bit for bit against the same kernel forced
// onto one goroutine (parallelMin raised out of reach), and against a naive
// loop written here, at sizes on both sides of parallelMin and at odd sizes
// whose last chunk is short.

// withParallelMin runs f with parallelMin set to n.
func withParallelMin(n int, f func()) {
	old := parallelMin
	parallelMin = n
	defer func() { parallelMin = old }()
	f()
}

// parallelSizes are the lengths the kernels are tried at.
func parallelSizes() []int {
	m := parallelMin
	return []int{1, 17, m - 1, m, m + 1, m + parallelAlign + 3, 5*m/2 + 7, 4*m + 3}
}

func TestParallelForCoversOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // more helpers than cores
	for _, width := range []int{1, 3, 1000} {
		for _, n := range []int{0, 1, 2, 7, parallelMin - 1, parallelMin, parallelMin + 1, 1<<20 + 3} {
			if n*width > 1<<22 {
				continue
			}
			t.Run(fmt.Sprintf("n=%d/width=%d", n, width), func(t *testing.T) {
				seen := make([]atomic.Int32, n)
				var calls atomic.Int32
				var bad atomic.Value
				parallelFor(n, width, func(lo, hi int) {
					calls.Add(1)
					if lo >= hi && n > 0 || lo < 0 || hi > n {
						bad.Store(fmt.Sprintf("range [%d, %d) of [0, %d)", lo, hi, n))
						return
					}
					if width == 1 && hi < n && hi%parallelAlign != 0 {
						bad.Store(fmt.Sprintf("chunk end %d is not a multiple of %d", hi, parallelAlign))
					}
					for i := lo; i < hi; i++ {
						seen[i].Add(1)
					}
				})
				if b := bad.Load(); b != nil {
					t.Fatal(b)
				}
				for i := range seen {
					if c := seen[i].Load(); c != 1 {
						t.Fatalf("index %d visited %d times, want 1", i, c)
					}
				}
				if n*width < parallelMin && calls.Load() != 1 {
					t.Errorf("below parallelMin: %d calls of body, want 1", calls.Load())
				}
			})
		}
	}
}

var parallelSink atomic.Int64

// parallelBody is a body that makes no closure, so that the allocations
// counted are parallelFor's own.
func parallelBody(lo, hi int) { parallelSink.Add(int64(hi - lo)) }

func TestParallelForAllocs(t *testing.T) {
	if got := testing.AllocsPerRun(100, func() { parallelFor(parallelMin-1, 1, parallelBody) }); got != 0 {
		t.Errorf("below parallelMin: %v allocations, want 0", got)
	}
	// Above it the job comes from a sync.Pool, which the garbage collector
	// may empty now and then.
	if got := testing.AllocsPerRun(100, func() { parallelFor(1<<20, 1, parallelBody) }); got > 0.1 {
		t.Errorf("above parallelMin: %v allocations, want 0 in steady state", got)
	}
	x := Ones[float32](parallelMin - 1)
	y := Ones[float32](parallelMin - 1)
	ops := map[string]func(){
		"AddInPlace":       func() { x.AddInPlace(y) },
		"AddScaledInPlace": func() { x.AddScaledInPlace(0.5, y) },
		"MulScalarInPlace": func() { x.MulScalarInPlace(1) },
		"AddScalarInPlace": func() { x.AddScalarInPlace(0) },
		"Zero":             func() { x.Zero() },
	}
	for name, op := range ops {
		if got := testing.AllocsPerRun(100, op); got != 0 {
			t.Errorf("%s below parallelMin: %v allocations, want 0", name, got)
		}
	}
}

// parallelInput returns n pseudo-random elements in [-2, 2) with NaN, ±Inf
// and ±0 among them.
func parallelInput[T Float](n int, seed uint64) []T {
	rng := rand.New(rand.NewPCG(seed, 7))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1)}
	out := make([]T, n)
	for i := range out {
		if rng.IntN(50) == 0 {
			out[i] = T(specials[rng.IntN(len(specials))])
		} else {
			out[i] = T(rng.Float64()*4 - 2)
		}
	}
	return out
}

// sameBits reports whether got and want hold the same bits, element by
// element, and describes the first difference.
func sameBits[T Float](got, want []T) (string, bool) {
	if len(got) != len(want) {
		return fmt.Sprintf("length %d, want %d", len(got), len(want)), false
	}
	for i := range got {
		if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
			return fmt.Sprintf("element %d is %v, want %v", i, got[i], want[i]), false
		}
	}
	return "", true
}

// sameValues is sameBits but lets any NaN match any NaN: the naive loops
// may propagate another NaN payload than the kernels.
func sameValues[T Float](got, want []T) (string, bool) {
	if len(got) != len(want) {
		return fmt.Sprintf("length %d, want %d", len(got), len(want)), false
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) && math.IsNaN(w) {
			continue
		}
		if math.Float64bits(g) != math.Float64bits(w) {
			return fmt.Sprintf("element %d is %v, want %v", i, got[i], want[i]), false
		}
	}
	return "", true
}

// A parallelCase is one kernel on inputs of n elements: run returns its
// result and naive computes the same with a plain loop.
type parallelCase[T Float] struct {
	name  string
	run   func(n int) []T
	naive func(n int) []T
}

// rowLen is the row length of the bias cases: odd, so that rows and chunks
// do not line up.
const rowLen = 999

func parallelCases[T Float]() []parallelCase[T] {
	// Inputs are made once per length and seed; every use copies them.
	type key struct {
		n    int
		seed uint64
	}
	made := map[key][]T{}
	in := func(n int, seed uint64) []T {
		k := key{n, seed}
		if made[k] == nil {
			made[k] = parallelInput[T](n, seed)
		}
		return slices.Clone(made[k])
	}
	// rows rounds n up to whole rows of rowLen.
	rows := func(n int) int { return (n + rowLen - 1) / rowLen }
	mapNaive := func(f func(i int, x, y T) T, rowY bool) func(n int) []T {
		return func(n int) []T {
			if rowY {
				n = rows(n) * rowLen
			}
			x, y := in(n, 1), in(n, 2)
			out := make([]T, n)
			for i := range out {
				out[i] = f(i, x[i], y[i])
			}
			return out
		}
	}
	row := in(rowLen, 3)
	s := T(0.75)
	return []parallelCase[T]{
		{"Add", func(n int) []T {
			return New(in(n, 1), n).Add(New(in(n, 2), n)).ToSlice()
		}, mapNaive(func(_ int, x, y T) T { return x + y }, false)},
		{"SubScalar", func(n int) []T {
			return New(in(n, 1), n).Sub(Scalar(s)).ToSlice()
		}, mapNaive(func(_ int, x, _ T) T { return x - s }, false)},
		{"ScalarDiv", func(n int) []T {
			return Scalar(s).Div(New(in(n, 2), n)).ToSlice()
		}, mapNaive(func(_ int, _, y T) T { return s / y }, false)},
		{"Gt", func(n int) []T {
			return New(in(n, 1), n).Gt(New(in(n, 2), n)).ToSlice()
		}, mapNaive(func(_ int, x, y T) T {
			if x > y {
				return 1
			}
			return 0
		}, false)},
		{"MulRow", func(n int) []T {
			r := rows(n)
			return New(in(r*rowLen, 1), r, rowLen).Mul(New(row, rowLen)).ToSlice()
		}, mapNaive(func(i int, x, _ T) T { return x * row[i%rowLen] }, true)},
		{"RowSub", func(n int) []T {
			r := rows(n)
			return New(row, 1, rowLen).Sub(New(in(r*rowLen, 1), r, rowLen)).ToSlice()
		}, mapNaive(func(i int, x, _ T) T { return row[i%rowLen] - x }, true)},
		{"AddInPlace", func(n int) []T {
			x := New(in(n, 1), n)
			x.AddInPlace(New(in(n, 2), n))
			return x.ToSlice()
		}, mapNaive(func(_ int, x, y T) T { return x + y }, false)},
		{"AddInPlaceRow", func(n int) []T {
			r := rows(n)
			x := New(in(r*rowLen, 1), r, rowLen)
			x.AddInPlace(New(row, rowLen))
			return x.ToSlice()
		}, mapNaive(func(i int, x, _ T) T { return x + row[i%rowLen] }, true)},
		{"AddScaledInPlace", func(n int) []T {
			x := New(in(n, 1), n)
			x.AddScaledInPlace(s, New(in(n, 2), n))
			return x.ToSlice()
		}, mapNaive(func(_ int, x, y T) T { return x + T(s*y) }, false)},
		{"AddScaledInPlaceRow", func(n int) []T {
			r := rows(n)
			x := New(in(r*rowLen, 1), r, rowLen)
			x.AddScaledInPlace(s, New(row, rowLen))
			return x.ToSlice()
		}, mapNaive(func(i int, x, _ T) T { return x + T(s*row[i%rowLen]) }, true)},
		{"AddScalarInPlace", func(n int) []T {
			x := New(in(n, 1), n)
			x.AddScalarInPlace(s)
			return x.ToSlice()
		}, mapNaive(func(_ int, x, _ T) T { return x + s }, false)},
		{"MulScalarInPlace", func(n int) []T {
			x := New(in(n, 1), n)
			x.MulScalarInPlace(s)
			return x.ToSlice()
		}, mapNaive(func(_ int, x, _ T) T { return x * s }, false)},
		{"Fill", func(n int) []T {
			x := New(in(n, 1), n)
			x.Fill(s)
			return x.ToSlice()
		}, mapNaive(func(int, T, T) T { return s }, false)},
		{"FillNegZero", func(n int) []T {
			x := New(in(n, 1), n)
			x.Fill(T(math.Copysign(0, -1)))
			return x.ToSlice()
		}, mapNaive(func(int, T, T) T { return T(math.Copysign(0, -1)) }, false)},
		{"Zero", func(n int) []T {
			x := New(in(n, 1), n)
			x.Zero()
			return x.ToSlice()
		}, mapNaive(func(int, T, T) T { return 0 }, false)},
		{"Exp", func(n int) []T {
			return New(in(n, 1), n).Exp().ToSlice()
		}, mapNaive(func(_ int, x, _ T) T { return T(math.Exp(float64(x))) }, false)},
		{"SigmoidStrided", func(n int) []T { // a transposed input: Clone, then in place
			r := rows(n)
			x := New(in(r*rowLen, 1), rowLen, r).Transpose(0, 1)
			return x.Sigmoid().Transpose(0, 1).Contiguous().ToSlice()
		}, mapNaive(func(_ int, x, _ T) T {
			v := float64(x)
			if v >= 0 {
				return T(1 / (1 + math.Exp(-v)))
			}
			e := math.Exp(v)
			return T(e / (1 + e))
		}, true)},
		{"MulScalar", func(n int) []T {
			return New(in(n, 1), n).MulScalar(s).ToSlice()
		}, mapNaive(func(_ int, x, _ T) T { return x * s }, false)},
		{"ReLU", func(n int) []T {
			return reluForward(New(in(n, 1), n)).ToSlice()
		}, mapNaive(func(_ int, x, _ T) T {
			if x < 0 {
				return 0
			}
			return x
		}, false)},
		{"ReLUBackward", func(n int) []T {
			// y is the gradient, x the saved result of the forward.
			return reluGrad(New(in(n, 2), n), New(in(n, 1), n)).data.ToSlice()
		}, mapNaive(func(_ int, x, y T) T {
			if x > 0 {
				return y * 1
			}
			return y * 0
		}, false)},
	}
}

func TestParallelKernelsMatchSerial(t *testing.T) {
	t.Run("float32", testParallelKernels[float32])
	t.Run("float64", testParallelKernels[float64])
}

func testParallelKernels[T Float](t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	for _, c := range parallelCases[T]() {
		for _, n := range parallelSizes() {
			t.Run(fmt.Sprintf("%s/%d", c.name, n), func(t *testing.T) {
				got := c.run(n)
				var serial []T
				withParallelMin(math.MaxInt, func() { serial = c.run(n) })
				if d, ok := sameBits(got, serial); !ok {
					t.Fatalf("shared loop differs from the serial one: %s", d)
				}
				if d, ok := sameValues(got, c.naive(n)); !ok {
					t.Fatalf("differs from the naive loop: %s", d)
				}
			})
		}
	}
}

// TestReLUFusedSpecialValues checks the bit tricks of the ReLU loops on
// every kind of value: the forward keeps -0 and NaN, the gradient is g*1
// where the result is positive and g*0 elsewhere, NaN included, so a NaN or
// infinite g gives NaN there as Mul by the mask did.
func TestReLUFusedSpecialValues(t *testing.T) {
	t.Run("float32", testReLUSpecials[float32])
	t.Run("float64", testReLUSpecials[float64])
}

func testReLUSpecials[T Float](t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	var vals []float64
	for _, v := range []float64{
		nan, -nan, inf, -inf, 0, math.Copysign(0, -1), 1, -1, 0.5, -0.5,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
		math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		math.MaxFloat32, -math.MaxFloat32, math.MaxFloat64, -math.MaxFloat64,
	} {
		vals = append(vals, v)
	}
	// Every pair (x, g), so that the gradient sees each g at each x.
	var xs, gs []T
	for _, x := range vals {
		for _, g := range vals {
			xs, gs = append(xs, T(x)), append(gs, T(g))
		}
	}
	n := len(xs)
	wantOut, wantDx := make([]T, n), make([]T, n)
	for i, x := range xs {
		wantOut[i] = x
		if x < 0 {
			wantOut[i] = 0
		}
		m := T(0)
		if wantOut[i] > 0 {
			m = 1
		}
		wantDx[i] = gs[i] * m
	}
	// n is a multiple of four, the loops' step; n-1 leaves a remainder.
	for _, n := range []int{n, n - 1} {
		out := reluForward(New(xs[:n], n)).ToSlice()
		if d, ok := sameValues(out, wantOut[:n]); !ok {
			t.Errorf("forward of %d elements: %s", n, d)
		}
		dx := reluGrad(New(gs[:n], n), New(wantOut[:n], n)).data.ToSlice()
		if d, ok := sameValues(dx, wantDx[:n]); !ok {
			t.Errorf("backward of %d elements: %s", n, d)
		}
	}
}

// TestReLUBackwardPaths checks each way to ReLU's gradient: a plain
// backward with a contiguous gradient and with Sum's broadcast one (both
// fused), with a transposed one (the mask and product), and a create-graph
// backward, which must still record its product.
func TestReLUBackwardPaths(t *testing.T) {
	xs := []float64{-2, math.Copysign(0, -1), 0, 3, math.NaN(), 5}
	gs := []float64{1, 2, 3, 4, 5, 6}
	want := []float64{0, 0, 0, 4, 0, 6}
	wantSum := []float64{0, 0, 0, 1, 0, 1}

	x := Param(New(xs, 2, 3))
	ReLU(x).BackwardWith(Const(New(gs, 2, 3)), BackwardOptions{})
	if d, ok := sameValues(x.Grad().Data().ToSlice(), want); !ok {
		t.Errorf("plain backward: %s", d)
	}
	x = Param(New(xs, 2, 3))
	Sum(ReLU(x)).Backward()
	if d, ok := sameValues(x.Grad().Data().ToSlice(), wantSum); !ok {
		t.Errorf("plain backward of Sum: %s", d)
	}
	x = Param(New(xs, 2, 3))
	// The gradient reaching ReLU is the transpose of gs laid out (3, 2).
	ReLU(x).T().BackwardWith(Const(New([]float64{1, 4, 2, 5, 3, 6}, 3, 2)), BackwardOptions{})
	if d, ok := sameValues(x.Grad().Data().ToSlice(), want); !ok {
		t.Errorf("plain backward through a transpose: %s", d)
	}
	x = Param(New(xs, 2, 3))
	seed := Param(New(gs, 2, 3))
	g := Grad([]*Value[float64]{ReLU(x)}, []*Value[float64]{x}, []*Value[float64]{seed},
		GradOptions{Options: BackwardOptions{CreateGraph: true}})[0]
	if !g.RequiresGrad() {
		t.Fatalf("create-graph backward: the gradient is not recorded")
	}
	if d, ok := sameValues(g.Data().ToSlice(), want); !ok {
		t.Errorf("create-graph backward: %s", d)
	}
	// d(sum(g))/d(seed) is the mask.
	if ds := Grad([]*Value[float64]{Sum(g)}, []*Value[float64]{seed}, nil, GradOptions{})[0]; ds == nil {
		t.Errorf("create-graph backward: no gradient through the seed")
	} else if d, ok := sameValues(ds.Data().ToSlice(), wantSum); !ok {
		t.Errorf("second derivative through the seed: %s", d)
	}
}

// TestParallelConcurrentCalls runs shared loops from several goroutines
// at once, which share one worker pool (and, under -race, checks that the
// pool hands jobs over without races).
func TestParallelConcurrentCalls(t *testing.T) {
	n := 2*parallelMin + 5
	x, y := parallelInput[float32](n, 1), parallelInput[float32](n, 2)
	var want []float32
	withParallelMin(math.MaxInt, func() { want = New(x, n).Add(New(y, n)).ToSlice() })
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 20 {
				got := New(x, n).Add(New(y, n)).ToSlice()
				if d, ok := sameBits(got, want); !ok {
					errs <- d
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for d := range errs {
		t.Error(d)
	}
}

// BenchmarkParallel times the shared kernels on float32 against the same
// kernels forced onto one goroutine: in the train step they see 16K
// (a 64×256 activation), 256K and 1M elements (a 1024×1024 weight).
func BenchmarkParallel(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1 << 14, 1 << 18, 1 << 20} {
		x := Uniform[float32](rng, -2, 2, n/1024, 1024)
		y := Uniform[float32](rng, -2, 2, n/1024, 1024)
		bias := Uniform[float32](rng, -2, 2, 1024)
		relu := reluForward(x)
		// The ReLU loops alone, into an existing tensor: the new tensor of
		// reluForward and reluGrad costs as much as the loop at these sizes.
		into := Zeros[float32](n)
		rs, xs, ys, gs := into.st.data, x.st.data, relu.st.data, y.st.data
		shared := func(f func(lo, hi int)) {
			if n < parallelMin {
				f(0, n)
				return
			}
			parallelFor(n, 1, f)
		}
		for _, op := range []struct {
			name string
			f    func()
		}{
			{"Add", func() { x.Add(y) }},
			{"AddBiasRow", func() { x.Add(bias) }},
			{"AddInPlace", func() { x.AddInPlace(y) }},
			{"AddBiasRowInPlace", func() { x.AddInPlace(bias) }},
			{"AddScaledInPlace", func() { x.AddScaledInPlace(1e-9, y) }},
			{"MulScalarInPlace", func() { x.MulScalarInPlace(1) }},
			{"Fill", func() { y.Fill(1) }},
			{"ReLU", func() { reluForward(x) }},
			{"ReLUBackward", func() { reluGrad(y, relu) }},
			{"ReLULoop", func() { shared(func(lo, hi int) { reluBitsLoop(rs[lo:hi], xs[lo:hi]) }) }},
			{"ReLUGradLoop", func() { shared(func(lo, hi int) { reluGradLoop(rs[lo:hi], gs[lo:hi], ys[lo:hi]) }) }},
		} {
			for _, mode := range []string{"serial", "parallel"} {
				b.Run(fmt.Sprintf("%s/%d/%s", op.name, n, mode), func(b *testing.B) {
					min := parallelMin
					if mode == "serial" {
						min = math.MaxInt
					}
					withParallelMin(min, func() {
						b.ReportAllocs()
						b.SetBytes(int64(n) * 4)
						for b.Loop() {
							op.f()
						}
					})
				})
			}
		}
	}
}

// BenchmarkParallelMin places parallelMin: the cheapest shared loop, an
// in-place add, serial and shared at sizes around it.
func BenchmarkParallelMin(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 18} {
		x := Uniform[float32](rng, -2, 2, n)
		y := Uniform[float32](rng, -2, 2, n)
		for _, mode := range []string{"serial", "parallel"} {
			b.Run(fmt.Sprintf("%d/%s", n, mode), func(b *testing.B) {
				min := 0
				if mode == "serial" {
					min = math.MaxInt
				}
				withParallelMin(min, func() {
					b.ReportAllocs()
					b.SetBytes(int64(n) * 4)
					for b.Loop() {
						x.AddInPlace(y)
					}
				})
			})
		}
	}
}

// BenchmarkReLUKernels compares, on one goroutine, the ReLU loops with
// those they replace: Tensor.ReLU's branching loop, and the backward's
// mask then product.
func BenchmarkReLUKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1 << 14, 1 << 18} {
		x := Uniform[float32](rng, -2, 2, n)
		g := Uniform[float32](rng, -2, 2, n)
		out := reluForward(x)
		for _, op := range []struct {
			name string
			f    func()
		}{
			{"ForwardBranching", func() { x.ReLU() }},
			{"ForwardBits", func() { reluForward(x) }},
			{"GradMaskMul", func() { g.Mul(out.Gt(Scalar[float32](0))) }},
			{"GradFused", func() { reluGrad(g, out) }},
		} {
			b.Run(fmt.Sprintf("%s/%d", op.name, n), func(b *testing.B) {
				withParallelMin(math.MaxInt, func() {
					b.ReportAllocs()
					b.SetBytes(int64(n) * 4)
					for b.Loop() {
						op.f()
					}
				})
			})
		}
	}
}
