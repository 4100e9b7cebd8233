package nn

import (
	"math"
	"slices"

	"github.com/chainrule/chainrule/tensor"
)

// This file holds the two binary cross-entropies. Both are primitives
// (tensor.Function): BCE because its gradient is PyTorch's hand-written
// kernel rather than the derivative of its clamped formula, BCEWithLogits
// for stability (the log-sigmoid form never takes the log of a rounded
// probability). Each computes its forward in one pass over the elements,
// in float64 whatever T is, and rounds once. The backward is written twice:
// with raw kernels for a plain backward (nothing to record), and with
// differentiable tensor ops when a create-graph backward needs gradients of
// gradients. Both forms apply the same formula in the same order.

// bceEpsilon is the floor of p*(1-p) in BCE's gradient. PyTorch stores it as
// a float32 constant, so in float64 it is 9.999999960041972e-13, not 1e-12.
var bceEpsilon = float64(float32(1e-12))

// BCE returns the binary cross-entropy between probabilities p and targets
// t of the same shape, PyTorch's F.binary_cross_entropy:
//
//	l = -w * (t*max(log(p), -100) + (1-t)*max(log1p(-p), -100))
//
// reduced by red (ReduceMean divides by the number of elements). Clamping
// each log at -100 makes p = 0 with t = 1 cost 100, not +Inf. weight, if not
// nil, multiplies each element's loss and must broadcast to p's shape.
//
// It is a primitive because its gradient is PyTorch's hand-written kernel,
// not the derivative of the clamped formula:
//
//	dp = g*(p - t)/max(p*(1-p), eps) * w / N,  eps = float32(1e-12)
//	dt = -g*log(p/(1-p)) * w / N
//	dw = g*l0 / N, summed to weight's shape (l0: l without w)
//
// (N = number of elements for ReduceMean, 1 otherwise), so the gradient at
// p = 0, t = 1 is finite, -1/eps. PyTorch does not differentiate the weight;
// here it receives the gradient of the formula above. The backward is
// written with tensor ops, so CreateGraph works.
//
// It panics with tensor.ErrShape if t's shape differs from p's or weight
// does not broadcast to it, and with tensor.ErrArgument if an element of p
// or t lies outside [0, 1] (NaN included) or red is invalid.
func BCE[T tensor.Float](p, target, weight *tensor.Value[T], red Reduction) *tensor.Value[T] {
	const op = "BCE"
	checkReduction(op, red)
	shape := p.Shape()
	if !hasShape(target, shape) {
		panic(nnError(tensor.ErrShape, op,
			"Using a target size (%v) that is different to the input size (%v) is deprecated. Please ensure they have the same size.",
			target.Shape(), shape))
	}
	if weight != nil {
		checkBroadcastsTo(op, "weight", weight.Shape(), shape)
	}
	ins := []*tensor.Value[T]{p, target}
	if weight != nil {
		ins = append(ins, weight)
	}
	f := &tensor.Function[T]{
		Name: op,
		Forward: func(xs []*tensor.Tensor[T]) *tensor.Tensor[T] {
			pd, td, wd := flat3(xs, shape)
			if red != ReduceNone && wd == nil {
				return reducedLoss[T](bceSum(pd, td, shape), len(pd), red)
			}
			checkBCERange(pd, td, shape)
			return reduceLoss[T](len(pd), shape, red, func(i int) float64 {
				return bceElem(float64(pd[i]), float64(td[i]), wd, i)
			})
		},
		Backward: func(g *tensor.Value[T], xs []*tensor.Value[T], _ *tensor.Value[T]) []*tensor.Value[T] {
			needs := [3]bool{p.RequiresGrad(), target.RequiresGrad(), weight != nil && weight.RequiresGrad()}
			if recorded(g, xs) {
				return bceBackwardOps(g, xs, needs, shape, red)
			}
			return bceBackwardRaw(g, xs, needs, shape, red)
		},
		FreshGrads: true, // both backwards return new tensors
		Borrows:    true,
	}
	return f.Apply(ins...)
}

