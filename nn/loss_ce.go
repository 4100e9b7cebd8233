package nn

import (
	"math"

	"github.com/chainrule/chainrule/tensor"
)

// This file holds the classification losses: NLL and CrossEntropy over
// class-index targets, and CrossEntropyProbs over probability targets.
// NLL and CrossEntropy are primitives (tensor.Function): NLL because a
// gather has no op of its own (a one-hot product would turn a -Inf
// log-probability of another class into NaN), CrossEntropy for speed
// (log-softmax and NLL in one pass over the logits, which also keeps the
// softmax for backward). CrossEntropyProbs is a composite of LogSoftmax and
// products, as PyTorch's is.

// DefaultIgnoreIndex is the target value that NLL and CrossEntropy ignore
// when CEOptions.IgnoreIndex is nil, PyTorch's default ignore_index.
const DefaultIgnoreIndex = -100

// CEOptions are the optional arguments of CrossEntropy, NLL and
// CrossEntropyProbs, PyTorch's keyword arguments. The zero value is
// PyTorch's defaults: no class weights, ignore index -100, no label
// smoothing, ReduceMean.
type CEOptions[T tensor.Float] struct {
	// Weight, if not nil, is a weight per class, of shape (C). Each row's
	// loss is multiplied by the weight of its target class, and ReduceMean
	// divides by the sum of those weights over the rows not ignored.
	Weight *tensor.Tensor[T]
	// IgnoreIndex, if not nil, is the target value whose rows contribute
	// neither loss nor gradient nor weight to the mean; nil means
	// DefaultIgnoreIndex (-100). Set it with new: IgnoreIndex: new(0).
	// CrossEntropyProbs has no class-index targets and accepts only nil or
	// a negative value.
	IgnoreIndex *int
	// LabelSmoothing, ε in [0, 1], mixes each target with the uniform
	// distribution over the C classes (see CrossEntropy). NLL takes none.
	LabelSmoothing float64
	// Reduction combines the per-row losses.
	Reduction Reduction
}

// classPlan is the validated form of a class-index loss's arguments: what
// the forward and backward of NLL and CrossEntropy read.
type classPlan struct {
	n, c    int       // rows, classes
	batched bool      // input (N, C) rather than (C)
	target  []int     // class per row
	ignored []bool    // rows whose target is the ignore index
	rowW    []float64 // weight of each row's target class, 0 if ignored
	classW  []float64 // weight per class, nil for all ones
	sumW    float64   // sum of classW (C without weights)
	eps     float64   // label smoothing
	red     Reduction
	total   float64 // sum of rowW: the mean's divisor
	active  int     // rows not ignored
}

// newClassPlan validates a class-index loss's arguments, panicking as
// CrossEntropy documents.
func newClassPlan[T tensor.Float](op string, x *tensor.Value[T], target []int, opts CEOptions[T]) *classPlan {
	checkReduction(op, opts.Reduction)
	shape := x.Shape()
	pl := &classPlan{red: opts.Reduction, eps: opts.LabelSmoothing}
	switch len(shape) {
	case 1:
		pl.n, pl.c = 1, shape[0]
		if len(target) != 1 {
			panic(nnError(tensor.ErrShape, op, "an input of shape %v (C) takes 1 target, got %d", shape, len(target)))
		}
	case 2:
		pl.n, pl.c, pl.batched = shape[0], shape[1], true
		if len(target) != pl.n {
			panic(nnError(tensor.ErrShape, op, "Expected input batch_size (%d) to match target batch_size (%d).", pl.n, len(target)))
		}
	default:
		panic(nnError(tensor.ErrShape, op, "input of shape %v: want (C) or (N, C)", shape))
	}
	if !(pl.eps >= 0 && pl.eps <= 1) {
		panic(nnError(tensor.ErrArgument, op, "label_smoothing must be between 0.0 and 1.0. Got: %v", pl.eps))
	}
	if w := opts.Weight; w != nil {
		if ws := w.Shape(); len(ws) != 1 || ws[0] != pl.c {
			panic(nnError(tensor.ErrShape, op, "weight tensor should be defined either for all %d classes or no classes but got weight tensor of shape: %v", pl.c, ws))
		}
		pl.classW = make([]float64, pl.c)
		for i, v := range w.Contiguous().Flat() {
			pl.classW[i] = float64(v)
			pl.sumW += float64(v)
		}
	} else {
		pl.sumW = float64(pl.c)
	}
	ignore := DefaultIgnoreIndex
	if opts.IgnoreIndex != nil {
		ignore = *opts.IgnoreIndex
	}
	pl.target = target
	pl.ignored = make([]bool, pl.n)
	pl.rowW = make([]float64, pl.n)
	for i, y := range target {
		if y == ignore {
			pl.ignored[i] = true
			continue
		}
		if y < 0 || y >= pl.c {
			panic(nnError(tensor.ErrIndex, op, "Target %d is out of bounds.", y))
		}
		pl.rowW[i] = 1
		if pl.classW != nil {
			pl.rowW[i] = pl.classW[y]
		}
		pl.total += pl.rowW[i]
		pl.active++
	}
	return pl
}

