package optim

import (
	"math"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// AdamOptions are the hyperparameters of Adam and AdamW for one parameter
// group, with PyTorch's names and meanings. Start from AdamDefaults or
// AdamWDefaults: the zero value (betas 0, eps 0) is valid but is not
// PyTorch's default, and rarely what is meant.
type AdamOptions struct {
	// LR is the learning rate (>= 0).
	LR float64
	// Betas are the decay rates of the first and second moment
	// estimates, each in [0, 1).
	Betas [2]float64
	// Eps is added to the denominator, after the bias-corrected square
	// root (>= 0).
	Eps float64
	// WeightDecay is the L2 penalty added to the gradient (Adam) or the
	// decoupled decay rate of the parameters (AdamW); >= 0.
	WeightDecay float64
	// AMSGrad normalises by the running maximum of the second moment.
	AMSGrad bool
	// Maximize ascends the objective instead of descending it.
	Maximize bool
}

// AdamDefaults returns PyTorch's defaults for Adam: LR 1e-3, Betas
// (0.9, 0.999), Eps 1e-8, no weight decay.
func AdamDefaults() AdamOptions {
	return AdamOptions{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
}

// AdamWDefaults returns PyTorch's defaults for AdamW: those of Adam with
// WeightDecay 1e-2.
func AdamWDefaults() AdamOptions {
	o := AdamDefaults()
	o.WeightDecay = 1e-2
	return o
}

func (o AdamOptions) learningRate() float64 { return o.LR }

func (o AdamOptions) validate() error {
	if err := checkLR(o.LR); err != nil {
		return err
	}
	if !(o.Eps >= 0) {
		return newError(ErrOption, "", "invalid epsilon value: %s", pyFloat(o.Eps))
	}
	if err := checkBetas(o.Betas); err != nil {
		return err
	}
	return checkNonNegative("weight_decay", o.WeightDecay)
}

// Adam is the Adam optimiser (PyTorch's torch.optim.Adam), or AdamW when
// made by NewAdamW, either with the AMSGrad variant per group. Each
// parameter counts its own steps t (a parameter skipped for a nil gradient
// does not advance). For each parameter p with a gradient:
//
//	t = t + 1;  g = p.grad       (negated if Maximize)
//	Adam:   g = g + λ·p          if WeightDecay λ != 0 (L2 penalty)
//	AdamW:  p = p·(1 - lr·λ)     decoupled decay of the old p, first
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g²
//	v̂ = max(v̂, v) (AMSGrad, over the raw v), else v̂ = v
//	p = p - (lr/(1-β1^t)) · m / (sqrt(v̂)/sqrt(1-β2^t) + eps)
//
// Eps is added after the bias-corrected square root, as PyTorch does.
// State: "step", "exp_avg" (m), "exp_avg_sq" (v) and, with AMSGrad,
// "max_exp_avg_sq" (v̂).
type Adam[T tensor.Float] struct {
	paramGroups[T, AdamOptions]
	state     stateTable[T]
	decoupled bool
	upd       adamUpdate[T] // as SGD's upd
}

// Indices of Adam's buffers in its state keys.
const (
	adamExpAvg = iota
	adamExpAvgSq
	adamMaxExpAvgSq
)

func newAdam[T tensor.Float](params []*tensor.Value[T], opts AdamOptions, decoupled bool) (*Adam[T], error) {
	o := &Adam[T]{
		state:     newStateTable[T](true, "exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
		decoupled: decoupled,
	}
	if err := o.add(params, opts); err != nil {
		return nil, err
	}
	return o, nil
}

// NewAdam returns an Adam optimiser over params, one parameter group with
// opts, whose WeightDecay is an L2 penalty added to the gradient. It
// returns an error wrapping ErrOption for invalid options (with PyTorch's
// texts: "optim: invalid beta parameter at index 0: 1.0") and ErrParams
// for an empty list or a nil, non-leaf or repeated parameter.
func NewAdam[T tensor.Float](params []*tensor.Value[T], opts AdamOptions) (*Adam[T], error) {
	return newAdam(params, opts, false)
}

// NewAdamW returns an AdamW optimiser (PyTorch's torch.optim.AdamW): Adam
// whose WeightDecay shrinks the parameters by (1 - lr·WeightDecay) before
// each update instead of adding to the gradient. Errors are those of
// NewAdam.
func NewAdamW[T tensor.Float](params []*tensor.Value[T], opts AdamOptions) (*Adam[T], error) {
	return newAdam(params, opts, true)
}

// AddParamGroup adds params as a new parameter group with its own options.
// The group decays weights as the optimiser does (Adam or AdamW). Errors
// are those of NewAdam, and parameters already in a group are refused.
func (o *Adam[T]) AddParamGroup(params []*tensor.Value[T], opts AdamOptions) error {
	return o.add(params, opts)
}

// Step updates every parameter that has a gradient, once, writing through
// its Data without recording anything. Parameters whose gradient is nil
// are skipped entirely: no decay, no moment update, no step count.
func (o *Adam[T]) Step() {
	for gi := range o.groups {
		gr := &o.groups[gi]
		opts := gr.opts
		var (
			beta1, beta2 = opts.Betas[0], opts.Betas[1]
			b1, b2       = T(beta1), T(beta2)
			c1, c2       = T(1 - beta1), T(1 - beta2)
			eps          = T(opts.Eps)
			wd           = T(opts.WeightDecay)
			decay        = T(1 - gr.lr*opts.WeightDecay)
			decoupled    = o.decoupled
			ams          = opts.AMSGrad
			maximize     = opts.Maximize
		)
		for j, p := range gr.params {
			if p.Grad() == nil {
				continue
			}
			ps := o.state.get(gr.first + j)
			if ps.bufs[adamExpAvg] == nil {
				ps.bufs[adamExpAvg] = tensor.Zeros[T](p.Shape()...)
				ps.bufs[adamExpAvgSq] = tensor.Zeros[T](p.Shape()...)
				if ams {
					ps.bufs[adamMaxExpAvgSq] = tensor.Zeros[T](p.Shape()...)
				}
			}
			ps.step++
			t := float64(ps.step)
			// The scalars are computed in float64 as PyTorch computes them
			// in Python, then rounded to T.
			bc1 := 1 - math.Pow(beta1, t)
			bc2 := 1 - math.Pow(beta2, t)
			negStep := T(-(gr.lr / bc1))
			bc2Sqrt := T(math.Sqrt(bc2))

			x, tmp := flatParam(p.Data())
			u := adamUpdate[T]{
				x: x, g: flatGrad(p)[:len(x)],
				m:  ps.bufs[adamExpAvg].Flat()[:len(x)],
				v:  ps.bufs[adamExpAvgSq].Flat()[:len(x)],
				b1: b1, b2: b2, c1: c1, c2: c2, eps: eps, wd: wd, decay: decay,
				negStep: negStep, bc2Sqrt: bc2Sqrt,
				decoupled: decoupled, ams: ams, maximize: maximize,
			}
			if ams {
				u.vmax = ps.bufs[adamMaxExpAvgSq].Flat()[:len(x)]
			}
			o.upd = u
			// A square root and a division per element: about four times
			// the cost of plain descent.
			parallelFor(len(x), 4, &o.upd)
			o.upd = adamUpdate[T]{} // let go of the parameter's memory
			commit(p.Data(), tmp)
		}
	}
}

// adamUpdate is Adam's update of one parameter: x is the parameter, g its
// gradient, m, v and vmax its moment buffers (vmax nil without AMSGrad),
// all flat, with the step's scalars.
type adamUpdate[T tensor.Float] struct {
	x, g, m, v, vmax                                 []T
	b1, b2, c1, c2, eps, wd, decay, negStep, bc2Sqrt T
	decoupled, ams, maximize                         bool
}

// Range updates the elements [lo, hi). Explicit conversions T(a*b) round
// each product, so that no platform fuses it into the following sum; the
// order of the operations is PyTorch's (addcmul: self + (value*t1)*t2,
// addcdiv: self + (value*t1)/t2).
func (u *adamUpdate[T]) Range(lo, hi int) {
	x := u.x[lo:hi]
	// Slicing to len(x) spares a bounds check per element.
	g, m, v := u.g[lo:hi][:len(x)], u.m[lo:hi][:len(x)], u.v[lo:hi][:len(x)]
	var vmax []T
	if u.ams {
		vmax = u.vmax[lo:hi][:len(x)]
	}
	b1, b2, c1, c2, eps, wd, decay := u.b1, u.b2, u.c1, u.c2, u.eps, u.wd, u.decay
	negStep, bc2Sqrt := u.negStep, u.bc2Sqrt
	decoupled, ams, maximize := u.decoupled, u.ams, u.maximize
	if decoupled {
		wd = 0 // AdamW decays the parameter itself, not the gradient
	}
	for i := range x {
		if decoupled {
			x[i] = T(x[i] * decay)
		}
		d := direction(g[i], x[i], wd, maximize)
		m[i] = T(m[i]*b1) + T(c1*d)
		v[i] = T(v[i]*b2) + T(T(c2*d)*d)
		vv := v[i]
		if ams {
			// torch.maximum: NaN wins.
			if vv > vmax[i] || vv != vv {
				vmax[i] = vv
			}
			vv = vmax[i]
		}
		denom := T(T(math.Sqrt(float64(vv)))/bc2Sqrt) + eps
		x[i] += T(T(negStep*m[i]) / denom)
	}
}

// State returns, for every parameter updated so far, "state.<i>.step" (a
// 0-d tensor), "state.<i>.exp_avg", "state.<i>.exp_avg_sq" and, with
// AMSGrad, "state.<i>.max_exp_avg_sq", i being the parameter's position in
// Params: the names and layout of PyTorch's optimizer state_dict. The
// buffers are the optimiser's own, not copies: write them to a checkpoint,
// do not modify them.
func (o *Adam[T]) State() []nn.NamedTensor[T] { return o.state.export() }

// LoadState replaces the optimiser's state with state, as written by
// State (for example read back from a checkpoint); tensors are copied.
// Parameters without entries start afresh. It returns an error wrapping
// ErrState, and changes nothing, if a name is malformed or unknown, a
// step is not a non-negative whole number, a buffer's shape differs from
// its parameter's, a parameter's state is incomplete, or max_exp_avg_sq is
// given for a group without AMSGrad.
func (o *Adam[T]) LoadState(state []nn.NamedTensor[T]) error {
	return o.state.load(state, o.params, func(i int) []bool {
		return []bool{true, true, o.groupOf(i).opts.AMSGrad}
	})
}

var _ Optimizer[float32] = (*Adam[float32])(nil)
