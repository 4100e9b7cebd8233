package autograd

import "strconv"

// Options control a backward pass.
type Options struct {
	// RetainGraph keeps what the nodes saved, so that the graph can be
	// differentiated again. Without it every node whose Backward ran is
	// released.
	RetainGraph bool
	// CreateGraph records the backward computation itself, so that the
	// gradients can be differentiated again. It implies RetainGraph.
	CreateGraph bool
	// DetectAnomaly turns on anomaly mode for this pass: after each node's
	// Backward the engine hands the results to the node's CheckGradients,
	// if it implements Checker, and stops at the first error. It is an
	// option of the pass, not a global mode, so a pass in one goroutine
	// never slows down or fails another's.
	DetectAnomaly bool
	// Stats, if not nil, receives what the pass did (the number of nodes
	// it reached and ran), also when a node fails.
	Stats *Stats
	// ReleaseValues lets every node that ran, except the roots, give up its
	// own value once its Backward is done (ValueReleaser): for training
	// loops that read nothing but the loss after backward, so that the
	// memory of the forward pass is reused by the next step. It is ignored
	// with RetainGraph or CreateGraph.
	ReleaseValues bool
}

// GradOptions control Grad.
type GradOptions struct {
	Options
	// AllowUnused makes Grad return the zero G for an input that received
	// no gradient instead of failing with ErrUnused.
	AllowUnused bool
}

// Backward runs the chain rule from roots, seeded with seeds (one per root),
// and hands every reached node that implements Accumulator its gradient:
// PyTorch's torch.autograd.backward. Gradients reaching a node by several
// paths are summed with add before the node is used. If inputs is non-empty
// only those nodes accumulate, and only the part of the graph that leads to
// them is run (PyTorch's backward(inputs=...)).
//
// It returns an error if the numbers of roots and seeds differ, if a root is
// nil, if the graph has a cycle, or (as a *NodeError) if a node's Backward
// fails, for example with ErrReleased; the pass stops at the first error.
func Backward[G comparable](roots []Node[G], seeds []G, add AddFunc[G], opts Options, inputs ...Node[G]) error {
	var p pass[G] // on the stack: a pass per training step
	if err := p.start(roots, seeds, add, opts, inputs, "Backward"); err != nil {
		return err
	}
	defer p.done()
	return p.run(true)
}

// Grad returns the gradient of the roots (outputs), seeded with seeds, with
// respect to each of inputs: PyTorch's torch.autograd.grad. An input may be
// an interior node; its gradient is taken after its hooks ran. Grad touches
// no Accumulator and runs Backward only on nodes from which some input is
// reachable.
//
// It returns an error wrapping ErrNoInputs if inputs is empty, and one
// wrapping ErrUnused, naming the input's position, if an input received no
// gradient (unless opts.AllowUnused, which gives the zero G instead); and the
// errors of Backward.
func Grad[G comparable](outputs, inputs []Node[G], seeds []G, add AddFunc[G], opts GradOptions) ([]G, error) {
	if len(inputs) == 0 {
		return nil, ErrNoInputs
	}
	var p pass[G]
	if err := p.start(outputs, seeds, add, opts.Options, inputs, "Grad"); err != nil {
		return nil, err
	}
	defer p.done()
	if err := p.run(false); err != nil {
		return nil, err
	}
	grads := make([]G, len(inputs))
	var zero G
	for i, v := range p.targets {
		grads[i] = p.gr.verts[v].grad
		if grads[i] == zero && !opts.AllowUnused {
			return nil, &contextError{context: "Grad: input " + strconv.Itoa(i), err: ErrUnused}
		}
	}
	return grads, nil
}

// pass is one call of Backward or Grad.
type pass[G comparable] struct {
	gr      *graph[G]
	targets []int32 // vertex index of each of the caller's inputs
	add     AddFunc[G]
	create  bool
	retain  bool
	detect  bool   // anomaly mode: run Checker after each Backward
	values  bool   // ReleaseValues without retain
	stats   *Stats // the caller's, or nil
	ran     int    // nodes whose Backward ran
}

// start sets p up: it checks the arguments, discovers and sorts the graph,
// and seeds the roots. Unless it fails, the caller must call p.done when
// done.
func (p *pass[G]) start(roots []Node[G], seeds []G, add AddFunc[G], opts Options, inputs []Node[G], op string) (err error) {
	if len(roots) != len(seeds) {
		return errorf("%s: got %d roots and %d seeds", op, len(roots), len(seeds))
	}
	gr := newGraph[G](len(inputs) == 0)
	defer func() {
		if err != nil {
			gr.free()
		}
	}()
	*p = pass[G]{
		gr:     gr,
		add:    add,
		create: opts.CreateGraph,
		retain: opts.RetainGraph || opts.CreateGraph,
		detect: opts.DetectAnomaly,
		stats:  opts.Stats,
	}
	p.values = opts.ReleaseValues && !p.retain
	// Number the inputs first so that the search knows its targets when it
	// meets them.
	p.targets = make([]int32, len(inputs))
	for i, in := range inputs {
		if in == nil {
			return errorf("%s: input %d is nil", op, i)
		}
		p.targets[i] = gr.id(in)
		gr.verts[p.targets[i]].flags |= target
	}
	ids := make([]int32, len(roots))
	for i, r := range roots {
		if r == nil {
			return errorf("%s: root %d is nil", op, i)
		}
		ids[i] = gr.id(r)
		gr.verts[ids[i]].flags |= root
	}
	if err := gr.sort(ids); err != nil {
		return err
	}
	var zero G
	for i, v := range ids {
		if seeds[i] != zero {
			p.receive(v, seeds[i])
		}
	}
	return nil
}

