package tensor

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/chainrule/chainrule/autograd"
	"github.com/google/go-cmp/cmp"
)

// The tests in this file pin PyTorch's backward semantics (SEMANTICS.md
// section 1). Expected numbers are derived by hand from the rule under
// test; the PyTorch output that SEMANTICS.md records for the same case is
// quoted where there is one.

func vec(xs ...float64) *Tensor[float64] { return New(xs) }

func param(xs ...float64) *Value[float64] { return Param(vec(xs...)) }

// mustPanic runs f and returns the error it panicked with, failing the test
// if it did not panic or panicked with something that does not wrap want.
func mustPanic(t *testing.T, want error, f func()) (err error) {
	t.Helper()
	defer func() {
		t.Helper()
		p := recover()
		if p == nil {
			t.Fatalf("no panic; want one wrapping %v", want)
		}
		e, ok := p.(error)
		if !ok {
			t.Fatalf("panicked with %v (%T); want an error wrapping %v", p, p, want)
		}
		if !errors.Is(e, want) {
			t.Fatalf("panicked with %v; want an error wrapping %v", e, want)
		}
		err = e
	}()
	f()
	return nil
}

func gradOf(t *testing.T, v *Value[float64]) []float64 {
	t.Helper()
	if v.Grad() == nil {
		t.Fatalf("Grad() = nil; want a gradient")
	}
	return v.Grad().Data().ToSlice()
}

func TestImplicitSeedOnlyForOneElement(t *testing.T) {
	x := param(1, 2, 3)
	y := MulScalar(x, 2)
	err := mustPanic(t, ErrGrad, func() { y.Backward() })
	if !strings.Contains(err.Error(), "implicitly created only for one-element outputs") {
		t.Errorf("message %q does not say why", err)
	}
	// Shape (1,) and (1,1) outputs get the implicit seed.
	for _, shape := range [][]int{{}, {1}, {1, 1}} {
		x := Param(Full(3.0, shape...))
		MulScalar(x, 2).Backward()
		if got := gradOf(t, x); !cmp.Equal(got, []float64{2}) {
			t.Errorf("shape %v: grad %v; want [2]", shape, got)
		}
	}
}

func TestExplicitSeedMustMatchShape(t *testing.T) {
	x := param(1, 2, 3)
	y := MulScalar(x, 2)
	mustPanic(t, ErrShape, func() { y.BackwardWith(Const(vec(1)), BackwardOptions{}) })
	mustPanic(t, ErrShape, func() { y.BackwardWith(Const(Scalar(1.0)), BackwardOptions{}) })
	y.BackwardWith(Const(vec(1, 10, 100)), BackwardOptions{})
	if got := gradOf(t, x); !cmp.Equal(got, []float64{2, 20, 200}) {
		t.Errorf("grad %v; want [2 20 200]", got)
	}
}

func TestBackwardFromValueWithoutGrad(t *testing.T) {
	c := Const(vec(1))
	mustPanic(t, ErrGrad, func() { MulScalar(c, 2).Backward() })
	// A leaf that requires grad may be the root: its grad becomes 1.
	x := Param(Scalar(5.0))
	x.Backward()
	if got := gradOf(t, x); !cmp.Equal(got, []float64{1}) {
		t.Errorf("grad %v; want [1]", got)
	}
}

