package tensor

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
}

// Apply runs f on xs and records it like any primitive: the result requires
// a gradient iff some input does. The inputs and the result are saved, so
// modifying one in place before backward panics with ErrVersion there.
func (f *Function[T]) Apply(xs ...*Value[T]) *Value[T] {
	var buf [4]*Tensor[T]
	data := buf[:0]
	for _, x := range xs {
		data = append(data, x.data)
	}
	ins := append([]*Value[T](nil), xs...)
	out := record(f.Name, f.Forward(data), true, ins, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		args, res := ins, out
		if !create {
			// Detached copies, made together: one allocation for up to
			// three operands, two beyond, rather than one per operand.
			var vals []Value[T]
			if len(ins) < len(detached[T]{}.vals) {
				d := &detached[T]{}
				vals, args = d.vals[:len(ins)+1], d.args[:len(ins)]
			} else {
				vals, args = make([]Value[T], len(ins)+1), make([]*Value[T], len(ins))
			}
			for i, x := range ins {
				vals[i] = Value[T]{data: x.data, name: x.name, trace: x.trace}
				args[i] = &vals[i]
			}
			vals[len(ins)] = Value[T]{data: out.data, name: out.name, trace: out.trace}
			res = &vals[len(ins)]
		}
		gs := f.Backward(g, args, res)
		if len(gs) != len(ins) {
			fail(ErrGrad, f.Name, "backward returned %d gradients for %d inputs", len(gs), len(ins))
		}
		for i, gi := range gs {
			if gi != nil && !equalShape(gi.data.shape, ins[i].data.shape) {
				fail(ErrShape, f.Name, "backward returned a gradient of shape %v for input %d of shape %v", gi.data.shape, i, ins[i].data.shape)
			}
		}
		return gs
	})
	if out.fn != nil {
		out.fn.user = true
		out.fn.freshGrads = f.FreshGrads
	}
	// The caller's Forward saw the inputs and made the result: none of
	// them may go back to the pool.
	for _, x := range xs {
		x.data.escape()
	}
	out.data.escape()
	out.save(ins...)
	out.save(out)
	return out
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