// bceSum returns the sum of the unweighted losses of p against targets t,
// added in element order, after checking that every element lies in [0,
// 1] as checkBCERange does. It is the common case of BCE's forward,
// written out: a loop that calls a function per element reloads all its
// variables after each call, so the fewer it keeps the better, and the
// hard targets call the logarithm directly.
func bceSum[T tensor.Float](p, t []T, shape []int) float64 {
	t = t[:len(p)]
	s := 0.0
	ok := true
	for i, x := range p {
		x, y := float64(x), float64(t[i])
		ok = ok && x >= 0 && x <= 1 && y >= 0 && y <= 1
		switch y {
		case 0:
			s += -clampLog(math.Log1p(-x))
		case 1:
			s += -clampLog(math.Log(x))
		default:
			s += bceLoss(x, y)
		}
	}
	if !ok {
		checkBCERange(p, t, shape)
	}
	return s
}

// bceElem is the loss of element i, bceLoss(p, t) times w[i] if w is not
// nil.
func bceElem[T tensor.Float](p, t float64, w []T, i int) float64 {
	l := bceLoss(p, t)
	if w != nil {
		l *= float64(w[i])
	}
	return l
}

// bceLoss is the unweighted loss of one element,
// (t-1)*max(log1p(-p), -100) - t*max(log(p), -100), in PyTorch's order of
// operations.
//
// With a hard target (t of 0 or 1) one term has coefficient zero, and zero
// times a clamped (finite) log is exactly zero, so that log is skipped:
// the result is bit for bit the same, for half the work.
func bceLoss(p, t float64) float64 {
	switch t {
	case 0:
		return -clampLog(math.Log1p(-p)) // (0-1)*x - 0*y
	case 1:
		return -clampLog(math.Log(p)) // 0*x - 1*y
	}
	return (t-1)*clampLog(math.Log1p(-p)) - t*clampLog(math.Log(p))
}

// checkBCERange panics, as PyTorch fails, at the first element of p
// outside [0, 1] (NaN included) and, if there is none, at the first such
// element of t.
func checkBCERange[T tensor.Float](p, t []T, shape []int) {
	for _, v := range p {
		if !(v >= 0 && v <= 1) {
			panic(nnError(tensor.ErrArgument, "BCE", "all elements of input should be between 0 and 1 (input %v has %v)", shape, v))
		}
	}
	for _, v := range t {
		if !(v >= 0 && v <= 1) {
			panic(nnError(tensor.ErrArgument, "BCE", "all elements of target should be between 0 and 1 (target %v has %v)", shape, v))
		}
	}
}

// clampLog is max(l, -100), PyTorch's floor on BCE's logs. l is never
// NaN here (BCE rejects p outside [0, 1]), so a comparison does what
// math.Max does, without its checks for NaN and signed zeros.
func clampLog(l float64) float64 {
	if l < -100 {
		return -100
	}
	return l
}