// outShape is the shape of the unreduced loss: (N), or () for a (C) input.
func (pl *classPlan) outShape() []int {
	if pl.batched {
		return []int{pl.n}
	}
	return []int{}
}

// classWeight is the weight of class k (1 without weights).
func (pl *classPlan) classWeight(k int) float64 {
	if pl.classW == nil {
		return 1
	}
	return pl.classW[k]
}

// reduceRows reduces the per-row losses l by the plan's reduction, rounding
// once to T. ReduceMean divides by the summed weights of the rows not
// ignored, so that it is NaN (0/0) when every row is ignored.
func reduceRows[T tensor.Float](pl *classPlan, l []float64) *tensor.Tensor[T] {
	if pl.red == ReduceNone {
		out := make([]T, len(l))
		for i, v := range l {
			out[i] = T(v)
		}
		return tensor.New(out, pl.outShape()...)
	}
	s := 0.0
	for _, v := range l {
		s += v
	}
	if pl.red == ReduceMean {
		s /= pl.total
	}
	return tensor.Scalar(T(s))
}

// rowGrads returns the upstream gradient of each row's loss: g itself for
// ReduceNone and ReduceSum, g/total for ReduceMean (0 when every row is
// ignored, so the gradient is zero there, as PyTorch's).
func rowGrads[T tensor.Float](pl *classPlan, g *tensor.Tensor[T]) []float64 {
	out := make([]float64, pl.n)
	if pl.red == ReduceNone {
		for i, v := range g.Contiguous().Flat() {
			out[i] = float64(v)
		}
		return out
	}
	gi := float64(g.Item())
	if pl.red == ReduceMean {
		if pl.active == 0 {
			gi = 0
		} else {
			gi /= pl.total
		}
	}
	for i := range out {
		out[i] = gi
	}
	return out
}

// rowGradsOps is rowGrads as a recorded Value shaped to broadcast against
// the input: (N, 1) for ReduceNone on an (N, C) input, g's own shape
// otherwise.
func rowGradsOps[T tensor.Float](pl *classPlan, g *tensor.Value[T]) *tensor.Value[T] {
	switch pl.red {
	case ReduceNone:
		if pl.batched {
			return tensor.Reshape(g, pl.n, 1)
		}
		return g
	case ReduceMean:
		if pl.active == 0 {
			return tensor.MulScalar(g, 0)
		}
		return tensor.Div(g, tensor.Const(tensor.Scalar(T(pl.total))))
	}
	return g
}

// coefficients returns A with loss_i = -sum_c A[i,c]*logp[i,c], shaped as
// the input: (1-ε)*w[y_i] at the target class plus (ε/C)*w[c] everywhere,
// zero in ignored rows; and S[i] = sum_c A[i,c], shaped (N, 1) (or () for a
// (C) input).
func coefficients[T tensor.Float](pl *classPlan) (a, s *tensor.Tensor[T]) {
	ad := make([]T, pl.n*pl.c)
	sd := make([]T, pl.n)
	for i := range pl.n {
		if pl.ignored[i] {
			continue
		}
		row := ad[i*pl.c : (i+1)*pl.c]
		if pl.eps != 0 {
			for k := range row {
				row[k] = T(pl.eps / float64(pl.c) * pl.classWeight(k))
			}
		}
		row[pl.target[i]] += T((1 - pl.eps) * pl.rowW[i])
		sd[i] = T((1-pl.eps)*pl.rowW[i] + pl.eps/float64(pl.c)*pl.sumW)
	}
	if !pl.batched {
		return tensor.New(ad, pl.c), tensor.New(sd)
	}
	return tensor.New(ad, pl.n, pl.c), tensor.New(sd, pl.n, 1)
}

