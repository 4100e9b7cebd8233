package tensor

import "slices"

// Function is a differentiable op defined by the user, PyTorch's
// torch.autograd.Function: a forward over raw tensors and a backward over
// Values. Use it for ops this package lacks, or to give an op a gradient
// other than its true one (see StraightThrough).
type Function[T Float] struct {
	// Name names the op in messages and graph pictures.
	Name string
	// Forward computes the result from the inputs' data. It must not modify
	// its arguments.
	Forward func(xs []*Tensor[T]) *Tensor[T]
	// Backward returns one gradient per input, each of its input's shape
	// (nil for an input that gets none), given g, the gradient of the
	// result, the inputs xs and the result out. Written with this package's
	// ops, it supports CreateGraph: Apply passes xs and out as recorded
	// values during a create-graph backward and as detached ones otherwise,
	// so a plain backward records nothing.
	Backward func(g *Value[T], xs []*Value[T], out *Value[T]) []*Value[T]
	// FreshGrads promises that, in a plain backward, Backward returns only
	// tensors it allocated for that call (this package's constructors and
	// kernels) and keeps no reference to them, so that the engine may
	// recycle their memory as it does a built-in op's. Leave it false if
	// Backward may return an input, g, or anything it keeps.
	FreshGrads bool
	// Borrows promises that Forward and Backward only read the tensors they
	// are given during the call and keep no reference to their storage
	// (nor to a slice from Flat or Data), and that Forward returns a tensor
	// it made for that call. Then the result, and the inputs that ops
	// made, may go back to the buffer pool after backward as a built-in
	// op's do (BackwardOptions.ReleaseValues). Leave it false if Forward
	// may return an input, or either may keep anything it was given.
	Borrows bool
}

// Apply runs f on xs and records it like any primitive: the result requires
// a gradient iff some input does. The inputs and the result are saved, so
// modifying one in place before backward panics with ErrVersion there.
//
// Apply keeps f's fields, not f itself, so a Function built for one call
// stays on the caller's stack.
func (f *Function[T]) Apply(xs ...*Value[T]) *Value[T] {
	var buf [4]*Tensor[T]
	data := buf[:0]
	for _, x := range xs {
		data = append(data, x.data)
	}
	// Forward may hand its operands' storage out (Flat): unless it only
	// borrows them, none of them, nor its result, may go back to the pool.
	var kept owners[T]
	borrows := f.Borrows && kept.save(data...)
	res := f.Forward(data)
	kept.restore()
	// The operands as the rule captures them: up to three by value in the
	// rule's own closure, more in a slice of their own.
	var in3 [3]*Value[T]
	var more []*Value[T]
	if len(xs) <= len(in3) {
		copy(in3[:], xs)
	} else {
		more = slices.Clone(xs)
	}
	out := f.record(res, in3, more, len(xs))
	if !borrows {
		for _, x := range xs {
			x.data.escape()
		}
		out.data.escape()
	}
	out.save(xs...)
	out.save(out)
	return out
}

// record records the result of Apply with its gradient rule, which calls
// f.Backward on the n operands: in3[:n] or, beyond three, more.
func (f *Function[T]) record(res *Tensor[T], in3 [3]*Value[T], more []*Value[T], n int) *Value[T] {
	ins, tmp := more, in3 // a copy: slicing in3 would move it to the heap
	if ins == nil {
		ins = tmp[:n]
	}
	out := record(f.Name, res, true, ins, nil)
	if out.fn == nil {
		return out
	}
	out.fn.user = true
	out.fn.freshGrads = f.FreshGrads
	name, backward, borrows := f.Name, f.Backward, f.Borrows
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		operand := func(i int) *Value[T] {
			if more != nil {
				return more[i]
			}
			return in3[i]
		}
		var args []*Value[T]
		res := out
		if create {
			args = make([]*Value[T], n)
			for i := range n {
				args[i] = operand(i)
			}
		} else {
			// Detached copies, made together: one allocation for up to
			// three operands, two beyond, rather than one per operand.
			var vals []Value[T]
			if n < len(detached[T]{}.vals) {
				d := &detached[T]{}
				vals, args = d.vals[:n+1], d.args[:n]
			} else {
				vals, args = make([]Value[T], n+1), make([]*Value[T], n)
			}
			for i := range n {
				x := operand(i)
				vals[i] = Value[T]{data: x.data, name: x.name, trace: x.trace}
				args[i] = &vals[i]
			}
			vals[n] = Value[T]{data: out.data, name: out.name, trace: out.trace}
			res = &vals[n]
		}
		// Backward reads its tensors through Data or Flat, which hand
		// them out: if it only borrows them, they stay releasable. (Past
		// four, the rest are handed out, which is only conservative.)
		var kept owners[T]
		if borrows {
			kept.save(res.data)
			for i := range n {
				if !kept.save(operand(i).data) {
					break
				}
			}
		}
		gs := backward(g, args, res)
		kept.restore()
		if len(gs) != n {
			fail(ErrGrad, name, "backward returned %d gradients for %d inputs", len(gs), n)
		}
		for i, gi := range gs {
			if x := operand(i); gi != nil && !equalShape(gi.data.shape, x.data.shape) {
				fail(ErrShape, name, "backward returned a gradient of shape %v for input %d of shape %v", gi.data.shape, i, x.data.shape)
			}
		}
		return gs
	})
	return out
}

// owners remembers who owns up to four storages (storage.owner), so that
// the owners that a Function which only borrows its tensors took away
// (by Flat or Data) can be put back after the call.
type owners[T Float] struct {
	st [4]*storage[T]
	v  [4]*Value[T]
	n  int
}

// save remembers the owners of ts' storages and reports whether there was
// room for all of them.
func (o *owners[T]) save(ts ...*Tensor[T]) bool {
	if o.n+len(ts) > len(o.st) {
		return false
	}
	for _, t := range ts {
		o.st[o.n], o.v[o.n] = t.st, t.st.owner.Load()
		o.n++
	}
	return true
}

// restore gives the saved storages their owners back.
func (o *owners[T]) restore() {
	for i := range o.n {
		o.st[i].owner.Store(o.v[i])
	}
}

// detached holds the detached copies of a Function's operands and result
// that Apply hands to a plain backward, and the slice of the operands.
type detached[T Float] struct {
	vals [4]Value[T]
	args [3]*Value[T]
}

// StraightThrough returns forward(x) with the straight-through estimator as
// its gradient: backward passes g to x unchanged, as if forward were the
// identity. It is the usual way to train through a step function such as
// rounding, sign or quantisation, whose true gradient is zero almost
// everywhere. forward must preserve x's shape.
func StraightThrough[T Float](x *Value[T], forward func(*Tensor[T]) *Tensor[T]) *Value[T] {
	f := &Function[T]{
		Name:    "StraightThrough",
		Forward: func(xs []*Tensor[T]) *Tensor[T] { return forward(xs[0]) },
		Backward: func(g *Value[T], _ []*Value[T], _ *Value[T]) []*Value[T] {
			return []*Value[T]{g}
		},
	}
	return f.Apply(x)
}
