package tensor

import (
	"errors"
	"strings"
	"sync"

	"github.com/chainrule/chainrule/autograd"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPoolClasses(t *testing.T) {
	for n := poolMinElems; n < 1<<16; n++ {
		up, down := classSize(classUp(n)), classSize(classDown(n))
		if up < n || up > n+n/4+1 {
			t.Fatalf("classSize(classUp(%d)) = %d, want in [%d, %d]", n, up, n, n+n/4+1)
		}
		if down > n || down < n-n/4-1 {
			t.Fatalf("classSize(classDown(%d)) = %d, want in [%d, %d]", n, down, n-n/4-1, n)
		}
		if classUp(n) > 0 && classSize(classUp(n)-1) >= n && classUp(n)-1 >= classUp(poolMinElems) {
			t.Fatalf("classUp(%d) = %d is not the smallest class that fits", n, classUp(n))
		}
	}
}

// reuseGraph builds a graph that exercises what ownership must get right:
// one gradient passed to two inputs (Add of a value to itself), views
// (Reshape, Transpose, Slice, Expand) whose gradients are views of the
// incoming one, a retained non-leaf, hooks that keep the gradients they
// see (one on a value that retains nothing), a value used by two ops
// (gradients summed), a detached branch and a leaf reached twice. It
// returns the loss and what the hooks kept.
func reuseGraph(x, w, b *Value[float64]) (loss *Value[float64], hooked *[]*Value[float64]) {
	kept := &[]*Value[float64]{}
	h := Add(MatMul(x, w), b) // (6,5) + (5): b's gradient is reduced
	keep := func(g *Value[float64]) *Value[float64] {
		*kept = append(*kept, g)
		return nil
	}
	h.RegisterHook(keep) // h retains nothing: only the hook holds its gradient
	a := ReLU(h)
	a.RetainGrad()
	a.RegisterHook(keep)
	twice := Add(a, a)
	r := Transpose(Reshape(twice, 5, 6), 0, 1)
	s := Slice(r, 0, 1, 5, 2)
	e := Expand(SumKeepDim(w, 0), 6, 5)
	d := Detach(a) // cut: no gradient through here
	mixed := Add(Mul(Sum(s), Exp(MulScalar(e, 0.1))), Mul(Tanh(a), Const(d.Data())))
	loss = Add(Sum(mixed), Sum(Mul(Sigmoid(twice), x.MatMul(w))))
	return loss, kept
}

// Detach is the function form used by the test graph.
func Detach[T Float](v *Value[T]) *Value[T] { return v.Detach() }

func TestReuseBitIdentical(t *testing.T) {
	run := func(on bool) (grads [][]float64, kept [][]float64, retained []float64) {
		was := SetBufferReuse(on)
		defer SetBufferReuse(was)
		rng := rand.New(rand.NewPCG(7, 8))
		x := Param(Normal[float64](rng, 0, 1, 6, 4))
		w := Param(Normal[float64](rng, 0, 1, 4, 5))
		b := Param(Normal[float64](rng, 0, 1, 5))
		var grad0 *Value[float64]
		var hooks []*Value[float64]
		for step := range 4 {
			if step%2 == 0 {
				x.ZeroGrad()
				w.ZeroGradInPlace()
			}
			loss, kept := reuseGraph(x, w, b)
			loss.Backward()
			hooks = append(hooks, *kept...)
			if step == 0 {
				grad0 = b.Grad()
			}
		}
		// A second pass over a retained graph, and Grad.
		loss, _ := reuseGraph(x, w, b)
		loss.BackwardWith(nil, BackwardOptions{RetainGraph: true})
		loss.Backward()
		gs := Grad([]*Value[float64]{Sum(MulScalar(Mul(x, x), 3))}, []*Value[float64]{x}, nil, GradOptions{})
		for _, v := range []*Value[float64]{x, w, b, gs[0], grad0} {
			grads = append(grads, v.Data().ToSlice())
		}
		for _, h := range hooks {
			kept = append(kept, h.Data().ToSlice())
		}
		return grads, kept, nil
	}
	offG, offK, _ := run(false)
	onG, onK, _ := run(true)
	for i := range offG {
		if !bitsEqual(onG[i], offG[i]) {
			t.Errorf("gradient %d with reuse differs from without:\n got %v\nwant %v", i, onG[i], offG[i])
		}
	}
	if len(onK) != len(offK) {
		t.Fatalf("hooks saw %d gradients with reuse, %d without", len(onK), len(offK))
	}
	for i := range offK {
		if !bitsEqual(onK[i], offK[i]) {
			t.Errorf("hooked gradient %d with reuse differs from without (recycled under the hook?):\n got %v\nwant %v", i, onK[i], offK[i])
		}
	}
}

func bitsEqual(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

// TestReuseKeepsHandedOutGradients checks that a gradient the caller holds
// (a leaf's Grad kept across ZeroGrad, a Grad result) is never recycled
// into a later pass.
func TestReuseKeepsHandedOutGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := Param(Normal[float32](rng, 0, 1, 32, 16))
	w := Param(Normal[float32](rng, 0, 1, 16, 8))
	step := func() { Sum(Tanh(MatMul(x, w))).Backward() }
	step()
	held := w.Grad()
	want := held.Data().ToSlice()
	gs := Grad([]*Value[float32]{Sum(Exp(MatMul(x, w)))}, []*Value[float32]{w}, nil, GradOptions{})
	wantG := gs[0].Data().ToSlice()
	for range 10 {
		x.ZeroGrad()
		w.ZeroGrad()
		step()
	}
	if got := held.Data().ToSlice(); !slices.Equal(got, want) {
		t.Errorf("a held gradient changed after later passes: got %v, want %v", got[:4], want[:4])
	}
	if got := gs[0].Data().ToSlice(); !slices.Equal(got, wantG) {
		t.Errorf("a Grad result changed after later passes: got %v, want %v", got[:4], wantG[:4])
	}
}

// TestReuseRecycles checks that steady-state steps of a loop that zeroes
// gradients in place and releases values are served from the pool alone:
// every buffer of one step comes back for the next.
func TestReuseRecycles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := Const(Normal[float32](rng, 0, 1, 64, 128))
	w1 := Param(Normal[float32](rng, 0, 0.1, 128, 128))
	w2 := Param(Normal[float32](rng, 0, 0.1, 128, 10))
	step := func() {
		w1.ZeroGradInPlace()
		w2.ZeroGradInPlace()
		Sum(Sigmoid(MatMul(Tanh(MatMul(x, w1)), w2))).BackwardWith(nil, BackwardOptions{ReleaseValues: true})
	}
	for range 3 {
		step()
	}
	before := BufferPoolStats()
	const n = 20
	for range n {
		step()
	}
	after := BufferPoolStats()
	if hits := after.Hits - before.Hits; hits < 3*n {
		t.Errorf("%d pool hits in %d steps, want at least %d", hits, n, 3*n)
	}
	if misses := after.Misses - before.Misses; misses != 0 {
		t.Errorf("%d pool misses in %d steady-state steps, want 0", misses, n)
	}
}

