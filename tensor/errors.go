package tensor

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every panic raised by this package carries an *OpError
// that wraps one of them, so callers that recover can test with errors.Is.
var (
	// ErrShape reports operands whose shapes do not fit the operation:
	// shapes that do not broadcast, matrices that cannot be multiplied,
	// a reshape to a different number of elements.
	ErrShape = errors.New("shape mismatch")
	// ErrAxis reports an axis (dimension) outside [-dims, dims).
	ErrAxis = errors.New("axis out of range")
	// ErrIndex reports an element index or slice bound outside the tensor.
	ErrIndex = errors.New("index out of range")
	// ErrArgument reports any other invalid argument (a zero step, a
	// negative size, an empty list of tensors).
	ErrArgument = errors.New("invalid argument")
)

// OpError is the value this package panics with. Op names the operation
// (for example "MatMul"), Msg says what was wrong with which shapes, and Err
// is the sentinel it wraps. Site is where in the caller's code the failing
// call was made ("/path/to/file.go:42"): the first frame of the panicking
// goroutine's stack outside chainrule's library packages (tensor, nn,
// nn/optim, autograd), or "" when there is none (a call from this package's
// own tests).
type OpError struct {
	Op   string
	Msg  string
	Err  error
	Site string
}

// Error returns "tensor: Op: Msg", followed by ", called at Site" when the
// site is known.
func (e *OpError) Error() string {
	if e.Site == "" {
		return "tensor: " + e.Op + ": " + e.Msg
	}
	return "tensor: " + e.Op + ": " + e.Msg + ", called at " + e.Site
}

// Unwrap returns the sentinel, so errors.Is(err, ErrShape) works.
func (e *OpError) Unwrap() error { return e.Err }

// fail panics with an *OpError wrapping sentinel, naming the caller's
// site. Finding the site walks the stack, which only an error pays for.
func fail(sentinel error, op, format string, args ...any) {
	panic(&OpError{Op: op, Msg: fmt.Sprintf(format, args...), Err: sentinel, Site: callerSite()})
}

// withSite sets e.Site to the caller's site and returns e, for the panics
// that are not raised by fail.
func (e *OpError) withSite() *OpError {
	e.Site = callerSite()
	return e
}

// Sentinels for autograd misuse, raised by Values.
var (
	// ErrGrad reports a request that gradient tracking cannot serve: a
	// backward from a value that does not require a gradient, an implicit
	// seed for a value with more than one element, a hook on a value
	// without gradient, changing requires-grad on a non-leaf.
	ErrGrad = errors.New("gradient misuse")
	// ErrVersion reports that a tensor an op saved for backward was
	// modified in place after the op ran, so its gradient would be wrong.
	ErrVersion = errors.New("saved tensor modified in place")
	// ErrInPlace reports an in-place operation on a Value that forbids it:
	// a leaf that requires a gradient, or a value with recorded history.
	ErrInPlace = errors.New("in-place operation not allowed")
)
