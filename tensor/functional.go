package tensor

import (
	"slices"
)

// This file is chainrule's torch.func: transforms that take a function of
// Values and return its derivatives, in the spirit of torch.func and JAX.
//
//	GradOf, ValueAndGradOf   torch.func.grad, grad_and_value; jax.grad, value_and_grad
//	VJP, JVP                 torch.func.vjp, jvp; jax.vjp, jvp
//	Linearize                jax.linearize
//	Jacobian, JacobianFwd    torch.func.jacrev, jacfwd
//	Hessian, HVP             torch.func.hessian; torch.autograd.functional.hvp
//
// Primals are Values, not Tensors. A Tensor has no autograd state, so
// taking Tensors would make the transforms impossible to nest or to
// differentiate through; pass a tensor t as Const(t). Neither requires a
// gradient on the primals nor touches the Grad field of anything: each
// transform hands f its own stand-in for every primal it differentiates
// (see lift) and asks for gradients with Grad, never Backward.
//
// Results are recorded exactly when they depend on a Value outside the
// transform that requires a gradient: a primal that requires one (so that
// transforms nest, Jacobian(GradOf(f)) being a Hessian) or a Value that f
// closes over (a model's parameters, so that a gradient penalty trains).
// Otherwise they are plain constants and no graph is kept.
//
// JVP, Linearize and JacobianFwd use no forward mode: they are built with
// the double-VJP construction (see Linearize), which costs one create-graph
// backward pass on top of the forward, and then one backward pass, through
// the recorded backward, per tangent. Every op of this package has a
// backward written with differentiable ops, so this is exact; a Function
// whose Backward uses raw tensor kernels has no second derivative, and the
// transforms that need one (JVP, Linearize, JacobianFwd, Hessian, HVP)
// panic with ErrGrad naming the argument instead of returning zeros.

// GradOf returns the function that computes the gradients of f with
// respect to the arguments at positions argnums, in argnums order, as
// torch.func.grad and jax.grad. Unlike those, no argnums means every
// argument (not only the first): the result is a slice either way. A
// negative position counts from the end. Arguments not in argnums are
// passed to f unchanged. An argument that f does not use gets a zero
// gradient, as in torch.func.
//
// f must return a one-element Value (0-d, or any shape with one element).
// The returned function panics with ErrGrad if it does not, and with
// ErrArgument if a position is out of range or repeated.
func GradOf[T Float](f func(xs ...*Value[T]) *Value[T], argnums ...int) func(xs ...*Value[T]) []*Value[T] {
	vg := valueAndGrad("GradOf", f, argnums)
	return func(xs ...*Value[T]) []*Value[T] {
		_, gs := vg(xs...)
		return gs
	}
}

// ValueAndGradOf is GradOf that also returns f's value, in JAX's order
// (value first; torch.func.grad_and_value puts the gradients first). The
// value is differentiable with respect to whatever outside Values it
// depends on, as the gradients are.
func ValueAndGradOf[T Float](f func(xs ...*Value[T]) *Value[T], argnums ...int) func(xs ...*Value[T]) (*Value[T], []*Value[T]) {
	return valueAndGrad("ValueAndGradOf", f, argnums)
}

func valueAndGrad[T Float](op string, f func(xs ...*Value[T]) *Value[T], argnums []int) func(xs ...*Value[T]) (*Value[T], []*Value[T]) {
	argnums = slices.Clone(argnums)
	return func(xs ...*Value[T]) (*Value[T], []*Value[T]) {
		idx := resolveArgnums(op, argnums, len(xs))
		args := slices.Clone(xs)
		wrt := make([]*Value[T], len(idx))
		var inner []*Value[T]
		for k, i := range idx {
			args[i] = lift(xs[i], &inner)
			wrt[k] = args[i]
		}
		out := f(args...)
		checkOneElement(op, out)
		outer := dependsOnOuter(out, inner)
		gs := gradsOrZeros([]*Value[T]{out}, wrt, []*Value[T]{Const(OnesLike(out.data))}, BackwardOptions{CreateGraph: outer})
		return result(out, outer), gs
	}
}