// TestReleaseValues checks BackwardOptions.ReleaseValues: gradients as
// without it, bit for bit; values read before backward kept; an unread
// intermediate released with a clear error on use; the root kept; a later
// backward that needs a released value fails with ErrReleased.
func TestReleaseValues(t *testing.T) {
	build := func() (x, w, h, a, r, out, loss, other *Value[float64]) {
		rng := rand.New(rand.NewPCG(3, 4))
		x = Param(Normal[float64](rng, 0, 1, 8, 6))
		w = Param(Normal[float64](rng, 0, 1, 6, 5))
		h = MatMul(x, w)
		a = Tanh(h)
		r = Reshape(a, 5, 8) // a view of a's storage
		out = Sigmoid(r)
		loss = Sum(Mul(out, out))
		other = Sum(Mul(h, h)) // saves h, which loss's graph made
		return
	}
	x0, w0, _, _, _, _, loss0, _ := build()
	loss0.Backward()

	x, w, h, a, r, out, loss, other := build()
	kept := out.Data().ToSlice() // read before backward: kept
	rv := r.Data()               // a view handed out: keeps a's storage
	loss.BackwardWith(nil, BackwardOptions{ReleaseValues: true})
	if !bitsEqual(x.Grad().Data().ToSlice(), x0.Grad().Data().ToSlice()) || !bitsEqual(w.Grad().Data().ToSlice(), w0.Grad().Data().ToSlice()) {
		t.Errorf("gradients with ReleaseValues differ from without")
	}
	if got := out.Data().ToSlice(); !bitsEqual(got, kept) {
		t.Errorf("a value read before backward changed: got %v, want %v", got[:3], kept[:3])
	}
	if got := loss.Item(); got != loss0.Item() {
		t.Errorf("root after backward = %v, want %v", got, loss0.Item())
	}
	_ = rv.ToSlice() // must still work: the view kept the storage
	checkReleased := func(what string, f func()) {
		t.Helper()
		defer func() {
			t.Helper()
			err, _ := recover().(error)
			if !errors.Is(err, autograd.ErrReleased) || !strings.Contains(err.Error(), "ReleaseValues") {
				t.Errorf("%s: panic %v, want an error wrapping autograd.ErrReleased that names ReleaseValues", what, err)
			}
		}()
		f()
	}
	checkReleased("Data of a released value", func() { h.Data() })
	if a.Data() == nil { // a's storage was kept through r's view
		t.Fatal("nil data")
	}
	// other's Mul saved h, which is gone: its backward fails cleanly.
	checkReleased("backward through a released graph", func() { other.Backward() })
}

