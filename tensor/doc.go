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
// the same storage. Kernels never modify their operands.
package tensor
