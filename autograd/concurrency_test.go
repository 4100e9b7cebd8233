package autograd_test

import (
	"math"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chainrule/chainrule/autograd"
)

func TestConcurrent(t *testing.T) {
	// Shared leaves, a graph per goroutine: f = x*y + sin(x)*y.
	// df/dx = y + cos(x)*y, df/dy = x + sin(x).
	x, y := param("x", 0.4), param("y", -1.3)
	want := []float64{y.val + math.Cos(x.val)*y.val, x.val + math.Sin(x.val)}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 50 {
				f := add(mul(x, y), mul(sin(x), y))
				g, err := grad(f, []*scalar{x, y}, autograd.GradOptions{Options: autograd.Options{RetainGraph: i%2 == 0}})
				if err != nil {
					t.Error(err)
					return
				}
				if diff := cmp.Diff(vals(g...), want, approx); diff != "" {
					t.Errorf("Grad (-got +want):\n%s", diff)
					return
				}
			}
		})
		wg.Go(func() {
			// Backward on a disjoint graph with its own leaves.
			u := param("u", 2)
			for range 50 {
				if err := backward(mul(u, u), autograd.Options{}); err != nil {
					t.Error(err)
					return
				}
			}
			if got, want := u.grad.val, 50*4.0; got != want {
				t.Errorf("u.grad = %v, want %v", got, want)
			}
		})
	}
	wg.Wait()
	if x.grad != nil || y.grad != nil || x.released || y.released {
		t.Error("Grad touched the shared leaves")
	}
}
