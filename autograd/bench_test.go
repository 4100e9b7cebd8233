package autograd_test

import (
	"strconv"
	"testing"

	"github.com/chainrule/chainrule/autograd"
)

// chainSizes are the lengths the benchmarks run at: the time per node
// should stay flat as they grow, showing that a pass is linear.
var chainSizes = []int{1_000, 10_000, 100_000, 1_000_000}

// relay is a node whose Backward hands its gradient on unchanged and
// allocates nothing, so that benchmarks over it measure the engine alone.
type relay struct {
	ins []autograd.Node[*float64]
	out []*float64
}

func (r *relay) Inputs() []autograd.Node[*float64] { return r.ins }
func (r *relay) Release()                          {}
func (r *relay) Backward(g *float64, _ bool) ([]*float64, error) {
	r.out[0] = g
	return r.out, nil
}

// relayChain returns a leaf and the end of a chain of n relays from it.
func relayChain(n int) (leaf, end *relay) {
	leaf = &relay{}
	end = leaf
	for range n {
		end = &relay{ins: []autograd.Node[*float64]{end}, out: make([]*float64, 1)}
	}
	return leaf, end
}

func addFloats(a, b *float64, _ bool) *float64 {
	s := *a + *b
	return &s
}

// BenchmarkBackwardChain measures the engine's cost per node of Backward
// through a chain of n relays.
func BenchmarkBackwardChain(b *testing.B) {
	for _, n := range chainSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			_, end := relayChain(n)
			roots, seeds := []autograd.Node[*float64]{end}, []*float64{new(float64)}
			b.ReportAllocs()
			for b.Loop() {
				if err := autograd.Backward(roots, seeds, addFloats, autograd.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			reportPerNode(b, n)
		})
	}
}

// BenchmarkGradChain is BenchmarkBackwardChain for Grad.
func BenchmarkGradChain(b *testing.B) {
	for _, n := range chainSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			leaf, end := relayChain(n)
			outs, ins := []autograd.Node[*float64]{end}, []autograd.Node[*float64]{leaf}
			seeds := []*float64{new(float64)}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := autograd.Grad(outs, ins, seeds, addFloats, autograd.GradOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			reportPerNode(b, n)
		})
	}
}

// BenchmarkBackwardScalarChain is BenchmarkBackwardChain over the test
// scalars, whose Backward computes and allocates like a real op.
func BenchmarkBackwardScalarChain(b *testing.B) {
	for _, n := range chainSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			x := param("x", 1)
			roots, seeds := nodes(chain(x, n)), []*scalar{constant(1)}
			opts := autograd.Options{RetainGraph: true} // to run it again
			b.ReportAllocs()
			for b.Loop() {
				if err := autograd.Backward(roots, seeds, addGrads, opts); err != nil {
					b.Fatal(err)
				}
			}
			reportPerNode(b, n)
		})
	}
}

func reportPerNode(b *testing.B, n int) {
	b.Helper()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/node")
}
