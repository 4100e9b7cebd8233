package optim_test

import (
	"fmt"
	"testing"

	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// BenchmarkStep measures one optimiser step over a float32 parameter of n
// elements. After the first step, which creates the state, a step must
// not allocate.
func BenchmarkStep(b *testing.B) {
	makers := []struct {
		name string
		make func(ps []*tensor.Value[float32]) (optim.Optimizer[float32], error)
	}{
		{"SGD", func(ps []*tensor.Value[float32]) (optim.Optimizer[float32], error) {
			return optim.NewSGD(ps, optim.SGDOptions{LR: 0.01})
		}},
		{"SGDMomentum", func(ps []*tensor.Value[float32]) (optim.Optimizer[float32], error) {
			return optim.NewSGD(ps, optim.SGDOptions{LR: 0.01, Momentum: 0.9, WeightDecay: 1e-4})
		}},
		{"Adam", func(ps []*tensor.Value[float32]) (optim.Optimizer[float32], error) {
			return optim.NewAdam(ps, optim.AdamDefaults())
		}},
		{"AdamW", func(ps []*tensor.Value[float32]) (optim.Optimizer[float32], error) {
			return optim.NewAdamW(ps, optim.AdamWDefaults())
		}},
		{"RMSProp", func(ps []*tensor.Value[float32]) (optim.Optimizer[float32], error) {
			return optim.NewRMSProp(ps, optim.RMSPropDefaults())
		}},
	}
	for _, m := range makers {
		for _, n := range []int{1 << 10, 1 << 16, 1 << 20} {
			b.Run(fmt.Sprintf("%s/n=%d", m.name, n), func(b *testing.B) {
				p := tensor.Param(tensor.Ones[float32](n))
				p.SetGrad(tensor.Const(tensor.Full[float32](0.01, n)))
				opt, err := m.make([]*tensor.Value[float32]{p})
				if err != nil {
					b.Fatal(err)
				}
				opt.Step()
				b.SetBytes(int64(4 * n))
				b.ReportAllocs()
				for b.Loop() {
					opt.Step()
				}
			})
		}
	}
}

// BenchmarkClipGradNorm measures clipping ten float32 gradients of n
// elements each.
func BenchmarkClipGradNorm(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 16} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			ps := make([]*tensor.Value[float32], 10)
			for i := range ps {
				ps[i] = tensor.Param(tensor.Ones[float32](n))
				ps[i].SetGrad(tensor.Const(tensor.Full[float32](1, n)))
			}
			b.SetBytes(int64(4 * n * len(ps)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := optim.ClipGradNorm(ps, 1e9, 2, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