// bceBackwardRaw is BCE's backward on raw data, for a plain backward.
func bceBackwardRaw[T tensor.Float](g *tensor.Value[T], xs []*tensor.Value[T], needs [3]bool, shape []int, red Reduction) []*tensor.Value[T] {
	var buf [3]*tensor.Tensor[T]
	data := buf[:len(xs)]
	for i, x := range xs {
		data[i] = x.Data()
	}
	pd, td, wd := flat3(data, shape)
	// The gradient of a reduced loss is one number: read it once rather
	// than broadcast and copy it.
	var gd []T
	var g0 float64
	if g.Size() == 1 {
		g0 = float64(g.Item())
	} else {
		gd = flatAs(g.Data(), shape)
	}
	gAt := func(i int) float64 {
		if gd == nil {
			return g0
		}
		return float64(gd[i])
	}
	n := float64(len(pd))
	grads := make([]*tensor.Value[T], len(xs))
	if needs[0] {
		dpt := tensor.Zeros[T](shape...)
		dp := dpt.Flat()
		dp, td := dp[:len(pd)], td[:len(pd)] // no bounds checks below
		mean := red == ReduceMean
		g := g0
		for i, p := range pd {
			p, t := float64(p), float64(td[i])
			den := (1 - p) * p // in [0, 1/4]: never NaN, so no math.Max
			if den < bceEpsilon {
				den = bceEpsilon
			}
			if gd != nil {
				g = float64(gd[i])
			}
			d := g * (p - t) / den
			if wd != nil {
				d *= float64(wd[i])
			}
			if mean {
				d /= n
			}
			dp[i] = T(d)
		}
		grads[0] = tensor.Const(dpt)
	}
	if needs[1] {
		dt := make([]T, len(pd))
		for i := range pd {
			p := float64(pd[i])
			d := -math.Log(p/(1-p)) * gAt(i)
			if wd != nil {
				d *= float64(wd[i])
			}
			if red == ReduceMean {
				d /= n
			}
			dt[i] = T(d)
		}
		grads[1] = tensor.Const(tensor.New(dt, shape...))
	}
	if needs[2] {
		dw := make([]T, len(pd))
		for i := range pd {
			d := bceElem[T](float64(pd[i]), float64(td[i]), nil, i) * gAt(i)
			if red == ReduceMean {
				d /= n
			}
			dw[i] = T(d)
		}
		grads[2] = tensor.Const(tensor.New(dw, shape...).SumTo(xs[2].Shape()...))
	}
	return grads
}

// bceBackwardOps is BCE's backward written with differentiable ops, for a
// create-graph backward.
func bceBackwardOps[T tensor.Float](g *tensor.Value[T], xs []*tensor.Value[T], needs [3]bool, shape []int, red Reduction) []*tensor.Value[T] {
	p, t := xs[0], xs[1]
	var w *tensor.Value[T]
	if len(xs) == 3 {
		w = xs[2]
	}
	scale := func(d *tensor.Value[T]) *tensor.Value[T] {
		if w != nil {
			d = tensor.Mul(d, w)
		}
		if red == ReduceMean {
			d = tensor.Div(d, tensor.Const(tensor.Scalar(T(numel(shape)))))
		}
		return d
	}
	oneMinusP := tensor.AddScalar(tensor.Neg(p), 1)
	grads := make([]*tensor.Value[T], len(xs))
	if needs[0] {
		den := tensor.ClampMin(tensor.Mul(oneMinusP, p), T(bceEpsilon))
		grads[0] = scale(tensor.Div(tensor.Mul(g, tensor.Sub(p, t)), den))
	}
	if needs[1] {
		logit := tensor.Log(tensor.Div(p, oneMinusP))
		grads[1] = scale(tensor.Mul(tensor.Neg(logit), g))
	}
	if needs[2] {
		c := T(-100)
		l := tensor.Sub(
			tensor.Mul(tensor.AddScalar(t, -1), tensor.ClampMin(tensor.Log1p(tensor.Neg(p)), c)),
			tensor.Mul(t, tensor.ClampMin(tensor.Log(p), c)))
		d := tensor.Mul(l, g)
		if red == ReduceMean {
			d = tensor.Div(d, tensor.Const(tensor.Scalar(T(numel(shape)))))
		}
		grads[2] = tensor.SumTo(tensor.BroadcastTo(d, shape...), w.Shape()...)
	}
	return grads
}

// BCEWithLogitsOptions are the optional arguments of BCEWithLogits. The
// zero value means no weights and ReduceMean.
type BCEWithLogitsOptions[T tensor.Float] struct {
	// Weight, if not nil, multiplies each element's loss; it must
	// broadcast to the input's shape.
	Weight *tensor.Value[T]
	// PosWeight, if not nil, weights the positive term (t*log(sigmoid(x)))
	// per class; it broadcasts along the last dimension (shape (C) for an
	// input (N, C)), and values above 1 raise recall.
	PosWeight *tensor.Value[T]
	// Reduction combines the per-element losses.
	Reduction Reduction
}