// VJP runs f at primals and returns its value and the function that maps
// a cotangent (a gradient of the value, of its shape exactly) to the
// vector-Jacobian product: one gradient per primal, zero for a primal that
// f does not use. As torch.func.vjp and jax.vjp. vjp may be called any
// number of times; each call is one backward pass through the graph of f,
// which vjp keeps alive. A nil cotangent stands for 1 when the value has
// one element. The gradients are recorded when they depend on an outside
// Value that requires a gradient, or on the cotangent if it requires one.
//
// vjp panics with ErrShape if the cotangent's shape differs from the
// value's, and with ErrGrad if it is nil for a value of several elements.
func VJP[T Float](f func(xs ...*Value[T]) *Value[T], primals ...*Value[T]) (out *Value[T], vjp func(cotangent *Value[T]) []*Value[T]) {
	args, inner := liftAll(primals)
	y := f(args...)
	outer := dependsOnOuter(y, inner)
	return result(y, outer), func(ct *Value[T]) []*Value[T] {
		if ct == nil {
			if y.data.Size() != 1 {
				fail(ErrGrad, "VJP", "a cotangent can be implicitly created only for a one-element output; the output has shape %v", y.data.shape)
			}
			ct = Const(OnesLike(y.data))
		}
		if !equalShape(ct.data.shape, y.data.shape) {
			fail(ErrShape, "VJP", "the cotangent has shape %v but the output has shape %v; they must match exactly", ct.data.shape, y.data.shape)
		}
		return gradsOrZeros([]*Value[T]{y}, args, []*Value[T]{ct}, BackwardOptions{RetainGraph: true, CreateGraph: outer || ct.requiresGrad})
	}
}

// JVP runs f at primals and returns its value and the Jacobian-vector
// product J·t for the tangents (one per primal, each of its primal's
// shape), as torch.func.jvp and jax.jvp. It is computed without forward
// mode, by the double-VJP construction (see Linearize): a forward, a
// create-graph backward pass and a backward pass through that one, about
// three times the cost of a forward and backward where forward mode would
// cost about one forward. To push several tangents through one function,
// use Linearize, which pays for the first two once.
//
// It panics with ErrArgument if the number of tangents differs from the
// number of primals, with ErrShape if a tangent's shape differs from its
// primal's, and with ErrGrad if an op on the way has no second derivative.
func JVP[T Float](f func(xs ...*Value[T]) *Value[T], primals, tangents []*Value[T]) (out, tangentOut *Value[T]) {
	checkTangents("JVP", primals, tangents)
	out, jvp := linearize("JVP", f, primals)
	return out, jvp(tangents)
}

// Linearize runs f at primals and returns its value and the function that
// maps tangents (one per primal, each of its primal's shape) to the
// Jacobian-vector product J·t at primals, as jax.linearize. It uses the
// double-VJP construction: with a dummy cotangent u that requires a
// gradient, the recorded VJP h(u) = Jᵀu is linear in u, so its own VJP with
// the tangents as cotangent, d/du <Jᵀu, t> = J·t, is the JVP, whatever u's
// value. Linearize pays for the forward and the create-graph backward that
// records h once; each call of jvp is then one backward pass through the
// recorded backward graph, which jvp keeps alive. The product is recorded
// when it depends on an outside Value that requires a gradient, or on a
// tangent that requires one.
//
// Linearize panics with ErrGrad if an op on the way has no second
// derivative; jvp panics as JVP does on tangents that do not fit.
func Linearize[T Float](f func(xs ...*Value[T]) *Value[T], primals ...*Value[T]) (out *Value[T], jvp func(tangents ...*Value[T]) *Value[T]) {
	out, lin := linearize("Linearize", f, primals)
	return out, func(tangents ...*Value[T]) *Value[T] {
		checkTangents("Linearize", primals, tangents)
		return lin(tangents)
	}
}

// checkTangents panics unless there is one tangent per primal, of its
// primal's shape.
func checkTangents[T Float](op string, primals, tangents []*Value[T]) {
	if len(tangents) != len(primals) {
		fail(ErrArgument, op, "expected %d tangents, one per primal, got %d", len(primals), len(tangents))
	}
	for i, t := range tangents {
		if !equalShape(t.data.shape, primals[i].data.shape) {
			fail(ErrShape, op, "trying to set a forward gradient that has a different size than that of the original value: primal %d has shape %v while its tangent has shape %v", i, primals[i].data.shape, t.data.shape)
		}
	}
}

