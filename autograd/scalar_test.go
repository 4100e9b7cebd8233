package autograd_test

import (
	"go/parser"
	"go/token"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chainrule/chainrule/autograd"
)

// scalar is a float64 node type used only by the tests: a miniature of
// tensor.Value, showing that the engine needs nothing of arrays. Its
// gradient type is *scalar itself, so that with createGraph the backward
// closures record differentiable ops like any forward computation.
type scalar struct {
	val  float64
	name string
	ins  []autograd.Node[*scalar] // nil entry: an input that takes no gradient; nil: a leaf
	// back is the chain rule of the op that made the node, closed over
	// exactly what it saved.
	back         func(g *scalar, create bool) []*scalar
	requiresGrad bool
	retain       bool // a non-leaf that keeps its gradient (retain_grad)
	grad         *scalar
	hooks        []func(g *scalar) *scalar
	released     bool
	backwards    int // how often Backward ran
	accumulates  int // how often Accumulate was called
}

var (
	_ autograd.Node[*scalar]        = (*scalar)(nil)
	_ autograd.Hooked[*scalar]      = (*scalar)(nil)
	_ autograd.Accumulator[*scalar] = (*scalar)(nil)
)

// param returns a leaf that requires a gradient.
func param(name string, v float64) *scalar {
	return &scalar{val: v, name: name, requiresGrad: true}
}

// constant returns a leaf that takes no gradient.
func constant(v float64) *scalar { return &scalar{val: v, name: "const"} }

// op returns the result of an op on xs with value v, recorded with back if
// some input requires a gradient (PyTorch's propagation rule), and a
// constant otherwise.
func op(name string, v float64, back func(g *scalar, create bool) []*scalar, xs ...*scalar) *scalar {
	ins := make([]autograd.Node[*scalar], len(xs))
	rec := false
	for i, x := range xs {
		if x.requiresGrad {
			ins[i] = x
			rec = true
		}
	}
	if !rec {
		return constant(v)
	}
	return &scalar{val: v, name: name, ins: ins, back: back, requiresGrad: true}
}

// saved returns x as a backward closure should use it: itself when the
// backward is recorded, a constant copy otherwise, so that a plain backward
// builds no graph.
func saved(x *scalar, create bool) *scalar {
	if create {
		return x
	}
	return constant(x.val)
}

// add returns a+b. Gradients: da = g, db = g.
func add(a, b *scalar) *scalar {
	return op("add", a.val+b.val, func(g *scalar, create bool) []*scalar {
		return []*scalar{g, g}
	}, a, b)
}

// mul returns a*b. Gradients: da = g*b, db = g*a.
func mul(a, b *scalar) *scalar {
	return op("mul", a.val*b.val, func(g *scalar, create bool) []*scalar {
		g = saved(g, create)
		return []*scalar{mul(g, saved(b, create)), mul(g, saved(a, create))}
	}, a, b)
}

// scale returns c*x for a constant c: the cheapest op, for long chains.
// Gradient: dx = c*g.
func scale(x *scalar, c float64) *scalar {
	return op("scale", c*x.val, func(g *scalar, create bool) []*scalar {
		if !create {
			return []*scalar{constant(c * g.val)}
		}
		return []*scalar{scale(g, c)}
	}, x)
}

// sin returns sin(x). Gradient: dx = g*cos(x).
func sin(x *scalar) *scalar {
	return op("sin", math.Sin(x.val), func(g *scalar, create bool) []*scalar {
		return []*scalar{mul(saved(g, create), cos(saved(x, create)))}
	}, x)
}

// cos returns cos(x). Gradient: dx = -g*sin(x).
func cos(x *scalar) *scalar {
	return op("cos", math.Cos(x.val), func(g *scalar, create bool) []*scalar {
		return []*scalar{scale(mul(saved(g, create), sin(saved(x, create))), -1)}
	}, x)
}

func (s *scalar) String() string { return s.name }

func (s *scalar) Inputs() []autograd.Node[*scalar] { return s.ins }

func (s *scalar) Backward(g *scalar, create bool) ([]*scalar, error) {
	if s.released {
		return nil, autograd.ErrReleased
	}
	s.backwards++
	return s.back(g, create), nil
}

func (s *scalar) Release() {
	s.released = true
	s.back = nil
}

// RunHooks runs the hooks in registration order, each on the previous one's
// result; a hook returning nil drops the gradient.
func (s *scalar) RunHooks(g *scalar) *scalar {
	for _, h := range s.hooks {
		g = h(g)
	}
	return g
}

// Accumulate stores g if s is a leaf that requires a gradient or a non-leaf
// that retains it: the first pass sets, later passes add.
func (s *scalar) Accumulate(g *scalar, create bool) {
	s.accumulates++
	if !s.requiresGrad || (s.ins != nil && !s.retain) {
		return
	}
	s.grad = addGrads(s.grad, g, create)
}

// addGrads is the tests' AddFunc; a nil operand is no gradient.
func addGrads(a, b *scalar, create bool) *scalar {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case create:
		return add(a, b)
	}
	return constant(a.val + b.val)
}

// nodes converts scalars to the engine's node type.
func nodes(xs ...*scalar) []autograd.Node[*scalar] {
	ns := make([]autograd.Node[*scalar], len(xs))
	for i, x := range xs {
		ns[i] = x
	}
	return ns
}

// backward runs autograd.Backward from root with the seed 1.
func backward(root *scalar, opts autograd.Options, inputs ...*scalar) error {
	return autograd.Backward(nodes(root), []*scalar{constant(1)}, addGrads, opts, nodes(inputs...)...)
}

// grad runs autograd.Grad of out with respect to inputs with the seed 1.
func grad(out *scalar, inputs []*scalar, opts autograd.GradOptions) ([]*scalar, error) {
	return autograd.Grad(nodes(out), nodes(inputs...), []*scalar{constant(1)}, addGrads, opts)
}

// vals returns the values of xs, NaN for a nil one.
func vals(xs ...*scalar) []float64 {
	vs := make([]float64, len(xs))
	for i, x := range xs {
		vs[i] = math.NaN()
		if x != nil {
			vs[i] = x.val
		}
	}
	return vs
}

// TestNoArrays checks the package's promise to know nothing of arrays: it
// imports the standard library only, in particular not package tensor.
func TestNoArrays(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
				t.Errorf("%s imports %s; the engine must depend on the standard library only", name, path)
			}
		}
	}
}
