package optim

import (
	"math"

	"github.com/chainrule/chainrule/tensor"
)

// ClipGradNorm rescales the gradients of params in place so that their
// joint normType-norm (the norm of all gradients concatenated) is at most
// maxNorm, and returns that norm as it was before clipping: PyTorch's
// clip_grad_norm_. normType is any p > 0, or math.Inf(1) for the largest
// absolute value. Parameters with a nil gradient are ignored; with none
// left it returns 0. Every gradient is multiplied by
//
//	min(maxNorm / (total + 1e-6), 1)
//
// so a clipped set ends with a norm just below maxNorm, and a NaN total
// turns every gradient into NaN. The norms are accumulated in float64
// whatever T is.
//
// It returns an error wrapping ErrOption, and changes nothing, if maxNorm
// is negative or NaN or normType is not positive; and with
// errorIfNonfinite an error wrapping ErrNonFinite, again changing nothing,
// if the total norm is NaN or infinite.
func ClipGradNorm[T tensor.Float](params []*tensor.Value[T], maxNorm, normType float64, errorIfNonfinite bool) (float64, error) {
	const op = "ClipGradNorm"
	if !(maxNorm >= 0) {
		return 0, newError(ErrOption, op, "invalid max norm: %s", pyFloat(maxNorm))
	}
	if !(normType > 0) {
		return 0, newError(ErrOption, op, "invalid norm type: %s (want a positive number or +Inf)", pyFloat(normType))
	}
	var norms []float64
	for _, p := range params {
		if p.Grad() != nil {
			norms = append(norms, vectorNorm(flatGrad(p), normType))
		}
	}
	if len(norms) == 0 {
		return 0, nil
	}
	// The norm of the per-gradient norms, as PyTorch computes it.
	total := vectorNorm(norms, normType)
	if errorIfNonfinite && (math.IsNaN(total) || math.IsInf(total, 0)) {
		return total, newError(ErrNonFinite, op,
			"the total norm of order %s for gradients from `parameters` is non-finite, so it cannot be clipped. "+
				"To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite to false",
			pyFloat(normType))
	}
	// math.Min keeps a NaN coefficient, as torch.clamp does.
	coef := T(math.Min(maxNorm/(total+1e-6), 1))
	for _, p := range params {
		if g := p.Grad(); g != nil {
			g.Data().MulScalarInPlace(coef)
		}
	}
	return total, nil
}

// ClipGradValue clamps every element of the gradients of params to
// [-clipValue, clipValue] in place, PyTorch's clip_grad_value_. Parameters
// with a nil gradient are ignored. It returns an error wrapping ErrOption,
// and changes nothing, if clipValue is negative or NaN.
func ClipGradValue[T tensor.Float](params []*tensor.Value[T], clipValue float64) error {
	if !(clipValue >= 0) {
		return newError(ErrOption, "ClipGradValue", "invalid clip value: %s", pyFloat(clipValue))
	}
	c := T(clipValue)
	for _, p := range params {
		if g := p.Grad(); g != nil {
			g.Data().ClampInPlace(-c, c)
		}
	}
	return nil
}

// GradNorms returns the L2 norm of each parameter's gradient, in the order
// of params, 0 for a nil gradient: one call to see which layers' gradients
// vanish or explode (pair it with nn.NamedParams for names). The norms are
// accumulated in float64; the gradients are not changed.
func GradNorms[T tensor.Float](params []*tensor.Value[T]) []float64 {
	out := make([]float64, len(params))
	for i, p := range params {
		if p.Grad() != nil {
			out[i] = vectorNorm(flatGrad(p), 2)
		}
	}
	return out
}

// vectorNorm returns the p-norm of x in float64 (p = +Inf: the largest
// absolute value). A NaN element makes the result NaN.
func vectorNorm[E tensor.Float](x []E, p float64) float64 {
	var acc float64
	switch {
	case math.IsInf(p, 1):
		for _, v := range x {
			a := math.Abs(float64(v))
			if a > acc || a != a {
				acc = a
			}
			if acc != acc {
				return acc
			}
		}
		return acc
	case p == 1:
		for _, v := range x {
			acc += math.Abs(float64(v))
		}
		return acc
	case p == 2:
		for _, v := range x {
			f := float64(v)
			acc += float64(f * f) // rounded: never fused
		}
		return math.Sqrt(acc)
	default:
		for _, v := range x {
			acc += math.Pow(math.Abs(float64(v)), p)
		}
		return math.Pow(acc, 1/p)
	}
}
