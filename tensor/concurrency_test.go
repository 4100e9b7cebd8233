package tensor

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mlp is a 2-layer perceptron made of plain Values, enough to exercise
// recording and backward from many goroutines at once.
type mlp struct{ w1, b1, w2, b2 *Value[float64] }

func newMLP(rng *rand.Rand) *mlp {
	return &mlp{
		w1: Param(Uniform[float64](rng, -0.7, 0.7, 2, 4)),
		b1: Param(Uniform[float64](rng, -0.7, 0.7, 4)),
		w2: Param(Uniform[float64](rng, -0.5, 0.5, 4, 1)),
		b2: Param(Uniform[float64](rng, -0.5, 0.5, 1)),
	}
}

func (m *mlp) forward(x *Value[float64]) *Value[float64] {
	h := ReLU(Add(MatMul(x, m.w1), m.b1))
	return Sigmoid(Add(MatMul(h, m.w2), m.b2))
}

func (m *mlp) params() []*Value[float64] { return []*Value[float64]{m.w1, m.b1, m.w2, m.b2} }

// step runs one full-batch SGD step on a squared-error loss and returns the
// loss.
func (m *mlp) step(x, y *Value[float64], lr float64) float64 {
	for _, p := range m.params() {
		p.ZeroGrad()
	}
	d := Sub(m.forward(x), y)
	loss := Mean(Mul(d, d))
	loss.Backward()
	for _, p := range m.params() {
		p.Data().AddScaledInPlace(-lr, p.Grad().Data())
	}
	return loss.Item()
}

// TestConcurrentTrainAndServe trains independent models in some goroutines
// while others run inference on one shared model whose parameters require
// gradients. Run it under -race: recording must never write to an input,
// and a plain forward never touches shared state.
func TestConcurrentTrainAndServe(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := Const(Normal[float64](rng, 0, 1, 32, 2))
	y := Const(x.Data().Sum(1).Gt(Zeros[float64](32)).Reshape(32, 1))

	shared := newMLP(rng)
	want := shared.forward(x).Data().ToSlice()

	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got := shared.forward(x).Data().ToSlice(); !cmp.Equal(got, want) {
					errs <- "shared model's output changed during concurrent use"
					return
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := newMLP(rand.New(rand.NewPCG(uint64(g), 7)))
			first := m.step(x, y, 0.5)
			var last float64
			for range 100 {
				last = m.step(x, y, 0.5)
			}
			if !(last < first) {
				errs <- "independent training did not reduce its loss"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
