// Package autograd is the reverse-mode engine of chainrule: it runs the
// chain rule backwards over a recorded computation. It knows nothing about
// arrays. Package tensor's Value is one kind of node; the tests use a scalar
// node, which shows that any node type will do.
//
// # Nodes and gradients
//
// A Node is one vertex of a recorded computation: an op's result, or a leaf
// (a value the user made). Edges point from a result to its inputs only, in
// argument order, so recording never changes an input. G is the gradient type,
// usually the node type itself (a *tensor.Value), so that with CreateGraph a
// gradient can be a node of a new graph. The zero G (a nil pointer) means "no
// gradient": a node may return it for an input that gets nothing, a hook may
// return it to drop a gradient, and a node whose gradient is zero is not used
// (no hooks, no Accumulate, no Backward).
//
// A node's Inputs are read once per pass. A nil entry is an input that takes
// no gradient (in PyTorch terms, one that does not require grad). It must be
// a nil interface, not a typed nil pointer, because nodes are hashed and
// compared with == during a pass.
//
// # Order and sums
//
// Backward and Grad search the graph depth first from the roots, in order,
// following inputs in argument order, and visit nodes in the reverse of that
// search's postorder. So every node comes after all the nodes it feeds, and
// all gradients reaching it by several paths have been summed (by the caller's
// AddFunc) before it is used: x*x + 2*x at 3 gives x the gradient 8 in one
// Accumulate. The order depends only on the graph, so sums, and therefore
// results, are the same bit for bit on every run. The search is iterative: a
// graph is as deep as the computation is long, and a chain of a million nodes
// is fine.
//
// For each node in turn, the engine
//
//  1. runs its hooks (Hooked) on the summed gradient; their result replaces it;
//  2. hands it to Accumulate (Backward) or keeps it as a result (Grad);
//  3. calls its Backward and adds the results to its inputs' gradients.
//
// This is PyTorch 2.x's order: what a leaf stores, what a non-leaf that
// retains its gradient stores, and what flows on all include the hooks'
// effect.
//
// # Accumulation
//
// Backward calls Accumulate on every reached node that implements
// Accumulator (or, with inputs, on those of the inputs that are reached), once
// per call, with the node's summed, hooked gradient. The node decides whether to keep it:
// leaves that require a gradient and non-leaves that retain theirs add it to
// what they hold, so that repeated calls accumulate as in PyTorch. Grad never
// calls Accumulate; it returns the gradients instead, and it runs only the
// part of the graph that leads to its inputs.
//
// # Retaining and creating the graph
//
// Without Options.RetainGraph, Release is called on each node right after
// its Backward ran (or would have run: it is in the part of the graph the
// pass needs, but no gradient reached it), so that saved values are freed as
// early as possible, and a later pass through the node fails with an error
// wrapping ErrReleased. Options.CreateGraph passes createGraph=true to
// every Backward, AddFunc and Accumulate, so that the gradients are recorded
// and can be differentiated again (higher derivatives, Hessian-vector
// products); it implies RetainGraph. The mode is an argument, never a
// global, so a plain backward in one goroutine cannot make another record.
//
// # Cost
//
// A pass takes time and memory linear in the part of the graph it reaches.
// It reads each node's Inputs once, numbers nodes with a hash table of its
// own, and keeps about 70 bytes of scratch per node, which the next pass
// reuses (through a sync.Pool). The engine's own cost is of the order of
// 100 ns per node, more once the graph outgrows the processor's caches
// (BenchmarkBackwardChain, over nodes that do no work).
//
// # Concurrency
//
// A pass keeps all its scratch state (the numbering of nodes, edges, order,
// pending gradients) in the call, never in the nodes. So several goroutines
// may run Backward or Grad at once on disjoint graphs, and may run Grad at
// once on graphs that share nodes, provided the shared nodes' Inputs,
// RunHooks and (with retain or create graph off) Release are safe to call
// concurrently; the engine calls neither Accumulate nor Release on a leaf
// during Grad. Concurrent Backward calls that accumulate into a shared node
// must be synchronised by the node's Accumulate.
//
// # Errors
//
// Backward and Grad return errors, never panic for a bad graph. An error
// from a node's Backward stops the pass and comes back as a *NodeError,
// which names the node (by its String method if it has one) and wraps the
// node's error, so errors.Is(err, ErrReleased) works. Grad reports an input
// that got no gradient with ErrUnused (unless AllowUnused) and an empty input
// list with ErrNoInputs. Checking roots against seeds (shapes, a root that
// does not require a gradient) is the caller's job; the engine checks only
// that their numbers agree. Messages start with "autograd: ".
package autograd
