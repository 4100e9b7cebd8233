package tensor

import (
	"fmt"
	"slices"

	"github.com/chainrule/chainrule/autograd"
)

// Value is a node of a recorded computation: a tensor together with the
// autograd state PyTorch keeps on a torch.Tensor. Leaves are made by Const
// and Param; every differentiable op in this package returns a new Value
// and, when an input requires a gradient, records how to send a gradient
// back to its inputs. Edges point from a result to its inputs only, so
// recording never changes an input.
type Value[T Float] struct {
	data         *Tensor[T]
	requiresGrad bool
	// trace is the anomaly mode that ops computed from v inherit (Traced).
	trace TraceMode
	name  string

	// fn is set on the results of recorded ops (non-leaves) only.
	fn *gradFn[T]

	// Gradient state: grad is filled for leaves that require a gradient and
	// for values that retain theirs.
	grad        *Value[T]
	retainsGrad bool
	hooks       []*hook[T]
}

// gradFn is what a recorded op keeps for backward: PyTorch's grad_fn.
type gradFn[T Float] struct {
	op string
	// inputs holds the op's inputs in argument order, nil where an input
	// did not require a gradient when the op ran.
	inputs []autograd.Node[*Value[T]]
	// backward maps the gradient of the result to one gradient per input;
	// the Values it captures are PyTorch's "saved for backward" list.
	// Release sets it to nil: a nil backward means the graph was released.
	backward func(g *Value[T], create bool) []*Value[T]
	// saved records the versions of the tensors backward reads, so that an
	// in-place change made after the op ran is detected.
	saved []savedTensor[T]
	// site is where the op was called, "file:line", in a traced graph, and
	// nil otherwise (a pointer, to keep untraced nodes small).
	site *string
	// user is set for a Function, whose backward is the caller's code;
	// freshGrads for one whose Backward promises fresh results.
	user, freshGrads bool
	// savedInline backs saved for ops that save up to three tensors.
	savedInline [3]savedTensor[T]
}

type savedTensor[T Float] struct {
	owner   *Value[T]
	version uint64
}

type hook[T Float] struct {
	fn func(g *Value[T]) *Value[T]
}

// Const returns a leaf Value holding t that does not require a gradient.
// It shares t's storage.
func Const[T Float](t *Tensor[T]) *Value[T] { return &Value[T]{data: t} }

// Param returns a leaf Value holding t that requires a gradient: backward
// accumulates into its Grad. It shares t's storage.
func Param[T Float](t *Tensor[T]) *Value[T] { return &Value[T]{data: t, requiresGrad: true} }

// Data returns the tensor v holds, shared with v. Reading it is always
// safe. Writing into it (the tensor's InPlace methods) is the explicit
// no-grad path that optimisers use: it records nothing and bumps the
// storage's version counter, so a backward that needs the old values fails
// with ErrVersion instead of computing a wrong gradient.
//
// After a backward with ReleaseValues, the data of an intermediate value
// that was never handed out is back in the buffer pool, and Data panics
// with autograd.ErrReleased: read what you need before that backward.
func (v *Value[T]) Data() *Tensor[T] {
	v.checkLive("Data")
	v.data.escape()
	return v.data
}

// Shape returns a copy of v's shape.
func (v *Value[T]) Shape() []int { return v.data.Shape() }

// Dims returns the number of v's dimensions.
func (v *Value[T]) Dims() int { return len(v.data.shape) }

// Dim returns the size of v's dimension i (negative i counts from the
// end). It panics with ErrAxis if i is out of range.
func (v *Value[T]) Dim(i int) int { return v.data.Dim(i) }

// Size returns the number of v's elements.
func (v *Value[T]) Size() int { return v.data.Size() }

// Item returns the only element of a one-element Value.
func (v *Value[T]) Item() T {
	v.checkLive("Item")
	v.data.escape()
	return v.data.Item()
}

