package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Tests of the functional transforms (functional.go). Expected numbers are
// derived by hand (derivatives of polynomials, of exp, of log-sum-exp) or
// computed in plain Go loops from such formulas; PyTorch's values for the
// same transforms are in golden_functional_test.go.

func fnRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func fnVec(xs ...float64) *Value[float64] { return Const(New(xs)) }

// fnCube is f(x) = sum(x³): gradient 3x², Hessian diag(6x).
func fnCube(x *Value[float64]) *Value[float64] { return Sum(PowScalar(x, 3)) }

// fnEqual compares got's data with want elementwise within a relative
// tolerance, with the shape.
func fnEqual(t *testing.T, what string, got *Value[float64], shape []int, want []float64, tol float64) {
	t.Helper()
	if diff := cmp.Diff(shape, got.Shape(), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: shape (-want +got):\n%s", what, diff)
		return
	}
	opt := cmpopts.EquateApprox(tol, 1e-300)
	if diff := cmp.Diff(want, got.Data().ToSlice(), opt); diff != "" {
		t.Errorf("%s: values (-want +got):\n%s", what, diff)
	}
}

// fnPanics runs f and returns the error it panicked with; it fails the test
// unless that error wraps want and its message contains text.
func fnPanics(t *testing.T, want error, text string, f func()) (err error) {
	t.Helper()
	defer func() {
		t.Helper()
		e, ok := recover().(error)
		if !ok || !errors.Is(e, want) {
			t.Fatalf("panic %v; want an error wrapping %v", e, want)
		}
		if !strings.Contains(e.Error(), text) {
			t.Errorf("panic message %q does not contain %q", e.Error(), text)
		}
		err = e
	}()
	f()
	return nil
}

