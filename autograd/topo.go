package autograd

import "sync"

// The graph of one pass: every node reachable from the roots, numbered in
// the order they are discovered, with its input edges and its place in a
// topological order. All of it lives in the pass, never in the nodes, so
// that passes over graphs sharing nodes can run at once.

// Vertex flags.
const (
	entered  uint8 = 1 << iota // Inputs() read and edges recorded
	finished                   // all inputs finished; in the postorder
	target                     // a node whose gradient the caller wants
	needed                     // a target is reachable from it, itself included
	runs                       // one of its inputs is needed: its Backward must run
	root                       // one of the pass's roots
)

// vertex is the pass's record of one node.
type vertex[G comparable] struct {
	node  Node[G]
	grad  G     // sum of the gradients received so far
	off   int32 // its edges are edges[off : off+n], in argument order
	n     int32
	flags uint8
}

// graph is the part of the reachable graph that one pass works on.
type graph[G comparable] struct {
	verts []vertex[G]
	edges []int32  // vertex index of each input, -1 for a nil input
	order []int32  // postorder: every node after all its inputs
	index index[G] // node to vertex index
	stack []frame  // the search's
	all   bool     // every node is a target (Backward without inputs)
}

// frame is a node on the search's stack and the next of its edges to follow.
type frame struct{ v, next int32 }

// graphs recycles the scratch of finished passes. A training loop runs a
// pass of about the same size every step; reusing the slices keeps the
// engine's allocations, and the garbage collector's work, out of the loop.
var graphs sync.Pool

// newGraph returns an empty graph, a recycled one if one for G is at hand.
func newGraph[G comparable](all bool) *graph[G] {
	gr, ok := graphs.Get().(*graph[G])
	if !ok {
		gr = new(graph[G])
	}
	gr.all = all
	return gr
}

// free empties gr, dropping its references to nodes and gradients so that
// the pool keeps no graph alive, and recycles it.
func (gr *graph[G]) free() {
	clear(gr.verts)
	gr.verts = gr.verts[:0]
	gr.edges = gr.edges[:0]
	gr.order = gr.order[:0]
	gr.stack = gr.stack[:0]
	gr.index.reset()
	graphs.Put(gr)
}

// id returns n's vertex index, numbering n if it is new.
func (gr *graph[G]) id(n Node[G]) int32 {
	i, slot, h := gr.index.lookup(n, gr.verts)
	if i >= 0 {
		return i
	}
	i = int32(len(gr.verts))
	gr.verts = append(gr.verts, vertex[G]{node: n})
	gr.index.insert(i, slot, h)
	return i
}

// enter reads v's inputs, once, and records them as edges.
func (gr *graph[G]) enter(v int32) {
	ins := gr.verts[v].node.Inputs()
	off := int32(len(gr.edges))
	for _, in := range ins {
		c := int32(-1)
		if in != nil {
			c = gr.id(in)
		}
		gr.edges = append(gr.edges, c)
	}
	x := &gr.verts[v] // id may have grown verts: take the address afterwards
	x.off, x.n = off, int32(len(ins))
	x.flags |= entered
	if gr.all {
		x.flags |= target
	}
}

// sort runs a depth-first search from the roots, in order, following inputs
// in argument order, and appends every node to gr.order once all of its
// inputs are there. Reversed, that order puts each node before its inputs,
// so a node's gradient is complete when its turn comes; and because it only
// depends on the order of roots and inputs, so does the order in which
// gradients are summed. The search keeps its own stack rather than
// recursing, since graphs are as deep as the computation is long (a
// million-step chain is an ordinary RNN unrolled over a long sequence).
//
// On the way back up it marks which nodes lead to a target (needed) and
// which must run Backward (runs), so that a pass can skip branches that
// lead to no target. It returns an error if the graph has a cycle.
func (gr *graph[G]) sort(roots []int32) error {
	stack := gr.stack
	defer func() { gr.stack = stack[:0] }()
	for _, r := range roots {
		if gr.verts[r].flags&entered != 0 {
			continue
		}
		gr.enter(r)
		stack = append(stack, frame{r, gr.verts[r].off})
		for len(stack) > 0 {
			top := len(stack) - 1
			v := stack[top].v
			if e := stack[top].next; e < gr.verts[v].off+gr.verts[v].n {
				stack[top].next++
				c := gr.edges[e]
				if c < 0 {
					continue
				}
				switch f := gr.verts[c].flags; {
				case f&entered == 0:
					gr.enter(c)
					stack = append(stack, frame{c, gr.verts[c].off})
				case f&finished == 0:
					return errorf("the graph has a cycle through %s", nodeName(gr.verts[c].node))
				}
				continue
			}
			stack = stack[:top]
			gr.finish(v)
		}
	}
	return nil
}

// finish marks v finished and, its inputs being finished already, decides
// whether it is needed and whether it runs.
func (gr *graph[G]) finish(v int32) {
	x := &gr.verts[v]
	f := x.flags | finished
	for _, c := range gr.edges[x.off : x.off+x.n] {
		if c >= 0 && gr.verts[c].flags&needed != 0 {
			f |= runs | needed
			break
		}
	}
	if f&target != 0 {
		f |= needed
	}
	x.flags = f
	gr.order = append(gr.order, v)
}
