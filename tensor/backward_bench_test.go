package tensor

import (
	"fmt"
	"testing"
)

// BenchmarkBackwardChain records a chain of n scalar ops and runs backward
// through it. ns/node and B/node stay flat as n grows: recording and
// backward are linear in the size of the graph.
func BenchmarkBackwardChain(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				x := Param(Scalar(1.0))
				y := x
				for range n {
					y = MulScalar(y, 1)
				}
				y.Backward()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/node")
		})
	}
}