func TestAccumulation(t *testing.T) {
	// y = x*x + 2x at 3: the two paths are summed, 8 (SEMANTICS.md 1.3).
	x := param(3)
	Add(Mul(x, x), MulScalar(x, 2)).Backward()
	if got := gradOf(t, x); !cmp.Equal(got, []float64{8}) {
		t.Errorf("grad %v; want [8]", got)
	}
	// Repeated backward adds: (x*x).sum() twice at [1,2] gives [4,8].
	x = param(1, 2)
	for range 2 {
		Sum(Mul(x, x)).Backward()
	}
	if got := gradOf(t, x); !cmp.Equal(got, []float64{4, 8}) {
		t.Errorf("grad after two backwards %v; want [4 8]", got)
	}
	// The first accumulation copies: an Add passes one gradient to both
	// inputs, and accumulating into one must not change the other.
	a, b := param(1), param(2)
	Add(a, b).Backward()
	Mul(a, Const(vec(10))).Backward()
	if ga, gb := gradOf(t, a), gradOf(t, b); !cmp.Equal(ga, []float64{11}) || !cmp.Equal(gb, []float64{1}) {
		t.Errorf("grads %v, %v; want [11], [1]", ga, gb)
	}
	// ZeroGrad sets to nil; the next backward sets afresh.
	a.ZeroGrad()
	if a.Grad() != nil {
		t.Errorf("Grad after ZeroGrad = %v; want nil", a.Grad())
	}
	Mul(a, Const(vec(10))).Backward()
	if got := gradOf(t, a); !cmp.Equal(got, []float64{10}) {
		t.Errorf("grad %v; want [10]", got)
	}
}

func TestRequiresGradPropagation(t *testing.T) {
	x, c := param(1), Const(vec(2))
	if y := Mul(c, c); y.RequiresGrad() || !y.IsLeaf() {
		t.Errorf("op on constants: requiresGrad %v, leaf %v; want false, true", y.RequiresGrad(), y.IsLeaf())
	}
	y := Mul(x, c)
	if !y.RequiresGrad() || y.IsLeaf() || y.Op() != "Mul" {
		t.Errorf("op on a param: requiresGrad %v, leaf %v, op %q; want true, false, Mul", y.RequiresGrad(), y.IsLeaf(), y.Op())
	}
	d := y.Detach()
	if d.RequiresGrad() || !d.IsLeaf() || !d.Data().SharesStorage(y.Data()) {
		t.Errorf("Detach: requiresGrad %v, leaf %v, shares %v; want false, true, true", d.RequiresGrad(), d.IsLeaf(), d.Data().SharesStorage(y.Data()))
	}
}

func TestNonLeafGradIsNilUnlessRetained(t *testing.T) {
	x := param(2)
	y := MulScalar(x, 3)
	z := MulScalar(x, 3)
	z.RetainGrad()
	Add(Mul(y, y), Mul(z, z)).Backward()
	if y.Grad() != nil {
		t.Errorf("non-leaf grad %v; want nil", y.Grad())
	}
	if got := gradOf(t, z); !cmp.Equal(got, []float64{12}) {
		t.Errorf("retained grad %v; want [12]", got)
	}
	if !z.RetainsGrad() || x.RetainsGrad() {
		t.Errorf("RetainsGrad: %v on the non-leaf, %v on the leaf; want true, false", z.RetainsGrad(), x.RetainsGrad())
	}
	mustPanic(t, ErrGrad, func() { Const(vec(1)).RetainGrad() })
}

func TestSetRequiresGrad(t *testing.T) {
	x := param(1)
	y := MulScalar(x, 2)
	mustPanic(t, ErrGrad, func() { y.SetRequiresGrad(false) })
	y.SetRequiresGrad(true) // a no-op on a non-leaf, as in PyTorch
	c := Const(vec(1)).SetRequiresGrad(true)
	MulScalar(c, 3).Backward()
	if got := gradOf(t, c); !cmp.Equal(got, []float64{3}) {
		t.Errorf("grad %v; want [3]", got)
	}
	// Freezing a parameter: ops on it no longer record.
	x.SetRequiresGrad(false)
	if MulScalar(x, 2).RequiresGrad() {
		t.Error("op on a frozen parameter requires grad")
	}
}

func TestReleasedGraph(t *testing.T) {
	x := param(1, 2)
	y := Sum(Mul(x, x))
	y.Backward()
	err := mustPanic(t, autograd.ErrReleased, func() { y.Backward() })
	if !strings.Contains(err.Error(), "RetainGraph") {
		t.Errorf("message %q does not say to retain the graph", err)
	}
	// With RetainGraph the second pass works and accumulates.
	x = param(1, 2)
	y = Sum(Mul(x, x))
	y.BackwardWith(nil, BackwardOptions{RetainGraph: true})
	y.Backward()
	if got := gradOf(t, x); !cmp.Equal(got, []float64{4, 8}) {
		t.Errorf("grad %v; want [4 8]", got)
	}
}

