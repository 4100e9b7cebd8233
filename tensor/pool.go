package tensor

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// The buffer pool.
//
// Every tensor's storage is drawn from a size-classed pool, and the buffers
// that a plain backward pass (no CreateGraph) provably owns alone go back to
// it as soon as the pass is done with them, so that a steady-state training
// step reuses last step's memory instead of feeding the garbage collector.
//
// Which buffers may go back is decided by ownership, not by guessing:
//
//   - A storage is private when a native op's gradient rule allocated it
//     during a plain backward pass (node.Backward tells by the storage's
//     serial number, which is larger than any that existed when the rule
//     started). Nothing outside the pass can hold it: the rule ran no user
//     code and recorded nothing.
//   - While private, a storage counts the gradients pending in the engine
//     that point into it (refs); a pass-through rule such as Add's hands one
//     gradient to two inputs and makes that count 2.
//   - A storage stops being private for good (publish) the moment it could
//     be seen from outside: a leaf's Grad takes it, a hook or a Function's
//     backward receives it, or Grad returns it.
//   - When the engine is done with a gradient (node.Recycle) and the count
//     of a private storage drops to 0, its slice goes back to the pool and
//     the storage is emptied, so a use after release would fail loudly
//     rather than read another tensor's numbers.
//
// Forward results are recycled only on request (BackwardOptions
// ReleaseValues, see releaseValue), since a caller may read any of them
// after backward.

// storageSerial numbers storages in order of creation.
var storageSerial atomic.Uint64

// reuse switches recycling on and off (SetBufferReuse).
var reuse atomic.Bool

func init() { reuse.Store(true) }

// SetBufferReuse turns the recycling of gradient buffers on or off for the
// whole process and returns the previous setting; it is on by default.
// Results are bit-identical either way (a test checks it); turning it off
// only makes every backward pass allocate afresh, which can help when
// hunting a suspected memory bug. Turning it off also empties the pool.
func SetBufferReuse(on bool) (was bool) {
	was = reuse.Swap(on)
	if !on {
		pool32.drain()
		pool64.drain()
	}
	return was
}

// PoolStats reports on the buffer pool: the bytes of the buffers waiting
// in it for reuse, and the numbers of requests it served from them (Hits)
// and by allocating (Misses), for both element types together.
type PoolStats struct {
	Bytes  int64
	Hits   uint64
	Misses uint64
}

// BufferPoolStats returns the pool's current statistics.
func BufferPoolStats() PoolStats {
	a, b := pool32.stats(), pool64.stats()
	return PoolStats{Bytes: a.Bytes + b.Bytes, Hits: a.Hits + b.Hits, Misses: a.Misses + b.Misses}
}

const (
	// poolMinElems is the smallest buffer worth pooling: below it an
	// allocation costs less than the bookkeeping.
	poolMinElems = 64
	// poolSubClasses is the number of size classes per power of two, so
	// that a buffer wastes at most a quarter of its size.
	poolSubClasses = 4
	poolClasses    = 64 * poolSubClasses
	// poolPerClass bounds the buffers kept per class, and poolMaxBytes the
	// pool's total, so that a burst of large temporaries (one big
	// evaluation batch) is not kept forever.
	poolPerClass = 64
	poolMaxBytes = 1 << 30
)

// bufPool is the pool for one element type.
type bufPool[T Float] struct {
	mu     sync.Mutex
	free   [poolClasses][][]T
	bytes  int64
	hits   atomic.Uint64
	misses atomic.Uint64
}

var (
	pool32 bufPool[float32]
	pool64 bufPool[float64]
)

func poolFor[T Float]() *bufPool[T] {
	var z T
	switch any(z).(type) {
	case float32:
		return any(&pool32).(*bufPool[T])
	default:
		return any(&pool64).(*bufPool[T])
	}
}

// classSize returns the size of class c: 2^e·(4+f)/4 for c = 4e+f.
func classSize(c int) int {
	e, f := c/poolSubClasses, c%poolSubClasses
	return (1 << e) / poolSubClasses * (poolSubClasses + f)
}

// classUp returns the smallest class whose size is at least n (n ≥ 4).
func classUp(n int) int {
	e := bits.Len(uint(n)) - 1 // 2^e ≤ n < 2^(e+1)
	step := (1 << e) / poolSubClasses
	f := (n - (1 << e) + step - 1) / step // sub-class, 0..4
	return e*poolSubClasses + f           // f == 4 is the next power's class 0
}