// BCEWithLogits returns the binary cross-entropy between sigmoid(x) and
// targets t of x's shape, PyTorch's F.binary_cross_entropy_with_logits,
// computed in the stable form
//
//	l = w * ((1-t)*x - lw*logsigmoid(x)),  lw = 1 + (pw-1)*t
//
// with logsigmoid(x) = min(x, 0) - log1p(exp(-|x|)), so logits of ±1000
// give exact losses and gradients where sigmoid followed by BCE would clamp
// them. w is opts.Weight and pw opts.PosWeight (1 when nil).
//
// It is a primitive for stability and speed (one pass, no intermediate
// tensors). Gradients, written with tensor ops so CreateGraph works:
//
//	dx  = g*w*((1-t) - lw*sigmoid(-x)) / N   (= g*w*(sigmoid(x) - t) / N without pw)
//	dt  = -g*w*(x + (pw-1)*logsigmoid(x)) / N
//	dw  = g*l0 / N, summed to Weight's shape (l0: l without w)
//	dpw = -g*w*t*logsigmoid(x) / N, summed to PosWeight's shape
//
// (N = number of elements for ReduceMean, 1 otherwise), as PyTorch 2's
// autograd of the same formula.
//
// It panics with tensor.ErrShape if t's shape differs from x's or a weight
// does not broadcast to it, and with tensor.ErrArgument for an invalid
// reduction.
func BCEWithLogits[T tensor.Float](x, target *tensor.Value[T], opts BCEWithLogitsOptions[T]) *tensor.Value[T] {
	const op = "BCEWithLogits"
	red := opts.Reduction
	checkReduction(op, red)
	if !sameShape(x.Shape(), target.Shape()) {
		panic(nnError(tensor.ErrShape, op,
			"Target size (%v) must be the same as input size (%v)", target.Shape(), x.Shape()))
	}
	shape := x.Shape()
	ins := []*tensor.Value[T]{x, target}
	iw, ipw := -1, -1
	if opts.Weight != nil {
		checkBroadcastsTo(op, "weight", opts.Weight.Shape(), shape)
		iw = len(ins)
		ins = append(ins, opts.Weight)
	}
	if opts.PosWeight != nil {
		checkBroadcastsTo(op, "pos_weight", opts.PosWeight.Shape(), shape)
		ipw = len(ins)
		ins = append(ins, opts.PosWeight)
	}
	f := &tensor.Function[T]{
		Name: op,
		Forward: func(xs []*tensor.Tensor[T]) *tensor.Tensor[T] {
			xd, td := flatAs(xs[0], shape), flatAs(xs[1], shape)
			wd, pwd := optFlat(xs, iw, shape), optFlat(xs, ipw, shape)
			return reduceLoss[T](len(xd), shape, red, func(i int) float64 {
				l := bcelElem(float64(xd[i]), float64(td[i]), pwd, i)
				if wd != nil {
					l *= float64(wd[i])
				}
				return l
			})
		},
		Backward: func(g *tensor.Value[T], xs []*tensor.Value[T], _ *tensor.Value[T]) []*tensor.Value[T] {
			needs := make([]bool, len(ins))
			for i, in := range ins {
				needs[i] = in.RequiresGrad()
			}
			if recorded(g, xs) {
				return bcelBackwardOps(g, xs, needs, iw, ipw, shape, red)
			}
			return bcelBackwardRaw(g, xs, needs, iw, ipw, shape, red)
		},
		FreshGrads: true,
		Borrows:    true,
	}
	return f.Apply(ins...)
}

// logSigmoid is log(sigmoid(x)) without overflow: min(x, 0) - log1p(e**-|x|).
func logSigmoid(x float64) float64 {
	return math.Min(x, 0) - math.Log1p(math.Exp(-math.Abs(x)))
}

