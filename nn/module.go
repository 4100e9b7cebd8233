package nn

import (
	"github.com/chainrule/chainrule/tensor"
)

// Module is a layer or a network: a forward function with named parameters
// and named submodules, PyTorch's nn.Module. Implementations list their own
// parameters and direct children; the functions of this package (Params,
// NamedParams, Walk, SetTraining, Freeze, ZeroGrad, StateDict) recurse.
type Module[T tensor.Float] interface {
	// Forward computes the module's output for x.
	Forward(x *tensor.Value[T]) *tensor.Value[T]
	// OwnParams returns the module's own parameters (not its children's)
	// in registration order, named as PyTorch names them ("weight",
	// "bias").
	OwnParams() []Param[T]
	// Children returns the direct submodules in registration order, named
	// as PyTorch names them (attribute names, or "0", "1", ... in a
	// Sequential).
	Children() []Child[T]
}

// Param is a named parameter: a leaf Value that requires a gradient unless
// frozen.
type Param[T tensor.Float] struct {
	Name  string
	Value *tensor.Value[T]
}

// Child is a named submodule.
type Child[T tensor.Float] struct {
	Name   string
	Module Module[T]
}

// Trainer is implemented by modules whose forward differs between training
// and evaluation (Dropout). SetTraining reaches them through Walk.
type Trainer interface {
	SetTraining(training bool)
}

// Walk calls fn for m and every module below it, depth first in
// registration order, with its dotted path ("" for m itself, "0", "fc1",
// "blocks.0", ...).
func Walk[T tensor.Float](m Module[T], fn func(path string, m Module[T])) {
	walk("", m, fn)
}

func walk[T tensor.Float](path string, m Module[T], fn func(string, Module[T])) {
	fn(path, m)
	for _, c := range m.Children() {
		walk(join(path, c.Name), c.Module, fn)
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// NamedParams returns every parameter of m and its submodules with
// PyTorch's dotted names ("0.weight", "fc1.bias"), in PyTorch's order: a
// module's own parameters, then each child's, recursively. A parameter
// shared by two modules is listed once, under its first name.
func NamedParams[T tensor.Float](m Module[T]) []Param[T] {
	var out []Param[T]
	seen := map[*tensor.Value[T]]bool{}
	Walk(m, func(path string, m Module[T]) {
		for _, p := range m.OwnParams() {
			if seen[p.Value] {
				continue
			}
			seen[p.Value] = true
			out = append(out, Param[T]{Name: join(path, p.Name), Value: p.Value})
		}
	})
	return out
}

// Params returns the parameter Values of NamedParams, in the same order:
// what an optimiser takes.
func Params[T tensor.Float](m Module[T]) []*tensor.Value[T] {
	named := NamedParams(m)
	out := make([]*tensor.Value[T], len(named))
	for i, p := range named {
		out[i] = p.Value
	}
	return out
}

// SetTraining switches m and every submodule that implements Trainer to
// training (true) or evaluation (false) mode, PyTorch's train() and eval().
// It does not change gradient tracking.
func SetTraining[T tensor.Float](m Module[T], training bool) {
	Walk(m, func(_ string, m Module[T]) {
		if t, ok := m.(Trainer); ok {
			t.SetTraining(training)
		}
	})
}

// Freeze turns gradient tracking off (frozen true) or back on for every
// parameter of m and its submodules, PyTorch's requires_grad_(False) over
// a subtree. Ops on frozen parameters record nothing.
func Freeze[T tensor.Float](m Module[T], frozen bool) {
	for _, p := range Params(m) {
		p.SetRequiresGrad(!frozen)
	}
}

// ZeroGrad sets the gradient of every parameter of m to nil, PyTorch 2's
// zero_grad(set_to_none=True).
func ZeroGrad[T tensor.Float](m Module[T]) {
	for _, p := range Params(m) {
		p.ZeroGrad()
	}
}

// ZeroGradInPlace zeroes the gradient of every parameter of m in place,
// keeping the buffers (PyTorch's zero_grad(set_to_none=False)); see
// tensor.Value.ZeroGradInPlace.
func ZeroGradInPlace[T tensor.Float](m Module[T]) {
	for _, p := range Params(m) {
		p.ZeroGradInPlace()
	}
}