// TestOwnerLinksDoNotRetainGraphs checks that a storage's owner link, which
// points at the value that may release it, never outlives the reasons for
// it: a detached or read value, or a released graph, would otherwise keep
// a whole graph alive through its storage.
func TestOwnerLinksDoNotRetainGraphs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	w := Param(Normal[float32](rng, 0, 1, 16, 16))
	x := Const(Normal[float32](rng, 0, 1, 8, 16))
	out := Tanh(MatMul(x, w))
	if out.data.st.owner.Load() != out {
		t.Fatal("a fresh op result does not own its storage")
	}
	if d := out.Detach(); d.data.st.owner.Load() != nil {
		t.Error("a detached value's storage still points at its graph")
	}
	h := MatMul(x, w)
	loss := Sum(Tanh(h))
	loss.Backward()
	if h.data.st.owner.Load() != nil {
		t.Error("after a plain backward, an intermediate's storage still points at the released graph")
	}
}

// TestConcurrentReuse trains four small models at once, each in its own
// goroutine, drawing from and returning to the one buffer pool, and checks
// that each ends bit for bit where the same training ends when run alone.
// Under the race detector (CI) it also checks that the pool's bookkeeping
// is only ever touched by the pass that owns a buffer.
func TestConcurrentReuse(t *testing.T) {
	train := func(seed uint64) []float64 {
		rng := rand.New(rand.NewPCG(seed, 1))
		x := Const(Normal[float64](rng, 0, 1, 32, 8))
		w1 := Param(Normal[float64](rng, 0, 0.5, 8, 16))
		w2 := Param(Normal[float64](rng, 0, 0.5, 16, 1))
		for range 50 {
			w1.ZeroGradInPlace()
			w2.ZeroGradInPlace()
			h := Tanh(MatMul(x, w1))
			loss := Mean(Square(Sigmoid(MatMul(Add(h, h), w2))))
			loss.BackwardWith(nil, BackwardOptions{ReleaseValues: true})
			for _, p := range []*Value[float64]{w1, w2} {
				p.Data().AddScaledInPlace(-0.1, p.Grad().Data())
			}
		}
		return append(w1.Data().ToSlice(), w2.Data().ToSlice()...)
	}
	want := make([][]float64, 4)
	for i := range want {
		want[i] = train(uint64(i))
	}
	got := make([][]float64, 4)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = train(uint64(i)) })
	}
	wg.Wait()
	for i := range got {
		if !bitsEqual(got[i], want[i]) {
			t.Errorf("model %d trained concurrently differs from the same training alone", i)
		}
	}
}

