package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Tests of the differentiable Linear. Helpers carry the prefix lin so that
// they cannot collide with other test files. Expected values come from
// linRef, a naive loop over the definition, and from the composite
// Add(MatMul(x, T(w)), b) that Linear replaces.

// linCase is one Linear call: shapes, layouts and which operands are
// constants.
type linCase struct {
	name   string
	x      []int // x's shape; the last dimension is in
	out    int
	bias   bool
	xT, wT bool // x, w non-contiguous (transposed) views
	// Operands that do not require a gradient.
	constX, constW, constB bool
}

func linCases() []linCase {
	return []linCase{
		{name: "matrix", x: []int{3, 4}, out: 2, bias: true},
		{name: "vector", x: []int{4}, out: 3, bias: true},
		{name: "batched", x: []int{2, 3, 4}, out: 3, bias: true},
		{name: "rank4", x: []int{2, 1, 2, 3}, out: 2, bias: true},
		{name: "no bias", x: []int{3, 5}, out: 2},
		{name: "vector no bias", x: []int{3}, out: 2},
		{name: "const x", x: []int{2, 3}, out: 2, bias: true, constX: true},
		{name: "const w and b", x: []int{2, 3}, out: 2, bias: true, constW: true, constB: true},
		{name: "only b", x: []int{2, 3}, out: 2, bias: true, constX: true, constW: true},
		{name: "only w", x: []int{2, 2, 3}, out: 2, bias: true, constX: true, constB: true},
		{name: "transposed x", x: []int{3, 4}, out: 2, bias: true, xT: true},
		{name: "transposed batched x", x: []int{2, 3, 4}, out: 2, bias: true, xT: true},
		{name: "transposed w", x: []int{3, 4}, out: 2, bias: true, wT: true},
		{name: "empty batch", x: []int{0, 3}, out: 2, bias: true},
		{name: "no out features", x: []int{2, 3}, out: 0, bias: true},
		{name: "no in features", x: []int{2, 0}, out: 2, bias: true},
	}
}

// linInputs returns x, w and, with a bias, b for c, uniform in [-1, 1).
func linInputs(rng *rand.Rand, c linCase) []*Value[float64] {
	in := c.x[len(c.x)-1]
	var x *Tensor[float64]
	if c.xT && len(c.x) >= 2 {
		// The first two axes swapped back: a non-contiguous x of shape c.x.
		s := append([]int{}, c.x...)
		s[0], s[1] = s[1], s[0]
		x = Uniform[float64](rng, -1, 1, s...).Transpose(0, 1)
	} else {
		x = Uniform[float64](rng, -1, 1, c.x...)
	}
	w := Uniform[float64](rng, -1, 1, c.out, in)
	if c.wT {
		w = Uniform[float64](rng, -1, 1, in, c.out).T()
	}
	vs := []*Value[float64]{linParam(x, !c.constX), linParam(w, !c.constW)}
	if c.bias {
		vs = append(vs, linParam(Uniform[float64](rng, -1, 1, c.out), !c.constB))
	}
	return vs
}

func linParam(t *Tensor[float64], grad bool) *Value[float64] {
	if grad {
		return Param(t)
	}
	return Const(t)
}

// linOf applies op to inputs made by linInputs.
func linOf(op func(x, w, b *Value[float64]) *Value[float64]) func(xs []*Value[float64]) *Value[float64] {
	return func(xs []*Value[float64]) *Value[float64] {
		var b *Value[float64]
		if len(xs) > 2 {
			b = xs[2]
		}
		return op(xs[0], xs[1], b)
	}
}

// linComposed is the composite that Linear replaces.
func linComposed(x, w, b *Value[float64]) *Value[float64] {
	y := MatMul(x, T(w))
	if b != nil {
		y = Add(y, b)
	}
	return y
}

// linRef returns y = x @ wᵀ + b and, for the seed g, dx, dw and db (db nil
// without a bias), by loops over the definition: x flattened to (rows,
// in), g to (rows, out).
func linRef(x, w, b, g *Tensor[float64]) (y, dx, dw, db []float64) {
	out, in := w.Dim(0), w.Dim(1)
	xs, ws, gs := x.ToSlice(), w.ToSlice(), g.ToSlice()
	rows := numel(x.Shape()[:x.Dims()-1])
	y, dx, dw = make([]float64, rows*out), make([]float64, rows*in), make([]float64, out*in)
	if b != nil {
		db = make([]float64, out)
	}
	for r := range rows {
		for o := range out {
			s := 0.0
			for i := range in {
				s += xs[r*in+i] * ws[o*in+i]
				dx[r*in+i] += gs[r*out+o] * ws[o*in+i]
				dw[o*in+i] += gs[r*out+o] * xs[r*in+i]
			}
			if b != nil {
				s += b.At(o)
				db[o] += gs[r*out+o]
			}
			y[r*out+o] = s
		}
	}
	return y, dx, dw, db
}

