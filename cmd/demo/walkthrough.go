package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// walkthrough trains the backpropagation walkthrough's network: a 2-4-1
// MLP separating 2-D points by the line x0 + x1 = 0. It runs in float64 so
// that its printed numbers do not depend on the machine's rounding.
func walkthrough(c *config, out io.Writer) error {
	epochs, lr := c.epochs, c.lr
	if epochs == 0 {
		epochs = 1000
	}
	if lr == 0 {
		lr = 0.1
	}
	const n = 100
	rng := rand.New(rand.NewPCG(c.seed, 2024))
	xs := tensor.Normal[float64](rng, 0, 1, n, 2)
	labels := make([]float64, n)
	for i := range n {
		if xs.At(i, 0)+xs.At(i, 1) > 0 {
			labels[i] = 1
		}
	}
	x := tensor.Const(xs)
	y := tensor.Const(tensor.New(labels, n, 1))

	model := nn.NewSequential[float64](
		nn.NewLinear[float64](rng, 2, 4, true),
		&nn.ReLU[float64]{},
		nn.NewLinear[float64](rng, 4, 1, true),
		&nn.Sigmoid[float64]{},
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
	opt, err := optim.NewSGD(nn.Params(model), optim.SGDOptions{LR: lr})
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "chainrule walkthrough: %d points, 2-4-1 network (ReLU, sigmoid), BCE loss, SGD lr %g, %d full-batch epochs\n", n, lr, epochs)
	health := newHealth[float64](c, out)
	losses := make([]float64, 0, epochs)
	for epoch := 1; epoch <= epochs; epoch++ {
		opt.ZeroGrad()
		loss := nn.BCE(model.Forward(x), y, nil, nn.ReduceMean)
		if epoch == 1 && c.dot != "" {
			if err := writeDOT(c.dot, loss); err != nil {
				return err
			}
		}
		loss.Backward()
		health.check(epoch, named)
		opt.Step()
		losses = append(losses, loss.Item())
		if epoch%100 == 0 || epoch == epochs {
			fmt.Fprintf(out, "epoch %4d  loss %.4f\n", epoch, loss.Item())
		}
	}

	probs := model.Forward(x).Data()
	correct := 0
	for i := range n {
		if (probs.At(i, 0) > 0.5) == (labels[i] == 1) {
			correct++
		}
	}
	fmt.Fprintf(out, "accuracy %d/%d = %.2f%%\n", correct, n, 100*float64(correct)/n)
	fmt.Fprintln(out, "gradient norms after the last step:")
	norms := optim.GradNorms(nn.Params(model))
	for i, p := range named {
		fmt.Fprintf(out, "  %-8s %-7s %.3e\n", p.Name, fmt.Sprint(p.Value.Shape()), norms[i])
	}

	if c.save != "" {
		if err := nn.Save(c.save, model); err != nil {
			return err
		}
		fmt.Fprintf(out, "saved %s\n", c.save)
	}
	if c.plot != "" {
		points := make([][2]float64, n)
		for i := range n {
			points[i] = [2]float64{xs.At(i, 0), xs.At(i, 1)}
		}
		prob := func(a, b float64) float64 {
			return model.Forward(tensor.Const(tensor.New([]float64{a, b}, 1, 2))).Item()
		}
		var loss, boundary bytes.Buffer
		if err := writeLossSVG(&loss, "training loss (BCE)", []series{{name: "train", color: "#d11f1f", y: losses}}); err != nil {
			return err
		}
		isOne := make([]bool, n)
		for i := range n {
			isOne[i] = labels[i] == 1
		}
		if err := writeBoundarySVG(&boundary, "decision boundary", -3, 3, prob, points, isOne); err != nil {
			return err
		}
		if err := writeFileAtomic(c.plot, sideBySide(loss.Bytes(), boundary.Bytes())); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote %s\n", c.plot)
	}
	return nil
}

// sideBySide joins two SVG documents of the standard size into one, left
// and right, as nested svg elements.
func sideBySide(left, right []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g">`+"\n", 2*svgW, svgH)
	// Each part keeps its own attributes and closing tag; only the
	// namespace moves to the outer element.
	fmt.Fprintf(&b, "<svg x=\"0\" y=\"0\"%s", bytes.TrimPrefix(left, []byte(`<svg xmlns="http://www.w3.org/2000/svg"`)))
	fmt.Fprintf(&b, "<svg x=\"%g\" y=\"0\"%s", svgW, bytes.TrimPrefix(right, []byte(`<svg xmlns="http://www.w3.org/2000/svg"`)))
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// writeDOT writes the graph of one training step.
func writeDOT[T tensor.Float](path string, loss *tensor.Value[T]) error {
	var b bytes.Buffer
	if err := loss.WriteDOT(&b); err != nil {
		return err
	}
	return writeFileAtomic(path, b.Bytes())
}

// writeFileAtomic writes data to path through a temporary file and a
// rename, so that a failure never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
