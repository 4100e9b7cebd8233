package nn

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/chainrule/chainrule/tensor"
)

// Dropout zeroes each element of its input with probability P during
// training and scales the kept ones by 1/(1-P), so that the expected output
// equals the input; in evaluation it is the identity. It is PyTorch's
// nn.Dropout(p=P) and, like a PyTorch module, starts in training mode;
// SetTraining (the package function, or the method) switches it.
//
// As in PyTorch, P = 0 and evaluation mode return the input itself, and
// P = 1 multiplies the input by zeros (so NaN and ±Inf inputs give NaN).
// The gradient is the same mask times g.
//
// Forward may be called from several goroutines at once: draws from the
// generator are serialised (their order, and so which goroutine gets which
// mask, is then up to the scheduler).
type Dropout[T tensor.Float] struct {
	// P is the probability of zeroing an element, in [0, 1].
	P float64

	mu       sync.Mutex // guards rng
	rng      *rand.Rand
	training atomic.Bool
}

var (
	_ Module[float32] = (*Dropout[float32])(nil)
	_ Trainer         = (*Dropout[float32])(nil)
)

// NewDropout returns a Dropout layer in training mode that zeroes elements
// with probability p, drawing its masks from rng. It panics with
// ErrArgument if p is not in [0, 1] or rng is nil.
func NewDropout[T tensor.Float](rng *rand.Rand, p float64) *Dropout[T] {
	checkDropout(p)
	if rng == nil {
		panic(nnError(tensor.ErrArgument, "NewDropout", "nil *rand.Rand"))
	}
	d := &Dropout[T]{P: p, rng: rng}
	d.training.Store(true)
	return d
}

func checkDropout(p float64) {
	if !(p >= 0 && p <= 1) {
		panic(nnError(tensor.ErrArgument, "Dropout", "dropout probability has to be between 0 and 1, but got %v", p))
	}
}

// SetTraining switches d to training (true) or evaluation (false) mode.
// It is safe to call concurrently with Forward; a Forward already running
// uses the mode it started with.
func (d *Dropout[T]) SetTraining(training bool) { d.training.Store(training) }

// Training reports whether d is in training mode.
func (d *Dropout[T]) Training() bool { return d.training.Load() }

// Forward returns x with dropout applied in training mode and x itself in
// evaluation mode or when P is 0. It panics with ErrArgument if P is not
// in [0, 1].
func (d *Dropout[T]) Forward(x *tensor.Value[T]) *tensor.Value[T] {
	checkDropout(d.P)
	if !d.training.Load() || d.P == 0 || x.Size() == 0 {
		return x
	}
	// PyTorch's _dropout_impl: a Bernoulli(1-p) mask, divided by 1-p in
	// place, multiplied into the input. At p = 1 it multiplies by a
	// zero scalar instead; a zero mask gives the same values and grads.
	mask := tensor.Zeros[T](x.Shape()...)
	if d.P < 1 {
		keep := 1 - d.P
		scale := 1 / T(keep) // in T, as PyTorch's div_ computes it
		m := mask.Flat()
		d.mu.Lock()
		for i := range m {
			if d.rng.Float64() < keep {
				m[i] = scale
			}
		}
		d.mu.Unlock()
	}
	return tensor.Mul(x, tensor.Const(mask))
}

// OwnParams returns nil: dropout has no parameters.
func (d *Dropout[T]) OwnParams() []Param[T] { return nil }

// Children returns nil.
func (d *Dropout[T]) Children() []Child[T] { return nil }
