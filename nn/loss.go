package nn

import (
	"fmt"

	"github.com/chainrule/chainrule/tensor"
)

// This file holds what every loss shares (Reduction, argument checks)
// and the losses that are plain compositions of tensor ops: MSE, L1
// and Huber. They have no backward of their own. The losses whose stable or
// fast form needs a primitive are in loss_bce.go (BCE, BCEWithLogits) and
// loss_ce.go (NLL, CrossEntropy, CrossEntropyProbs).
//
// Losses take the prediction first and the target second, as PyTorch's
// functional losses do. Shape mismatches panic instead of broadcasting:
// PyTorch broadcasts them with a warning that the result is "likely ...
// incorrect", and a Go library has no warnings. Broadcast a target on
// purpose with tensor.BroadcastTo.

// Reduction says how a loss combines its per-element values, PyTorch's
// reduction argument. The zero value is ReduceMean, PyTorch's default.
type Reduction int

const (
	// ReduceMean returns the mean of the per-element losses (for
	// CrossEntropy and NLL, the weighted mean; see CEOptions).
	ReduceMean Reduction = iota
	// ReduceSum returns the sum of the per-element losses.
	ReduceSum
	// ReduceNone returns the per-element losses, without reducing.
	ReduceNone
)

// String returns PyTorch's name for r: "mean", "sum" or "none".
func (r Reduction) String() string {
	switch r {
	case ReduceMean:
		return "mean"
	case ReduceSum:
		return "sum"
	case ReduceNone:
		return "none"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

// checkReduction panics if red is not one of the three reductions.
func checkReduction(op string, red Reduction) {
	if red != ReduceMean && red != ReduceSum && red != ReduceNone {
		panic(nnError(tensor.ErrArgument, op, "%v is not a valid reduction", red))
	}
}

// checkSameShape panics unless target has input's shape, with PyTorch's
// words.
func checkSameShape[T tensor.Float](op string, input, target *tensor.Value[T]) {
	if !sameShape(input.Shape(), target.Shape()) {
		panic(nnError(tensor.ErrShape, op,
			"using a target size (%v) that is different to the input size (%v); please ensure they have the same size",
			target.Shape(), input.Shape()))
	}
}

// checkBroadcastsTo panics unless a (a weight) broadcasts to shape without
// changing it.
func checkBroadcastsTo(op, what string, a, shape []int) {
	got, err := tensor.BroadcastShapes(a, shape)
	if err != nil || !sameShape(got, shape) {
		panic(nnError(tensor.ErrShape, op, "%s of shape %v does not broadcast to the input shape %v", what, a, shape))
	}
}

// reduce applies red to the per-element losses l.
func reduce[T tensor.Float](l *tensor.Value[T], red Reduction) *tensor.Value[T] {
	switch red {
	case ReduceSum:
		return tensor.Sum(l)
	case ReduceNone:
		return l
	}
	return tensor.Mean(l)
}

// MSE returns the mean squared error between x and y, (x - y)**2 per
// element reduced by red: PyTorch's F.mse_loss. It is a composite of
// tensor ops.
//
// Gradients: dx = 2*(x - y)*g / N (N = number of elements for ReduceMean,
// 1 otherwise), dy = -dx.
//
// It panics with tensor.ErrShape if x and y differ in shape (PyTorch would
// broadcast them with a warning) and with tensor.ErrArgument for an invalid
// reduction.
func MSE[T tensor.Float](x, y *tensor.Value[T], red Reduction) *tensor.Value[T] {
	checkReduction("MSE", red)
	checkSameShape("MSE", x, y)
	return reduce(tensor.Square(tensor.Sub(x, y)), red)
}

// L1 returns the mean absolute error between x and y, |x - y| per element
// reduced by red: PyTorch's F.l1_loss. It is a composite of tensor ops.
//
// Gradients: dx = sign(x - y)*g / N, dy = -dx; the gradient at x == y is 0,
// as PyTorch's.
//
// It panics as MSE does.
func L1[T tensor.Float](x, y *tensor.Value[T], red Reduction) *tensor.Value[T] {
	checkReduction("L1", red)
	checkSameShape("L1", x, y)
	return reduce(tensor.Abs(tensor.Sub(x, y)), red)
}

// Huber returns the Huber loss between x and y reduced by red, PyTorch's
// F.huber_loss: with d = |x - y|, 0.5*d**2 where d < delta and
// delta*(d - 0.5*delta) elsewhere, quadratic near zero and linear (so robust
// to outliers) beyond delta. It is a composite of tensor ops (the two
// branches joined by Where).
//
// Gradients: dx = clamp(x - y, -delta, delta)*g / N, dy = -dx.
//
// It panics with tensor.ErrArgument unless delta > 0, and otherwise as MSE
// does.
func Huber[T tensor.Float](x, y *tensor.Value[T], delta float64, red Reduction) *tensor.Value[T] {
	checkReduction("Huber", red)
	checkSameShape("Huber", x, y)
	if !(delta > 0) {
		panic(nnError(tensor.ErrArgument, "Huber", "huber_loss does not support non-positive values for delta (got %v)", delta))
	}
	d := tensor.Sub(x, y)
	a := tensor.Abs(d)
	near := a.Data().Lt(tensor.Scalar(T(delta)))
	quad := tensor.MulScalar(tensor.Square(d), 0.5)
	lin := tensor.MulScalar(tensor.AddScalar(a, T(-0.5*delta)), T(delta))
	return reduce(quad.Where(near, lin), red)
}
