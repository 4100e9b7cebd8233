package optim

import (
	"github.com/chainrule/chainrule/internal/parallel"
	"github.com/chainrule/chainrule/internal/vec"
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
	// upd is the update being applied, kept here rather than on Step's
	// stack because parallelFor hands it to other goroutines: so that it
	// is not allocated for every parameter.
	upd sgdUpdate[T]
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
			x, tmp := flatParam(p.Data())
			u := sgdUpdate[T]{
				x: x, g: flatGrad(p)[:len(x)],
				wd: wd, mom: mom, damp1: damp1, negLR: negLR,
				maximize: maximize, nesterov: nesterov,
			}
			if mom != 0 {
				ps := o.state.get(gr.first + j)
				if ps.bufs[sgdMomentum] == nil {
					ps.bufs[sgdMomentum] = tensor.Zeros[T](p.Shape()...)
					u.first = true
				}
				u.buf = ps.bufs[sgdMomentum].Flat()[:len(x)]
			}
			o.upd = u
			parallelFor(len(x), u.cost(), &o.upd)
			o.upd = sgdUpdate[T]{} // let go of the parameter's memory
			commit(p.Data(), tmp)
		}
	}
}

// sgdUpdate is SGD's update of one parameter: x is the parameter, g its
// gradient and buf its momentum buffer (nil without momentum), all flat.
type sgdUpdate[T tensor.Float] struct {
	x, g, buf                 []T
	wd, mom, damp1, negLR     T
	maximize, nesterov, first bool
}

// Range's three loops. Plain descent and the usual momentum have loops of
// their own: Go does not take the tests of the options out of a loop, and
// they made the general loop two to three times slower than these. The
// values are also each loop's cost per element relative to plain descent,
// for parallelFor.
const (
	loopPlain    = 1
	loopMomentum = 2
	loopGeneral  = 3
)

// loop returns the loop of Range that u's options call for.
func (u *sgdUpdate[T]) loop() int {
	switch {
	case u.mom == 0 && u.wd == 0 && !u.maximize:
		return loopPlain
	case u.mom != 0 && !u.first && !u.nesterov && !u.maximize:
		return loopMomentum
	}
	return loopGeneral
}

// cost is the price of one element for parallelFor.
func (u *sgdUpdate[T]) cost() int { return u.loop() }

// Range updates the elements [lo, hi). Explicit conversions T(a*b) round
// each product, so that no platform fuses it into the following sum.
func (u *sgdUpdate[T]) Range(lo, hi int) {
	x := u.x[lo:hi]
	g := u.g[lo:hi][:len(x)] // one bounds check, not one per element
	var buf []T
	if u.mom != 0 {
		buf = u.buf[lo:hi][:len(x)]
	}
	wd, mom, damp1, negLR := u.wd, u.mom, u.damp1, u.negLR
	maximize, nesterov, first := u.maximize, u.nesterov, u.first
	switch u.loop() {
	case loopPlain: // x[i] += T(negLR * g[i]), in AVX where the machine has it
		vec.Axpy(negLR, g, x)
	case loopMomentum:
		for i := range x {
			d := direction(g[i], x[i], wd, false)
			buf[i] = T(buf[i]*mom) + T(damp1*d)
			x[i] += T(negLR * buf[i])
		}
	default:
		for i := range x {
			d := direction(g[i], x[i], wd, maximize)
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

// Sharing an update between goroutines. The per-element updates of SGD and
// Adam are independent from element to element, so a long parameter is cut
// into chunks that internal/parallel shares among goroutines; each element
// is computed by the same code whatever the split, so results are
// bit-identical to a serial run. The update is a parallel.Ranger kept on the
// optimiser, not a closure, so that a step runs without allocating.

// parallelMin is the work from which an update is shared, in elements of
// plain descent (one read-modify-write and a multiply-add each, about a
// nanosecond): below it, waking a worker costs more than the half of the
// update it would take over. On a 2-core AMD EPYC, plain descent of 64K
// float32 elements took 66µs on two goroutines against 55µs on one, and
// Adam, several times as costly per element, 304µs against 437µs. It is a
// variable so that tests can force either path.
var parallelMin = 1 << 17

// parallelFor calls u.Range on disjoint ranges that cover [0, n), from up
// to runtime.GOMAXPROCS(0) goroutines at once, and returns when every call
// has returned. cost is the price of one element relative to plain descent
// (1), so that costlier updates are shared from shorter parameters.
func parallelFor(n, cost int, u parallel.Ranger) {
	parallel.For(n, 1, (parallelMin+cost-1)/cost, u)
}
