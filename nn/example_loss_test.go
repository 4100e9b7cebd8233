package nn_test

import (
	"fmt"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// The printed numbers below agree with PyTorch 1.13's torch.nn.functional
// losses on the same inputs (float64).

func ExampleMSE() {
	x := tensor.Param(tensor.New([]float64{1, 2, 3}))
	y := tensor.Const(tensor.New([]float64{1.5, 2, 2}))
	loss := nn.MSE(x, y, nn.ReduceMean)
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Printf("grad %.4f\n", x.Grad().Data().ToSlice())
	// Output:
	// loss 0.4167
	// grad [-0.3333 0.0000 0.6667]
}

func ExampleHuber() {
	x := tensor.Param(tensor.New([]float64{0.5, -3, 0.2}))
	y := tensor.Const(tensor.Zeros[float64](3))
	loss := nn.Huber(x, y, 1, nn.ReduceNone)
	tensor.Sum(loss).Backward()
	// Quadratic inside |x - y| < delta, linear (gradient ±delta) outside.
	fmt.Printf("loss %.4f\n", loss.Data().ToSlice())
	fmt.Printf("grad %.4f\n", x.Grad().Data().ToSlice())
	// Output:
	// loss [0.1250 2.5000 0.0200]
	// grad [0.5000 -1.0000 0.2000]
}

func ExampleBCE() {
	p := tensor.Param(tensor.New([]float64{0.9, 0.2, 0}))
	t := tensor.Const(tensor.New([]float64{1, 0, 1}))
	// Each log is clamped at -100, so a confident wrong answer costs 100,
	// not +Inf.
	perElem := nn.BCE(p, t, nil, nn.ReduceNone)
	fmt.Printf("losses %.4f\n", perElem.Data().ToSlice())
	loss := nn.BCE(p, t, nil, nn.ReduceMean)
	loss.Backward()
	// The gradient at p = 0, t = 1 is -1/(3*eps) with eps = float32(1e-12).
	fmt.Printf("mean %.4f, grad %.4g\n", loss.Item(), p.Grad().Data().ToSlice())
	// Output:
	// losses [0.1054 0.2231 100.0000]
	// mean 33.4428, grad [-0.3704 0.4167 -3.333e+11]
}

func ExampleBCEWithLogits() {
	x := tensor.Param(tensor.New([]float64{1000, -1000, 0.5}))
	t := tensor.Const(tensor.New([]float64{1, 1, 0}))
	// The stable form needs no sigmoid: logits of ±1000 give exact losses.
	loss := nn.BCEWithLogits(x, t, nn.BCEWithLogitsOptions[float64]{Reduction: nn.ReduceSum})
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Printf("grad %.4f\n", x.Grad().Data().ToSlice())
	// Output:
	// loss 1000.9741
	// grad [0.0000 -1.0000 0.6225]
}

func ExampleBCEWithLogits_posWeight() {
	// Two labels per sample; positives of the first label weigh 3.
	x := tensor.Param(tensor.New([]float64{0.5, -1, 2, 0}, 2, 2))
	t := tensor.Const(tensor.New([]float64{1, 0, 1, 1}, 2, 2))
	pw := tensor.Const(tensor.New([]float64{3, 1}))
	loss := nn.BCEWithLogits(x, t, nn.BCEWithLogitsOptions[float64]{PosWeight: pw})
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Printf("grad %.4f\n", x.Grad().Data().ToSlice())
	// Output:
	// loss 0.7024
	// grad [-0.2832 0.0672 -0.0894 -0.1250]
}

func ExampleCrossEntropy() {
	logits := tensor.Param(tensor.New([]float64{
		2, 1, 0.1,
		0.5, 2.5, 0.3,
		1, 1, 1,
	}, 3, 3))
	// The third row's target is the default ignore index: it adds nothing
	// to the loss, the gradient or the mean's divisor.
	target := []int{0, 1, nn.DefaultIgnoreIndex}
	loss := nn.CrossEntropy(logits, target, nn.CEOptions[float64]{})
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	g := logits.Grad().Data()
	for i := range 3 {
		fmt.Printf("grad row %d %.4f\n", i, g.Select(0, i).ToSlice())
	}
	smoothed := nn.CrossEntropy(logits, target, nn.CEOptions[float64]{
		Weight:         tensor.New([]float64{1, 2, 1}),
		LabelSmoothing: 0.1,
	})
	fmt.Printf("weighted, smoothed %.4f\n", smoothed.Item())
	// Output:
	// loss 0.3185
	// grad row 0 [-0.1705 0.1212 0.0493]
	// grad row 1 [0.0543 -0.0988 0.0445]
	// grad row 2 [0.0000 0.0000 0.0000]
	// weighted, smoothed 0.3755
}

func ExampleNLL() {
	logits := tensor.Const(tensor.New([]float64{
		2, 1, 0.1,
		0.5, 2.5, 0.3,
		1, 1, 1,
	}, 3, 3))
	// NLL takes log-probabilities; after LogSoftmax it equals CrossEntropy.
	logp := tensor.LogSoftmax(logits, -1)
	loss := nn.NLL(logp, []int{0, 1, -100}, nn.CEOptions[float64]{})
	fmt.Printf("loss %.4f\n", loss.Item())
	// Output:
	// loss 0.3185
}

func ExampleCrossEntropyProbs() {
	logits := tensor.Param(tensor.New([]float64{2, 1, 0.1, 0.5, 2.5, 0.3}, 2, 3))
	probs := tensor.Const(tensor.New([]float64{0.7, 0.2, 0.1, 0, 1, 0}, 2, 3))
	loss := nn.CrossEntropyProbs(logits, probs, nn.CEOptions[float64]{})
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Printf("grad %.4f\n", logits.Grad().Data().ToSlice())
	// Output:
	// loss 0.5135
	// grad [-0.0205 0.0212 -0.0007 0.0543 -0.0988 0.0445]
}
