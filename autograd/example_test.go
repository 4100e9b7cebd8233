package autograd_test

import (
	"errors"
	"fmt"

	"github.com/chainrule/chainrule/autograd"
)

// num is about the smallest useful node: a float64 that remembers how it
// was made. Its gradient type is *num; a nil *num is "no gradient".
type num struct {
	v    float64
	ins  []autograd.Node[*num]
	back func(g float64) []*num // the op's chain rule, closed over what it saved
	grad *num                   // accumulated by Backward
}

func (n *num) Inputs() []autograd.Node[*num] { return n.ins }
func (n *num) Release()                      { n.back = nil }

func (n *num) Backward(g *num, _ bool) ([]*num, error) {
	if n.back == nil {
		return nil, autograd.ErrReleased
	}
	return n.back(g.v), nil
}

func (n *num) Accumulate(g *num, _ bool) {
	if n.ins == nil { // only leaves keep their gradient
		n.grad = sumNums(n.grad, g, false)
	}
}

func sumNums(a, b *num, _ bool) *num {
	if a == nil {
		return b
	}
	return &num{v: a.v + b.v}
}

// product returns a*b. Gradients: da = g*b, db = g*a.
func product(a, b *num) *num {
	return &num{v: a.v * b.v, ins: []autograd.Node[*num]{a, b}, back: func(g float64) []*num {
		return []*num{{v: g * b.v}, {v: g * a.v}}
	}}
}

// sum returns a+b. Gradients: da = g, db = g.
func sum(a, b *num) *num {
	return &num{v: a.v + b.v, ins: []autograd.Node[*num]{a, b}, back: func(g float64) []*num {
		return []*num{{v: g}, {v: g}}
	}}
}

// The engine sums the three contributions to x (from x*x twice and from
// 2*x) before x accumulates: d/dx (x*x + 2*x) = 2x + 2 = 8 at x = 3.
func ExampleBackward() {
	x, two := &num{v: 3}, &num{v: 2}
	y := sum(product(x, x), product(two, x))
	err := autograd.Backward([]autograd.Node[*num]{y}, []*num{{v: 1}}, sumNums, autograd.Options{})
	fmt.Println(y.v, x.grad.v, err)

	// The graph was released: a second pass fails.
	err = autograd.Backward([]autograd.Node[*num]{y}, []*num{{v: 1}}, sumNums, autograd.Options{})
	fmt.Println(errors.Is(err, autograd.ErrReleased))
	// Output:
	// 15 8 <nil>
	// true
}
