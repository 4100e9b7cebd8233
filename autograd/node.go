package autograd

// Node is one vertex of a recorded computation. G is the gradient type; its
// zero value means "no gradient" (for example a nil *tensor.Value).
//
// The engine hashes nodes and compares them with ==, so a Node's dynamic
// type must be comparable (in practice a pointer; one that is not makes a
// pass panic, as it would make a map), and a missing input must be a nil
// interface, not a typed nil pointer.
type Node[G comparable] interface {
	// Inputs returns the nodes gradients flow to, in argument order. A nil
	// entry is an input that does not take a gradient. Leaves return nil.
	Inputs() []Node[G]
	// Backward returns one gradient per entry of Inputs() (entries for nil
	// inputs are ignored; a zero G means no contribution), given g, this
	// node's summed gradient. With createGraph the returned gradients must
	// themselves be recorded. After Release it must return an error
	// wrapping ErrReleased.
	Backward(g G, createGraph bool) ([]G, error)
	// Release frees what Backward needs (saved tensors). Idempotent.
	Release()
}

// Hooked is implemented by nodes that carry gradient hooks (PyTorch's
// tensor hooks). RunHooks is called once per pass with the node's summed
// incoming gradient, before anything else uses it: before Accumulate, before
// Backward, before Grad captures it. Its result replaces the gradient, so
// what a leaf stores, what a retained non-leaf stores and what flows on all
// see the hooked value (the PyTorch 2.x order). Returning the zero G drops
// the gradient.
type Hooked[G comparable] interface {
	RunHooks(g G) G
}

// Accumulator is implemented by nodes that may store their gradient: leaves
// that require a gradient and non-leaves that retain theirs. Backward (never
// Grad) calls Accumulate once per pass for every reached node that
// implements it, with the node's summed, hooked gradient; the node decides
// whether to store it.
type Accumulator[G comparable] interface {
	Accumulate(g G, createGraph bool)
}

// AddFunc returns the sum of two gradients for the same node. With
// createGraph the sum must be recorded, like Backward's results.
type AddFunc[G comparable] func(a, b G, createGraph bool) G

// Checker is implemented by nodes that can vet the gradients their
// Backward returned: anomaly mode. With Options.DetectAnomaly the engine
// calls CheckGradients right after each Backward of a node that implements
// it, with that call's results (one per entry of Inputs()); an error stops
// the pass, which returns it as a *NodeError naming the node. Since nodes
// run in topological order, the node named is the first whose gradients
// went wrong. PyTorch's anomaly mode checks the results for NaN.
type Checker[G comparable] interface {
	CheckGradients(grads []G) error
}

// Recycler is implemented by nodes whose gradients can own memory worth
// reusing. In a pass without CreateGraph the engine calls Recycle once for
// every gradient it is done with: a node's gradient after the node's
// Backward ran (or after Accumulate, for a node that does not run), and
// each gradient a Backward returned for an input that the pass does not
// need. It never calls it on a gradient that Grad returns. What Recycle
// does is the node's business: the engine only promises that it will not
// use g again.
type Recycler[G comparable] interface {
	Recycle(g G)
}

// ValueReleaser is implemented by nodes that can give up their own value
// (not just what they saved) after their Backward ran: with
// Options.ReleaseValues the engine calls ReleaseValue on every node that
// ran, except the roots, right before Release. The node decides what is
// safe to free; afterwards no node of the pass reads it (every node that
// reads a value runs before the node that made it).
type ValueReleaser interface {
	ReleaseValue()
}
