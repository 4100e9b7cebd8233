// Package tensor holds chainrule's n-dimensional arrays and the recorded
// values that autograd differentiates.
//
// # Tensors
//
// Tensor[T] is a strided n-d array of float32 or float64 (the Float
// constraint; mixing element types is a compile error). A tensor is a view
// of a storage: a shape, a stride per dimension (in elements, possibly 0)
// and an offset. Shapes are []int; the 0-d shape [] is a scalar with one
// element. Results of kernels are new contiguous tensors in row-major order.
//
// # Views
//
// Reshape (when the layout allows it), View, Transpose, Permute, T, Slice,
// Select, Squeeze, Unsqueeze, Expand and BroadcastTo return views: they copy
// no elements and share storage, so a write through one is seen through the
// others. Reshape copies only when the strides cannot express the new shape,
// as PyTorch's does; Contiguous copies only a non-contiguous tensor.
// IndexSelect, Concat and Stack copy.
//
// # Broadcasting
//
// Every binary elementwise op broadcasts its operands with NumPy's rule,
// stated once in BroadcastShapes: align shapes from the right, pad the
// shorter with leading 1s; in each dimension the sizes must be equal or one
// of them 1. SumTo is the inverse (it sums a broadcast result back to an
// operand's shape), and is what gradients of broadcast operands go through.
//
// # In-place writes and versions
//
// Methods whose names end in InPlace, and Set, Fill, Zero and CopyFrom,
// write into the receiver's storage and bump the storage's version counter,
// which views share. Autograd compares versions to detect a tensor that was
// modified after an op saved it for backward. An expanded tensor (stride 0)
// cannot be written in place.
//
// # Values and autograd
//
// Value[T] is the node that autograd differentiates: a tensor plus
// PyTorch's autograd state. Const and Param make leaves; every
// differentiable op (the package-level functions Add, Mul, MatMul, Exp,
// Sum, ... and the same-named Value methods) returns a new Value and, when
// an input requires a gradient, records the rule that sends a gradient back
// to its inputs. Whether an op records is decided from its inputs alone
// (PyTorch's requires_grad rule); there is no global grad mode.
//
//	w := tensor.Param(tensor.New([]float64{1, 2, 3}))
//	x := tensor.Const(tensor.New([]float64{4, 5, 6}))
//	loss := tensor.Sum(tensor.Mul(w, x))
//	loss.Backward()
//	fmt.Println(w.Grad().Data()) // [4 5 6]
//
// Backward accumulates into Grad of every leaf that requires a gradient,
// summing over paths and over calls until ZeroGrad sets it back to nil.
// Grad (the function) returns gradients without touching Grad fields, as
// torch.autograd.grad. With CreateGraph the gradients are recorded Values
// that can be differentiated again (Hessian-vector products, gradient
// penalties). Without RetainGraph a backward releases what the graph saved,
// and a second backward through it panics with autograd.ErrReleased.
//
// Each primitive's gradient rule is written in its doc comment and, in the
// code, right after its forward. Composites (Sub, Mean, Square, Stack...)
// have no rule of their own. At kinks the gradients are PyTorch's: relu'(0)
// = 0, abs'(0) = 0, clamp passes the gradient at its bounds, ties in Max and
// Min reductions split the gradient evenly, Maximum ties split it in halves.
// docs/ops.md lists every rule.
//
// # No-grad, detach and freezing
//
// PyTorch's torch.no_grad is thread-local state; here the equivalents are
// explicit and safe for any number of goroutines:
//
//   - Detach returns a leaf that shares storage and never requires a
//     gradient, to cut a graph (a hidden state carried across steps).
//   - Data returns the raw tensor: kernels on it never record. Writing
//     into it is the no-grad path that optimisers use.
//   - SetRequiresGrad(false) freezes a leaf: ops on it stop recording.
//
// In-place changes and their versions: Modify runs an in-place kernel on a
// Value and refuses leaves that require a gradient. Every in-place write
// bumps the storage's version counter; an op whose saved input was changed
// afterwards panics at backward with ErrVersion, naming the op and both
// versions.
//
// Users add their own differentiable ops with Function (PyTorch's
// autograd.Function); StraightThrough is the worked example. GradCheck
// checks any op's gradients against finite differences in float64.
//
// # Errors
//
// Misuse that is a programming error, such as shapes that do not
// broadcast, matrices that cannot be multiplied, an axis or index out of
// range, panics with an *OpError that wraps one of the sentinels ErrShape,
// ErrAxis, ErrIndex or ErrArgument and whose message names the operation and
// the shapes: "tensor: MatMul: mat1 and mat2 shapes cannot be multiplied
// (2x3 and 4x2)". Callers that recover can test it with errors.Is. Nothing
// in this package reads outside input, so nothing here returns an error.
//
// # Concurrency
//
// A tensor may be read by any number of goroutines at once. Writes (the
// in-place methods) must not run concurrently with other reads or writes of
// the same storage. Kernels never modify their operands. Recording an op
// never modifies its inputs, so many goroutines may run forward passes over
// one shared set of parameters; a backward writes the Grad of the leaves it
// reaches, so two backward passes into the same leaves must not overlap.
package tensor
