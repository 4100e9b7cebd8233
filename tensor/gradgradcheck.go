package tensor

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// GradGradCheck checks the second derivatives of f at inputs against
// finite differences of its first derivatives, as
// torch.autograd.gradgradcheck does in float64 with the same defaults (the
// zero GradCheckOptions). It runs GradCheck on the function
//
//	(inputs..., gradOutput) -> Grad(f(inputs), inputs that require a gradient,
//	                               gradOutput, CreateGraph, AllowUnused)
//
// with the gradients that are not nil flattened and concatenated into one
// output, because GradCheck checks a function with a single output. So it
// checks the derivative of every gradient with respect to every input and
// to the seed: the gradient must stay differentiable in the seed, and a
// backward that cuts the seed off (detaches it) fails there.
//
// gradOutputs holds the seed, the gradient of f's output (one Value of the
// output's shape, checked too if it requires a gradient). nil means a
// random seed uniform in [-1, 1), drawn from a fixed generator so that
// runs repeat, that requires a gradient: torch's default.
//
// In the mismatch messages, inputs are numbered as GradCheck sees them: f's
// inputs, then the seed as input len(inputs); output elements run over the
// concatenated gradients, in input order.
//
// It returns nil on success and otherwise an error wrapping ErrGradCheck:
// when the derivatives disagree, when no input requires a gradient, when
// gradOutputs does not fit f's output, when f or a backward pass panics
// (the panic's error is wrapped too), and, wrapping ErrGrad as well, when
// a first derivative cannot be differentiated again (an op whose backward
// is computed with raw tensor kernels: it has no double backward).
func GradGradCheck(f func(xs []*Value[float64]) *Value[float64], inputs, gradOutputs []*Value[float64], opts GradCheckOptions) (err error) {
	defer func() {
		if p := recover(); p != nil {
			e, ok := p.(error)
			if !ok {
				panic(p)
			}
			err = &gradGradError{msg: ErrGradCheck.Error() + ": " + strings.TrimPrefix(strings.TrimPrefix(e.Error(), "tensor: "), "GradGradCheck: "), errs: []error{ErrGradCheck, e}}
		}
	}()
	var diff []int
	for i, x := range inputs {
		if x.requiresGrad {
			diff = append(diff, i)
		}
	}
	if len(diff) == 0 {
		return fmt.Errorf("tensor: GradGradCheck: %w: expects at least one input to require a gradient, but none does", ErrGradCheck)
	}
	out := f(inputs)
	var seed *Value[float64]
	switch {
	case gradOutputs == nil:
		rng := rand.New(rand.NewPCG(gradGradSeed, gradGradSeed))
		seed = Param(Uniform[float64](rng, -1, 1, out.data.shape...))
	case len(gradOutputs) != 1:
		return fmt.Errorf("tensor: GradGradCheck: %w: f has 1 output, got %d gradOutputs", ErrGradCheck, len(gradOutputs))
	case !equalShape(gradOutputs[0].data.shape, out.data.shape):
		return fmt.Errorf("tensor: GradGradCheck: %w: gradOutputs[0] has shape %v but f's output has shape %v", ErrGradCheck, gradOutputs[0].data.shape, out.data.shape)
	default:
		seed = gradOutputs[0]
	}
	n := len(inputs)
	grads := func(xs []*Value[float64]) *Value[float64] {
		ins, s := xs[:n], xs[n]
		wrt := make([]*Value[float64], len(diff))
		for k, i := range diff {
			wrt[k] = ins[i]
		}
		y := f(ins)
		if !y.requiresGrad {
			return Const(Zeros[float64](0)) // no gradients, nothing to check
		}
		gs := Grad([]*Value[float64]{y}, wrt, []*Value[float64]{s}, GradOptions{Options: BackwardOptions{CreateGraph: true}, AllowUnused: true})
		if s.requiresGrad {
			checkRecorded("GradGradCheck", gs, wrt)
		}
		var parts []*Value[float64]
		for _, g := range gs {
			if g != nil {
				parts = append(parts, Flatten(g))
			}
		}
		if len(parts) == 0 {
			return Const(Zeros[float64](0))
		}
		return Concat(0, parts...)
	}
	all := append(inputs[:n:n], seed)
	if err := GradCheck(grads, all, opts); err != nil {
		msg := strings.TrimPrefix(err.Error(), "tensor: GradCheck: ") + fmt.Sprintf(
			"\n(inputs 0 to %d are f's, input %d is the seed; output elements run over the gradients of f's inputs, flattened and concatenated)", n-1, n)
		return &gradGradError{msg: msg, errs: []error{err}}
	}
	return nil
}

// gradGradSeed seeds the generator of GradGradCheck's default seed.
const gradGradSeed = 0x9e3779b97f4a7c15

// gradGradError reports a failure found by GradGradCheck's inner
// GradCheck, or a panic while it ran.
type gradGradError struct {
	msg  string
	errs []error
}

func (e *gradGradError) Error() string { return "tensor: GradGradCheck: " + e.msg }

func (e *gradGradError) Unwrap() []error { return e.errs }
