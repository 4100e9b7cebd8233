package autograd_test

import (
	"strconv"
	"testing"

	"github.com/chainrule/chainrule/autograd"
)

// chainSizes are the lengths the benchmarks run at: the time per node
// should stay flat as they grow, showing that a pass is linear.
var chainSizes = []int{1_000, 10_000, 100_000, 1_000_000}

// BenchmarkBackwardChain measures a retained Backward through a chain of n
// scale nodes, the engine's cost plus one tiny Backward per node.
func BenchmarkBackwardChain(b *testing.B) {
	for _, n := range chainSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			x := param("x", 1)
			roots, seeds := nodes(chain(x, n)), []*scalar{constant(1)}
			opts := autograd.Options{RetainGraph: true}
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

// BenchmarkGradChain is BenchmarkBackwardChain for Grad.
func BenchmarkGradChain(b *testing.B) {
	for _, n := range chainSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			x := param("x", 1)
			outs, ins, seeds := nodes(chain(x, n)), nodes(x), []*scalar{constant(1)}
			opts := autograd.GradOptions{Options: autograd.Options{RetainGraph: true}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := autograd.Grad(outs, ins, seeds, addGrads, opts); err != nil {
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