func TestGradOf(t *testing.T) {
	// SEMANTICS.md §4: grad(sum(x**3))([1, 2]) = [3, 12].
	gs := GradOf(func(xs ...*Value[float64]) *Value[float64] { return fnCube(xs[0]) })(fnVec(1, 2))
	if len(gs) != 1 {
		t.Fatalf("got %d gradients, want 1", len(gs))
	}
	fnEqual(t, "grad", gs[0], []int{2}, []float64{3, 12}, 0)

	// f(a, b, c) = sum(a * b²), c unused: da = b², db = 2ab, dc = 0.
	f := func(xs ...*Value[float64]) *Value[float64] { return Sum(Mul(xs[0], Square(xs[1]))) }
	a, b, c := fnVec(1, 2), fnVec(3, 4), fnVec(5)
	tests := []struct {
		name    string
		argnums []int
		want    [][]float64
	}{
		{"all", nil, [][]float64{{9, 16}, {6, 16}, {0}}},
		{"second", []int{1}, [][]float64{{6, 16}}},
		{"negative_reordered", []int{-2, 0}, [][]float64{{6, 16}, {9, 16}}},
		{"unused", []int{2}, [][]float64{{0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gs := GradOf(f, tt.argnums...)(a, b, c)
			if len(gs) != len(tt.want) {
				t.Fatalf("got %d gradients, want %d", len(gs), len(tt.want))
			}
			for i, g := range gs {
				fnEqual(t, "grad", g, []int{len(tt.want[i])}, tt.want[i], 0)
				if g.RequiresGrad() {
					t.Errorf("gradient %d requires a gradient; want a plain constant", i)
				}
			}
		})
	}
}

func TestValueAndGradOf(t *testing.T) {
	x := Param(New([]float64{1, 2}))
	v, gs := ValueAndGradOf(func(xs ...*Value[float64]) *Value[float64] { return fnCube(xs[0]) })(x)
	fnEqual(t, "value", v, []int{}, []float64{9}, 0)
	fnEqual(t, "grad", gs[0], []int{2}, []float64{3, 12}, 0)
	// x requires a gradient, so the value and gradient are differentiable
	// with respect to it: d/dx sum(3x²) = 6x, d/dx value = 3x².
	if !v.RequiresGrad() || !gs[0].RequiresGrad() {
		t.Fatalf("value requires grad %v, gradient %v; want both recorded", v.RequiresGrad(), gs[0].RequiresGrad())
	}
	d := Grad([]*Value[float64]{Sum(gs[0]), v}, []*Value[float64]{x}, nil, GradOptions{})
	fnEqual(t, "d(sum grad + value)/dx", d[0], []int{2}, []float64{6 + 3, 12 + 12}, 0)

	// A plain primal gives a value that requires no gradient, as torch.func.
	v, _ = ValueAndGradOf(func(xs ...*Value[float64]) *Value[float64] { return fnCube(xs[0]) })(fnVec(1, 2))
	if v.RequiresGrad() {
		t.Errorf("value of a function of constants requires a gradient")
	}
}

func TestGradOfErrors(t *testing.T) {
	id := func(xs ...*Value[float64]) *Value[float64] { return xs[0] }
	scalar := func(xs ...*Value[float64]) *Value[float64] { return Sum(xs[0]) }
	fnPanics(t, ErrGrad, "expected f(xs...) to return a one-element value, got one of shape [2]; maybe you wanted to use VJP or Jacobian",
		func() { GradOf(id)(fnVec(1, 2)) })
	fnPanics(t, ErrGrad, "ValueAndGradOf", func() { ValueAndGradOf(id)(fnVec(1, 2)) })
	fnPanics(t, ErrArgument, "got argnum=2, but only 2 positional inputs", func() { GradOf(scalar, 2)(fnVec(1), fnVec(2)) })
	fnPanics(t, ErrArgument, "got argnum=-3", func() { GradOf(scalar, -3)(fnVec(1), fnVec(2)) })
	fnPanics(t, ErrArgument, "argnums must be unique", func() { GradOf(scalar, 0, -2)(fnVec(1), fnVec(2)) })
	fnPanics(t, ErrArgument, "no arguments", func() { GradOf(func(...*Value[float64]) *Value[float64] { return fnVec(1) })() })
	// A one-element value of any shape will do.
	gs := GradOf(id)(Const(Full(2.0, 1, 1)))
	fnEqual(t, "grad of a [1 1] identity", gs[0], []int{1, 1}, []float64{1}, 0)
}

// TestGradOfPartialDerivatives checks that two arguments computed from the
// same Value get partial derivatives, not total ones.
func TestGradOfPartialDerivatives(t *testing.T) {
	x := Param(New([]float64{1, 2}))
	y := MulScalar(x, 2)
	gs := GradOf(func(xs ...*Value[float64]) *Value[float64] { return Sum(Mul(xs[0], xs[1])) })(x, y)
	fnEqual(t, "d/da", gs[0], []int{2}, []float64{2, 4}, 0) // b = 2x
	fnEqual(t, "d/db", gs[1], []int{2}, []float64{1, 2}, 0) // a = x
	// Same Value passed twice: each position gets its own partial.
	gs = GradOf(func(xs ...*Value[float64]) *Value[float64] { return Sum(Mul(xs[0], Square(xs[1]))) })(x, x)
	fnEqual(t, "d/da of a·b² at a=b=x", gs[0], []int{2}, []float64{1, 4}, 0)
	fnEqual(t, "d/db of a·b² at a=b=x", gs[1], []int{2}, []float64{2, 8}, 0)
}

// TestTransformsLeaveGradAlone runs every transform on a Param and on a
// function closing over a Param, and checks that no Grad field is set and
// that nothing needs requires-grad on the primals.
func TestTransformsLeaveGradAlone(t *testing.T) {
	w := Param(New([]float64{0.5, -1.5}))
	x := Param(New([]float64{1, 2}))
	c := fnVec(1, 2) // a primal that requires no gradient works as well
	f := func(x *Value[float64]) *Value[float64] { return Sum(Mul(w, PowScalar(x, 3))) }
	fs := func(xs ...*Value[float64]) *Value[float64] { return f(xs[0]) }
	for _, p := range []*Value[float64]{x, c} {
		GradOf(fs)(p)
		ValueAndGradOf(fs)(p)
		_, vjp := VJP(fs, p)
		vjp(nil)
		JVP(fs, []*Value[float64]{p}, []*Value[float64]{fnVec(1, 0)})
		_, jvp := Linearize(fs, p)
		jvp(fnVec(0, 1))
		Jacobian(f, p)
		JacobianFwd(f, p)
		Hessian(f, p)
		HVP(f, p, fnVec(1, 1))
	}
	for _, v := range []*Value[float64]{w, x, c} {
		if v.Grad() != nil {
			t.Errorf("%s has Grad %v; want nil", v.describe(), v.Grad())
		}
	}
	if c.RequiresGrad() {
		t.Errorf("the constant primal was made to require a gradient")
	}
}

// TestTransformsRecordOnlyWhenNeeded: results are plain constants for a
// function of constants, and recorded (differentiable with respect to the
// outside Value) when f closes over a Param.
func TestTransformsRecordOnlyWhenNeeded(t *testing.T) {
	x := fnVec(1, 2)
	plain := func(x *Value[float64]) *Value[float64] { return fnCube(x) }
	results := map[string]*Value[float64]{
		"GradOf":      GradOf(func(xs ...*Value[float64]) *Value[float64] { return plain(xs[0]) })(x)[0],
		"Jacobian":    Jacobian(plain, x),
		"JacobianFwd": JacobianFwd(plain, x),
		"Hessian":     Hessian(plain, x),
	}
	_, results["HVP"] = HVP(plain, x, fnVec(1, 0))
	results["VJP value"], _ = VJP(func(xs ...*Value[float64]) *Value[float64] { return plain(xs[0]) }, x)
	for name, r := range results {
		if r.RequiresGrad() {
			t.Errorf("%s of a function of constants requires a gradient", name)
		}
	}

	// f(x) = sum(w·x³) with w a Param: grad 3w·x², Hessian diag(6w·x);
	// d/dw sum(grad) = 3x², d/dw trace(H) = 6x, d/dw (Hv)·1 = 6x·v.
	w := Param(New([]float64{0.5, -1.5}))
	f := func(x *Value[float64]) *Value[float64] { return Sum(Mul(w, PowScalar(x, 3))) }
	dw := func(what string, y *Value[float64], want ...float64) {
		t.Helper()
		if !y.RequiresGrad() {
			t.Fatalf("%s does not require a gradient; want it recorded", what)
		}
		fnEqual(t, what, Grad([]*Value[float64]{Sum(y)}, []*Value[float64]{w}, nil, GradOptions{})[0], []int{2}, want, 1e-15)
	}
	dw("d/dw sum(GradOf)", GradOf(func(xs ...*Value[float64]) *Value[float64] { return f(xs[0]) })(x)[0], 3, 12)
	dw("d/dw sum(Jacobian)", Jacobian(f, x), 3, 12)
	dw("d/dw sum(JacobianFwd)", JacobianFwd(f, x), 3, 12)
	dw("d/dw sum(Hessian)", Hessian(f, x), 6, 12)
	_, hv := HVP(f, x, fnVec(1, 0))
	dw("d/dw sum(HVP)", hv, 6, 0)
	val, _ := HVP(f, x, fnVec(1, 0))
	dw("d/dw HVP value", val, 1, 8)
}

func TestVJP(t *testing.T) {
	// SEMANTICS.md §4: vjp(x**2, [1, 2]) -> out [1, 4], vjp_fn(ones) = [2, 4].
	sq := func(xs ...*Value[float64]) *Value[float64] { return Square(xs[0]) }
	out, vjp := VJP(sq, fnVec(1, 2))
	fnEqual(t, "out", out, []int{2}, []float64{1, 4}, 0)
	for range 2 { // the graph is kept: vjp can be called again
		gs := vjp(fnVec(1, 1))
		fnEqual(t, "vjp", gs[0], []int{2}, []float64{2, 4}, 0)
	}
	fnEqual(t, "vjp with another cotangent", vjp(fnVec(3, -1))[0], []int{2}, []float64{6, -4}, 0)
	fnPanics(t, ErrShape, "the cotangent has shape [3] but the output has shape [2]", func() { vjp(fnVec(1, 2, 3)) })
	fnPanics(t, ErrGrad, "one-element", func() { vjp(nil) })

	// Two primals, one unused: a zero gradient for it.
	f := func(xs ...*Value[float64]) *Value[float64] { return Mul(xs[0], Exp(xs[1])) }
	a, b, c := fnVec(2, 3), fnVec(0, 1), fnVec(7)
	out, vjp = VJP(func(xs ...*Value[float64]) *Value[float64] { return f(xs[0], xs[1]) }, a, b, c)
	fnEqual(t, "out", out, []int{2}, []float64{2, 3 * math.E}, 1e-15)
	gs := vjp(fnVec(1, 2))
	fnEqual(t, "d/da", gs[0], []int{2}, []float64{1, 2 * math.E}, 1e-15)
	fnEqual(t, "d/db", gs[1], []int{2}, []float64{2, 6 * math.E}, 1e-15)
	fnEqual(t, "d/dc", gs[2], []int{1}, []float64{0}, 0)

	// A cotangent that requires a gradient gives results differentiable
	// in it: d/dct sum(vjp(ct)[0]) = d/dct sum(2x·ct) = 2x.
	ct := Param(New([]float64{1, 1}))
	_, vjp = VJP(sq, fnVec(1, 2))
	g := vjp(ct)[0]
	fnEqual(t, "d/dct", Grad([]*Value[float64]{Sum(g)}, []*Value[float64]{ct}, nil, GradOptions{})[0], []int{2}, []float64{2, 4}, 0)

	// A 0-d output and the implicit cotangent.
	_, vjp = VJP(func(xs ...*Value[float64]) *Value[float64] { return fnCube(xs[0]) }, fnVec(1, 2))
	fnEqual(t, "vjp(nil)", vjp(nil)[0], []int{2}, []float64{3, 12}, 0)
}

func TestJVP(t *testing.T) {
	// f(a, b) = a·exp(b): J·t = exp(b)·ta + a·exp(b)·tb.
	f := func(xs ...*Value[float64]) *Value[float64] { return Mul(xs[0], Exp(xs[1])) }
	a, b := []float64{2, -1, 0.5}, []float64{0, 1, -2}
	ta, tb := []float64{1, 0.5, -1}, []float64{0.25, -2, 3}
	out, jvp := JVP(f, []*Value[float64]{fnVec(a...), fnVec(b...)}, []*Value[float64]{fnVec(ta...), fnVec(tb...)})
	wantOut, wantJVP := make([]float64, 3), make([]float64, 3)
	for i := range a {
		wantOut[i] = a[i] * math.Exp(b[i])
		wantJVP[i] = math.Exp(b[i])*ta[i] + a[i]*math.Exp(b[i])*tb[i]
	}
	fnEqual(t, "out", out, []int{3}, wantOut, 1e-15)
	fnEqual(t, "jvp", jvp, []int{3}, wantJVP, 1e-15)

	// A broadcasting function of a matrix and a 0-d scalar.
	g := func(xs ...*Value[float64]) *Value[float64] { return Sum(Mul(xs[0], xs[1]), 1) }
	m := Const(New([]float64{1, 2, 3, 4}, 2, 2))
	s := Const(Scalar(3.0))
	_, jvp = JVP(g, []*Value[float64]{m, s}, []*Value[float64]{Const(New([]float64{1, 0, 0, 1}, 2, 2)), Const(Scalar(0.5))})
	// row sums of (dm·s + m·ds) = [1·3 + (1+2)·0.5, 1·3 + (3+4)·0.5]
	fnEqual(t, "broadcast jvp", jvp, []int{2}, []float64{4.5, 6.5}, 1e-15)

	// A primal that f ignores contributes nothing; a constant f gives 0.
	_, jvp = JVP(func(xs ...*Value[float64]) *Value[float64] { return Square(xs[0]) },
		[]*Value[float64]{fnVec(3), fnVec(5)}, []*Value[float64]{fnVec(1), fnVec(1)})
	fnEqual(t, "unused primal", jvp, []int{1}, []float64{6}, 0)
	_, jvp = JVP(func(xs ...*Value[float64]) *Value[float64] { return fnVec(1, 2) },
		[]*Value[float64]{fnVec(3)}, []*Value[float64]{fnVec(1)})
	fnEqual(t, "constant f", jvp, []int{2}, []float64{0, 0}, 0)

	// A tangent that requires a gradient: d/dt sum(J·t) = Jᵀ1 = 2x for x².
	tan := Param(New([]float64{1, 1}))
	_, jvp = JVP(func(xs ...*Value[float64]) *Value[float64] { return Square(xs[0]) }, []*Value[float64]{fnVec(1, 2)}, []*Value[float64]{tan})
	fnEqual(t, "d/dt", Grad([]*Value[float64]{Sum(jvp)}, []*Value[float64]{tan}, nil, GradOptions{})[0], []int{2}, []float64{2, 4}, 0)

	fnPanics(t, ErrArgument, "expected 1 tangents, one per primal, got 2", func() {
		JVP(f, []*Value[float64]{fnVec(1)}, []*Value[float64]{fnVec(1), fnVec(1)})
	})
	fnPanics(t, ErrShape, "primal 0 has shape [2] while its tangent has shape [3]", func() {
		JVP(f, []*Value[float64]{fnVec(1, 2), fnVec(1, 2)}, []*Value[float64]{fnVec(1, 2, 3), fnVec(1, 2)})
	})
}

func TestLinearize(t *testing.T) {
	// f(a, b) = a·exp(b) at a = [2, -1], b = [0, 1]: J·t = exp(b)·ta + a·exp(b)·tb.
	f := func(xs ...*Value[float64]) *Value[float64] { return Mul(xs[0], Exp(xs[1])) }
	out, jvp := Linearize(f, fnVec(2, -1), fnVec(0, 1))
	fnEqual(t, "out", out, []int{2}, []float64{2, -math.E}, 1e-15)
	tests := []struct {
		ta, tb []float64
		want   []float64
	}{
		{[]float64{1, 0}, []float64{0, 0}, []float64{1, 0}},
		{[]float64{0, 1}, []float64{0, 0}, []float64{0, math.E}},
		{[]float64{0, 0}, []float64{1, 1}, []float64{2, -math.E}},
		{[]float64{0.5, 2}, []float64{-1, 3}, []float64{0.5 - 2, 2*math.E - 3*math.E}},
	}
	for _, tt := range tests { // one linearization, many tangents
		fnEqual(t, "jvp", jvp(fnVec(tt.ta...), fnVec(tt.tb...)), []int{2}, tt.want, 1e-15)
	}
	fnPanics(t, ErrArgument, "Linearize: expected 2 tangents", func() { jvp(fnVec(1, 0)) })
	fnPanics(t, ErrShape, "primal 1 has shape [2] while its tangent has shape [1]", func() { jvp(fnVec(1, 0), fnVec(1)) })
}

func TestJacobian(t *testing.T) {
	// outer(a, a) for a in R²: J[i][j][k] = δik·a_j + a_i·δjk
	// (SEMANTICS.md §4: shape (2, 2, 2)).
	outer := func(a *Value[float64]) *Value[float64] { return Mul(Unsqueeze(a, 1), Unsqueeze(a, 0)) }
	a := []float64{1.5, -2}
	var want []float64
	for i := range 2 {
		for j := range 2 {
			for k := range 2 {
				var v float64
				if i == k {
					v += a[j]
				}
				if j == k {
					v += a[i]
				}
				want = append(want, v)
			}
		}
	}
	for name, jac := range map[string]func(func(*Value[float64]) *Value[float64], *Value[float64]) *Value[float64]{
		"Jacobian": Jacobian[float64], "JacobianFwd": JacobianFwd[float64],
	} {
		t.Run(name, func(t *testing.T) {
			fnEqual(t, "outer", jac(outer, fnVec(a...)), []int{2, 2, 2}, want, 0)
			// 0-d in, 0-d out: d/dx x³ = 3x² at 2.
			fnEqual(t, "scalar", jac(func(x *Value[float64]) *Value[float64] { return PowScalar(x, 3) }, Const(Scalar(2.0))), []int{}, []float64{12}, 0)
			// 0-d out of a matrix: shape (2, 3).
			m := Const(New([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
			fnEqual(t, "sum of squares", jac(func(x *Value[float64]) *Value[float64] { return Sum(Square(x)) }, m), []int{2, 3}, []float64{2, 4, 6, 8, 10, 12}, 0)
			// A constant function has a zero Jacobian.
			fnEqual(t, "constant", jac(func(*Value[float64]) *Value[float64] { return fnVec(1, 2) }, fnVec(3)), []int{2, 1}, []float64{0, 0}, 0)
			// A non-contiguous input: f(x) = x·c for a transposed x.
			xt := Const(New([]float64{1, 2, 3, 4, 5, 6}, 3, 2).Transpose(0, 1))
			c := Const(New([]float64{1, 10, 100}))
			j := jac(func(x *Value[float64]) *Value[float64] { return Mul(x, c) }, xt)
			want := make([]float64, 36)
			for i := range 6 {
				want[i*6+i] = []float64{1, 10, 100}[i%3]
			}
			fnEqual(t, "transposed input", j, []int{2, 3, 2, 3}, want, 0)
		})
	}
}

// fnLSEHessian is the Hessian of log-sum-exp at x: diag(p) - p pᵀ with
// p = softmax(x), computed from the formula.
func fnLSEHessian(x []float64) []float64 {
	var z float64
	for _, v := range x {
		z += math.Exp(v)
	}
	n := len(x)
	h := make([]float64, n*n)
	for i := range n {
		for j := range n {
			pi, pj := math.Exp(x[i])/z, math.Exp(x[j])/z
			h[i*n+j] = -pi * pj
			if i == j {
				h[i*n+j] += pi
			}
		}
	}
	return h
}

func TestHessian(t *testing.T) {
	// SEMANTICS.md §4: hessian(sum(x**3))([1, 2]) = diag(6, 12);
	// hvp(sum(x**3), [1, 2], [1, 0]) = [6, 0].
	fnEqual(t, "cube", Hessian(fnCube, fnVec(1, 2)), []int{2, 2}, []float64{6, 0, 0, 12}, 0)
	val, hv := HVP(fnCube, fnVec(1, 2), fnVec(1, 0))
	fnEqual(t, "cube value", val, []int{}, []float64{9}, 0)
	fnEqual(t, "cube hvp", hv, []int{2}, []float64{6, 0}, 0)

	x := []float64{0.3, -1.2, 2.0, 0.7}
	lse := func(x *Value[float64]) *Value[float64] { return LogSumExp(x) }
	fnEqual(t, "logsumexp", Hessian(lse, fnVec(x...)), []int{4, 4}, fnLSEHessian(x), 1e-14)

	// Matrix input: Hessian shape (2, 2, 2, 2); f = sum(x²·y) is
	// quadratic in x with H[i,j,k,l] = 2y_j·δik·δjl for row-broadcast y.
	y := Const(New([]float64{3, -1}))
	m := Const(New([]float64{1, 2, 3, 4}, 2, 2))
	want := make([]float64, 16)
	for i := range 2 {
		for j := range 2 {
			want[(i*2+j)*4+i*2+j] = 2 * []float64{3, -1}[j]
		}
	}
	fnEqual(t, "matrix", Hessian(func(x *Value[float64]) *Value[float64] { return Sum(Mul(Square(x), y)) }, m), []int{2, 2, 2, 2}, want, 0)

	// Linear and piecewise-linear functions: zero Hessians, no panic.
	for name, f := range map[string]func(*Value[float64]) *Value[float64]{
		"linear": func(x *Value[float64]) *Value[float64] { return Sum(MulScalar(x, 3)) },
		"ReLU":   func(x *Value[float64]) *Value[float64] { return Sum(ReLU(x)) },
		"Abs":    func(x *Value[float64]) *Value[float64] { return Sum(Abs(x)) },
		"Clamp":  func(x *Value[float64]) *Value[float64] { return Sum(Clamp(x, -0.5, 0.5)) },
		"Sign":   func(x *Value[float64]) *Value[float64] { return Sum(Sign(x)) },
		"Max":    func(x *Value[float64]) *Value[float64] { return Max(x) },
		"const":  func(*Value[float64]) *Value[float64] { return Const(Scalar(1.0)) },
	} {
		t.Run(name, func(t *testing.T) {
			fnEqual(t, "Hessian", Hessian(f, fnVec(0.25, -2, 1)), []int{3, 3}, make([]float64, 9), 0)
			_, hv := HVP(f, fnVec(0.25, -2, 1), fnVec(1, 2, 3))
			fnEqual(t, "HVP", hv, []int{3}, make([]float64, 3), 0)
		})
	}

	fnPanics(t, ErrGrad, "Hessian: expected f(xs...) to return a one-element value", func() { Hessian(func(x *Value[float64]) *Value[float64] { return x }, fnVec(1, 2)) })
	fnPanics(t, ErrShape, "HVP: v has shape [3] but x has shape [2]", func() { HVP(fnCube, fnVec(1, 2), fnVec(1, 2, 3)) })
}

// fnMLP is a 2-3-1 tanh MLP with a mean-squared-error loss on a fixed batch
// of four samples, as a function of its 13 parameters flattened into θ:
// W1 (3, 2), b1 (3), W2 (1, 3), b2 (1), in that order (PyTorch's layout).
// The same loss is in testdata/gen_functional_golden.py.
func fnMLP(x, y *Value[float64]) func(theta *Value[float64]) *Value[float64] {
	return func(theta *Value[float64]) *Value[float64] {
		w1 := Reshape(Slice(theta, 0, 0, 6, 1), 3, 2)
		b1 := Slice(theta, 0, 6, 9, 1)
		w2 := Reshape(Slice(theta, 0, 9, 12, 1), 1, 3)
		b2 := Slice(theta, 0, 12, 13, 1)
		h := Tanh(Add(MatMul(x, T(w1)), b1))
		pred := Add(MatMul(h, T(w2)), b2)
		return Mean(Square(Sub(pred, y)))
	}
}

func fnMLPData(rng *rand.Rand) (x, y, theta *Value[float64]) {
	return Const(Uniform[float64](rng, -1, 1, 4, 2)), Const(Uniform[float64](rng, -1, 1, 4, 1)), Const(Uniform[float64](rng, -1, 1, 13))
}

// TestHVPEqualsHessianTimesV checks HVP against the full Hessian times v
// (a matrix product in plain Go), and the Hessian's symmetry, on the MLP
// loss and on log-sum-exp.
func TestHVPEqualsHessianTimesV(t *testing.T) {
	rng := fnRNG()
	x, y, theta := fnMLPData(rng)
	cases := []struct {
		name string
		f    func(*Value[float64]) *Value[float64]
		x    *Value[float64]
	}{
		{"mlp", fnMLP(x, y), theta},
		{"logsumexp", func(x *Value[float64]) *Value[float64] { return LogSumExp(x) }, Const(Uniform[float64](rng, -2, 2, 5))},
		{"softmax_entropy", func(x *Value[float64]) *Value[float64] {
			return Neg(Sum(Mul(Softmax(x, 1), LogSoftmax(x, 1))))
		}, Const(Uniform[float64](rng, -2, 2, 2, 3))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := c.x.Data().Size()
			h := Hessian(c.f, c.x).Data().ToSlice()
			if len(h) != n*n {
				t.Fatalf("Hessian has %d elements, want %d", len(h), n*n)
			}
			for i := range n {
				for j := range i {
					if d := math.Abs(h[i*n+j] - h[j*n+i]); d > 1e-12*(1+math.Abs(h[i*n+j])) {
						t.Errorf("H[%d][%d] = %v but H[%d][%d] = %v", i, j, h[i*n+j], j, i, h[j*n+i])
					}
				}
			}
			v := Uniform[float64](rng, -1, 1, c.x.Shape()...)
			vs := v.ToSlice()
			want := make([]float64, n)
			for i := range n {
				for j := range n {
					want[i] += h[i*n+j] * vs[j]
				}
			}
			_, hv := HVP(c.f, c.x, Const(v))
			fnEqual(t, "HVP", hv, c.x.Shape(), want, 1e-10)
		})
	}
}

// TestNestedTransforms composes transforms: the Jacobian of the gradient
// is the Hessian, nested GradOf gives higher derivatives, and a Hessian is
// differentiable with respect to its primal.
func TestNestedTransforms(t *testing.T) {
	rng := fnRNG()
	x, y, theta := fnMLPData(rng)
	loss := fnMLP(x, y)
	grad := func(th *Value[float64]) *Value[float64] {
		return GradOf(func(xs ...*Value[float64]) *Value[float64] { return loss(xs[0]) })(th)[0]
	}
	h := Hessian(loss, theta).Data().ToSlice()
	for name, jac := range map[string]func(func(*Value[float64]) *Value[float64], *Value[float64]) *Value[float64]{
		"Jacobian(GradOf)": Jacobian[float64], "JacobianFwd(GradOf)": JacobianFwd[float64],
	} {
		fnEqual(t, name, jac(grad, theta), []int{13, 13}, h, 1e-10)
	}

	// d⁴/dx⁴ x⁵ = 120x by nesting GradOf four times, at x = 0.5, 2.
	d := func(f func(x *Value[float64]) *Value[float64]) func(x *Value[float64]) *Value[float64] {
		return func(x *Value[float64]) *Value[float64] {
			return GradOf(func(xs ...*Value[float64]) *Value[float64] { return Sum(f(xs[0])) })(x)[0]
		}
	}
	quint := func(x *Value[float64]) *Value[float64] { return PowScalar(x, 5) }
	fnEqual(t, "d⁴x⁵", d(d(d(d(quint))))(fnVec(0.5, 2)), []int{2}, []float64{60, 240}, 1e-15)

	// d/dx trace(H(x)) for f = sum(x⁴): H = diag(12x²), so 24x.
	xp := Param(New([]float64{1, -2}))
	hess := Hessian(func(x *Value[float64]) *Value[float64] { return Sum(PowScalar(x, 4)) }, xp)
	tr := Sum(Mul(hess, Const(Eye[float64](2))))
	fnEqual(t, "d trace(H)/dx", Grad([]*Value[float64]{tr}, []*Value[float64]{xp}, nil, GradOptions{})[0], []int{2}, []float64{24, -48}, 0)

	// HVP of a Hessian-vector product: d/dv (v·Hv) = 2Hv for f = sum(x⁴).
	v := Param(New([]float64{1, 1}))
	_, hv := HVP(func(x *Value[float64]) *Value[float64] { return Sum(PowScalar(x, 4)) }, fnVec(1, -2), v)
	fnEqual(t, "d(v·Hv)/dv", Grad([]*Value[float64]{Sum(Mul(hv, v))}, []*Value[float64]{v}, nil, GradOptions{})[0], []int{2}, []float64{24, 96}, 0)
}

// fnRawCube is x³ as a Function whose Backward computes 3x² with raw
// kernels: right to first order, with no second derivative.
func fnRawCube(x *Value[float64]) *Value[float64] {
	f := &Function[float64]{
		Name:    "RawCube",
		Forward: func(xs []*Tensor[float64]) *Tensor[float64] { return xs[0].PowScalar(3) },
		Backward: func(g *Value[float64], xs []*Value[float64], _ *Value[float64]) []*Value[float64] {
			return []*Value[float64]{Const(g.Data().Mul(xs[0].Data().Square().MulScalar(3)))}
		},
	}
	return f.Apply(x)
}

// TestNoDoubleBackward: an op without a second derivative works in the
// first-order transforms and makes the second-order ones fail clearly.
func TestNoDoubleBackward(t *testing.T) {
	f := func(x *Value[float64]) *Value[float64] { return Sum(fnRawCube(x)) }
	fs := func(xs ...*Value[float64]) *Value[float64] { return f(xs[0]) }
	x := fnVec(1, 2)
	fnEqual(t, "GradOf", GradOf(fs)(x)[0], []int{2}, []float64{3, 12}, 0)
	fnEqual(t, "Jacobian", Jacobian(f, x), []int{2}, []float64{3, 12}, 0)
	const msg = "has no double backward"
	fnPanics(t, ErrGrad, "Hessian: the gradient with respect to argument 0", func() { Hessian(f, x) })
	fnPanics(t, ErrGrad, msg, func() { HVP(f, x, fnVec(1, 0)) })
	fnPanics(t, ErrGrad, msg, func() { JVP(fs, []*Value[float64]{x}, []*Value[float64]{fnVec(1, 0)}) })
	fnPanics(t, ErrGrad, msg, func() { JacobianFwd(f, x) })
	fnPanics(t, ErrGrad, msg, func() { Linearize(fs, x) })
}

// fnCritic is a small WGAN critic D(x) = tanh(x W1ᵀ + b1) w2 over rows of x.
func fnCritic(w1, b1, w2, x *Value[float64]) *Value[float64] {
	return MatMul(Tanh(Add(MatMul(x, T(w1)), b1)), w2)
}

// fnGradientPenalty is WGAN-GP's term mean((‖∇x̂ D(x̂)‖ - 1)²) at
// x̂ = ε·real + (1-ε)·fake, one ε per row. The gradient of sum(D) with
// respect to x̂ holds each row's own gradient, since rows do not interact.
func fnGradientPenalty(w1, b1, w2, real, fake, eps *Value[float64]) *Value[float64] {
	xhat := Add(Mul(eps, real), Mul(AddScalar(Neg(eps), 1), fake))
	g := GradOf(func(xs ...*Value[float64]) *Value[float64] { return Sum(fnCritic(w1, b1, w2, xs[0])) })(xhat)[0]
	norm := Sqrt(Sum(Square(g), 1))
	return Mean(Square(AddScalar(norm, -1)))
}

// TestGradientPenalty differentiates WGAN-GP's gradient penalty with
// respect to the critic's parameters (a second derivative of the critic),
// checks it against finite differences, and trains through it.
func TestGradientPenalty(t *testing.T) {
	rng := fnRNG()
	real := Const(Uniform[float64](rng, -1, 1, 5, 3))
	fake := Const(Uniform[float64](rng, -1, 1, 5, 3))
	eps := Const(Uniform[float64](rng, 0, 1, 5, 1))
	w1 := Param(Uniform[float64](rng, -1, 1, 4, 3))
	b1 := Param(Uniform[float64](rng, -1, 1, 4))
	w2 := Param(Uniform[float64](rng, -1, 1, 4))
	penalty := func(ws []*Value[float64]) *Value[float64] {
		return fnGradientPenalty(ws[0], ws[1], ws[2], real, fake, eps)
	}
	params := []*Value[float64]{w1, b1, w2}
	if err := GradCheck(penalty, params, GradCheckOptions{}); err != nil {
		t.Fatalf("gradient of the penalty: %v", err)
	}
	// Train the penalty alone down with plain SGD on the raw data.
	first := penalty(params).Item()
	for range 200 {
		p := penalty(params)
		for _, w := range params {
			w.ZeroGrad()
		}
		p.Backward()
		for _, w := range params {
			w.Data().AddScaledInPlace(-0.1, w.Grad().Data())
		}
	}
	last := penalty(params).Item()
	if !(last < first/10) {
		t.Errorf("penalty went from %v to %v in 200 steps; want it to fall tenfold", first, last)
	}
}

// TestTransformsConcurrent runs transforms of a function that closes over
// shared Params from several goroutines (go test -race).
func TestTransformsConcurrent(t *testing.T) {
	rng := fnRNG()
	x, y, theta := fnMLPData(rng)
	w := Param(Uniform[float64](rng, -1, 1, 13))
	loss := func(th *Value[float64]) *Value[float64] { return fnMLP(x, y)(Mul(th, w)) }
	want := Hessian(loss, theta).Data().ToSlice()
	var wg sync.WaitGroup
	errs := make([]string, 4)
	for i := range errs {
		wg.Go(func() {
			got := Hessian(loss, theta).Data().ToSlice()
			if diff := cmp.Diff(want, got); diff != "" {
				errs[i] = diff
			}
			_, hv := HVP(loss, theta, Const(Ones[float64](13)))
			Grad([]*Value[float64]{Sum(hv)}, []*Value[float64]{w}, nil, GradOptions{})
		})
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("goroutine %d: Hessian differs (-want +got):\n%s", i, e)
		}
	}
	if w.Grad() != nil {
		t.Errorf("w.Grad() = %v; want nil", w.Grad())
	}
}
