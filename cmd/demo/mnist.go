package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/chainrule/chainrule/internal/mnist"
	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// trainMNIST trains a 784-256-128-10 MLP (ReLU, cross-entropy, Adam) on
// MNIST in float32 and reports test accuracy after every epoch.
func trainMNIST(c *config, out, bar io.Writer) error {
	epochs, lr := c.epochs, c.lr
	if epochs == 0 {
		epochs = 5
	}
	if lr == 0 {
		lr = 1e-3
	}
	dir := c.data
	if dir == "" {
		var err error
		if dir, err = mnist.Locate(); err != nil {
			return err
		}
	}
	train, test, err := mnist.Load(dir)
	if err != nil {
		return err
	}
	if c.limit > 0 && c.limit < train.N {
		train.N = c.limit
	}

	rng := rand.New(rand.NewPCG(c.seed, 784))
	model := nn.NewSequential[float32](
		nn.NewLinear[float32](rng, 784, 256, true),
		&nn.ReLU[float32]{},
		nn.NewLinear[float32](rng, 256, 128, true),
		&nn.ReLU[float32]{},
		nn.NewLinear[float32](rng, 128, 10, true),
	)
	named := nn.NamedParams(model)
	for _, p := range named {
		p.Value.Named(p.Name)
	}
	if c.load != "" {
		if err := nn.Load(c.load, model); err != nil {
			return err
		}
	}
	opts := optim.AdamDefaults()
	opts.LR = lr
	opt, err := optim.NewAdam(nn.Params(model), opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "chainrule MNIST: %d training and %d test images, 784-256-128-10 MLP (ReLU), cross-entropy, Adam lr %g, batch %d, %d epochs\n",
		train.N, test.N, lr, c.batch, epochs)

	health := newHealth[float32](c, out)
	var trainLoss, testLoss []float64
	for epoch := 1; epoch <= epochs; epoch++ {
		perm := rng.Perm(train.N)
		start := time.Now()
		var sum float64
		steps := 0
		for b := 0; b < train.N; b += c.batch {
			idx := perm[b:min(b+c.batch, train.N)]
			x, y := batch(train, idx)
			opt.ZeroGrad()
			loss := nn.CrossEntropy(model.Forward(tensor.Const(x)), y, nn.CEOptions[float32]{})
			if epoch == 1 && b == 0 && c.dot != "" {
				if err := writeDOT(c.dot, loss); err != nil {
					return err
				}
			}
			loss.Backward()
			health.check(epoch, named)
			opt.Step()
			sum += float64(loss.Item())
			steps++
			if !c.noBar && (steps%20 == 0 || b+c.batch >= train.N) {
				done := min(b+c.batch, train.N)
				drawBar(bar, epoch, epochs, done, train.N, sum/float64(steps), float64(done)/time.Since(start).Seconds())
			}
		}
		if !c.noBar {
			fmt.Fprintln(bar)
		}
		acc, tl := evaluate(model, test)
		trainLoss = append(trainLoss, sum/float64(steps))
		testLoss = append(testLoss, tl)
		fmt.Fprintf(out, "epoch %d  train loss %.4f  test loss %.4f  test accuracy %.2f%%  (%.0f samples/s)\n",
			epoch, sum/float64(steps), tl, 100*acc, float64(train.N)/time.Since(start).Seconds())
	}
	if c.save != "" {
		if err := nn.Save(c.save, model); err != nil {
			return err
		}
		fmt.Fprintf(out, "saved %s\n", c.save)
	}
	if c.plot != "" {
		var b bytes.Buffer
		if err := writeLossSVG(&b, "MNIST cross-entropy per epoch", []series{
			{name: "train", color: "#d11f1f", y: trainLoss},
			{name: "test", color: "#1f4fd1", y: testLoss},
		}); err != nil {
			return err
		}
		if err := writeFileAtomic(c.plot, b.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s\n", c.plot)
	}
	return nil
}

// batch gathers the images idx of s into a (len(idx), 784) tensor scaled to
// [0, 1], and their labels.
func batch(s *mnist.Set, idx []int) (*tensor.Tensor[float32], []int) {
	size := s.Rows * s.Cols
	x := tensor.Zeros[float32](len(idx), size)
	flat := x.Flat()
	y := make([]int, len(idx))
	for r, i := range idx {
		for j, p := range s.Images[i*size : (i+1)*size] {
			flat[r*size+j] = float32(p) / 255
		}
		y[r] = int(s.Labels[i])
	}
	x.MarkModified()
	return x, y
}

// evaluate returns the accuracy and mean cross-entropy on s. It freezes the
// parameters meanwhile, so that the forward passes record nothing.
func evaluate(model nn.Module[float32], s *mnist.Set) (acc, loss float64) {
	nn.Freeze(model, true)
	defer nn.Freeze(model, false)
	const chunk = 1000
	correct := 0
	for b := 0; b < s.N; b += chunk {
		idx := make([]int, 0, chunk)
		for i := b; i < min(b+chunk, s.N); i++ {
			idx = append(idx, i)
		}
		x, y := batch(s, idx)
		logits := model.Forward(tensor.Const(x))
		loss += float64(nn.CrossEntropy(logits, y, nn.CEOptions[float32]{Reduction: nn.ReduceSum}).Item())
		pred := logits.Data().ArgMax(1)
		for i, label := range y {
			if int(pred.At(i)) == label {
				correct++
			}
		}
	}
	return float64(correct) / float64(s.N), loss / float64(s.N)
}

// drawBar redraws a one-line progress bar on w.
func drawBar(w io.Writer, epoch, epochs, done, total int, loss, rate float64) {
	const width = 30
	filled := width * done / total
	fmt.Fprintf(w, "\repoch %d/%d [%s%s] %5d/%d  loss %.4f  %6.0f samples/s",
		epoch, epochs, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), done, total, loss, rate)
}