// checkLive panics if v's data went back to the pool (ReleaseValues).
func (v *Value[T]) checkLive(op string) {
	if v.data.released() {
		fail(autograd.ErrReleased, op, "the data of %s went back to the buffer pool in a backward with ReleaseValues; "+
			"read the values you need (Data, Item) before that backward, which keeps them, or leave ReleaseValues off", v.describe())
	}
}

// RequiresGrad reports whether gradients flow to v: true for leaves made
// by Param (or SetRequiresGrad(true)) and for every result of an op with
// an input that requires a gradient.
func (v *Value[T]) RequiresGrad() bool { return v.requiresGrad }

// IsLeaf reports whether v has no recorded history: made by Const, Param or
// Detach, or computed from inputs none of which required a gradient.
func (v *Value[T]) IsLeaf() bool { return v.fn == nil }

// Op returns the name of the op that produced v ("" for a leaf).
func (v *Value[T]) Op() string {
	if v.fn == nil {
		return ""
	}
	return v.fn.op
}

// Name returns the name given by Named ("" if none).
func (v *Value[T]) Name() string { return v.name }

// Named sets the name used for v in messages and graph pictures, and
// returns v.
func (v *Value[T]) Named(name string) *Value[T] {
	v.name = name
	return v
}

// SetRequiresGrad turns gradient tracking of a leaf on or off (freezing a
// parameter) and returns v. On a non-leaf, true is a no-op and false panics
// with ErrGrad, as PyTorch's requires_grad_ does: use Detach instead.
func (v *Value[T]) SetRequiresGrad(b bool) *Value[T] {
	if v.fn != nil {
		if !b {
			fail(ErrGrad, "SetRequiresGrad", "you can only change requires-grad flags of leaf values (%s); to use a computed value in a subgraph that does not require differentiation, use Detach", v.describe())
		}
		return v
	}
	v.requiresGrad = b
	return v
}

// Grad returns the gradient accumulated by backward passes: set for leaves
// that require a gradient and for values on which RetainGrad was called, nil
// otherwise and before the first backward. It is a Value so that, after a
// backward with CreateGraph, it can be differentiated again; its Data is the
// gradient tensor.
func (v *Value[T]) Grad() *Value[T] { return v.grad }

// SetGrad replaces v's gradient (nil clears it). It panics with ErrShape if
// g's shape differs from v's.
func (v *Value[T]) SetGrad(g *Value[T]) {
	if g != nil && !slices.Equal(g.data.shape, v.data.shape) {
		fail(ErrShape, "SetGrad", "assigned grad has data of a different size: shape %v for a value of shape %v", g.data.shape, v.data.shape)
	}
	v.grad = g
}

// ZeroGrad sets v's gradient to nil, PyTorch 2's zero_grad(set_to_none=True):
// the next backward sets it afresh instead of adding to it.
func (v *Value[T]) ZeroGrad() { v.grad = nil }

// ZeroGradInPlace zeroes v's gradient in place, keeping its buffer:
// PyTorch's zero_grad(set_to_none=False), the 1.x default. The next
// backward adds into that same buffer, so a training loop that calls it
// instead of ZeroGrad allocates no gradient memory after its first step.
// Unlike after ZeroGrad, optimisers then see a zero gradient rather than
// none (weight decay and momentum still act). A recorded gradient (left by
// a CreateGraph backward) is detached first, as PyTorch does. It is a
// no-op when v has no gradient.
func (v *Value[T]) ZeroGradInPlace() {
	g := v.grad
	if g == nil {
		return
	}
	if g.fn != nil || g.requiresGrad {
		g = g.Detach()
		v.grad = g
	}
	g.data.Zero()
}

// RetainGrad makes backward store v's gradient in Grad even though v is not
// a leaf. It is a no-op on a leaf and panics with ErrGrad on a value that
// does not require a gradient.
func (v *Value[T]) RetainGrad() {
	if !v.requiresGrad {
		fail(ErrGrad, "RetainGrad", "can't retain the gradient of a value that does not require grad (%s)", v.describe())
	}
	if v.fn != nil {
		v.retainsGrad = true
	}
}