// sigmoid is 1/(1 + e**-x), computed from e**-|x| so that it never
// overflows.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// bcelElem is BCEWithLogits' unweighted loss of element i:
// (1-t)*x - lw*logsigmoid(x), lw = (pw-1)*t + 1.
func bcelElem[T tensor.Float](x, t float64, pw []T, i int) float64 {
	ls := logSigmoid(x)
	if pw != nil {
		ls *= (float64(pw[i])-1)*t + 1
	}
	return (1-t)*x - ls
}

// bcelBackwardRaw is BCEWithLogits' backward on raw data, for a plain
// backward.
func bcelBackwardRaw[T tensor.Float](g *tensor.Value[T], xs []*tensor.Value[T], needs []bool, iw, ipw int, shape []int, red Reduction) []*tensor.Value[T] {
	data := make([]*tensor.Tensor[T], len(xs))
	for i, x := range xs {
		data[i] = x.Data()
	}
	xd, td := flatAs(data[0], shape), flatAs(data[1], shape)
	wd, pwd := optFlat(data, iw, shape), optFlat(data, ipw, shape)
	gd := flatAs(g.Data(), shape)
	n := float64(len(xd))
	grads := make([]*tensor.Value[T], len(xs))
	// each sets grads[k] from d, the derivative of element i's unweighted
	// loss, times g, the weight (if weighted) and the mean's 1/N.
	each := func(k int, weighted bool, d func(x, t, pw float64, i int) float64) {
		if k < 0 || !needs[k] {
			return
		}
		out := make([]T, len(xd))
		for i := range xd {
			pw := 1.0
			if pwd != nil {
				pw = float64(pwd[i])
			}
			v := d(float64(xd[i]), float64(td[i]), pw, i) * float64(gd[i])
			if weighted && wd != nil {
				v *= float64(wd[i])
			}
			if red == ReduceMean {
				v /= n
			}
			out[i] = T(v)
		}
		grad := tensor.New(out, shape...)
		if k >= 2 {
			grad = grad.SumTo(xs[k].Shape()...)
		}
		grads[k] = tensor.Const(grad)
	}
	each(0, true, func(x, t, pw float64, _ int) float64 {
		return (1 - t) - ((pw-1)*t+1)*sigmoid(-x)
	})
	each(1, true, func(x, _, pw float64, _ int) float64 {
		return -(x + (pw-1)*logSigmoid(x))
	})
	each(iw, false, func(x, t, _ float64, i int) float64 {
		return bcelElem(x, t, pwd, i)
	})
	each(ipw, true, func(x, t, _ float64, _ int) float64 {
		return -t * logSigmoid(x)
	})
	return grads
}

// bcelBackwardOps is BCEWithLogits' backward written with differentiable
// ops, for a create-graph backward.
func bcelBackwardOps[T tensor.Float](g *tensor.Value[T], xs []*tensor.Value[T], needs []bool, iw, ipw int, shape []int, red Reduction) []*tensor.Value[T] {
	x, t := xs[0], xs[1]
	var w, pwm1 *tensor.Value[T] // weight, pos_weight - 1
	if iw >= 0 {
		w = xs[iw]
	}
	if ipw >= 0 {
		pwm1 = tensor.AddScalar(xs[ipw], -1)
	}
	n := tensor.Const(tensor.Scalar(T(numel(shape))))
	// scale multiplies the derivative d of the unweighted loss by g, the
	// weight (if weighted) and the mean's 1/N, and sums it to input k's
	// shape.
	scale := func(k int, weighted bool, d *tensor.Value[T]) *tensor.Value[T] {
		d = tensor.Mul(d, g)
		if weighted && w != nil {
			d = tensor.Mul(d, w)
		}
		if red == ReduceMean {
			d = tensor.Div(d, n)
		}
		if k >= 2 {
			d = tensor.SumTo(tensor.BroadcastTo(d, shape...), xs[k].Shape()...)
		}
		return d
	}
	ls := tensor.LogSigmoid(x)
	oneMinusT := tensor.AddScalar(tensor.Neg(t), 1)
	lw := tensor.Const(tensor.Scalar(T(1))) // 1 + (pw-1)*t
	if pwm1 != nil {
		lw = tensor.AddScalar(tensor.Mul(pwm1, t), 1)
	}
	grads := make([]*tensor.Value[T], len(xs))
	if needs[0] {
		grads[0] = scale(0, true, tensor.Sub(oneMinusT, tensor.Mul(lw, tensor.Sigmoid(tensor.Neg(x)))))
	}
	if needs[1] {
		d := x
		if pwm1 != nil {
			d = tensor.Add(x, tensor.Mul(pwm1, ls))
		}
		grads[1] = scale(1, true, tensor.Neg(d))
	}
	if iw >= 0 && needs[iw] {
		grads[iw] = scale(iw, false, tensor.Sub(tensor.Mul(oneMinusT, x), tensor.Mul(lw, ls)))
	}
	if ipw >= 0 && needs[ipw] {
		grads[ipw] = scale(ipw, true, tensor.Neg(tensor.Mul(t, ls)))
	}
	return grads
}

