package autograd_test

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/chainrule/chainrule/autograd"
)

// approx compares floats to 1e-12 relative: the expected values below are
// derived by hand, and the engine may associate a sum differently.
var approx = cmpopts.EquateApprox(1e-12, 0)

// grads returns the values of the leaves' accumulated gradients, NaN for
// none.
func grads(xs ...*scalar) []float64 {
	gs := make([]*scalar, len(xs))
	for i, x := range xs {
		gs[i] = x.grad
	}
	return vals(gs...)
}

func TestBackwardChainRule(t *testing.T) {
	tests := []struct {
		name   string
		leaves []float64
		f      func(x []*scalar) *scalar
		want   func(x []float64) []float64 // the gradient, derived by hand
	}{
		{"mul", []float64{3, 4},
			func(x []*scalar) *scalar { return mul(x[0], x[1]) },
			func(x []float64) []float64 { return []float64{x[1], x[0]} }},
		{"add", []float64{3, 4},
			func(x []*scalar) *scalar { return add(x[0], x[1]) },
			func(x []float64) []float64 { return []float64{1, 1} }},
		{"cube", []float64{2},
			func(x []*scalar) *scalar { return mul(mul(x[0], x[0]), x[0]) },
			func(x []float64) []float64 { return []float64{3 * x[0] * x[0]} }},
		{"sin(x*y)+x", []float64{2, 3},
			func(x []*scalar) *scalar { return add(sin(mul(x[0], x[1])), x[0]) },
			func(x []float64) []float64 {
				c := math.Cos(x[0] * x[1])
				return []float64{c*x[1] + 1, c * x[0]}
			}},
		{"sin(cos(x))", []float64{0.5},
			func(x []*scalar) *scalar { return sin(cos(x[0])) },
			func(x []float64) []float64 { return []float64{-math.Cos(math.Cos(x[0])) * math.Sin(x[0])} }},
		{"(x+y)^2", []float64{1.5, -4},
			func(x []*scalar) *scalar { s := add(x[0], x[1]); return mul(s, s) },
			func(x []float64) []float64 { return []float64{2 * (x[0] + x[1]), 2 * (x[0] + x[1])} }},
		{"constant factor", []float64{5},
			func(x []*scalar) *scalar { return mul(constant(7), x[0]) },
			func(x []float64) []float64 { return []float64{7} }},
		{"x*y*z+y", []float64{2, 3, 5},
			func(x []*scalar) *scalar { return add(mul(mul(x[0], x[1]), x[2]), x[1]) },
			func(x []float64) []float64 { return []float64{x[1] * x[2], x[0]*x[2] + 1, x[0] * x[1]} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xs := make([]*scalar, len(tt.leaves))
			for i, v := range tt.leaves {
				xs[i] = param("x"+strconv.Itoa(i), v)
			}
			if err := backward(tt.f(xs), autograd.Options{}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(grads(xs...), tt.want(tt.leaves), approx); diff != "" {
				t.Errorf("gradients (-got +want):\n%s", diff)
			}
		})
	}
}

func TestBackwardAccumulation(t *testing.T) {
	t.Run("paths", func(t *testing.T) {
		// SEMANTICS.md §1.3: y = x*x + 2x at x=3 gives 8, in one Accumulate.
		x := param("x", 3)
		if err := backward(add(mul(x, x), mul(constant(2), x)), autograd.Options{}); err != nil {
			t.Fatal(err)
		}
		if got, want := x.grad.val, 8.0; got != want {
			t.Errorf("x.grad = %v, want %v", got, want)
		}
		if got, want := x.accumulates, 1; got != want {
			t.Errorf("Accumulate called %d times, want %d", got, want)
		}
	})
	t.Run("calls", func(t *testing.T) {
		// SEMANTICS.md §1.3: two retained backwards of x*x at 3 give 6, then 12.
		x := param("x", 3)
		y := mul(x, x)
		for _, want := range []float64{6, 12} {
			if err := backward(y, autograd.Options{RetainGraph: true}); err != nil {
				t.Fatal(err)
			}
			if got := x.grad.val; got != want {
				t.Errorf("x.grad = %v, want %v", got, want)
			}
		}
	})
	t.Run("roots", func(t *testing.T) {
		// Two roots with seeds 1 and 10, one root feeding the other:
		// a = 2x, b = a*x; d/dx (1*a + 10*b) = 2 + 10*4x = 122 at x=3.
		x := param("x", 3)
		a := mul(constant(2), x)
		b := mul(a, x)
		err := autograd.Backward(nodes(a, b), []*scalar{constant(1), constant(10)}, addGrads, autograd.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := x.grad.val, 122.0; got != want {
			t.Errorf("x.grad = %v, want %v", got, want)
		}
	})
	t.Run("leaf root", func(t *testing.T) {
		x := param("x", 3)
		if err := backward(x, autograd.Options{}); err != nil {
			t.Fatal(err)
		}
		if got, want := x.grad.val, 1.0; got != want {
			t.Errorf("x.grad = %v, want %v", got, want)
		}
	})
	t.Run("zero seed", func(t *testing.T) {
		x := param("x", 3)
		y := mul(x, x)
		if err := autograd.Backward(nodes(y), []*scalar{nil}, addGrads, autograd.Options{}); err != nil {
			t.Fatal(err)
		}
		if x.grad != nil || y.backwards != 0 {
			t.Errorf("x.grad = %v after %d backwards, want none", x.grad, y.backwards)
		}
	})
}

func TestHooks(t *testing.T) {
	times := func(c float64) func(*scalar) *scalar {
		return func(g *scalar) *scalar { return constant(c * g.val) }
	}
	t.Run("summed once", func(t *testing.T) {
		// SEMANTICS.md §1.3: x*2 + x*3: the hook sees 5, once.
		x := param("x", 1)
		var seen []float64
		x.hooks = append(x.hooks, func(g *scalar) *scalar { seen = append(seen, g.val); return g })
		if err := backward(add(mul(x, constant(2)), mul(x, constant(3))), autograd.Options{}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(seen, []float64{5}); diff != "" {
			t.Errorf("hook calls (-got +want):\n%s", diff)
		}
	})
	t.Run("replaces leaf gradient", func(t *testing.T) {
		x := param("x", 1)
		x.hooks = append(x.hooks, times(10))
		if err := backward(add(mul(x, constant(2)), mul(x, constant(3))), autograd.Options{}); err != nil {
			t.Fatal(err)
		}
		if got, want := x.grad.val, 50.0; got != want {
			t.Errorf("x.grad = %v, want %v", got, want)
		}
	})
	t.Run("replaces what flows on", func(t *testing.T) {
		// y = 3x, z = 2y; a hook on y multiplying by 10 gives dz/dx = 2*10*3.
		x := param("x", 1)
		y := mul(x, constant(3))
		y.hooks = append(y.hooks, times(10))
		if err := backward(mul(y, constant(2)), autograd.Options{}); err != nil {
			t.Fatal(err)
		}
		if got, want := x.grad.val, 60.0; got != want {
			t.Errorf("x.grad = %v, want %v", got, want)
		}
	})
	t.Run("before retained gradient", func(t *testing.T) {
		// SEMANTICS.md §1.4, PyTorch 2.x: a retained gradient includes the hook.
		x := param("x", 1)
		y := mul(x, constant(3))
		y.retain = true
		y.hooks = append(y.hooks, times(10))
		if err := backward(mul(y, constant(2)), autograd.Options{}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(grads(y, x), []float64{20, 60}); diff != "" {
			t.Errorf("y.grad, x.grad (-got +want):\n%s", diff)
		}
	})
	t.Run("per call", func(t *testing.T) {
		// SEMANTICS.md §1.3: hook g+100 with two backwards of x*2 gives 204.
		x := param("x", 1)
		x.hooks = append(x.hooks, func(g *scalar) *scalar { return constant(g.val + 100) })
		y := mul(x, constant(2))
		for range 2 {
			if err := backward(y, autograd.Options{RetainGraph: true}); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := x.grad.val, 204.0; got != want {
			t.Errorf("x.grad = %v, want %v", got, want)
		}
	})
	t.Run("in Grad", func(t *testing.T) {
		x := param("x", 1)
		x.hooks = append(x.hooks, times(10))
		g, err := grad(mul(x, constant(2)), []*scalar{x}, autograd.GradOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := g[0].val, 20.0; got != want {
			t.Errorf("Grad = %v, want %v", got, want)
		}
	})
	t.Run("dropping", func(t *testing.T) {
		// A hook returning no gradient stops it: nothing accumulates below.
		x := param("x", 1)
		y := mul(x, constant(3))
		y.hooks = append(y.hooks, func(*scalar) *scalar { return nil })
		if err := backward(mul(y, constant(2)), autograd.Options{}); err != nil {
			t.Fatal(err)
		}
		if x.grad != nil || y.backwards != 0 {
			t.Errorf("x.grad = %v after %d backwards of y, want none", x.grad, y.backwards)
		}
		if !y.released {
			t.Error("y not released: a node that got no gradient counts as run")
		}
	})
}

func TestRetainGraph(t *testing.T) {
	const releasedMsg = "autograd: backward of mul: trying to backward through the graph a second time " +
		"(or directly access saved tensors after they have already been freed); " +
		"saved intermediate values of the graph are freed when you call Backward or Grad; " +
		"set RetainGraph if you need to backward through the graph a second time"
	tests := []struct {
		name  string
		first func(y, x *scalar) error
	}{
		{"Backward", func(y, x *scalar) error { return backward(y, autograd.Options{}) }},
		{"Grad", func(y, x *scalar) error {
			_, err := grad(y, []*scalar{x}, autograd.GradOptions{})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := param("x", 3)
			y := mul(x, x)
			if err := tt.first(y, x); err != nil {
				t.Fatal(err)
			}
			if !y.released || x.released {
				t.Errorf("released: y %v, x %v; want y only", y.released, x.released)
			}
			err := backward(y, autograd.Options{})
			if !errors.Is(err, autograd.ErrReleased) {
				t.Fatalf("second Backward: %v, want ErrReleased", err)
			}
			if got := err.Error(); got != releasedMsg {
				t.Errorf("message:\n%s\nwant:\n%s", got, releasedMsg)
			}
			var ne *autograd.NodeError
			if !errors.As(err, &ne) || ne.Node != autograd.Node[*scalar](y) {
				t.Errorf("error %#v does not name node y", err)
			}
		})
	}
	t.Run("CreateGraph retains", func(t *testing.T) {
		x := param("x", 3)
		y := mul(x, x)
		for range 2 {
			if err := backward(y, autograd.Options{CreateGraph: true}); err != nil {
				t.Fatal(err)
			}
		}
		if y.released {
			t.Error("CreateGraph released the graph")
		}
		if got, want := x.grad.val, 12.0; got != want {
			t.Errorf("x.grad = %v, want %v", got, want)
		}
	})
}

func TestCreateGraph(t *testing.T) {
	t.Run("third derivative", func(t *testing.T) {
		// SEMANTICS.md §1.6: x^3 at 2: 3x^2 = 12, 6x = 12, 6.
		x := param("x", 2)
		y := mul(mul(x, x), x)
		var got []float64
		for _, create := range []bool{true, true, false} {
			g, err := grad(y, []*scalar{x}, autograd.GradOptions{Options: autograd.Options{CreateGraph: create}})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, g[0].val)
			y = g[0]
		}
		if diff := cmp.Diff(got, []float64{12, 12, 6}); diff != "" {
			t.Errorf("derivatives (-got +want):\n%s", diff)
		}
	})
	t.Run("mixed", func(t *testing.T) {
		// f = x*y*y at (2,3): df/dx = y^2 = 9, d/dy df/dx = 2y = 6, d/dx df/dx = 0 (unused).
		x, y := param("x", 2), param("y", 3)
		g, err := grad(mul(mul(x, y), y), []*scalar{x}, autograd.GradOptions{Options: autograd.Options{CreateGraph: true}})
		if err != nil {
			t.Fatal(err)
		}
		h, err := grad(g[0], []*scalar{y, x}, autograd.GradOptions{AllowUnused: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := g[0].val, 9.0; got != want {
			t.Errorf("df/dx = %v, want %v", got, want)
		}
		if h[0].val != 6 || h[1] != nil {
			t.Errorf("second derivatives = %v, want [6 none]", vals(h...))
		}
	})
	t.Run("sin", func(t *testing.T) {
		x := param("x", 0.7)
		g, err := grad(sin(x), []*scalar{x}, autograd.GradOptions{Options: autograd.Options{CreateGraph: true}})
		if err != nil {
			t.Fatal(err)
		}
		h, err := grad(g[0], []*scalar{x}, autograd.GradOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(vals(g[0], h[0]), []float64{math.Cos(0.7), -math.Sin(0.7)}, approx); diff != "" {
			t.Errorf("sin', sin'' (-got +want):\n%s", diff)
		}
	})
	t.Run("Backward", func(t *testing.T) {
		// x.grad from a recorded backward is itself differentiable: 3x^2 -> 6x.
		x := param("x", 2)
		if err := backward(mul(mul(x, x), x), autograd.Options{CreateGraph: true}); err != nil {
			t.Fatal(err)
		}
		g := x.grad
		h, err := grad(g, []*scalar{x}, autograd.GradOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(vals(g, h[0]), []float64{12, 12}); diff != "" {
			t.Errorf("x.grad, its derivative (-got +want):\n%s", diff)
		}
	})
	t.Run("plain backward records nothing", func(t *testing.T) {
		x := param("x", 2)
		if err := backward(mul(mul(x, x), x), autograd.Options{}); err != nil {
			t.Fatal(err)
		}
		if x.grad.requiresGrad {
			t.Error("x.grad was recorded without CreateGraph")
		}
	})
}

func TestGrad(t *testing.T) {
	t.Run("interior", func(t *testing.T) {
		// y = 3x, z = y*y at x=1: dz/dy = 2y = 6, dz/dx = 18.
		x := param("x", 1)
		y := mul(x, constant(3))
		g, err := grad(mul(y, y), []*scalar{y, x}, autograd.GradOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(vals(g...), []float64{6, 18}); diff != "" {
			t.Errorf("Grad (-got +want):\n%s", diff)
		}
	})
	t.Run("no accumulation", func(t *testing.T) {
		x := param("x", 1)
		y := mul(x, constant(3))
		y.retain = true
		if _, err := grad(mul(y, y), []*scalar{x}, autograd.GradOptions{}); err != nil {
			t.Fatal(err)
		}
		if x.accumulates != 0 || y.accumulates != 0 || x.grad != nil || y.grad != nil {
			t.Errorf("Grad accumulated: x %d calls, y %d calls", x.accumulates, y.accumulates)
		}
	})
	t.Run("only needed branches", func(t *testing.T) {
		// out = x*x + w*w: Grad for x must not run w's branch, nor free it.
		x, w := param("x", 1), param("w", 2)
		xx, ww := mul(x, x), mul(w, w)
		out := add(xx, ww)
		if _, err := grad(out, []*scalar{x}, autograd.GradOptions{}); err != nil {
			t.Fatal(err)
		}
		if xx.backwards != 1 || ww.backwards != 0 || ww.released {
			t.Errorf("backwards: x*x %d, w*w %d (released %v); want 1, 0 (false)", xx.backwards, ww.backwards, ww.released)
		}
		g, err := grad(ww, []*scalar{w}, autograd.GradOptions{})
		if err != nil {
			t.Fatalf("Grad of w*w after Grad of out for x: %v", err)
		}
		if got, want := g[0].val, 4.0; got != want {
			t.Errorf("Grad = %v, want %v", got, want)
		}
	})
	t.Run("duplicates and roots", func(t *testing.T) {
		x := param("x", 1)
		y := mul(x, constant(2))
		g, err := grad(y, []*scalar{x, y, x}, autograd.GradOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(vals(g...), []float64{2, 1, 2}); diff != "" {
			t.Errorf("Grad (-got +want):\n%s", diff)
		}
	})
	t.Run("seeds", func(t *testing.T) {
		// d/dx (1*2x + 10*3x) = 32.
		x := param("x", 1)
		outs := nodes(mul(x, constant(2)), mul(x, constant(3)))
		g, err := autograd.Grad(outs, nodes(x), []*scalar{constant(1), constant(10)}, addGrads, autograd.GradOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := g[0].val, 32.0; got != want {
			t.Errorf("Grad = %v, want %v", got, want)
		}
	})
	t.Run("AllowUnused", func(t *testing.T) {
		x, w := param("x", 1), param("w", 2)
		g, err := grad(mul(x, constant(2)), []*scalar{x, w}, autograd.GradOptions{AllowUnused: true})
		if err != nil {
			t.Fatal(err)
		}
		if g[0].val != 2 || g[1] != nil {
			t.Errorf("Grad = %v, want [2 none]", vals(g...))
		}
	})
	t.Run("unused", func(t *testing.T) {
		x, w := param("x", 1), param("w", 2)
		_, err := grad(mul(x, constant(2)), []*scalar{x, w}, autograd.GradOptions{})
		if !errors.Is(err, autograd.ErrUnused) {
			t.Fatalf("Grad: %v, want ErrUnused", err)
		}
		const want = "autograd: Grad: input 1: one of the differentiated nodes appears to not have been " +
			"used in the graph; set AllowUnused if this is the desired behavior"
		if got := err.Error(); got != want {
			t.Errorf("message:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("empty inputs", func(t *testing.T) {
		_, err := grad(mul(param("x", 1), constant(2)), nil, autograd.GradOptions{})
		if !errors.Is(err, autograd.ErrNoInputs) {
			t.Fatalf("Grad: %v, want ErrNoInputs", err)
		}
		if got, want := err.Error(), "autograd: grad requires non-empty inputs"; got != want {
			t.Errorf("message %q, want %q", got, want)
		}
	})
}

func TestBackwardInputs(t *testing.T) {
	t.Run("leaf", func(t *testing.T) {
		// SEMANTICS.md §1.2: only the listed leaves accumulate.
		x, y, w := param("x", 2), param("y", 5), param("w", 7)
		ww := mul(w, w)
		if err := backward(add(mul(x, y), ww), autograd.Options{}, x); err != nil {
			t.Fatal(err)
		}
		if x.grad == nil || x.grad.val != 5 {
			t.Errorf("x.grad = %v, want 5", vals(x.grad))
		}
		if y.grad != nil || w.grad != nil || y.accumulates != 0 {
			t.Errorf("y.grad = %v, w.grad = %v; want none", vals(y.grad), vals(w.grad))
		}
		if ww.backwards != 0 {
			t.Errorf("w*w ran Backward %d times, want 0", ww.backwards)
		}
	})
	t.Run("interior", func(t *testing.T) {
		// z = (3x)^2 at x=1 with inputs y = 3x: y receives 2y = 6 and the
		// pass stops there.
		x := param("x", 1)
		y := mul(x, constant(3))
		y.retain = true
		if err := backward(mul(y, y), autograd.Options{}, y); err != nil {
			t.Fatal(err)
		}
		if y.grad == nil || y.grad.val != 6 {
			t.Errorf("y.grad = %v, want 6", vals(y.grad))
		}
		if x.grad != nil || y.backwards != 0 {
			t.Errorf("x.grad = %v after %d backwards of y, want none", vals(x.grad), y.backwards)
		}
	})
}
