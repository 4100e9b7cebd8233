package autograd_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/chainrule/chainrule/autograd"
)

// dag is a small random graph decoded from fuzz bytes: leaves, then ops
// (add, mul or sin) on earlier nodes.
type dag struct {
	nodes  []*scalar
	leaves int
	kind   []byte   // per node: 'x' leaf, '+', '*', 's'
	args   [][2]int // per node: argument node indices
}

// decodeDAG reads 1-3 leaves and up to 16 ops from data.
func decodeDAG(data []byte) *dag {
	d := &dag{leaves: 1}
	if len(data) > 0 {
		d.leaves += int(data[0] % 3)
		data = data[1:]
	}
	for i := range d.leaves {
		d.nodes = append(d.nodes, param("leaf", 0.5+0.25*float64(i)))
		d.kind = append(d.kind, 'x')
		d.args = append(d.args, [2]int{})
	}
	for ; len(data) >= 3 && len(d.nodes) < d.leaves+16; data = data[3:] {
		a, b := int(data[1])%len(d.nodes), int(data[2])%len(d.nodes)
		x, y := d.nodes[a], d.nodes[b]
		var n *scalar
		k := "+*s"[data[0]%3]
		switch k {
		case '+':
			n = add(x, y)
		case '*':
			n = mul(x, y)
		case 's':
			n = sin(x)
		}
		d.nodes = append(d.nodes, n)
		d.kind = append(d.kind, k)
		d.args = append(d.args, [2]int{a, b})
	}
	return d
}

// forward returns d(root)/d(leaf j) for each leaf by forward-mode dual
// numbers: a reference that shares nothing with the engine.
func (d *dag) forward() []float64 {
	root := len(d.nodes) - 1
	want := make([]float64, d.leaves)
	for j := range d.leaves {
		val, dot := make([]float64, len(d.nodes)), make([]float64, len(d.nodes))
		for i := range d.nodes {
			a, b := d.args[i][0], d.args[i][1]
			switch d.kind[i] {
			case 'x':
				val[i] = d.nodes[i].val
				if i == j {
					dot[i] = 1
				}
			case '+':
				val[i], dot[i] = val[a]+val[b], dot[a]+dot[b]
			case '*':
				val[i], dot[i] = val[a]*val[b], dot[a]*val[b]+val[a]*dot[b]
			case 's':
				val[i], dot[i] = math.Sin(val[a]), math.Cos(val[a])*dot[a]
			}
		}
		want[j] = dot[root]
	}
	return want
}

// reachable reports which nodes the root depends on.
func (d *dag) reachable() []bool {
	r := make([]bool, len(d.nodes))
	r[len(d.nodes)-1] = true
	for i := len(d.nodes) - 1; i >= d.leaves; i-- {
		if r[i] {
			r[d.args[i][0]] = true
			if d.kind[i] != 's' {
				r[d.args[i][1]] = true
			}
		}
	}
	return r
}

