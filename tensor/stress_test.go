package tensor_test

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chainrule/chainrule/tensor"
)

// Stress tests, run under the race detector by .ci/run: goroutines that
// train and serve at once for a bounded time, a graph a million nodes deep
// and one with a hundred thousand inputs to one node.

// stressDuration is how long TestStressTrainAndServe runs:
// CHAINRULE_STRESS (a Go duration) or 500ms, 100ms with -short.
func stressDuration(t *testing.T) time.Duration {
	if s := os.Getenv("CHAINRULE_STRESS"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("CHAINRULE_STRESS=%q: %v", s, err)
		}
		return d
	}
	if testing.Short() {
		return 100 * time.Millisecond
	}
	return 500 * time.Millisecond
}

// snapshot is a trained model published for serving: read-only once
// published, so any number of goroutines may run it.
type snapshot struct {
	step          int
	wx, wh, b, wo *tensor.Value[float32]
}

func snap(r *rnn, step int) *snapshot {
	c := func(v *tensor.Value[float32]) *tensor.Value[float32] { return tensor.Param(v.Data().Clone()) }
	return &snapshot{step: step, wx: c(r.wx), wh: c(r.wh), b: c(r.b), wo: c(r.wo)}
}

// serve runs the snapshot on x from state h, traced and checked, and
// returns the prediction and its gradient with respect to x (a saliency
// map), computed by Grad so that no shared Grad field is written.
func (s *snapshot) serve(x, h *tensor.Value[float32]) (pred, saliency *tensor.Tensor[float32]) {
	x = tensor.Traced(tensor.Param(x.Data()), tensor.TraceForward)
	next := x.MatMul(s.wx).Add(h.MatMul(s.wh)).Add(s.b).Tanh()
	out := next.MatMul(s.wo).Sum()
	g := tensor.Grad([]*tensor.Value[float32]{out}, []*tensor.Value[float32]{x}, nil,
		tensor.GradOptions{Options: tensor.BackwardOptions{DetectAnomaly: true}})
	return out.Data(), g[0].Data()
}

// TestStressTrainAndServe trains two models in two goroutines, each
// publishing a snapshot every few steps, while four goroutines serve the
// latest snapshots and a fixed one shared by all: forward passes, traced
// with anomaly checks, and Grad with respect to their inputs. The shared
// snapshot must give every server the same answer, bit for bit, as it gave
// before the goroutines started.
func TestStressTrainAndServe(t *testing.T) {
	deadline := time.Now().Add(stressDuration(t))
	shared := snap(newRNN(t), 0)
	probe := newRNN(t)
	x0, h0 := probe.xs[0], probe.initial()
	wantPred, wantSal := shared.serve(x0, h0)

	var latest [2]atomic.Pointer[snapshot]
	var trained, served atomic.Int64
	var wg sync.WaitGroup
	for k := range latest {
		r := newRNN(t)
		latest[k].Store(snap(r, 0))
		wg.Go(func() {
			h := r.initial()
			for i := 0; time.Now().Before(deadline); i++ {
				var loss *tensor.Value[float32]
				h, loss = r.forward(i, h)
				h = h.Detach()
				r.opt.ZeroGrad()
				loss.BackwardWith(nil, tensor.BackwardOptions{DetectAnomaly: true})
				r.opt.Step()
				if i%10 == 9 {
					latest[k].Store(snap(r, i+1))
				}
				trained.Add(1)
			}
		})
	}
	for s := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(s), 9))
			for time.Now().Before(deadline) {
				pred, sal := shared.serve(x0, h0)
				if !slices.Equal(pred.ToSlice(), wantPred.ToSlice()) || !slices.Equal(sal.ToSlice(), wantSal.ToSlice()) {
					t.Errorf("server %d: the shared snapshot's answer changed", s)
					return
				}
				m := latest[rng.IntN(len(latest))].Load()
				x := tensor.Const(tensor.Normal[float32](rng, 0, 1, leakBatch, leakIn))
				pred, sal = m.serve(x, h0)
				if len(pred.Shape()) != 0 || !slices.Equal(sal.Shape(), []int{leakBatch, leakIn}) {
					t.Errorf("server %d: snapshot %d gave shapes %v and %v", s, m.step, pred.Shape(), sal.Shape())
					return
				}
				served.Add(1)
			}
		})
	}
	wg.Wait()
	t.Logf("%d training steps and %d requests served", trained.Load(), served.Load())
	if trained.Load() == 0 || served.Load() == 0 {
		t.Errorf("%d training steps and %d requests: want some of each", trained.Load(), served.Load())
	}
}

// TestStressDeepGraph runs backward over a chain of a million ops: the
// engine's search is iterative, so depth costs no stack.
func TestStressDeepGraph(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 10_000
	}
	x := tensor.Param(tensor.Scalar[float64](0.5))
	y := x
	for range n {
		y = y.MulScalar(1)
	}
	var st tensor.BackwardStats
	y.BackwardWith(nil, tensor.BackwardOptions{Stats: &st})
	if st.Nodes != n+1 || st.Ran != n {
		t.Errorf("backward reached %d nodes and ran %d; want %d and %d", st.Nodes, st.Ran, n+1, n)
	}
	if got := x.Grad().Item(); got != 1 {
		t.Errorf("gradient through %d ops: %v; want 1", n, got)
	}
}

// TestStressWideGraph runs backward through one op with 100,000 inputs.
func TestStressWideGraph(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 1_000
	}
	xs := make([]*tensor.Value[float64], n)
	w := make([]float64, n)
	for i := range xs {
		xs[i] = tensor.Param(tensor.New([]float64{float64(i)})).Named("x" + strconv.Itoa(i))
		w[i] = float64(i%7) - 3
	}
	cat := tensor.Concat(0, xs...)
	loss := cat.Mul(tensor.Const(tensor.New(w))).Sum()
	var st tensor.BackwardStats
	loss.BackwardWith(nil, tensor.BackwardOptions{Stats: &st})
	if want := n + 3; st.Nodes != want { // the inputs, Concat, Mul, Sum
		t.Errorf("backward reached %d nodes; want %d", st.Nodes, want)
	}
	for i, x := range xs {
		if g := x.Grad().Item(); g != w[i] {
			t.Fatalf("gradient of input %d: %v; want %v", i, g, w[i])
		}
	}
}
