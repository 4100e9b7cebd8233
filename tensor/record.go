package tensor

import (
	"fmt"
	"slices"

	"github.com/chainrule/chainrule/autograd"
)

// record makes the result of an op from its computed data. When rec is
// true and an input requires a gradient, the result requires one too and
// keeps backward, the op's gradient rule; otherwise the result is a plain
// leaf and backward is dropped. rec is false for the gradient computations
// of a backward pass without CreateGraph: the mode is passed down
// explicitly, never read from a global, so goroutines cannot disturb each
// other.
//
// A result computed from a traced input (Traced) is traced too: its op is
// checked (TraceForward) and records where it was called. A rec-false
// result, a gradient of a plain backward, is never traced.
func record[T Float](op string, data *Tensor[T], rec bool, inputs []*Value[T], backward func(g *Value[T], create bool) []*Value[T]) *Value[T] {
	if !rec || !anyRequiresGrad(inputs) {
		out := &Value[T]{data: data}
		if rec {
			if mode := traceOf(inputs); mode != 0 {
				traceOp(op, out, inputs, mode)
			}
		}
		return out
	}
	// The result, its gradFn and short input and saved lists in one
	// allocation: a training step records dozens of ops.
	r := &recorded[T]{}
	out, fn := &r.v, &r.fn
	out.data = data
	if mode := traceOf(inputs); mode != 0 {
		traceOp(op, out, inputs, mode)
	}
	fn.op, fn.backward = op, backward
	if len(inputs) <= len(r.ins) {
		fn.inputs = r.ins[:len(inputs):len(inputs)]
	} else {
		fn.inputs = make([]autograd.Node[*Value[T]], len(inputs))
	}
	fn.saved = fn.savedInline[:0]
	mode := out.trace
	for i, in := range inputs {
		if in.requiresGrad {
			fn.inputs[i] = (*node[T])(in)
		}
	}
	if mode&TraceSites != 0 {
		fn.site, _ = stackSite(false)
	}
	out.requiresGrad = true
	out.fn = fn
	claim(out, inputs)
	return out
}

// setBackward gives v, a result of record called with a nil rule, its
// gradient rule. It is for the rules that read v itself (Exp's gradient is
// g*out): set after record returns, the rule captures v by value, where
// passing it to record would make the rule and the op share a variable,
// which costs an allocation per op. It is a no-op on an unrecorded v.
func (v *Value[T]) setBackward(backward func(g *Value[T], create bool) []*Value[T]) {
	if v.fn != nil {
		v.fn.backward = backward
	}
}

// recorded is a recorded op's result with its gradFn, allocated together.
type recorded[T Float] struct {
	v   Value[T]
	fn  gradFn[T]
	ins [3]autograd.Node[*Value[T]]
}

// traceOf returns the trace modes of inputs, combined.
func traceOf[T Float](inputs []*Value[T]) TraceMode {
	var mode TraceMode
	for _, in := range inputs {
		mode |= in.trace
	}
	return mode
}

func anyRequiresGrad[T Float](vs []*Value[T]) bool {
	for _, v := range vs {
		if v.requiresGrad {
			return true
		}
	}
	return false
}

// save records the current versions of the tensors an op's backward reads
// (PyTorch's saved tensors), for the check in node.Backward. It is a no-op
// on an unrecorded result.
func (v *Value[T]) save(vals ...*Value[T]) {
	if v.fn == nil {
		return
	}
	for _, s := range vals {
		v.fn.saved = append(v.fn.saved, savedTensor[T]{owner: s, version: s.data.Version()})
	}
}

// node is Value seen by the autograd engine. It is a separate named type so
// that the engine's Backward(g, create) does not collide with the user's
// Value.Backward(); converting between the two costs nothing.
type node[T Float] Value[T]

var (
	_ autograd.Node[*Value[float32]]        = (*node[float32])(nil)
	_ autograd.Hooked[*Value[float64]]      = (*node[float64])(nil)
	_ autograd.Accumulator[*Value[float64]] = (*node[float64])(nil)
	_ autograd.Checker[*Value[float64]]     = (*node[float64])(nil)
)

func (n *node[T]) value() *Value[T] { return (*Value[T])(n) }

// Inputs returns the recorded inputs (nil where no gradient flows).
func (n *node[T]) Inputs() []autograd.Node[*Value[T]] {
	if n.fn == nil {
		return nil
	}
	return n.fn.inputs
}