func TestLinearOpGradCheck(t *testing.T) {
	for _, c := range linCases() {
		t.Run("Linear/"+c.name, func(t *testing.T) {
			if err := GradCheck(linOf(Linear[float64]), linInputs(ropRNG(), c), GradCheckOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestLinearOpGradGradCheck checks the create-graph backward, with the
// seed as an input too. Linear is bilinear in x and w, so what is checked
// are the mixed second derivatives and the linearity in the seed.
func TestLinearOpGradGradCheck(t *testing.T) {
	for _, c := range linCases() {
		t.Run("Linear/"+c.name, func(t *testing.T) {
			if err := GradGradCheck(linOf(Linear[float64]), linInputs(ropRNG(), c), nil, GradCheckOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
	// Through a non-linear function, so that the second derivatives in x
	// and w are not trivially zero.
	t.Run("Linear/tanh", func(t *testing.T) {
		f := func(xs []*Value[float64]) *Value[float64] { return Tanh(linOf(Linear[float64])(xs)) }
		if err := GradGradCheck(f, linInputs(ropRNG(), linCases()[2]), nil, GradCheckOptions{}); err != nil {
			t.Error(err)
		}
	})
}

// TestLinearOpValues compares the result and the gradients of both
// backwards, plain and create-graph, with linRef and with the composite.
func TestLinearOpValues(t *testing.T) {
	approx := cmpopts.EquateApprox(0, 1e-12)
	for _, c := range linCases() {
		t.Run("Linear/"+c.name, func(t *testing.T) {
			rng := ropRNG()
			inputs := linInputs(rng, c)
			var b *Tensor[float64]
			if c.bias {
				b = inputs[2].Data()
			}
			outShape := append(append([]int{}, c.x[:len(c.x)-1]...), c.out)
			seed := Uniform[float64](rng, -1, 1, outShape...)
			wantY, dx, dw, db := linRef(inputs[0].Data(), inputs[1].Data(), b, seed)
			want := [][]float64{dx, dw, db}

			var params []*Value[float64]
			var wantGrads [][]float64
			for i, x := range inputs {
				if x.RequiresGrad() {
					params, wantGrads = append(params, x), append(wantGrads, want[i])
				}
			}
			for _, impl := range []struct {
				name string
				op   func(x, w, b *Value[float64]) *Value[float64]
			}{{"Linear", Linear[float64]}, {"composed", linComposed}} {
				for _, create := range []bool{false, true} {
					y := linOf(impl.op)(inputs)
					if diff := cmp.Diff(y.Shape(), outShape); diff != "" {
						t.Fatalf("%s: shape (-got +want):\n%s", impl.name, diff)
					}
					if diff := cmp.Diff(y.Data().ToSlice(), wantY, approx); diff != "" {
						t.Errorf("%s: forward (-got +want):\n%s", impl.name, diff)
					}
					gs := Grad([]*Value[float64]{y}, params, []*Value[float64]{Const(seed)},
						GradOptions{Options: BackwardOptions{CreateGraph: create}})
					for i, g := range gs {
						if diff := cmp.Diff(g.Data().ToSlice(), wantGrads[i], approx); diff != "" {
							t.Errorf("%s, CreateGraph %v: gradient %d (-got +want):\n%s", impl.name, create, i, diff)
						}
						if diff := cmp.Diff(g.Shape(), params[i].Shape()); diff != "" {
							t.Errorf("%s, CreateGraph %v: gradient %d shape (-got +want):\n%s", impl.name, create, i, diff)
						}
						if !create && (!g.IsLeaf() || g.RequiresGrad()) {
							t.Errorf("%s: plain backward: gradient %d records a graph (op %q)", impl.name, i, g.Op())
						}
					}
				}
			}
		})
	}
}

// TestLinearOpNeedsGrad checks that the result requires a gradient iff an
// operand does, and that a backward reaches only those operands.
func TestLinearOpNeedsGrad(t *testing.T) {
	rng := ropRNG()
	x := Const(Uniform[float64](rng, -1, 1, 2, 3))
	w := Const(Uniform[float64](rng, -1, 1, 4, 3))
	b := Param(Uniform[float64](rng, -1, 1, 4))
	if y := Linear(x, w, nil); y.RequiresGrad() || !y.IsLeaf() {
		t.Errorf("constant operands: RequiresGrad %v, IsLeaf %v; want false, true", y.RequiresGrad(), y.IsLeaf())
	}
	y := Linear(x, w, b)
	if !y.RequiresGrad() || y.Op() != "Linear" {
		t.Fatalf("with a bias that requires a gradient: RequiresGrad %v, Op %q; want true, \"Linear\"", y.RequiresGrad(), y.Op())
	}
	Sum(y).Backward()
	if diff := cmp.Diff(b.Grad().Data().ToSlice(), []float64{2, 2, 2, 2}); diff != "" {
		t.Errorf("db (-got +want):\n%s", diff)
	}
	if x.Grad() != nil || w.Grad() != nil {
		t.Errorf("constants got gradients: dx %v, dw %v", x.Grad(), w.Grad())
	}
}

// TestLinearOpSaves checks the version check: x and w are saved, and
// changing either between forward and backward panics with ErrVersion;
// the bias is not read by backward and may change.
func TestLinearOpSaves(t *testing.T) {
	for _, c := range []struct {
		name    string
		operand int
		wantErr error
	}{
		{"x", 0, ErrVersion},
		{"w", 1, ErrVersion},
		{"b", 2, nil},
	} {
		t.Run("Linear/"+c.name, func(t *testing.T) {
			rng := ropRNG()
			xs := linInputs(rng, linCase{x: []int{2, 3}, out: 2, bias: true})
			y := Sum(linOf(Linear[float64])(xs))
			xs[c.operand].Data().MulScalarInPlace(2)
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						err, _ = p.(error)
						if err == nil {
							t.Fatalf("panicked with %T %v, want an error", p, p)
						}
					}
				}()
				y.Backward()
			}()
			if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
				t.Errorf("backward after changing %s: error %v, want %v", c.name, err, c.wantErr)
			}
		})
	}
}

func TestLinearOpErrors(t *testing.T) {
	ones := func(shape ...int) *Value[float64] { return Param(Ones[float64](shape...)) }
	for _, c := range []struct {
		name    string
		x, w, b *Value[float64]
		message string
	}{
		{"in features", ones(3, 5), ones(2, 4), nil, "input of shape [3 5] does not end in the weight's 4 input features (weight shape [2 4])"},
		{"0-d x", ones(), ones(2, 4), nil, "input of shape []"},
		{"weight not a matrix", ones(3, 4), ones(4), nil, "weight of shape [4] is not a matrix (out, in)"},
		{"bias shape", ones(3, 4), ones(2, 4), ones(3), "bias of shape [3] does not fit weight of shape [2 4]"},
		{"bias not a vector", ones(3, 4), ones(2, 4), ones(1, 2), "bias of shape [1 2] does not fit weight of shape [2 4]"},
	} {
		t.Run("Linear/"+c.name, func(t *testing.T) {
			defer func() {
				p := recover()
				err, ok := p.(error)
				if !ok || !errors.Is(err, ErrShape) || !strings.HasPrefix(err.Error(), "tensor: Linear: "+c.message) {
					t.Errorf("panic %v; want an error wrapping ErrShape starting %q", p, "tensor: Linear: "+c.message)
				}
			}()
			Linear(c.x, c.w, c.b)
		})
	}
}

// TestLinearBiasKernels checks the bias kernels of Linear on every width
// path (one column, the narrow column loops with and without a group of
// four, the row loops with one and several blocks of accumulators):
// linearSumRows must agree bit for bit with Sum(0), which sums each column
// in float64 in row order, and linearAddBias with adding b to each element.
func TestLinearBiasKernels(t *testing.T) {
	rng := ropRNG()
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 16, 17, 64, 65, 130} {
		for _, rows := range []int{0, 1, 3, 100} {
			g := Normal[float32](rng, 0, 1, rows, n)
			got := make([]float32, n)
			linearSumRows(got, g.ToSlice(), rows)
			want := g.Sum(0).ToSlice()
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("linearSumRows, %d×%d: column %d is %v, Sum(0) gives %v", rows, n, j, got[j], want[j])
				}
			}

			y, b := Normal[float32](rng, 0, 1, rows, n), Normal[float32](rng, 0, 1, n)
			ys, bs := y.ToSlice(), b.ToSlice()
			linearAddBias(y, b)
			for i, v := range y.ToSlice() {
				if w := ys[i] + bs[i%n]; math.Float32bits(v) != math.Float32bits(w) {
					t.Fatalf("linearAddBias, %d×%d: element %d is %v, want %v", rows, n, i, v, w)
				}
			}
		}
	}
}