// TestFunctionFreshGrads checks that the gradients of a Function that
// promises fresh results go back to the pool like a built-in op's, and
// that those of one that does not are left alone.
func TestFunctionFreshGrads(t *testing.T) {
	square := func(fresh bool) *Function[float32] {
		return &Function[float32]{
			Name:    "Square",
			Forward: func(xs []*Tensor[float32]) *Tensor[float32] { return xs[0].Mul(xs[0]) },
			Backward: func(g *Value[float32], xs []*Value[float32], _ *Value[float32]) []*Value[float32] {
				return []*Value[float32]{Const(g.data.Mul(xs[0].data).MulScalar(2))}
			},
			FreshGrads: fresh,
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	w := Param(Normal[float32](rng, 0, 1, 64, 64))
	misses := map[bool]uint64{}
	for _, fresh := range []bool{true, false} {
		f := square(fresh)
		step := func() {
			w.ZeroGradInPlace()
			Sum(Tanh(f.Apply(Tanh(w)))).BackwardWith(nil, BackwardOptions{ReleaseValues: true})
		}
		misses[fresh] = poolMisses(step)
	}
	// Per step, either way: the Function's result and its input (which
	// the caller's code saw), the gradient it received and the
	// temporary of its backward are never returned. With FreshGrads its
	// result gradient comes back: one miss fewer.
	if misses[true] != 40 || misses[false] != 50 {
		t.Errorf("pool misses in 10 steps: %d with FreshGrads, %d without; want 40 and 50", misses[true], misses[false])
	}
}

// poolMisses runs step three times, to fill the pool, and returns the
// number of the pool's misses in ten steps more.
func poolMisses(step func()) uint64 {
	for range 3 {
		step()
	}
	before := BufferPoolStats()
	for range 10 {
		step()
	}
	return BufferPoolStats().Misses - before.Misses
}

// TestFunctionBorrows checks that a Function that promises to only
// borrow its tensors leaves its input and result releasable, although its
// Forward reads them through Flat and its Backward through Data, and that
// one that does not hands them out.
func TestFunctionBorrows(t *testing.T) {
	square := func(borrows bool) *Function[float32] {
		return &Function[float32]{
			Name: "Square",
			Forward: func(xs []*Tensor[float32]) *Tensor[float32] {
				out := Zeros[float32](xs[0].Shape()...)
				o := out.Flat()
				for i, v := range xs[0].Flat() {
					o[i] = v * v
				}
				return out
			},
			Backward: func(g *Value[float32], xs []*Value[float32], out *Value[float32]) []*Value[float32] {
				_ = out.Data()
				return []*Value[float32]{Const(g.Data().Mul(xs[0].Data()).MulScalar(2))}
			},
			FreshGrads: true,
			Borrows:    borrows,
		}
	}
	misses := map[bool]uint64{}
	var losses []float32
	for _, borrows := range []bool{true, false} {
		f := square(borrows)
		w := Param(Normal[float32](rand.New(rand.NewPCG(1, 1)), 0, 1, 64, 64))
		var loss *Value[float32]
		step := func() { // a step of gradient descent
			w.ZeroGradInPlace()
			loss = Sum(Tanh(f.Apply(Tanh(w))))
			loss.BackwardWith(nil, BackwardOptions{ReleaseValues: true})
			w.Data().AddScaledInPlace(-0.01, w.Grad().Data())
		}
		misses[borrows] = poolMisses(step)
		losses = append(losses, loss.Item())
	}
	// Per step, either way: the gradient the Function received (its
	// Backward is the caller's code) and the temporary of its backward are
	// never returned. Without Borrows, neither are its input and result.
	if misses[true] != 20 || misses[false] != 40 {
		t.Errorf("pool misses in 10 steps: %d with Borrows, %d without; want 20 and 40", misses[true], misses[false])
	}
	if losses[0] != losses[1] {
		t.Errorf("loss after 13 steps: %v with Borrows, %v without", losses[0], losses[1])
	}
}

// TestBorrowKeepsOwnership checks that reading an intermediate through
// Borrow leaves it releasable, while Flat hands its storage out for good.
func TestBorrowKeepsOwnership(t *testing.T) {
	w := Param(Ones[float32](4, 4))
	h := Tanh(w)
	h.data.Borrow(func([]float32) {})
	if h.data.st.owner.Load() != h {
		t.Error("Borrow handed the storage out")
	}
	_ = h.data.Flat()
	if h.data.st.owner.Load() != nil {
		t.Error("Flat did not hand the storage out")
	}
}
