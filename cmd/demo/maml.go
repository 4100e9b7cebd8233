package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// maml runs model-agnostic meta-learning (Finn et al., 2017) on sine-wave
// regression: each task is y = A sin(x + φ) with A in [0.1, 5] and φ in
// [0, π], seen through K = 10 points. The inner loop adapts a 1-40-40-1 MLP
// to a task with one gradient step recorded with CreateGraph, so that the
// outer Adam step differentiates through it: second-order gradients.
// After meta-training, the network adapted from the meta-learned start fits
// new tasks far better than the same network adapted from a fresh start.
func maml(c *config, out io.Writer) error {
	iters, outerLR := c.epochs, c.lr
	if iters == 0 {
		iters = 1000
	}
	if outerLR == 0 {
		outerLR = 1e-3
	}
	const (
		k       = 10   // points per task, for adaptation and for evaluation
		tasks   = 4    // tasks per meta-batch
		innerLR = 0.01 // the inner SGD step
	)
	rng := rand.New(rand.NewPCG(c.seed, 0xa11))
	params := newSineNet(rng)
	fresh := newSineNet(rand.New(rand.NewPCG(c.seed, 0xf5e)))
	opts := optim.AdamDefaults()
	opts.LR = outerLR
	opt, err := optim.NewAdam(params, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "chainrule MAML: sine regression, 1-40-40-1 MLP, %d-shot, %d tasks per meta-batch, inner SGD %g with CreateGraph, outer Adam %g, %d iterations\n",
		k, tasks, innerLR, outerLR, iters)
	every := max(iters/10, 1)
	var running float64
	for it := 1; it <= iters; it++ {
		opt.ZeroGrad()
		var meta *tensor.Value[float64]
		for range tasks {
			task := newSineTask(rng)
			xs, ys := task.sample(rng, k)
			xq, yq := task.sample(rng, k)
			adapted := adapt(params, xs, ys, innerLR, 1, true)
			l := nn.MSE(sineForward(adapted, xq), yq, nn.ReduceMean)
			if meta == nil {
				meta = l
			} else {
				meta = tensor.Add(meta, l)
			}
		}
		meta = tensor.MulScalar(meta, 1.0/tasks)
		meta.Backward()
		opt.Step()
		running += meta.Item()
		if it%every == 0 {
			fmt.Fprintf(out, "iteration %4d  mean post-adaptation query loss %.4f\n", it, running/float64(every))
			running = 0
		}
	}

	// Meta-test: new tasks, adapted with the same one step (and with ten),
	// from the meta-learned start and from a fresh network.
	testRNG := rand.New(rand.NewPCG(c.seed, 0x7e57))
	var learned1, learned10, fresh1, fresh10 float64
	const nTest = 100
	for range nTest {
		task := newSineTask(testRNG)
		xs, ys := task.sample(testRNG, k)
		xq, yq := task.sample(testRNG, 50)
		eval := func(p []*tensor.Value[float64], steps int) float64 {
			adapted := adapt(p, xs, ys, innerLR, steps, false)
			return nn.MSE(sineForward(adapted, xq), yq, nn.ReduceMean).Item()
		}
		learned1 += eval(params, 1) / nTest
		learned10 += eval(params, 10) / nTest
		fresh1 += eval(fresh, 1) / nTest
		fresh10 += eval(fresh, 10) / nTest
	}
	fmt.Fprintf(out, "meta-test on %d new tasks (MSE on 50 query points after adapting on %d):\n", nTest, k)
	fmt.Fprintf(out, "  from the meta-learned start:  1 step %.4f   10 steps %.4f\n", learned1, learned10)
	fmt.Fprintf(out, "  from a fresh start:           1 step %.4f   10 steps %.4f\n", fresh1, fresh10)
	if learned1 < fresh1 {
		fmt.Fprintf(out, "meta-training lowered the post-adaptation loss %.1fx\n", fresh1/learned1)
	} else {
		fmt.Fprintln(out, "meta-training did not lower the post-adaptation loss")
	}
	return nil
}

// sineTask is y = amp * sin(x + phase).
type sineTask struct{ amp, phase float64 }

func newSineTask(rng *rand.Rand) sineTask {
	return sineTask{amp: 0.1 + 4.9*rng.Float64(), phase: math.Pi * rng.Float64()}
}

// sample draws n points with x uniform in [-5, 5], as (n, 1) Values.
func (s sineTask) sample(rng *rand.Rand, n int) (x, y *tensor.Value[float64]) {
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = -5 + 10*rng.Float64()
		ys[i] = s.amp * math.Sin(xs[i]+s.phase)
	}
	return tensor.Const(tensor.New(xs, n, 1)), tensor.Const(tensor.New(ys, n, 1))
}

// newSineNet returns the parameters of a 1-40-40-1 MLP, laid out as
// PyTorch's Linear layers: w1 (40, 1), b1, w2 (40, 40), b2, w3 (1, 40), b3.
func newSineNet(rng *rand.Rand) []*tensor.Value[float64] {
	var ps []*tensor.Value[float64]
	for _, l := range [][2]int{{1, 40}, {40, 40}, {40, 1}} {
		lin := nn.NewLinear[float64](rng, l[0], l[1], true)
		ps = append(ps, lin.Weight, lin.Bias)
	}
	return ps
}

// sineForward applies the MLP with the given parameters: MAML evaluates
// the same architecture with adapted parameters, so the forward is a
// function of them rather than a module holding them.
func sineForward(p []*tensor.Value[float64], x *tensor.Value[float64]) *tensor.Value[float64] {
	h := tensor.ReLU(tensor.Add(tensor.MatMul(x, tensor.T(p[0])), p[1]))
	h = tensor.ReLU(tensor.Add(tensor.MatMul(h, tensor.T(p[2])), p[3]))
	return tensor.Add(tensor.MatMul(h, tensor.T(p[4])), p[5])
}

// adapt takes steps of SGD on the task's support points. With create the
// steps are recorded (their gradients are computed with CreateGraph), so
// that a loss of the adapted parameters can be differentiated with respect
// to the starting ones: the second-order MAML gradient.
func adapt(p []*tensor.Value[float64], x, y *tensor.Value[float64], lr float64, steps int, create bool) []*tensor.Value[float64] {
	cur := p
	if !create {
		cur = make([]*tensor.Value[float64], len(p))
		for i, v := range p {
			cur[i] = tensor.Param(v.Data())
		}
	}
	for range steps {
		loss := nn.MSE(sineForward(cur, x), y, nn.ReduceMean)
		gs := tensor.Grad([]*tensor.Value[float64]{loss}, cur, nil,
			tensor.GradOptions{Options: tensor.BackwardOptions{CreateGraph: create}})
		next := make([]*tensor.Value[float64], len(cur))
		for i := range cur {
			if create {
				next[i] = tensor.Sub(cur[i], tensor.MulScalar(gs[i], lr))
			} else {
				next[i] = tensor.Param(cur[i].Data().Sub(gs[i].Data().MulScalar(lr)))
			}
		}
		cur = next
	}
	return cur
}