// Jacobian returns the Jacobian of f at x, of shape f(x).shape ++
// x.shape, built in reverse mode with one vector-Jacobian product per
// element of f(x) (torch.func.jacrev, torch.autograd.functional.jacobian).
// For a function of several Values, concatenate them into one, or close
// over the others. It panics as f does.
func Jacobian[T Float](f func(x *Value[T]) *Value[T], x *Value[T]) *Value[T] {
	y, vjp := VJP(func(xs ...*Value[T]) *Value[T] { return f(xs[0]) }, x)
	n := y.data.Size()
	if n == 0 || x.data.Size() == 0 {
		return Const(Zeros[T](concatShapes(y.data.shape, x.data.shape)...))
	}
	rows := make([]*Value[T], n)
	for i := range rows {
		rows[i] = vjp(Const(oneHot[T](y.data.shape, i)))[0]
	}
	return Reshape(Stack(0, rows...), concatShapes(y.data.shape, x.data.shape)...)
}

// JacobianFwd returns the same Jacobian as Jacobian, built column by
// column, one Jacobian-vector product per element of x (torch.func.jacfwd).
// It is built on Linearize, so one create-graph backward pass is shared by
// all columns, and each column then costs a backward pass through the
// recorded backward, about as much as one or two rows of Jacobian: it pays
// off when x has far fewer elements than f(x). It panics with ErrGrad if
// an op on the way has no second derivative.
func JacobianFwd[T Float](f func(x *Value[T]) *Value[T], x *Value[T]) *Value[T] {
	y, lin := linearize("JacobianFwd", func(xs ...*Value[T]) *Value[T] { return f(xs[0]) }, []*Value[T]{x})
	m := x.data.Size()
	if m == 0 || y.data.Size() == 0 {
		return Const(Zeros[T](concatShapes(y.data.shape, x.data.shape)...))
	}
	cols := make([]*Value[T], m)
	for j := range cols {
		cols[j] = lin([]*Value[T]{Const(oneHot[T](x.data.shape, j))})
	}
	return Reshape(Stack(y.data.Dims(), cols...), concatShapes(y.data.shape, x.data.shape)...)
}

// Hessian returns the Hessian of f at x, of shape x.shape ++ x.shape:
// element (i, j) is the derivative of f with respect to x_i and then x_j
// (torch.func.hessian, torch.autograd.functional.hessian). It computes
// the gradient with a create-graph backward pass and differentiates it
// again once per element of x (reverse over reverse). f must return a
// one-element Value. A function that is linear in x has a zero Hessian; so
// have the piecewise-linear ops (ReLU, Abs, Clamp, ...) almost everywhere.
//
// It panics with ErrGrad if f's value has more than one element or an op
// on the way has no second derivative.
func Hessian[T Float](f func(x *Value[T]) *Value[T], x *Value[T]) *Value[T] {
	_, hv := hessianVector("Hessian", f, x)
	m := x.data.Size()
	if m == 0 {
		return Const(Zeros[T](concatShapes(x.data.shape, x.data.shape)...))
	}
	rows := make([]*Value[T], m)
	for i := range rows {
		rows[i] = hv(Const(oneHot[T](x.data.shape, i)))
	}
	return Reshape(Stack(0, rows...), concatShapes(x.data.shape, x.data.shape)...)
}

// HVP returns f(x) and the Hessian-vector product H·v, for v of x's
// shape, as torch.autograd.functional.hvp, without forming H: one
// create-graph backward pass for the gradient g, and one backward pass of
// g seeded with v. Strictly that computes vᵀH, which equals Hv because the
// Hessian of a twice continuously differentiable f is symmetric (PyTorch
// computes the same). The product is recorded when it depends on an
// outside Value, or on v if v requires a gradient.
//
// It panics with ErrShape if v's shape differs from x's, and with ErrGrad
// if f's value has more than one element or an op on the way has no
// second derivative.
func HVP[T Float](f func(x *Value[T]) *Value[T], x, v *Value[T]) (value, hvp *Value[T]) {
	if !equalShape(v.data.shape, x.data.shape) {
		fail(ErrShape, "HVP", "v has shape %v but x has shape %v; they must match exactly", v.data.shape, x.data.shape)
	}
	value, hv := hessianVector("HVP", f, x)
	return value, hv(v)
}