// The helpers below read raw operands for the fused losses.

// numel is the number of elements of shape.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// hasShape reports whether x, a Value or a Tensor, has the given shape,
// without copying x's.
func hasShape(x interface {
	Dims() int
	Dim(int) int
}, shape []int) bool {
	if x.Dims() != len(shape) {
		return false
	}
	for i, d := range shape {
		if x.Dim(i) != d {
			return false
		}
	}
	return true
}

// sameShape reports whether a and b are the same shape.
func sameShape(a, b []int) bool { return slices.Equal(a, b) }

// flatAs returns t's elements broadcast to shape, in row-major order. The
// slice may share t's storage and must not be written.
func flatAs[T tensor.Float](t *tensor.Tensor[T], shape []int) []T {
	if !hasShape(t, shape) {
		t = t.BroadcastTo(shape...)
	}
	return t.Contiguous().Flat()
}

// optFlat is flatAs of xs[i], or nil if i < 0 (an absent weight).
func optFlat[T tensor.Float](xs []*tensor.Tensor[T], i int, shape []int) []T {
	if i < 0 {
		return nil
	}
	return flatAs(xs[i], shape)
}

// flat3 returns BCE's operands p, t and (if present) w as flat slices of
// shape.
func flat3[T tensor.Float](xs []*tensor.Tensor[T], shape []int) (p, t, w []T) {
	i := -1
	if len(xs) == 3 {
		i = 2
	}
	return flatAs(xs[0], shape), flatAs(xs[1], shape), optFlat(xs, i, shape)
}

// reduceLoss reduces the n per-element losses elem(0..n-1), computed in
// float64, by red and rounds the result to T: a tensor of shape for
// ReduceNone, a scalar otherwise. The sum runs in element order.
func reduceLoss[T tensor.Float](n int, shape []int, red Reduction, elem func(i int) float64) *tensor.Tensor[T] {
	if red == ReduceNone {
		out := tensor.Zeros[T](shape...)
		out.Borrow(func(o []T) {
			for i := range o {
				o[i] = T(elem(i))
			}
		})
		return out
	}
	s := 0.0
	for i := range n {
		s += elem(i)
	}
	return reducedLoss[T](s, n, red)
}

// reducedLoss is the result of ReduceSum or ReduceMean for s, the sum of n
// per-element losses.
func reducedLoss[T tensor.Float](s float64, n int, red Reduction) *tensor.Tensor[T] {
	if red == ReduceMean {
		s /= float64(n)
	}
	return tensor.Scalar(T(s))
}

// recorded reports whether a Function's backward runs in create-graph
// mode with something to differentiate: then it must use recorded ops. In
// a plain backward Apply passes detached inputs and g does not require a
// gradient, so raw kernels compute the same numbers without recording.
func recorded[T tensor.Float](g *tensor.Value[T], xs []*tensor.Value[T]) bool {
	if g.RequiresGrad() {
		return true
	}
	for _, x := range xs {
		if x.RequiresGrad() {
			return true
		}
	}
	return false
}