// Backward applies the op's gradient rule after checking that the graph
// was not released and that no saved tensor changed since the op ran.
func (n *node[T]) Backward(g *Value[T], create bool) ([]*Value[T], error) {
	fn := n.fn
	if fn == nil {
		return nil, nil
	}
	if fn.backward == nil {
		if fn.site != nil {
			return nil, fmt.Errorf("%w; %s", autograd.ErrReleased, fn.forwardSite())
		}
		return nil, autograd.ErrReleased
	}
	for _, s := range fn.saved {
		if s.owner.data.released() {
			return nil, &OpError{Op: "Backward", Err: autograd.ErrReleased, Msg: fmt.Sprintf(
				"%s needs %s, whose data an earlier backward with ReleaseValues gave back to the buffer pool; "+
					"pass RetainGraph to that backward, or leave ReleaseValues off", fn.op, s.owner.describe())}
		}
		if now := s.owner.data.Version(); now != s.version {
			msg := fmt.Sprintf(
				"one of the values needed for gradient computation has been modified by an in-place operation: "+
					"[%s %v], %s, is at version %d; expected version %d instead. "+
					"Hint: compute a copy (Clone) before modifying it, or modify it only after backward",
				dtypeName[T](), s.owner.data.shape, savedOwner(s.owner), now, s.version)
			if fn.site != nil {
				msg += "; " + fn.forwardSite()
			}
			return nil, &OpError{Op: "Backward", Err: ErrVersion, Msg: msg}
		}
	}
	if create || !reuse.Load() {
		return fn.backward(g, create), nil
	}
	if fn.user {
		// A Function's backward is the caller's code: it may keep g, and
		// what it returns may be anything, unless it promised otherwise.
		publish(g.data)
		if !fn.freshGrads {
			return fn.backward(g, false), nil
		}
	}
	// A native rule's results are views of g or buffers it allocated
	// (newer than start), which nobody else can hold: those are private
	// to the pass (pool.go). A Function with FreshGrads returns only
	// buffers it allocated.
	start := storageSerial.Load()
	gs := fn.backward(g, false)
	for _, gi := range gs {
		if gi == nil {
			continue
		}
		if gi.data.st.serial > start {
			gi.data.st.private = true
		}
		retain(gi.data)
	}
	return gs, nil
}

// Recycle is called by the engine when a plain pass is done with g.
func (n *node[T]) Recycle(g *Value[T]) { release(g.data) }

func savedOwner[T Float](v *Value[T]) string {
	if v.fn == nil {
		if v.name != "" {
			return fmt.Sprintf("which is the leaf %q", v.name)
		}
		return "which is a leaf"
	}
	return "which is the output of " + v.fn.op
}

// String names the node in the engine's errors.
func (n *node[T]) String() string { return n.value().describe() }

// Release drops the gradient rule and what it captured.
func (n *node[T]) Release() {
	if fn := n.fn; fn != nil {
		fn.backward = nil
		fn.saved = nil
		fn.savedInline = [len(fn.savedInline)]savedTensor[T]{}
	}
	// A released value can no longer be given back (ReleaseValue runs
	// first), and its storage must not keep the graph alive.
	if st := n.data.st; st.owner.Load() == n.value() {
		st.owner.Store(nil)
	}
}

// RunHooks applies the registered hooks in order.
func (n *node[T]) RunHooks(g *Value[T]) *Value[T] {
	if len(n.hooks) > 0 {
		publish(g.data) // the hook may keep it
	}
	for _, h := range n.hooks {
		if r := h.fn(g); r != nil {
			g = r
		}
	}
	return g
}

// Accumulate adds g into Grad for leaves that require a gradient and
// values that retain theirs. Without create the first gradient is copied,
// since g may be shared with other nodes (an Add passes its gradient to
// both inputs), and later ones are added in place, as PyTorch does. With
// create the sum is recorded so that Grad can be differentiated again.
func (n *node[T]) Accumulate(g *Value[T], create bool) {
	v := n.value()
	if !(v.fn == nil && v.requiresGrad) && !v.retainsGrad {
		return
	}
	switch {
	case v.grad == nil && create:
		v.grad = g
	case v.grad == nil && ownedAlone(g.data):
		// The pass's own buffer: take it instead of copying it.
		publish(g.data)
		v.grad = Const(g.data)
	case v.grad == nil:
		v.grad = Const(g.data.Clone())
	case create || v.grad.requiresGrad:
		v.grad = add(v.grad, g, true)
	default:
		v.grad.data.AddInPlace(g.data)
	}
}

// addGrads is the engine's rule for summing two gradients of one node.
// In a plain pass it adds in place into a buffer the pass owns alone, and
// recycles what it no longer needs.
func addGrads[T Float](a, b *Value[T], create bool) *Value[T] {
	if create || !(a.data.st.private || b.data.st.private) {
		return add(a, b, create)
	}
	if ownedAlone(a.data) && a.data.st != b.data.st && equalShape(a.data.shape, b.data.shape) {
		a.data.AddInPlace(b.data)
		release(b.data)
		return a
	}
	start := storageSerial.Load()
	c := add(a, b, false)
	if c.data.st.serial > start {
		c.data.st.private = true
	}
	retain(c.data)
	release(a.data)
	release(b.data)
	return c
}

// ownedAlone reports whether t is a private gradient that no other pending
// gradient shares and that spans its whole storage contiguously.
func ownedAlone[T Float](t *Tensor[T]) bool {
	return t.st.private && t.st.refs == 1 && t.off == 0 && len(t.st.data) == t.Size() && t.IsContiguous()
}