// hessianVector runs f at x and returns its value and the function
// v -> vᵀH, which reuses one recorded gradient for every v.
func hessianVector[T Float](op string, f func(x *Value[T]) *Value[T], x *Value[T]) (*Value[T], func(v *Value[T]) *Value[T]) {
	args, inner := liftAll([]*Value[T]{x})
	y := f(args[0])
	checkOneElement(op, y)
	outer := dependsOnOuter(y, inner)
	zeros := func(*Value[T]) *Value[T] { return Const(ZerosLike(x.data)) }
	if !y.requiresGrad {
		return result(y, outer), zeros
	}
	// The seed requires a gradient, so that the recorded gradient requires
	// one whenever it was recorded at all: a gradient that does not, yet is
	// not zero, comes from a backward that has no derivative of its own.
	seed := Param(OnesLike(y.data))
	g := Grad([]*Value[T]{y}, args, []*Value[T]{seed}, GradOptions{Options: BackwardOptions{CreateGraph: true}, AllowUnused: true})[0]
	checkRecorded(op, []*Value[T]{g}, args)
	if g == nil {
		return result(y, outer), zeros
	}
	return result(y, outer), func(v *Value[T]) *Value[T] {
		return gradsOrZeros([]*Value[T]{g}, args, []*Value[T]{v}, BackwardOptions{RetainGraph: true, CreateGraph: outer || v.requiresGrad})[0]
	}
}

// linearize is Linearize without the checks of the tangents, and with the
// name of the calling transform for its errors.
func linearize[T Float](op string, f func(xs ...*Value[T]) *Value[T], primals []*Value[T]) (*Value[T], func(tangents []*Value[T]) *Value[T]) {
	args, inner := liftAll(primals)
	y := f(args...)
	outer := dependsOnOuter(y, inner)
	zeros := func([]*Value[T]) *Value[T] { return Const(ZerosLike(y.data)) }
	if !y.requiresGrad {
		return result(y, outer), zeros
	}
	// u is all ones rather than zeros (torch's choice) so that a backward
	// that was not recorded shows up as a nonzero constant in checkRecorded.
	u := Param(OnesLike(y.data))
	gs := Grad([]*Value[T]{y}, args, []*Value[T]{u}, GradOptions{Options: BackwardOptions{CreateGraph: true}, AllowUnused: true})
	checkRecorded(op, gs, args)
	return result(y, outer), func(tangents []*Value[T]) *Value[T] {
		var outs, seeds []*Value[T]
		create := outer
		for i, g := range gs {
			if g == nil || !g.requiresGrad {
				continue // a zero gradient: this primal does not move f
			}
			outs = append(outs, g)
			seeds = append(seeds, tangents[i])
			create = create || tangents[i].requiresGrad
		}
		if len(outs) == 0 {
			return zeros(nil)
		}
		return gradsOrZeros(outs, []*Value[T]{u}, seeds, BackwardOptions{RetainGraph: true, CreateGraph: create})[0]
	}
}

// lift returns the Value that a transform hands to f in place of the
// primal x and differentiates with respect to. If x requires no gradient
// it is a fresh leaf sharing x's data, appended to inner. Otherwise it is a
// recorded identity of x, so that the transform's results stay
// differentiable with respect to x. Either way it is a new node, so that a
// gradient with respect to it counts only the paths through this argument,
// not those through another argument computed from the same x.
func lift[T Float](x *Value[T], inner *[]*Value[T]) *Value[T] {
	if !x.requiresGrad {
		p := &Value[T]{data: x.data, requiresGrad: true, name: x.name}
		*inner = append(*inner, p)
		return p
	}
	return record("Primal", x.data, true, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{g}
	})
}

// liftAll lifts every primal.
func liftAll[T Float](primals []*Value[T]) (args, inner []*Value[T]) {
	args = make([]*Value[T], len(primals))
	for i, x := range primals {
		args[i] = lift(x, &inner)
	}
	return args, inner
}