// classDown returns the largest class whose size is at most n (n ≥ 4).
func classDown(n int) int {
	e := bits.Len(uint(n)) - 1
	step := (1 << e) / poolSubClasses
	return e*poolSubClasses + (n-(1<<e))/step
}

// get returns a slice of n elements with unspecified contents.
func (p *bufPool[T]) get(n int) []T {
	if n < poolMinElems {
		return make([]T, n)
	}
	c := classUp(n)
	if reuse.Load() {
		p.mu.Lock()
		if k := len(p.free[c]); k > 0 {
			buf := p.free[c][k-1]
			p.free[c][k-1] = nil
			p.free[c] = p.free[c][:k-1]
			p.bytes -= int64(cap(buf)) * sizeof[T]()
			p.mu.Unlock()
			p.hits.Add(1)
			return buf[:n]
		}
		p.mu.Unlock()
	}
	p.misses.Add(1)
	return make([]T, n, classSize(c))
}

// put offers buf for reuse; the caller must hold the only reference.
func (p *bufPool[T]) put(buf []T) {
	if cap(buf) < poolMinElems || !reuse.Load() {
		return
	}
	c := classDown(cap(buf))
	p.mu.Lock()
	defer p.mu.Unlock()
	size := int64(cap(buf)) * sizeof[T]()
	if len(p.free[c]) >= poolPerClass || p.bytes+size > poolMaxBytes {
		return
	}
	p.free[c] = append(p.free[c], buf[:cap(buf)])
	p.bytes += size
}

func (p *bufPool[T]) drain() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.free {
		clear(p.free[c])
		p.free[c] = p.free[c][:0]
	}
	p.bytes = 0
}

func (p *bufPool[T]) stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return PoolStats{Bytes: p.bytes, Hits: p.hits.Load(), Misses: p.misses.Load()}
}

func sizeof[T Float]() int64 {
	var z T
	if any(z) == any(float32(0)) {
		return 4
	}
	return 8
}

// alloc returns a new contiguous tensor of the given shape whose elements
// are unspecified: for results that a kernel overwrites completely.
func alloc[T Float](shape []int) *Tensor[T] {
	return wrap(poolFor[T]().get(numel(shape)), shape)
}

// publish marks t's storage as visible outside the engine: it will never
// be recycled.
func publish[T Float](t *Tensor[T]) {
	if t.st.private {
		t.st.private = false
		t.st.refs = 0
	}
}

// retain counts one more pending gradient in t's storage if it is private.
func retain[T Float](t *Tensor[T]) {
	if t.st.private {
		t.st.refs++
	}
}

// release counts one pending gradient in t's storage less, and recycles
// the storage when it was the last.
func release[T Float](t *Tensor[T]) {
	st := t.st
	if !st.private {
		return
	}
	if st.refs--; st.refs > 0 {
		return
	}
	buf := st.data
	st.data = nil
	st.private = false
	poolFor[T]().put(buf)
}

// escape marks t's storage as handed out: never released by ReleaseValues.
func (t *Tensor[T]) escape() {
	if t.st.owner.Load() != nil {
		t.st.owner.Store(nil)
	}
}

// released reports whether t's storage went back to the pool.
func (t *Tensor[T]) released() bool { return t.st.data == nil && t.Size() > 0 }

// claim makes out, a recorded result of a native op, the owner of its
// storage if the op made that storage: it is newer than every input's.
// A view of an input, or anything older, is left alone.
func claim[T Float](out *Value[T], inputs []*Value[T]) {
	st := out.data.st
	if st.owner.Load() != nil {
		return
	}
	for _, in := range inputs {
		if in.data.st.serial >= st.serial {
			return
		}
	}
	st.owner.Store(out)
}

// ReleaseValue gives n's data back to the pool if n made it and it was
// never handed out (BackwardOptions.ReleaseValues).
func (n *node[T]) ReleaseValue() {
	v := n.value()
	st := v.data.st
	if st.owner.Load() != v || !reuse.Load() || st.data == nil {
		return
	}
	buf := st.data
	st.data = nil
	st.owner.Store(nil)
	poolFor[T]().put(buf)
}
