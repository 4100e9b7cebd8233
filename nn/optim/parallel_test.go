package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/chainrule/chainrule/tensor"
)

// The shared updates must give exactly the serial results: each optimiser
// runs three steps on one parameter with parallelFor allowed and forced
// onto one goroutine, and both are checked bit for bit against each other
// and against a naive loop written here, at sizes on both sides of
// parallelMin and at odd sizes whose last chunk is short.

type updateCase struct {
	name  string
	make  func(p *tensor.Value[float32]) Optimizer[float32]
	naive func(x, g []float32, steps int) []float32
}

func updateCases() []updateCase {
	sgd := func(o SGDOptions) func(p *tensor.Value[float32]) Optimizer[float32] {
		return func(p *tensor.Value[float32]) Optimizer[float32] {
			opt, err := NewSGD([]*tensor.Value[float32]{p}, o)
			if err != nil {
				panic(err)
			}
			return opt
		}
	}
	adam := func(o AdamOptions, decoupled bool) func(p *tensor.Value[float32]) Optimizer[float32] {
		return func(p *tensor.Value[float32]) Optimizer[float32] {
			opt, err := newAdam([]*tensor.Value[float32]{p}, o, decoupled)
			if err != nil {
				panic(err)
			}
			return opt
		}
	}
	// naiveSGD is torch.optim.SGD's update, element by element, rounding
	// every product to float32 as the kernel does.
	naiveSGD := func(o SGDOptions) func(x, g []float32, steps int) []float32 {
		return func(x, g []float32, steps int) []float32 {
			wd, mom, damp1, lr := float32(o.WeightDecay), float32(o.Momentum), float32(1-o.Dampening), float32(-o.LR)
			x = append([]float32(nil), x...)
			buf := make([]float32, len(x))
			for s := range steps {
				for i := range x {
					d := g[i]
					if o.Maximize {
						d = -d
					}
					if wd != 0 {
						d += float32(wd * x[i])
					}
					if mom != 0 {
						if s == 0 {
							buf[i] = d
						} else {
							buf[i] = float32(buf[i]*mom) + float32(damp1*d)
						}
						if o.Nesterov {
							d += float32(mom * buf[i])
						} else {
							d = buf[i]
						}
					}
					x[i] += float32(lr * d)
				}
			}
			return x
		}
	}
	naiveAdam := func(o AdamOptions, decoupled bool) func(x, g []float32, steps int) []float32 {
		return func(x, g []float32, steps int) []float32 {
			b1, b2 := float32(o.Betas[0]), float32(o.Betas[1])
			c1, c2 := float32(1-o.Betas[0]), float32(1-o.Betas[1])
			x = append([]float32(nil), x...)
			m, v, vmax := make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(x))
			for s := 1; s <= steps; s++ {
				negStep := float32(-(o.LR / (1 - math.Pow(o.Betas[0], float64(s)))))
				bc2Sqrt := float32(math.Sqrt(1 - math.Pow(o.Betas[1], float64(s))))
				for i := range x {
					d := g[i]
					if decoupled {
						x[i] = float32(x[i] * float32(1-o.LR*o.WeightDecay))
					} else {
						d += float32(float32(o.WeightDecay) * x[i])
					}
					m[i] = float32(m[i]*b1) + float32(c1*d)
					v[i] = float32(v[i]*b2) + float32(float32(c2*d)*d)
					vv := v[i]
					if o.AMSGrad {
						vmax[i] = float32(math.Max(float64(vmax[i]), float64(vv)))
						vv = vmax[i]
					}
					denom := float32(float32(math.Sqrt(float64(vv)))/bc2Sqrt) + float32(o.Eps)
					x[i] += float32(float32(negStep*m[i]) / denom)
				}
			}
			return x
		}
	}
	plain := SGDOptions{LR: 0.1}
	decay := SGDOptions{LR: 0.1, WeightDecay: 0.01}
	momentum := SGDOptions{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01}
	nesterov := SGDOptions{LR: 0.1, Momentum: 0.9, WeightDecay: 0.01, Nesterov: true, Maximize: true}
	amsgrad := AdamDefaults()
	amsgrad.AMSGrad, amsgrad.WeightDecay = true, 0.01
	adamW := AdamWDefaults()
	return []updateCase{
		{"SGD", sgd(plain), naiveSGD(plain)},
		{"SGDWeightDecay", sgd(decay), naiveSGD(decay)},
		{"SGDMomentum", sgd(momentum), naiveSGD(momentum)},
		{"SGDNesterovMaximize", sgd(nesterov), naiveSGD(nesterov)},
		{"AdamAMSGrad", adam(amsgrad, false), naiveAdam(amsgrad, false)},
		{"AdamW", adam(adamW, true), naiveAdam(adamW, true)},
	}
}

func TestParallelUpdatesMatchSerial(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	rng := rand.New(rand.NewPCG(1, 2))
	m := parallelMin
	for _, c := range updateCases() {
		// parallelMin/4 is where Adam starts sharing, parallelMin where
		// plain descent does.
		for _, n := range []int{1, m/4 - 1, m/4 + 1, m - 1, m + 1, 5*m/2 + 7, 1<<20 + 3} {
			x := make([]float32, n)
			g := make([]float32, n)
			for i := range x {
				x[i], g[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			}
			run := func() []float32 {
				p := tensor.Param(tensor.New(x, n))
				p.SetGrad(tensor.Const(tensor.New(g, n)))
				opt := c.make(p)
				for range 3 {
					opt.Step()
				}
				return p.Data().ToSlice()
			}
			t.Run(fmt.Sprintf("%s/%d", c.name, n), func(t *testing.T) {
				got := run()
				old := parallelMin
				parallelMin = math.MaxInt
				serial := run()
				parallelMin = old
				want := c.naive(x, g, 3)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(serial[i]) {
						t.Fatalf("element %d: shared %v, serial %v", i, got[i], serial[i])
					}
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("element %d: got %v, want %v (naive loop)", i, got[i], want[i])
					}
				}
			})
		}
	}
}

func TestParallelStepAllocs(t *testing.T) {
	for _, c := range updateCases() {
		n := 1 << 20
		p := tensor.Param(tensor.Ones[float32](n))
		p.SetGrad(tensor.Const(tensor.Full[float32](0.01, n)))
		opt := c.make(p)
		opt.Step()
		if got := testing.AllocsPerRun(20, opt.Step); got > 0.1 {
			t.Errorf("%s: a steady-state step of %d elements makes %v allocations, want 0", c.name, n, got)
		}
	}
}