// dependsOnOuter reports whether y depends on a Value that requires a
// gradient and that the transform did not make (inner holds the fresh
// leaves it made): only then must the transform record its results. It
// walks y's graph once, as a backward pass would.
func dependsOnOuter[T Float](y *Value[T], inner []*Value[T]) bool {
	seen := make(map[*Value[T]]bool, len(inner))
	for _, v := range inner {
		seen[v] = true
	}
	stack := []*Value[T]{y}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[v] || !v.requiresGrad {
			continue
		}
		seen[v] = true
		if v.fn == nil {
			return true
		}
		for _, in := range v.fn.inputs {
			if in != nil {
				stack = append(stack, in.(*node[T]).value())
			}
		}
	}
	return false
}

// result is what a transform returns as f's value: y itself when it
// depends on outside Values (so it can be differentiated with respect to
// them), otherwise a detached y that requires no gradient, as torch.func
// returns it.
func result[T Float](y *Value[T], outer bool) *Value[T] {
	if outer {
		return y
	}
	return y.Detach()
}

// gradsOrZeros is Grad with AllowUnused, seeded with seeds, where an
// input that the outputs do not reach gets zeros instead of nil, and
// outputs that do not require a gradient give zeros for every input.
func gradsOrZeros[T Float](outs, wrt, seeds []*Value[T], opts BackwardOptions) []*Value[T] {
	var live, liveSeeds []*Value[T]
	for i, o := range outs {
		if o.requiresGrad {
			live = append(live, o)
			liveSeeds = append(liveSeeds, seeds[i])
		}
	}
	gs := make([]*Value[T], len(wrt))
	if len(live) > 0 {
		gs = Grad(live, wrt, liveSeeds, GradOptions{Options: opts, AllowUnused: true})
	}
	for i, g := range gs {
		if g == nil {
			gs[i] = Const(ZerosLike(wrt[i].data))
		}
	}
	return gs
}

// checkRecorded panics with ErrGrad if a gradient that was computed with
// CreateGraph from a seed requiring a gradient came back unrecorded yet
// nonzero. Every backward is linear in its seed, so a recorded backward
// gives a gradient that requires one (or a constant zero): this one passed
// through a backward computed with raw kernels, which has no second
// derivative.
func checkRecorded[T Float](op string, gs, wrt []*Value[T]) {
	for i, g := range gs {
		if g == nil || g.requiresGrad || allZero(g.data) {
			continue
		}
		fail(ErrGrad, op, "the gradient with respect to argument %d (%s) was not recorded under CreateGraph although it is not zero: "+
			"an op on its path has no double backward (a Function whose Backward computes with raw tensors?), so it cannot be differentiated again",
			i, wrt[i].describe())
	}
}

func allZero[T Float](t *Tensor[T]) bool {
	for _, x := range t.ToSlice() {
		if x != 0 {
			return false
		}
	}
	return true
}

// checkOneElement panics with ErrGrad unless y has one element, with
// torch.func.grad's advice.
func checkOneElement[T Float](op string, y *Value[T]) {
	if y.data.Size() != 1 {
		fail(ErrGrad, op, "expected f(xs...) to return a one-element value, got one of shape %v; maybe you wanted to use VJP or Jacobian instead", y.data.shape)
	}
}

// resolveArgnums returns the argument positions to differentiate: argnums
// normalised (negative from the end), or every position if argnums is
// empty. It panics with ErrArgument on a position out of range, a repeated
// one, or no arguments at all.
func resolveArgnums(op string, argnums []int, n int) []int {
	if n == 0 {
		fail(ErrArgument, op, "the function was called with no arguments, so there is nothing to differentiate")
	}
	if len(argnums) == 0 {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := make([]int, len(argnums))
	for k, a := range argnums {
		if a < -n || a >= n {
			fail(ErrArgument, op, "got argnum=%d, but only %d positional inputs", a, n)
		}
		if a < 0 {
			a += n
		}
		if slices.Contains(idx[:k], a) {
			fail(ErrArgument, op, "argnums must be unique, got %v", argnums)
		}
		idx[k] = a
	}
	return idx
}

// oneHot returns a tensor of the given shape that is 1 at row-major
// position i and 0 elsewhere.
func oneHot[T Float](shape []int, i int) *Tensor[T] {
	t := Zeros[T](shape...)
	t.st.data[i] = 1
	return t
}

func concatShapes(a, b []int) []int {
	return append(append(make([]int, 0, len(a)+len(b)), a...), b...)
}