// NLL returns the negative log-likelihood loss of log-probabilities logp
// (shape (N, C), or (C) for one sample) for class-index targets (N of them,
// or one), PyTorch's F.nll_loss: row i's loss is -w[y_i]*logp[i, y_i], 0 for
// a row whose target is the ignore index, reduced by opts.Reduction;
// ReduceMean divides by the sum of w[y_i] over the rows not ignored (NaN if
// every row is ignored). Feed it LogSoftmax(x, -1) (or use CrossEntropy).
//
// It is a primitive because it gathers one element per row.
//
// Gradient: dlogp[i, y_i] = -g_i*w[y_i] (g_i = g/Σw for ReduceMean), zero
// elsewhere and in ignored rows.
//
// It panics as CrossEntropy does, and with tensor.ErrArgument if
// opts.LabelSmoothing is set.
func NLL[T tensor.Float](logp *tensor.Value[T], target []int, opts CEOptions[T]) *tensor.Value[T] {
	const op = "NLL"
	if opts.LabelSmoothing != 0 {
		panic(nnError(tensor.ErrArgument, op, "label smoothing is a CrossEntropy option; NLL takes none (got %v)", opts.LabelSmoothing))
	}
	pl := newClassPlan(op, logp, target, opts)
	f := &tensor.Function[T]{
		Name: op,
		Forward: func(xs []*tensor.Tensor[T]) *tensor.Tensor[T] {
			l := make([]float64, pl.n)
			xs[0].Contiguous().Borrow(func(lp []T) {
				for i, y := range pl.target {
					if !pl.ignored[i] {
						l[i] = -pl.rowW[i] * float64(lp[i*pl.c+y])
					}
				}
			})
			return reduceRows[T](pl, l)
		},
		Backward: func(g *tensor.Value[T], xs []*tensor.Value[T], _ *tensor.Value[T]) []*tensor.Value[T] {
			if g.RequiresGrad() {
				a, _ := coefficients[T](pl)
				return []*tensor.Value[T]{tensor.Mul(rowGradsOps(pl, g), tensor.Const(a.Neg()))}
			}
			gs := rowGrads(pl, g.Data())
			d := make([]T, pl.n*pl.c)
			for i, y := range pl.target {
				if !pl.ignored[i] {
					d[i*pl.c+y] = T(-gs[i] * pl.rowW[i])
				}
			}
			return []*tensor.Value[T]{tensor.Const(tensor.New(d, xs[0].Shape()...))}
		},
		FreshGrads: true,
		Borrows:    true,
	}
	return f.Apply(logp)
}

