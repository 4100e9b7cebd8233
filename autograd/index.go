package autograd

import "hash/maphash"

// index numbers the nodes of one pass: it maps a node to its vertex index.
// A Go map would do, but numbering is the engine's main cost (one lookup
// per edge), and this table took half the time of a map[Node[G]]int32 on a
// million-node chain: a slot is 8 bytes (32 bits of the node's hash and its
// vertex index), the keys stay in the vertices, and growth rehashes from
// the stored hash bits without touching the nodes.
type index[G comparable] struct {
	slots []uint64 // 0: empty; else hash<<32 | vertex+1
	count int
}

// seed is the hash seed of every pass; it is only ever read.
var seed = maphash.MakeSeed()

// lookup returns n's vertex index in verts, or, if n is new, -1 and the
// slot and hash to pass to insert.
func (ix *index[G]) lookup(n Node[G], verts []vertex[G]) (v int32, slot int, h uint32) {
	if ix.slots == nil {
		ix.slots = make([]uint64, 64)
	}
	// Hashed as an any (the same hash): maphash.Comparable instantiated
	// with the type parameter itself panics ("intrinsic") in Go 1.26.
	h = uint32(maphash.Comparable[any](seed, n))
	mask := len(ix.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := ix.slots[i]
		if s == 0 {
			return -1, i, h
		}
		if uint32(s>>32) == h && verts[uint32(s)-1].node == n {
			return int32(uint32(s) - 1), i, h
		}
	}
}

// insert records vertex v, with hash h, in the empty slot lookup returned.
func (ix *index[G]) insert(v int32, slot int, h uint32) {
	ix.slots[slot] = uint64(h)<<32 | uint64(v+1)
	ix.count++
	if 2*ix.count > len(ix.slots) { // keep probe sequences short
		ix.grow()
	}
}

// reset empties the table, keeping its memory for the next pass.
func (ix *index[G]) reset() {
	clear(ix.slots)
	ix.count = 0
}

func (ix *index[G]) grow() {
	old := ix.slots
	ix.slots = make([]uint64, 2*len(old))
	mask := len(ix.slots) - 1
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := int(uint32(s>>32)) & mask
		for ix.slots[i] != 0 {
			i = (i + 1) & mask
		}
		ix.slots[i] = s
	}
}