func TestVersionCounter(t *testing.T) {
	x := param(1, 2)
	y := Exp(x) // saves its result
	z := Sum(y)
	y.Detach().Modify(func(t *Tensor[float64]) { t.AddScalarInPlace(1) })
	err := mustPanic(t, ErrVersion, func() { z.Backward() })
	for _, want := range []string{"Exp", "version 1", "expected version 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not contain %q", err, want)
		}
	}
	// Add saves nothing, so changing its input afterwards is fine.
	w := Param(vec(1, 2))
	a := MulScalar(w, 1)
	s := Sum(Add(a, a))
	a.Detach().Modify(func(t *Tensor[float64]) { t.AddScalarInPlace(1) })
	s.Backward()
	if got := gradOf(t, w); !cmp.Equal(got, []float64{2, 2}) {
		t.Errorf("grad %v; want [2 2]", got)
	}
}

func TestInPlaceOnLeafRequiringGrad(t *testing.T) {
	x := param(1, 2)
	mustPanic(t, ErrInPlace, func() { x.Modify(func(t *Tensor[float64]) { t.Fill(0) }) })
	y := MulScalar(x, 2)
	mustPanic(t, ErrInPlace, func() { y.Modify(func(t *Tensor[float64]) { t.Fill(0) }) })
	// The explicit no-grad path: write through Data.
	x.Data().Fill(5)
	if got := x.Data().ToSlice(); !cmp.Equal(got, []float64{5, 5}) {
		t.Errorf("data %v; want [5 5]", got)
	}
}

func TestHooks(t *testing.T) {
	// The hook sees the summed gradient once (x*2 + x*3 -> 5).
	x := param(1)
	var seen []float64
	x.RegisterHook(func(g *Value[float64]) *Value[float64] {
		seen = append(seen, g.Data().Item())
		return nil
	})
	Add(MulScalar(x, 2), MulScalar(x, 3)).Backward()
	if !cmp.Equal(seen, []float64{5}) {
		t.Errorf("hook saw %v; want [5]", seen)
	}
	// A hook's result replaces the gradient, before accumulation, per call:
	// hook g+100 over two backwards of x*2 gives 102 + 102.
	x = param(1)
	remove := x.RegisterHook(func(g *Value[float64]) *Value[float64] { return AddScalar(g, 100) })
	MulScalar(x, 2).Backward()
	MulScalar(x, 2).Backward()
	if got := gradOf(t, x); !cmp.Equal(got, []float64{204}) {
		t.Errorf("grad %v; want [204]", got)
	}
	remove()
	MulScalar(x, 2).Backward()
	if got := gradOf(t, x); !cmp.Equal(got, []float64{206}) {
		t.Errorf("grad after remove %v; want [206]", got)
	}
	// On a retained non-leaf, the stored grad includes the hook (2.x order).
	w := param(1)
	y := MulScalar(w, 1)
	y.RetainGrad()
	y.RegisterHook(func(g *Value[float64]) *Value[float64] { return MulScalar(g, 10) })
	y.Backward()
	if got := gradOf(t, y); !cmp.Equal(got, []float64{10}) {
		t.Errorf("retained grad %v; want [10]", got)
	}
	mustPanic(t, ErrGrad, func() { Const(vec(1)).RegisterHook(nil) })
}