// CrossEntropy returns the cross-entropy loss of logits (shape (N, C), or
// (C) for one sample; the class dimension is the last) for class-index
// targets (N of them, or one), PyTorch's F.cross_entropy: with
// lp = LogSoftmax(logits, -1) and w the class weights (all 1 when
// opts.Weight is nil),
//
//	l_i = -(1-ε)*w[y_i]*lp[i, y_i] - (ε/C)*Σ_c w[c]*lp[i, c]
//
// and l_i = 0 for a row whose target is the ignore index. ε is
// opts.LabelSmoothing; note that the class weights multiply each
// log-probability inside the smoothing term, as in PyTorch. ReduceMean
// divides the sum by Σ w[y_i] over the rows not ignored, so it is NaN (with
// a zero gradient) when every row is ignored.
//
// It is a primitive for speed: one pass over the logits computes each
// row's loss and the softmax that backward needs, one exp per element in
// all, without recording the log-softmax, the gather and the reduction as
// separate ops (about twice as fast as LogSoftmax followed by NLL, with half
// the memory). A create-graph backward uses tensor ops instead, so double
// backward works.
//
// Gradient: dlogits[i, c] = g_i*(softmax[i, c]*S_i - A[i, c]) with
// A[i, c] = (1-ε)*w[y_i]*[c == y_i] + (ε/C)*w[c] and S_i = Σ_c A[i, c]
// (g_i = g/Σw for ReduceMean); without smoothing,
// g_i*w[y_i]*(softmax - onehot(y_i)). Ignored rows get zero.
//
// It panics with tensor.ErrShape if logits is not 1-D or 2-D, the number of
// targets is not N (1 for a 1-D input), or opts.Weight is not of shape (C);
// with tensor.ErrIndex ("Target 3 is out of bounds.") for a target outside
// [0, C) that is not the ignore index; and with tensor.ErrArgument for a
// label smoothing outside [0, 1] or an invalid reduction.
func CrossEntropy[T tensor.Float](logits *tensor.Value[T], target []int, opts CEOptions[T]) *tensor.Value[T] {
	const op = "CrossEntropy"
	pl := newClassPlan(op, logits, target, opts)
	// The softmax, kept by forward for a plain backward when the logits
	// require a gradient: one exp per element in all, and what the
	// composite would keep anyway (its log-softmax).
	var sm []T
	f := &tensor.Function[T]{
		Name: op,
		Forward: func(xs []*tensor.Tensor[T]) *tensor.Tensor[T] {
			if logits.RequiresGrad() {
				sm = make([]T, pl.n*pl.c)
			}
			// Borrow, not Flat: the logits may go back to the buffer pool
			// after backward (ReleaseValues).
			var l []float64
			xs[0].Contiguous().Borrow(func(x []T) { l = crossEntropyRows(pl, x, sm) })
			return reduceRows[T](pl, l)
		},
		FreshGrads: true,
		Borrows:    true,
		Backward: func(g *tensor.Value[T], xs []*tensor.Value[T], _ *tensor.Value[T]) []*tensor.Value[T] {
			x := xs[0]
			if sm == nil || recorded(g, xs) {
				a, s := coefficients[T](pl)
				d := tensor.Sub(tensor.Mul(tensor.Softmax(x, -1), tensor.Const(s)), tensor.Const(a))
				return []*tensor.Value[T]{tensor.Mul(rowGradsOps(pl, g), d)}
			}
			return []*tensor.Value[T]{tensor.Const(crossEntropyGrad(pl, x.Shape(), g.Data(), sm))}
		},
	}
	return f.Apply(logits)
}

// crossEntropyRows returns each row's loss computed from the logits xd
// (row-major (N, C)) in float64, and writes the softmax to sm unless it is
// nil. Log-probabilities are formed as (x - max) - log(Σ exp(x - max)),
// PyTorch's log_softmax.
func crossEntropyRows[T tensor.Float](pl *classPlan, xd, sm []T) []float64 {
	l := make([]float64, pl.n)
	smoothC := pl.eps / float64(pl.c)
	var exps []float64 // one row of exp(x - max)
	if sm != nil {
		exps = make([]float64, pl.c)
	}
	for i := range pl.n {
		if pl.ignored[i] {
			continue
		}
		row := xd[i*pl.c : (i+1)*pl.c]
		m := math.Inf(-1)
		for _, v := range row {
			if v := float64(v); v > m || v != v {
				m = v
			}
		}
		s := 0.0
		if sm != nil {
			for k, v := range row {
				e := math.Exp(float64(v) - m)
				exps[k] = e
				s += e
			}
			out := sm[i*pl.c : (i+1)*pl.c]
			for k, e := range exps {
				out[k] = T(e / s)
			}
		} else {
			for _, v := range row {
				s += math.Exp(float64(v) - m)
			}
		}
		logS := math.Log(s)
		y := pl.target[i]
		li := -(1 - pl.eps) * pl.rowW[i] * ((float64(row[y]) - m) - logS)
		if pl.eps != 0 {
			smooth := 0.0
			for k, v := range row {
				smooth += pl.classWeight(k) * ((float64(v) - m) - logS)
			}
			li -= smoothC * smooth
		}
		l[i] = li
	}
	return l
}