// FuzzBackwardDAG checks on random graphs that Backward agrees with
// forward-mode derivatives, visits every reachable node exactly once and
// each after all its consumers, and that Grad gives the same bits.
func FuzzBackwardDAG(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 1, 0, 1, 0, 2, 1})                // x*y, then sin
	f.Add([]byte{2, 0, 0, 1, 1, 3, 2, 0, 4, 3, 2, 3}) // sums and products sharing nodes
	f.Add([]byte{0, 1, 0, 0, 1, 1, 1, 1, 2, 2, 0, 3, 1, 4, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := decodeDAG(data)
		want := d.forward()
		for _, w := range want {
			if math.IsNaN(w) || math.Abs(w) > 1e6 {
				t.Skip("derivatives too large to compare")
			}
		}
		var order []int
		for i, n := range d.nodes {
			n.hooks = append(n.hooks, func(g *scalar) *scalar { order = append(order, i); return g })
		}
		root := d.nodes[len(d.nodes)-1]
		if err := backward(root, autograd.Options{RetainGraph: true}); err != nil {
			t.Fatal(err)
		}
		leaves := d.nodes[:d.leaves]
		got := make([]float64, d.leaves)
		for j, x := range leaves {
			if x.grad != nil {
				got[j] = x.grad.val
			}
		}
		if diff := cmp.Diff(got, want, cmpopts.EquateApprox(1e-9, 1e-9)); diff != "" {
			t.Errorf("gradients (-got +want):\n%s", diff)
		}

		pos := make([]int, len(d.nodes))
		for i := range pos {
			pos[i] = -1
		}
		for k, i := range order {
			if pos[i] >= 0 {
				t.Fatalf("node %d visited twice: order %v", i, order)
			}
			pos[i] = k
		}
		for i, r := range d.reachable() {
			if r != (pos[i] >= 0) {
				t.Errorf("node %d: reachable %v, visited %v", i, r, pos[i] >= 0)
			}
			if !r || i < d.leaves {
				continue
			}
			for _, a := range d.args[i][:2-btoi(d.kind[i] == 's')] {
				if pos[a] < pos[i] {
					t.Errorf("node %d visited before its consumer %d: order %v", a, i, order)
				}
			}
		}

		g, err := grad(root, leaves, autograd.GradOptions{AllowUnused: true})
		if err != nil {
			t.Fatal(err)
		}
		for j, x := range leaves {
			if (g[j] == nil) != (x.grad == nil) || g[j] != nil && g[j].val != x.grad.val {
				t.Errorf("leaf %d: Grad %v, Backward %v", j, vals(g[j]), vals(x.grad))
			}
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestDeterministicOrder(t *testing.T) {
	// out = sin(x*y) * (x*y + x). The search from out, inputs in argument
	// order, finishes x, y, a, b, c, out; nodes are visited in reverse.
	x, y := param("x", 0.3), param("y", 0.9)
	a := mul(x, y)
	b := sin(a)
	c := add(a, x)
	out := mul(b, c)
	var order []string
	names := map[*scalar]string{x: "x", y: "y", a: "a", b: "b", c: "c", out: "out"}
	for s, name := range names {
		s.hooks = append(s.hooks, func(g *scalar) *scalar { order = append(order, name); return g })
	}
	var first []float64
	for i := range 20 {
		order = order[:0]
		x.grad, y.grad = nil, nil
		if err := backward(out, autograd.Options{RetainGraph: true}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(order, []string{"out", "c", "b", "a", "y", "x"}); diff != "" {
			t.Fatalf("order (-got +want):\n%s", diff)
		}
		got := grads(x, y)
		if i == 0 {
			first = got
		} else if diff := cmp.Diff(got, first); diff != "" {
			t.Fatalf("run %d differs from run 0 (-got +want):\n%s", i, diff)
		}
	}
}

// chain returns x scaled n times by factors alternating 2 and 0.5, so that
// d out/dx is exactly 1 (n even) or 2.
func chain(x *scalar, n int) *scalar {
	y := x
	for i := range n {
		y = scale(y, []float64{2, 0.5}[i%2])
	}
	return y
}

func TestLongChain(t *testing.T) {
	const n = 1_000_000
	t.Run("Backward", func(t *testing.T) {
		x := param("x", 3)
		if err := backward(chain(x, n), autograd.Options{}); err != nil {
			t.Fatal(err)
		}
		if got, want := x.grad.val, 1.0; got != want {
			t.Errorf("x.grad = %v, want %v", got, want)
		}
	})
	t.Run("Grad", func(t *testing.T) {
		x := param("x", 3)
		g, err := grad(chain(x, n), []*scalar{x}, autograd.GradOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := g[0].val, 1.0; got != want {
			t.Errorf("Grad = %v, want %v", got, want)
		}
	})
}

func TestSharedLadder(t *testing.T) {
	// f0 = x, f1 = 2x, f(i) = (f(i-1) + f(i-2))/2: every node feeds two
	// others, so the pass finds most nodes twice, long after its table grew.
	// The reference is forward-mode: d(i) = (d(i-1) + d(i-2))/2.
	const n = 100_000
	x := param("x", 1)
	f := []*scalar{x, scale(x, 2)}
	d := []float64{1, 2}
	for i := 2; i < n; i++ {
		f = append(f, scale(add(f[i-1], f[i-2]), 0.5))
		d = append(d, (d[i-1]+d[i-2])/2)
	}
	if err := backward(f[n-1], autograd.Options{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(x.grad.val, d[n-1], cmpopts.EquateApprox(1e-9, 0)); diff != "" {
		t.Errorf("x.grad (-got +want):\n%s", diff)
	}
}