func TestGradFunction(t *testing.T) {
	x, w := param(1, 2), param(3, 4)
	h := Mul(x, w)
	y := Sum(Mul(h, h))
	gs := Grad([]*Value[float64]{y}, []*Value[float64]{x, h}, nil, GradOptions{})
	// dy/dh = 2h = [6, 16]; dy/dx = 2h*w = [18, 64].
	if got := gs[0].Data().ToSlice(); !cmp.Equal(got, []float64{18, 64}) {
		t.Errorf("dy/dx %v; want [18 64]", got)
	}
	if got := gs[1].Data().ToSlice(); !cmp.Equal(got, []float64{6, 16}) {
		t.Errorf("dy/dh %v; want [6 16]", got)
	}
	if x.Grad() != nil || w.Grad() != nil {
		t.Error("Grad touched a leaf's Grad field")
	}
	// Unused inputs: error, or nil with AllowUnused.
	u := param(0)
	y = Sum(Mul(x, x))
	err := mustPanic(t, autograd.ErrUnused, func() {
		Grad([]*Value[float64]{y}, []*Value[float64]{u}, nil, GradOptions{Options: BackwardOptions{RetainGraph: true}})
	})
	if !strings.Contains(err.Error(), "AllowUnused") {
		t.Errorf("message %q does not name AllowUnused", err)
	}
	gs = Grad([]*Value[float64]{y}, []*Value[float64]{x, u}, nil, GradOptions{AllowUnused: true})
	if gs[1] != nil {
		t.Errorf("unused input's gradient %v; want nil", gs[1])
	}
	mustPanic(t, ErrGrad, func() { Grad([]*Value[float64]{y}, nil, nil, GradOptions{}) })
	mustPanic(t, ErrGrad, func() { Grad([]*Value[float64]{y}, []*Value[float64]{Const(vec(1))}, nil, GradOptions{}) })
	mustPanic(t, ErrGrad, func() {
		Grad([]*Value[float64]{y}, []*Value[float64]{x}, []*Value[float64]{nil, nil}, GradOptions{})
	})
}

func TestBackwardInputsRestriction(t *testing.T) {
	a, b := param(2), param(3)
	Mul(a, b).BackwardWith(nil, BackwardOptions{}, a)
	if got := gradOf(t, a); !cmp.Equal(got, []float64{3}) {
		t.Errorf("grad of a %v; want [3]", got)
	}
	if b.Grad() != nil {
		t.Errorf("grad of b %v; want nil (not in inputs)", b.Grad())
	}
}

func TestCreateGraphThirdDerivative(t *testing.T) {
	// d³/dx³ x³ = 6 everywhere.
	for _, x0 := range []float64{-2, 0, 0.5, 3} {
		x := param(x0)
		y := PowScalar(x, 3)
		opts := GradOptions{Options: BackwardOptions{CreateGraph: true}}
		g1 := Grad([]*Value[float64]{y}, []*Value[float64]{x}, nil, opts)[0]
		g2 := Grad([]*Value[float64]{g1}, []*Value[float64]{x}, nil, opts)[0]
		g3 := Grad([]*Value[float64]{g2}, []*Value[float64]{x}, nil, GradOptions{})[0]
		if got := []float64{g1.Item(), g2.Item(), g3.Item()}; !cmp.Equal(got, []float64{3 * x0 * x0, 6 * x0, 6}) {
			t.Errorf("x=%v: derivatives %v; want [%v %v 6]", x0, got, 3*x0*x0, 6*x0)
		}
	}
	// A plain backward records nothing.
	x := param(2)
	g := Grad([]*Value[float64]{PowScalar(x, 3)}, []*Value[float64]{x}, nil, GradOptions{})[0]
	if g.RequiresGrad() || !g.IsLeaf() {
		t.Errorf("gradient of a plain pass: requiresGrad %v, leaf %v; want false, true", g.RequiresGrad(), g.IsLeaf())
	}
	// backward(create_graph=True) leaves a differentiable Grad.
	x = param(2)
	PowScalar(x, 3).BackwardWith(nil, BackwardOptions{CreateGraph: true})
	if !x.Grad().RequiresGrad() {
		t.Error("Grad after a create-graph backward does not require grad")
	}
	x.Grad().Backward() // adds d/dx 3x² = 12 to the 12 already there
	if got := x.Grad().Data().Item(); math.Abs(got-24) > 0 {
		t.Errorf("grad %v; want 24", got)
	}
}

func TestLongChain(t *testing.T) {
	const n = 1_000_000
	x := Param(Scalar(1.0))
	y := x
	for range n {
		y = MulScalar(y, 1)
	}
	y.Backward()
	if got := x.Grad().Item(); got != 1 {
		t.Errorf("grad through %d nodes = %v; want 1", n, got)
	}
}
