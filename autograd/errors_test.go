package autograd_test

import (
	"errors"
	"testing"

	"github.com/chainrule/chainrule/autograd"
)

// failing is a node without a String method whose Backward fails or
// returns the wrong number of gradients.
type failing struct {
	ins []autograd.Node[*scalar]
	err error
}

func (f *failing) Inputs() []autograd.Node[*scalar] { return f.ins }
func (f *failing) Release()                         {}
func (f *failing) Backward(g *scalar, create bool) ([]*scalar, error) {
	return nil, f.err
}

func TestErrors(t *testing.T) {
	x := param("x", 1)
	cyc := &scalar{name: "cyc", requiresGrad: true, back: func(g *scalar, _ bool) []*scalar { return []*scalar{g} }}
	cyc.ins = nodes(mul(cyc, x))
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"seed count",
			autograd.Backward(nodes(x), nil, addGrads, autograd.Options{}),
			"autograd: Backward: got 1 roots and 0 seeds"},
		{"nil root",
			autograd.Backward([]autograd.Node[*scalar]{nil}, []*scalar{constant(1)}, addGrads, autograd.Options{}),
			"autograd: Backward: root 0 is nil"},
		{"nil input",
			func() error {
				_, err := autograd.Grad(nodes(x), []autograd.Node[*scalar]{nil}, []*scalar{constant(1)}, addGrads, autograd.GradOptions{})
				return err
			}(),
			"autograd: Grad: input 0 is nil"},
		{"node error",
			autograd.Backward([]autograd.Node[*scalar]{&failing{ins: nodes(x), err: errors.New("boom")}},
				[]*scalar{constant(1)}, addGrads, autograd.Options{}),
			"autograd: backward of *autograd_test.failing: boom"},
		{"gradient count",
			autograd.Backward([]autograd.Node[*scalar]{&failing{ins: nodes(x)}},
				[]*scalar{constant(1)}, addGrads, autograd.Options{}),
			"autograd: backward of *autograd_test.failing: Backward returned 0 gradients for 1 inputs"},
		{"cycle",
			backward(cyc, autograd.Options{}),
			"autograd: the graph has a cycle through cyc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("error %q, want %q", got, tt.want)
			}
		})
	}
}