// RetainsGrad reports whether RetainGrad was called on this non-leaf.
func (v *Value[T]) RetainsGrad() bool { return v.retainsGrad }

// Detach returns a new leaf that shares v's storage (and so its version
// counter) and does not require a gradient: PyTorch's detach(). Use it to
// cut a graph, for example to carry a hidden state across training steps.
// The leaf keeps v's trace mode (Traced).
func (v *Value[T]) Detach() *Value[T] {
	v.data.escape()
	return v.detach()
}

// detach is Detach for the package's own short-lived uses, which do not
// hand v's storage out.
func (v *Value[T]) detach() *Value[T] { return &Value[T]{data: v.data, name: v.name, trace: v.trace} }

// GraphSize returns the number of nodes of the recorded graph behind v: v
// and every value reachable from it through recorded inputs, leaves
// included. It is the number of nodes a backward from v would reach
// (BackwardStats.Nodes) and is 1 for a leaf. A backward frees what the
// nodes saved but not the nodes, so a value kept across training steps
// keeps its whole history alive: a GraphSize that grows with the step
// number is a missing Detach. It takes time linear in the count.
func (v *Value[T]) GraphSize() int {
	seen := map[*Value[T]]bool{v: true}
	stack := []*Value[T]{v}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if u.fn == nil {
			continue
		}
		for _, in := range u.fn.inputs {
			if in == nil {
				continue
			}
			w := (*Value[T])(in.(*node[T]))
			if !seen[w] {
				seen[w] = true
				stack = append(stack, w)
			}
		}
	}
	return len(seen)
}

// RegisterHook adds fn to the hooks that run on v's gradient during every
// backward pass, in registration order, before the gradient is accumulated
// or passed on. If fn returns a non-nil Value it replaces the gradient; fn
// must not modify its argument in place. The returned function removes the
// hook. It panics with ErrGrad if v does not require a gradient.
func (v *Value[T]) RegisterHook(fn func(g *Value[T]) *Value[T]) (remove func()) {
	if !v.requiresGrad {
		fail(ErrGrad, "RegisterHook", "cannot register a hook on a value that doesn't require gradient (%s)", v.describe())
	}
	h := &hook[T]{fn: fn}
	v.hooks = append(v.hooks, h)
	return func() {
		v.hooks = slices.DeleteFunc(v.hooks, func(x *hook[T]) bool { return x == h })
	}
}

// String describes v and prints its data.
func (v *Value[T]) String() string {
	if v.data.released() {
		return v.describe() + " (released)"
	}
	return v.describe() + "\n" + v.data.String()
}

// describe names v for messages: its name or op, and its shape.
func (v *Value[T]) describe() string {
	what := "leaf"
	if v.fn != nil {
		what = "output of " + v.fn.op
	}
	if v.name != "" {
		what = fmt.Sprintf("%q, %s", v.name, what)
	}
	return fmt.Sprintf("value %s of shape %v", what, v.data.shape)
}

// Modify runs f on v's data as an in-place operation, PyTorch's x.add_(...)
// and friends: f writes through the tensor's InPlace methods, which bump
// the version counter, so a recorded op that saved v fails at backward
// instead of computing a wrong gradient. It panics with ErrInPlace if v is a
// leaf that requires a gradient, as PyTorch refuses those: update such
// values through Data (the no-grad path, what optimisers do), or Detach
// first. It also panics with ErrInPlace if v has recorded history: unlike
// PyTorch, chainrule does not rebase a graph onto an in-place result, so
// compute the new value out of place instead.
func (v *Value[T]) Modify(f func(t *Tensor[T])) {
	if v.fn == nil && v.requiresGrad {
		fail(ErrInPlace, "Modify", "a leaf value that requires grad is being used in an in-place operation (%s); write through Data() (the no-grad path an optimiser uses) or Detach it first", v.describe())
	}
	if v.fn != nil {
		fail(ErrInPlace, "Modify", "in-place operation on a value with recorded history (%s) is not supported; compute the result out of place", v.describe())
	}
	f(v.data)
}