// BackwardOptions are the options of a backward pass: RetainGraph keeps
// what the graph saved so that it can be traversed again, CreateGraph
// records the backward computation itself (and implies RetainGraph),
// DetectAnomaly stops the pass, with an error wrapping ErrAnomaly, at the
// first op whose backward returns NaN (anomaly mode: see Traced), and
// Stats, if set, receives the number of nodes the pass reached and ran.
type BackwardOptions = autograd.Options

// BackwardStats is what a backward pass reports through
// BackwardOptions.Stats: Nodes, the number of nodes it reached, and Ran,
// the number whose backward ran.
type BackwardStats = autograd.Stats

// GradOptions are BackwardOptions plus AllowUnused, for Grad.
type GradOptions = autograd.GradOptions

// Backward computes the gradient of v with respect to every leaf that
// requires a gradient and accumulates it into their Grad, as PyTorch's
// loss.backward(). v must have exactly one element (use BackwardWith to
// seed others). Afterwards the graph's saved data is released; a second
// backward through it panics with autograd.ErrReleased.
//
// It panics with ErrGrad if v does not require a gradient or has more than
// one element, and with the engine's error (autograd.ErrReleased,
// ErrVersion) if the graph cannot be traversed.
func (v *Value[T]) Backward() { v.BackwardWith(nil, BackwardOptions{}) }

// BackwardWith is Backward with an explicit seed (the gradient of some
// scalar with respect to v; nil for the implicit seed of a one-element v),
// options, and optionally the leaves to accumulate into (PyTorch's
// inputs=; none means all). The seed must have v's shape exactly: it is
// not broadcast. With CreateGraph, a seed that requires a gradient is
// differentiated through too.
func (v *Value[T]) BackwardWith(seed *Value[T], opts BackwardOptions, inputs ...*Value[T]) {
	seed = checkSeed("Backward", 0, v, seed)
	ins := make([]autograd.Node[*Value[T]], len(inputs))
	for i, in := range inputs {
		ins[i] = (*node[T])(in)
	}
	err := autograd.Backward([]autograd.Node[*Value[T]]{(*node[T])(v)}, []*Value[T]{seed}, addGrads[T], opts, ins...)
	if err != nil {
		panic(err)
	}
}

// checkSeed validates or makes the seed of output i.
func checkSeed[T Float](op string, i int, v, seed *Value[T]) *Value[T] {
	if !v.requiresGrad {
		fail(ErrGrad, op, "element %d of outputs does not require grad and does not have a grad function (%s)", i, v.describe())
	}
	if seed == nil {
		if v.data.Size() != 1 {
			fail(ErrGrad, op, "grad can be implicitly created only for one-element outputs; output %d has shape %v, so pass a seed of that shape", i, v.data.shape)
		}
		one := allocConst[T](v.data.shape)
		one.data.st.data[0] = 1
		return one
	}
	if !slices.Equal(seed.data.shape, v.data.shape) {
		fail(ErrShape, op, "mismatch in shape: grad_output[%d] has a shape of %v and output[%d] has a shape of %v", i, seed.data.shape, i, v.data.shape)
	}
	return seed
}

// Grad returns the gradients of outputs with respect to inputs, one per
// input, as torch.autograd.grad: it touches no Grad field. gradOutputs are
// the seeds (nil, or nil entries, for one-element outputs). Inputs may be
// interior values. With AllowUnused an input that the outputs do not
// depend on gets nil; otherwise that panics. With CreateGraph the results
// are recorded and can be differentiated again.
//
// It panics with ErrGrad on misuse (no inputs, an input or output that does
// not require a gradient, seeds of the wrong count) and with the engine's
// errors.
func Grad[T Float](outputs, inputs, gradOutputs []*Value[T], opts GradOptions) []*Value[T] {
	if len(inputs) == 0 {
		fail(ErrGrad, "Grad", "grad requires non-empty inputs")
	}
	if gradOutputs != nil && len(gradOutputs) != len(outputs) {
		fail(ErrGrad, "Grad", "got %d outputs and %d gradients", len(outputs), len(gradOutputs))
	}
	outs := make([]autograd.Node[*Value[T]], len(outputs))
	seeds := make([]*Value[T], len(outputs))
	for i, o := range outputs {
		var s *Value[T]
		if gradOutputs != nil {
			s = gradOutputs[i]
		}
		seeds[i] = checkSeed("Grad", i, o, s)
		outs[i] = (*node[T])(o)
	}
	ins := make([]autograd.Node[*Value[T]], len(inputs))
	for i, in := range inputs {
		if !in.requiresGrad {
			fail(ErrGrad, "Grad", "one of the differentiated values does not require grad (input %d, %s)", i, in.describe())
		}
		ins[i] = (*node[T])(in)
	}
	gs, err := autograd.Grad(outs, ins, seeds, addGrads[T], opts)
	if err != nil {
		panic(err)
	}
	for _, g := range gs {
		if g != nil {
			publish(g.data) // the caller's now
		}
	}
	return gs
}