// crossEntropyGrad is CrossEntropy's backward on raw data from the softmax
// sm that forward kept: g_i*(sm*S_i - A) per row.
func crossEntropyGrad[T tensor.Float](pl *classPlan, shape []int, g *tensor.Tensor[T], sm []T) *tensor.Tensor[T] {
	gs := rowGrads(pl, g)
	dt := tensor.Zeros[T](shape...)
	d := dt.Flat()
	smoothC := pl.eps / float64(pl.c)
	for i := range pl.n {
		if pl.ignored[i] {
			continue
		}
		row, out := sm[i*pl.c:(i+1)*pl.c], d[i*pl.c:(i+1)*pl.c]
		y, wy := pl.target[i], (1-pl.eps)*pl.rowW[i]
		s := wy + smoothC*pl.sumW
		if pl.eps == 0 {
			gw := gs[i] * s
			for k, p := range row {
				out[k] = T(gw * float64(p))
			}
			out[y] = T(gs[i] * (float64(row[y])*s - wy))
			continue
		}
		for k, p := range row {
			a := smoothC * pl.classWeight(k)
			if k == y {
				a += wy
			}
			out[k] = T(gs[i] * (float64(p)*s - a))
		}
	}
	return dt
}

// CrossEntropyProbs returns the cross-entropy of logits (shape (N, C), or
// (C)) against probability targets probs of the same shape, PyTorch's
// F.cross_entropy with a floating-point target: with lp =
// LogSoftmax(logits, -1), q = (1-ε)*probs + ε/C and w the class weights,
//
//	l_i = -Σ_c w[c]*q[i, c]*lp[i, c]
//
// reduced by opts.Reduction, where ReduceMean divides by N (the number of
// rows), not by the weights. It is a composite of tensor ops, so probs may
// require a gradient too (distillation).
//
// Gradients: dlogits = g_i*(softmax*Σ_c w*q - w*q), dprobs = -g_i*(1-ε)*w*lp.
//
// It panics with tensor.ErrShape if probs' shape differs from logits' or
// logits is not 1-D or 2-D or opts.Weight is not of shape (C), and with
// tensor.ErrArgument for an ignore index of 0 or more (probability targets
// have no class to ignore), a label smoothing outside [0, 1] or an invalid
// reduction.
func CrossEntropyProbs[T tensor.Float](logits, probs *tensor.Value[T], opts CEOptions[T]) *tensor.Value[T] {
	const op = "CrossEntropyProbs"
	checkReduction(op, opts.Reduction)
	shape := logits.Shape()
	if len(shape) != 1 && len(shape) != 2 {
		panic(nnError(tensor.ErrShape, op, "input of shape %v: want (C) or (N, C)", shape))
	}
	if !sameShape(shape, probs.Shape()) {
		panic(nnError(tensor.ErrShape, op, "probability targets of shape %v for input of shape %v: want the same shape", probs.Shape(), shape))
	}
	c := shape[len(shape)-1]
	if opts.IgnoreIndex != nil && *opts.IgnoreIndex >= 0 {
		panic(nnError(tensor.ErrArgument, op, "ignore_index is not supported for floating point target (got %d)", *opts.IgnoreIndex))
	}
	eps := opts.LabelSmoothing
	if !(eps >= 0 && eps <= 1) {
		panic(nnError(tensor.ErrArgument, op, "label_smoothing must be between 0.0 and 1.0. Got: %v", eps))
	}
	q := probs
	if eps != 0 {
		q = tensor.AddScalar(tensor.MulScalar(probs, T(1-eps)), T(eps/float64(c)))
	}
	lp := tensor.Mul(tensor.LogSoftmax(logits, -1), q)
	if w := opts.Weight; w != nil {
		if ws := w.Shape(); len(ws) != 1 || ws[0] != c {
			panic(nnError(tensor.ErrShape, op, "weight tensor should be defined either for all %d classes or no classes but got weight tensor of shape: %v", c, ws))
		}
		lp = tensor.Mul(lp, tensor.Const(w))
	}
	return reduce(tensor.Neg(tensor.Sum(lp, -1)), opts.Reduction)
}
