package optim

import (
	"runtime"
	"sync"
	"sync/atomic"

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

// cost is the price of one element for parallelFor: the general loop costs
// about three times plain descent, the usual momentum twice.
func (u *sgdUpdate[T]) cost() int {
	switch {
	case u.mom == 0 && u.wd == 0 && !u.maximize:
		return 1
	case u.mom != 0 && !u.first && !u.nesterov && !u.maximize:
		return 2
	}
	return 3
}

// apply updates elements [lo, hi). Explicit conversions T(a*b) round each
// product, so that no platform fuses it into the following sum. Plain
// descent and the usual momentum have loops of their own: Go does not take
// the tests of the options out of the loop, and they made the general loop
// two to three times slower than these.
func (u *sgdUpdate[T]) apply(lo, hi int) {
	x := u.x[lo:hi]
	g := u.g[lo:hi][:len(x)] // one bounds check, not one per element
	var buf []T
	if u.mom != 0 {
		buf = u.buf[lo:hi][:len(x)]
	}
	wd, mom, damp1, negLR := u.wd, u.mom, u.damp1, u.negLR
	maximize, nesterov, first := u.maximize, u.nesterov, u.first
	switch {
	case mom == 0 && wd == 0 && !maximize:
		for i := range x {
			x[i] += T(negLR * g[i])
		}
	case mom != 0 && !first && !nesterov && !maximize:
		for i := range x {
			d := g[i]
			if wd != 0 {
				d += T(wd * x[i])
			}
			buf[i] = T(buf[i]*mom) + T(damp1*d)
			x[i] += T(negLR * buf[i])
		}
	default:
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
// into chunks that the calling goroutine and a small pool of workers claim
// from a counter; each element is computed by the same code whatever the
// split, so results are bit-identical to a serial run. This is package
// tensor's parallelFor (tensor/parallel.go) with an interface in place of
// the closure, which lets a step run without allocating; the two pools
// belong together in an internal package.

// A rangeUpdate updates the elements [lo, hi) of one parameter.
type rangeUpdate interface{ apply(lo, hi int) }

// parallelMin is the work from which an update is shared, in elements of
// plain descent (one read-modify-write and a multiply-add each, about a
// nanosecond): below it, waking a worker costs more than the half of the
// update it would take over. On a 2-core AMD EPYC, plain descent of 64K
// float32 elements took 66µs on two goroutines against 55µs on one, and
// Adam, several times as costly per element, 304µs against 437µs. It is a
// variable so that tests can force either path.
var parallelMin = 1 << 17

// parallelChunk is the smallest chunk, a multiple of 16 elements (a 64-byte
// cache line of float32) so that no two goroutines write to the same line.
const parallelChunk = 1 << 13

// parallelFor calls u.apply on disjoint ranges that cover [0, n), from up
// to runtime.GOMAXPROCS(0) goroutines at once, and returns when every call
// has returned. cost is the price of one element relative to plain descent
// (1), so that costlier updates are shared from shorter parameters.
func parallelFor(n, cost int, u rangeUpdate) {
	procs := runtime.GOMAXPROCS(0)
	if n*cost < parallelMin || procs < 2 {
		u.apply(0, n)
		return
	}
	// About four chunks per goroutine, so that one that starts late or
	// runs slowly leaves its share to the others.
	size := max(parallelChunk, (n+4*procs-1)/(4*procs))
	size = (size + 15) &^ 15
	chunks := (n + size - 1) / size
	j := updateJobs.Get().(*updateJob)
	j.u, j.n, j.size, j.chunks = u, n, size, int32(chunks)
	j.next.Store(0)
	j.done.Store(0)
	helpers := min(procs, chunks) - 1
	j.refs.Store(int32(helpers) + 1)
	startUpdate(helpers, j)
	j.run()
	// The chunks still running are microseconds from done: spin a while
	// before sleeping on finished.
	for i := 0; i < 1<<12 && j.done.Load() < j.chunks; i++ {
		if i%64 == 63 {
			runtime.Gosched()
		}
	}
	<-j.finished
	j.release()
}

// An updateJob is one parallelFor call. It is reused once every goroutine
// it was handed to has let go of it (refs): a worker may receive it after
// the caller has returned.
type updateJob struct {
	u        rangeUpdate
	n, size  int
	chunks   int32
	next     atomic.Int32
	done     atomic.Int32
	refs     atomic.Int32
	finished chan struct{} // receives one value when done reaches chunks
}

var updateJobs = sync.Pool{New: func() any {
	return &updateJob{finished: make(chan struct{}, 1)}
}}

// run claims and runs chunks until none are left.
func (j *updateJob) run() {
	for {
		c := j.next.Add(1) - 1
		if c >= j.chunks {
			return
		}
		lo := int(c) * j.size
		j.u.apply(lo, min(lo+j.size, j.n))
		if j.done.Add(1) == j.chunks {
			j.finished <- struct{}{}
		}
	}
}

func (j *updateJob) release() {
	if j.refs.Add(-1) == 0 {
		j.u = nil
		updateJobs.Put(j)
	}
}

// updateWorkers is the pool of goroutines that help parallelFor, one per
// helper ever asked for at once.
var updateWorkers struct {
	mu      sync.Mutex
	started int
	queue   chan *updateJob
}

// startUpdate hands j to n workers; a job that does not fit in the queue
// is dropped, and the caller runs its chunks.
func startUpdate(n int, j *updateJob) {
	w := &updateWorkers
	w.mu.Lock()
	if w.queue == nil {
		w.queue = make(chan *updateJob, 64)
	}
	for w.started < n {
		w.started++
		go func() {
			for j := range w.queue {
				j.run()
				j.release()
			}
		}()
	}
	w.mu.Unlock()
	for range n {
		select {
		case w.queue <- j:
		default:
			j.release()
		}
	}
}