// done reports the pass's counts to the caller's Stats, if any, and frees
// its graph.
func (p *pass[G]) done() {
	if p.stats != nil {
		*p.stats = Stats{Nodes: len(p.gr.verts), Ran: p.ran}
	}
	p.gr.free()
}

// receive adds g to v's pending gradient.
func (p *pass[G]) receive(v int32, g G) {
	var zero G
	x := &p.gr.verts[v]
	if x.grad == zero {
		x.grad = g
		return
	}
	x.grad = p.add(x.grad, g, p.create)
}

// run visits the needed nodes, each after all the nodes it feeds, so that
// its gradient is complete: hooks, then Accumulate (if accumulate) or
// capture (Grad's targets keep their gradient in their vertex), then
// Backward, whose results flow on to the node's inputs.
func (p *pass[G]) run(accumulate bool) error {
	var zero G
	gr := p.gr
	for k := len(gr.order) - 1; k >= 0; k-- {
		v := gr.order[k]
		x := &gr.verts[v]
		if x.flags&needed == 0 {
			continue
		}
		n, g := roles(x.node), x.grad
		x.node, x.grad = nil, zero // drop references as the pass goes
		if g != zero {
			g = n.RunHooks(g)
		}
		captured := false
		if x.flags&target != 0 && g != zero {
			if !accumulate {
				x.grad = g
				captured = true
			} else {
				n.Accumulate(g, p.create)
			}
		}
		if x.flags&runs != 0 && g != zero {
			if err := p.backward(n, x.off, x.n, g); err != nil {
				return err
			}
		}
		if g != zero && !captured {
			p.recycle(n, g)
		}
		if x.flags&runs == 0 {
			continue
		}
		// A node that got no gradient counts as run, as in PyTorch, where
		// it would have been called with an undefined gradient.
		if p.values && x.flags&root == 0 {
			n.ReleaseValue()
		}
		if !p.retain {
			n.Release()
		}
	}
	return nil
}

// backward runs node n, whose edges are edges[off:off+cnt], with gradient
// g and sends its results to its needed inputs.
func (p *pass[G]) backward(n fullNode[G], off, cnt int32, g G) error {
	node := unwrap(n) // the caller's node, for errors and Checker
	grads, err := n.Backward(g, p.create)
	p.ran++
	if err != nil {
		return &NodeError{Node: node, Err: err}
	}
	if len(grads) != int(cnt) {
		return &NodeError{Node: node, Err: errorf("Backward returned %d gradients for %d inputs", len(grads), cnt)}
	}
	if p.detect {
		if c, ok := node.(Checker[G]); ok {
			if err := c.CheckGradients(grads); err != nil {
				return &NodeError{Node: node, Err: err}
			}
		}
	}
	var zero G
	for j, c := range p.gr.edges[off : off+cnt] {
		if grads[j] == zero {
			continue
		}
		if c >= 0 && p.gr.verts[c].flags&needed != 0 {
			p.receive(c, grads[j])
		} else {
			p.recycle(n, grads[j])
		}
	}
	return nil
}

// recycle tells n, in a pass without CreateGraph, that the pass is done
// with g (Recycler).
func (p *pass[G]) recycle(n fullNode[G], g G) {
	if !p.create {
		n.Recycle(g)
	}
}

// fullNode is a Node with every optional interface that a pass calls.
// The engine looks a node's roles up once per pass, as one fullNode: in
// generic code every type assertion to an interface is a lookup in the
// runtime's itab table, and asking for each interface at each use made
// several lookups per node (2% of a small network's training step).
type fullNode[G comparable] interface {
	Node[G]
	Hooked[G]
	Accumulator[G]
	Recycler[G]
	ValueReleaser
}

// roles returns n as a fullNode: n itself if it implements every
// interface, as tensor's nodes do, and otherwise n behind partialNode.
func roles[G comparable](n Node[G]) fullNode[G] {
	if f, ok := n.(fullNode[G]); ok {
		return f
	}
	return &partialNode[G]{n}
}

// unwrap returns the caller's node behind n.
func unwrap[G comparable](n fullNode[G]) Node[G] {
	if p, ok := n.(*partialNode[G]); ok {
		return p.Node
	}
	return n
}

// partialNode gives a Node that lacks some optional interfaces the ones
// it lacks, doing what the engine does for a node without them.
type partialNode[G comparable] struct{ Node[G] }

// RunHooks runs n's hooks, if it has any.
func (n *partialNode[G]) RunHooks(g G) G {
	if h, ok := n.Node.(Hooked[G]); ok {
		return h.RunHooks(g)
	}
	return g
}

// Accumulate passes g to n if n is an Accumulator.
func (n *partialNode[G]) Accumulate(g G, createGraph bool) {
	if a, ok := n.Node.(Accumulator[G]); ok {
		a.Accumulate(g, createGraph)
	}
}

// Recycle passes g to n if n is a Recycler.
func (n *partialNode[G]) Recycle(g G) {
	if r, ok := n.Node.(Recycler[G]); ok {
		r.Recycle(g)
	}
}

// ReleaseValue releases n's value if n is a ValueReleaser.
func (n *partialNode[G]) ReleaseValue() {
	if r, ok := n.Node.(ValueReleaser); ok {
		r.ReleaseValue()
	}
}
