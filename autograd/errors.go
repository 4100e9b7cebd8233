package autograd

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Errors returned by Backward and Grad wrap one of these
// where one applies, so callers test them with errors.Is.
var (
	// ErrReleased reports a node whose saved values were freed by an
	// earlier pass that did not retain the graph. Nodes return it (wrapped)
	// from Backward after Release.
	ErrReleased = errors.New("autograd: trying to backward through the graph a second time " +
		"(or directly access saved tensors after they have already been freed); " +
		"saved intermediate values of the graph are freed when you call Backward or Grad; " +
		"set RetainGraph if you need to backward through the graph a second time")
	// ErrUnused reports a Grad input that received no gradient from the
	// outputs while GradOptions.AllowUnused was not set.
	ErrUnused = errors.New("autograd: one of the differentiated nodes appears to not have been used " +
		"in the graph; set AllowUnused if this is the desired behavior")
	// ErrNoInputs reports a call to Grad with no inputs.
	ErrNoInputs = errors.New("autograd: grad requires non-empty inputs")
)

// prefix starts every message of this package.
const prefix = "autograd: "

// NodeError reports that a node failed during a pass: its Backward returned
// an error, or a result of the wrong length. Node is the failing node, Err
// what went wrong.
type NodeError struct {
	Node any
	Err  error
}

// Error returns "autograd: backward of <node>: <reason>", naming the node by
// its String method if it has one and by its type otherwise.
func (e *NodeError) Error() string {
	return prefix + "backward of " + nodeName(e.Node) + ": " + strings.TrimPrefix(e.Err.Error(), prefix)
}

// Unwrap returns Err, so errors.Is(err, ErrReleased) sees through the node.
func (e *NodeError) Unwrap() error { return e.Err }

// contextError puts context between the package prefix and the text of the
// error it wraps, so that wrapping one of the sentinels above reads
// "autograd: Grad: input 1: one of ..." rather than repeating the prefix.
type contextError struct {
	context string
	err     error
}

func (e *contextError) Error() string {
	return prefix + e.context + ": " + strings.TrimPrefix(e.err.Error(), prefix)
}

func (e *contextError) Unwrap() error { return e.err }

// errorf returns an error of this package: "autograd: " and the message.
func errorf(format string, args ...any) error {
	return fmt.Errorf(prefix+format, args...)
}

// nodeName names n in messages: by its String method if it has one (the
// tensor layer prints the op and where it was made), by its type otherwise.
func nodeName(n any) string {
	if s, ok := n.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", n)
}
