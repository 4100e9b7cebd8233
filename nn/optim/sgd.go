package optim

import (
	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// SGDOptions are the hyperparameters of SGD for one parameter group, with
// PyTorch's names and meanings. The zero value is plain gradient descent
// with learning rate 0; set LR.
type SGDOptions struct {
	// LR is the learning rate (required in PyTorch; must be >= 0).
	LR float64
	// Momentum is the momentum factor μ (>= 0; 0 disables momentum).
	Momentum float64
	// Dampening τ scales the gradient added to the momentum buffer by
	// 1-τ, from the second step on.
	Dampening float64
	// WeightDecay λ adds λ·p to the gradient (L2 penalty), before momentum.
	WeightDecay float64
	// Nesterov uses Nesterov momentum; it needs Momentum > 0 and Dampening 0.
	Nesterov bool
	// Maximize ascends the objective instead of descending it.
	Maximize bool
}

func (o SGDOptions) learningRate() float64 { return o.LR }

func (o SGDOptions) validate() error {
	if err := checkLR(o.LR); err != nil {
		return err
	}
	if err := checkNonNegative("momentum", o.Momentum); err != nil {
		return err
	}
	if err := checkNonNegative("weight_decay", o.WeightDecay); err != nil {
		return err
	}
	if o.Nesterov && (o.Momentum <= 0 || o.Dampening != 0) {
		return newError(ErrOption, "", "nesterov momentum requires a momentum and zero dampening")
	}
	return nil
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// weight decay and Nesterov momentum: PyTorch's torch.optim.SGD. For each
// parameter p with a gradient, at its t-th update:
//
//	g = p.grad                   (negated if Maximize)
//	g = g + λ·p                  if WeightDecay λ != 0
//	buf = g                      if μ != 0 and t == 1 (no dampening)
//	buf = μ·buf + (1-τ)·g        if μ != 0 and t > 1
//	g = g + μ·buf (Nesterov)  or  g = buf
//	p = p - lr·g
//
// This is PyTorch's form, not Sutskever's: the learning rate multiplies
// after the momentum buffer. State: "momentum_buffer" (when μ != 0).
type SGD[T tensor.Float] struct {
	paramGroups[T, SGDOptions]
	state stateTable[T]
}

const sgdMomentum = 0 // index of "momentum_buffer" in SGD's state keys

// NewSGD returns an SGD optimiser over params, one parameter group with
// opts. It returns an error wrapping ErrOption for invalid options (with
// PyTorch's texts: "optim: invalid learning rate: -0.1") and ErrParams for
// an empty list or a nil, non-leaf or repeated parameter.
func NewSGD[T tensor.Float](params []*tensor.Value[T], opts SGDOptions) (*SGD[T], error) {
	o := &SGD[T]{state: newStateTable[T](false, "momentum_buffer")}
	if err := o.add(params, opts); err != nil {
		return nil, err
	}
	return o, nil
}

// AddParamGroup adds params as a new parameter group with its own options,
// for example a smaller learning rate for pretrained layers. Errors are
// those of NewSGD, and parameters already in a group are refused.
func (o *SGD[T]) AddParamGroup(params []*tensor.Value[T], opts SGDOptions) error {
	return o.add(params, opts)
}

// Step updates every parameter that has a gradient, once, writing through
// its Data without recording anything. Parameters whose gradient is nil
// are skipped entirely: no weight decay, no momentum update.
func (o *SGD[T]) Step() {
	for gi := range o.groups {
		gr := &o.groups[gi]
		var (
			wd       = T(gr.opts.WeightDecay)
			mom      = T(gr.opts.Momentum)
			damp1    = T(1 - gr.opts.Dampening)
			negLR    = T(-gr.lr)
			maximize = gr.opts.Maximize
			nesterov = gr.opts.Nesterov
		)
		for j, p := range gr.params {
			if p.Grad() == nil {
				continue
			}
			if mom == 0 && wd == 0 && !maximize {
				// Plain descent is package tensor's axpy kernel.
				p.Data().AddScaledInPlace(negLR, p.Grad().Data())
				continue
			}
			x, tmp := flatParam(p.Data())
			g := flatGrad(p)[:len(x)] // one bounds check, not one per element
			var buf []T
			first := false
			if mom != 0 {
				ps := o.state.get(gr.first + j)
				if ps.bufs[sgdMomentum] == nil {
					ps.bufs[sgdMomentum] = tensor.Zeros[T](p.Shape()...)
					first = true
				}
				buf = ps.bufs[sgdMomentum].Flat()[:len(x)]
			}
			// Explicit conversions T(a*b) round each product, so that no
			// platform fuses it into the following sum.
			for i := range x {
				d := g[i]
				if maximize {
					d = -d
				}
				if wd != 0 {
					d += T(wd * x[i])
				}
				if mom != 0 {
					if first {
						buf[i] = d
					} else {
						buf[i] = T(buf[i]*mom) + T(damp1*d)
					}
					if nesterov {
						d += T(mom * buf[i])
					} else {
						d = buf[i]
					}
				}
				x[i] += T(negLR * d)
			}
			commit(p.Data(), tmp)
		}
	}
}

// State returns the momentum buffers as "state.<i>.momentum_buffer", i
// being the parameter's position in Params; a parameter has one once it
// has been updated with momentum. The tensors are the optimiser's own,
// not copies: write them to a checkpoint, do not modify them.
func (o *SGD[T]) State() []nn.NamedTensor[T] { return o.state.export() }

// LoadState replaces the optimiser's state with state, as written by
// State (for example read back from a checkpoint); tensors are copied.
// Parameters without entries start afresh. It returns an error wrapping
// ErrState, and changes nothing, if a name is malformed or unknown, a
// buffer's shape differs from its parameter's, or a buffer is given for a
// group without momentum.
func (o *SGD[T]) LoadState(state []nn.NamedTensor[T]) error {
	return o.state.load(state, o.params, func(i int) []bool {
		return []bool{o.groupOf(i).opts.Momentum != 0}
	})
}

var _ Optimizer[float32] = (*SGD[float32])(nil)
