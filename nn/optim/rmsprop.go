package optim

import (
	"math"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// RMSPropOptions are the hyperparameters of RMSProp for one parameter
// group, with PyTorch's names and meanings. Start from RMSPropDefaults:
// the zero value (alpha 0, eps 0) is valid but is not PyTorch's default.
type RMSPropOptions struct {
	// LR is the learning rate (>= 0).
	LR float64
	// Alpha is the smoothing constant of the running average of squared
	// gradients (>= 0).
	Alpha float64
	// Eps is added to the denominator, after the square root (>= 0).
	Eps float64
	// WeightDecay λ adds λ·p to the gradient (L2 penalty); >= 0.
	WeightDecay float64
	// Momentum is the momentum factor (>= 0; 0 disables momentum).
	Momentum float64
	// Centered normalises by an estimate of the gradient's variance
	// (the squared average minus the square of the average) instead of
	// its second moment.
	Centered bool
	// Maximize ascends the objective instead of descending it.
	Maximize bool
}

// RMSPropDefaults returns PyTorch's defaults for RMSprop: LR 1e-2, Alpha
// 0.99, Eps 1e-8, no weight decay, no momentum, not centered.
func RMSPropDefaults() RMSPropOptions {
	return RMSPropOptions{LR: 1e-2, Alpha: 0.99, Eps: 1e-8}
}

func (o RMSPropOptions) learningRate() float64 { return o.LR }

func (o RMSPropOptions) validate() error {
	if err := checkLR(o.LR); err != nil {
		return err
	}
	if !(o.Eps >= 0) {
		return newError(ErrOption, "", "invalid epsilon value: %s", pyFloat(o.Eps))
	}
	if err := checkNonNegative("momentum", o.Momentum); err != nil {
		return err
	}
	if err := checkNonNegative("weight_decay", o.WeightDecay); err != nil {
		return err
	}
	return checkNonNegative("alpha", o.Alpha)
}

// RMSProp is PyTorch's torch.optim.RMSprop. For each parameter p with a
// gradient:
//
//	g = p.grad                          (negated if Maximize)
//	g = g + λ·p                         if WeightDecay λ != 0
//	s = α·s + (1-α)·g²
//	Centered: a = α·a + (1-α)·g;  den = sqrt(s - a²) + eps
//	else:                         den = sqrt(s) + eps
//	Momentum μ > 0: buf = μ·buf + g/den;  p = p - lr·buf
//	else:                                 p = p - lr·g/den
//
// Unlike SGD's, the momentum buffer starts at zero. State: "step",
// "square_avg" (s), "momentum_buffer" (with momentum), "grad_avg" (a,
// when centered).
type RMSProp[T tensor.Float] struct {
	paramGroups[T, RMSPropOptions]
	state stateTable[T]
}

// Indices of RMSProp's buffers in its state keys.
const (
	rmsSquareAvg = iota
	rmsMomentum
	rmsGradAvg
)

// NewRMSProp returns an RMSProp optimiser over params, one parameter group
// with opts. It returns an error wrapping ErrOption for invalid options
// (with PyTorch's texts: "optim: invalid alpha value: -1.0") and ErrParams
// for an empty list or a nil, non-leaf or repeated parameter.
func NewRMSProp[T tensor.Float](params []*tensor.Value[T], opts RMSPropOptions) (*RMSProp[T], error) {
	o := &RMSProp[T]{state: newStateTable[T](true, "square_avg", "momentum_buffer", "grad_avg")}
	if err := o.add(params, opts); err != nil {
		return nil, err
	}
	return o, nil
}

// AddParamGroup adds params as a new parameter group with its own options.
// Errors are those of NewRMSProp, and parameters already in a group are
// refused.
func (o *RMSProp[T]) AddParamGroup(params []*tensor.Value[T], opts RMSPropOptions) error {
	return o.add(params, opts)
}

// Step updates every parameter that has a gradient, once, writing through
// its Data without recording anything. Parameters whose gradient is nil
// are skipped entirely.
func (o *RMSProp[T]) Step() {
	for gi := range o.groups {
		gr := &o.groups[gi]
		opts := gr.opts
		var (
			alpha    = T(opts.Alpha)
			c        = T(1 - opts.Alpha)
			eps      = T(opts.Eps)
			wd       = T(opts.WeightDecay)
			mom      = T(opts.Momentum)
			negLR    = T(-gr.lr)
			centered = opts.Centered
			maximize = opts.Maximize
		)
		for j, p := range gr.params {
			if p.Grad() == nil {
				continue
			}
			ps := o.state.get(gr.first + j)
			if ps.bufs[rmsSquareAvg] == nil {
				ps.bufs[rmsSquareAvg] = tensor.Zeros[T](p.Shape()...)
				if mom > 0 {
					ps.bufs[rmsMomentum] = tensor.Zeros[T](p.Shape()...)
				}
				if centered {
					ps.bufs[rmsGradAvg] = tensor.Zeros[T](p.Shape()...)
				}
			}
			ps.step++
			g := flatGrad(p)
			x, tmp := flatParam(p.Data())
			// Slicing to len(x) once spares a bounds check per element.
			g = g[:len(x)]
			s := ps.bufs[rmsSquareAvg].Flat()[:len(x)]
			var buf, a []T
			if mom > 0 {
				buf = ps.bufs[rmsMomentum].Flat()[:len(x)]
			}
			if centered {
				a = ps.bufs[rmsGradAvg].Flat()[:len(x)]
			}
			// Explicit conversions T(a*b) round each product, so that no
			// platform fuses it into the following sum; the order of the
			// operations is PyTorch's (addcmul: self + (value*t1)*t2,
			// addcdiv: self + (value*t1)/t2).
			for i := range x {
				d := direction(g[i], x[i], wd, maximize)
				s[i] = T(s[i]*alpha) + T(T(c*d)*d)
				var den T
				if centered {
					a[i] = T(a[i]*alpha) + T(c*d)
					den = T(math.Sqrt(float64(s[i] + T(-a[i]*a[i]))))
				} else {
					den = T(math.Sqrt(float64(s[i])))
				}
				den += eps
				if mom > 0 {
					buf[i] = T(buf[i]*mom) + d/den
					x[i] += T(negLR * buf[i])
				} else {
					x[i] += T(T(negLR*d) / den)
				}
			}
			commit(p.Data(), tmp)
		}
	}
}

// State returns, for every parameter updated so far, "state.<i>.step" (a
// 0-d tensor), "state.<i>.square_avg" and, when the group uses them,
// "state.<i>.momentum_buffer" and "state.<i>.grad_avg", i being the
// parameter's position in Params. The buffers are the optimiser's own, not
// copies: write them to a checkpoint, do not modify them.
func (o *RMSProp[T]) State() []nn.NamedTensor[T] { return o.state.export() }

// LoadState replaces the optimiser's state with state, as written by
// State; tensors are copied. Parameters without entries start afresh. It
// returns an error wrapping ErrState, and changes nothing, if a name is
// malformed or unknown, a step is not a non-negative whole number, a
// buffer's shape differs from its parameter's, a parameter's state is
// incomplete, or a buffer is given that the group's options do not use.
func (o *RMSProp[T]) LoadState(state []nn.NamedTensor[T]) error {
	return o.state.load(state, o.params, func(i int) []bool {
		opts := o.groupOf(i).opts
		return []bool{true, opts.Momentum > 0, opts.Centered}
	})
}

var _ Optimizer[float32] = (*RMSProp[float32])(nil)
