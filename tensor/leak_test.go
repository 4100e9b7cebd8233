package tensor_test

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/chainrule/chainrule/autograd"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// The leak tests: a training loop that carries a hidden state across steps
// runs 10,000 steps in a flat heap when it detaches the state, and each way
// of forgetting to detach is either refused at once (ErrReleased,
// ErrVersion) or shows in a number the library exposes: the nodes a
// backward pass reached (BackwardStats.Nodes) or the size of the graph
// behind a value (GraphSize). docs/errors.md explains how to read them.

// rnn is a small recurrent network: h' = tanh(x Wx + h Wh + b), and a
// linear read-out of h', trained to predict a target from a sequence.
type rnn struct {
	wx, wh, b, wo *tensor.Value[float32]
	xs, ys        []*tensor.Value[float32] // one input and target per step, cycled
	opt           *optim.SGD[float32]
}

const (
	leakBatch  = 8
	leakIn     = 4
	leakHidden = 16
)

func newRNN(t testing.TB) *rnn {
	rng := rand.New(rand.NewPCG(3, 4))
	r := &rnn{
		wx: tensor.Param(tensor.Normal[float32](rng, 0, 0.3, leakIn, leakHidden)),
		wh: tensor.Param(tensor.Normal[float32](rng, 0, 0.3, leakHidden, leakHidden)),
		b:  tensor.Param(tensor.Zeros[float32](leakHidden)),
		wo: tensor.Param(tensor.Normal[float32](rng, 0, 0.3, leakHidden, 1)),
	}
	for range 16 {
		r.xs = append(r.xs, tensor.Const(tensor.Normal[float32](rng, 0, 1, leakBatch, leakIn)))
		r.ys = append(r.ys, tensor.Const(tensor.Normal[float32](rng, 0, 1, leakBatch, 1)))
	}
	opt, err := optim.NewSGD([]*tensor.Value[float32]{r.wx, r.wh, r.b, r.wo}, optim.SGDOptions{LR: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	r.opt = opt
	return r
}

// forward runs step i of the sequence from state h and returns the new
// state and the step's loss.
func (r *rnn) forward(i int, h *tensor.Value[float32]) (next, loss *tensor.Value[float32]) {
	x, y := r.xs[i%len(r.xs)], r.ys[i%len(r.ys)]
	next = x.MatMul(r.wx).Add(h.MatMul(r.wh)).Add(r.b).Tanh()
	d := next.MatMul(r.wo).Sub(y)
	return next, d.Mul(d).Mean()
}

func (r *rnn) initial() *tensor.Value[float32] {
	return tensor.Const(tensor.Zeros[float32](leakBatch, leakHidden))
}

// liveHeap returns the bytes of live heap objects after a full collection,
// from runtime/metrics. Two collections also empty sync.Pools (the engine
// keeps its scratch in one), whose contents survive the first.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestLeakTrainingFlat trains 10,000 steps, detaching the hidden state
// after each, and checks that the live heap does not grow between step
// 1,000 and step 10,000 and that every backward reaches the same number of
// nodes.
func TestLeakTrainingFlat(t *testing.T) {
	const steps, warm = 10_000, 1_000
	// A leak of one 24-byte object per step would grow the heap by 216 KB
	// over the measured steps: the bound is below that.
	const slack = 128 << 10
	r := newRNN(t)
	h := r.initial()
	var st tensor.BackwardStats
	nodes := 0
	var before uint64
	for i := range steps {
		if i == warm {
			before = liveHeap()
		}
		var loss *tensor.Value[float32]
		h, loss = r.forward(i, h)
		h = h.Detach()
		r.opt.ZeroGrad()
		loss.BackwardWith(nil, tensor.BackwardOptions{Stats: &st})
		r.opt.Step()
		if i == 0 {
			nodes = st.Nodes
		} else if st.Nodes != nodes {
			t.Fatalf("step %d: backward reached %d nodes; step 0 reached %d", i, st.Nodes, nodes)
		}
	}
	after := liveHeap()
	runtime.KeepAlive(r) // so that what the loop kept alive is counted
	runtime.KeepAlive(h)
	t.Logf("live heap at step %d: %d bytes, at step %d: %d bytes (%+d); %d nodes per backward",
		warm, before, steps, after, int64(after)-int64(before), nodes)
	if after > before+slack {
		t.Errorf("live heap grew from %d to %d bytes over %d steps; want at most %d bytes of growth", before, after, steps-warm, slack)
	}
}

// TestLeakForgotDetach runs the same loop without the Detach.
func TestLeakForgotDetach(t *testing.T) {
	// Without RetainGraph the second step's backward reaches the first
	// step's released nodes: refused at once.
	t.Run("released", func(t *testing.T) {
		r := newRNN(t)
		h := r.initial()
		err := panicked(func() {
			for i := range 2 {
				var loss *tensor.Value[float32]
				h, loss = r.forward(i, h)
				r.opt.ZeroGrad()
				loss.Backward()
				r.opt.Step()
			}
		})
		if !errors.Is(err, autograd.ErrReleased) {
			t.Fatalf("second step: %v; want a panic wrapping autograd.ErrReleased", err)
		}
	})

	// RetainGraph, the tempting fix for that error, is refused at the
	// second step too: the optimiser changed weights the first step saved.
	t.Run("retained", func(t *testing.T) {
		r := newRNN(t)
		h := r.initial()
		err := panicked(func() {
			for i := range 2 {
				var loss *tensor.Value[float32]
				h, loss = r.forward(i, h)
				r.opt.ZeroGrad()
				loss.BackwardWith(nil, tensor.BackwardOptions{RetainGraph: true})
				r.opt.Step()
			}
		})
		if !errors.Is(err, tensor.ErrVersion) {
			t.Fatalf("second step: %v; want a panic wrapping tensor.ErrVersion", err)
		}
	})

	// Without an optimiser step between the backwards (gradients
	// accumulated over the sequence, one step at its end) nothing is
	// refused: each backward walks back through every earlier step. The
	// count of nodes it reached grows by the same amount every step, and
	// the time per step with it.
	t.Run("accumulated", func(t *testing.T) {
		const steps = 200
		r := newRNN(t)
		h := r.initial()
		var st tensor.BackwardStats
		counts := make([]int, steps)
		for i := range steps {
			var loss *tensor.Value[float32]
			h, loss = r.forward(i, h)
			loss.BackwardWith(nil, tensor.BackwardOptions{RetainGraph: true, Stats: &st})
			counts[i] = st.Nodes
		}
		per := counts[2] - counts[1]
		if per <= 0 {
			t.Fatalf("nodes per backward %v...: want growth", counts[:3])
		}
		for i := 2; i < steps; i++ {
			if counts[i]-counts[i-1] != per {
				t.Fatalf("backward %d reached %d nodes, backward %d %d; want a growth of %d per step", i-1, counts[i-1], i, counts[i], per)
			}
		}
		t.Logf("nodes reached per backward: %d at step 1, %d at step %d (+%d per step)", counts[0], counts[steps-1], steps, per)
		// The fix: detach, and every backward reaches what the first did.
		h = h.Detach()
		_, loss := r.forward(steps, h)
		loss.BackwardWith(nil, tensor.BackwardOptions{Stats: &st})
		if st.Nodes != counts[0] {
			t.Errorf("after Detach backward reached %d nodes; want %d", st.Nodes, counts[0])
		}
	})

	// A running total of the loss kept as a Value (for logging) never goes
	// through backward, so nothing checks it: it keeps every step's graph,
	// with its tensors, alive. Its GraphSize grows by a step's graph per
	// step, and so does the heap.
	t.Run("total", func(t *testing.T) {
		const steps, every = 2_000, 100
		r := newRNN(t)
		h := r.initial()
		total := tensor.Const(tensor.Scalar[float32](0))
		var sizes []int // GraphSize after every 100 steps
		before := liveHeap()
		for i := range steps {
			var loss *tensor.Value[float32]
			h, loss = r.forward(i, h)
			h = h.Detach()
			total = total.Add(loss) // the bug: total.Add(loss.Detach()), or loss.Item()
			r.opt.ZeroGrad()
			loss.Backward()
			r.opt.Step()
			if i%every == 0 {
				sizes = append(sizes, total.GraphSize())
			}
		}
		grown := int64(liveHeap()) - int64(before)
		runtime.KeepAlive(total)
		per := sizes[1] - sizes[0]
		for i := 1; i < len(sizes); i++ {
			if sizes[i]-sizes[i-1] != per || per <= every {
				t.Fatalf("GraphSize after step %d: %d, after step %d: %d; want a growth of %d > %d per %d steps",
					(i-1)*every+1, sizes[i-1], i*every+1, sizes[i], per, every, every)
			}
		}
		t.Logf("total.GraphSize(): %d after step 1, %d after step %d (+%d per step); live heap grew by %d bytes (%d per step)",
			sizes[0], sizes[len(sizes)-1], (len(sizes)-1)*every+1, per/every, grown, grown/steps)
		// The heap measurement of TestLeakTrainingFlat must see this leak.
		if grown < 1<<20 {
			t.Errorf("live heap grew by %d bytes over %d leaking steps; want over 1 MiB", grown, steps)
		}
	})
}
