package tensor_test

import (
	"errors"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chainrule/chainrule/autograd"
	"github.com/chainrule/chainrule/tensor"
)

// Anomaly mode's tests live in package tensor_test: call sites are frames
// outside chainrule's packages, and this package's internal tests have none.

// here returns "file:line" of its caller, to compare with recorded sites.
func here() string {
	_, file, line, _ := runtime.Caller(1)
	return file + ":" + strconv.Itoa(line)
}

func vec(xs ...float64) *tensor.Value[float64] { return tensor.Param(tensor.New(xs)) }

// anomaly runs a DetectAnomaly backward of loss and returns its panic.
func anomaly(loss *tensor.Value[float64]) error {
	return panicked(func() { loss.BackwardWith(nil, tensor.BackwardOptions{DetectAnomaly: true}) })
}

// TestAnomalyNamesFirstNaN checks SEMANTICS.md §1.14: the pass stops at the
// first node whose returned gradient has NaN, names it, and names where its
// forward ran; without DetectAnomaly the NaN reaches the leaf silently.
func TestAnomalyNamesFirstNaN(t *testing.T) {
	x := tensor.Traced(vec(0, 1), tensor.TraceSites)
	y, site := x.Sqrt(), here()
	loss := y.MulScalar(0).Exp().Sum() // Exp and MulScalar pass finite gradients; Sqrt's is 0*Inf
	err := anomaly(loss)
	if !errors.Is(err, tensor.ErrAnomaly) {
		t.Fatalf("panic %v; want one wrapping ErrAnomaly", err)
	}
	var ne *autograd.NodeError
	if !errors.As(err, &ne) {
		t.Fatalf("panic %T; want an *autograd.NodeError", err)
	}
	want := "function 'Sqrt' returned nan values in its 0th output; its forward ran at " + site
	if !strings.Contains(err.Error(), want) {
		t.Errorf("message %q; want it to contain %q", err, want)
	}
	if y.Site() != site {
		t.Errorf("Site() = %q; want %q", y.Site(), site)
	}

	// The same graph without anomaly mode: NaN in the gradient, no error.
	x2 := vec(0, 1)
	x2.Sqrt().MulScalar(0).Exp().Sum().Backward()
	if g := x2.Grad().Data().At(0); !math.IsNaN(g) {
		t.Errorf("plain backward: gradient %v; want NaN", g)
	}
}

// TestAnomalyChecksNaNOnly checks that an infinite gradient passes (sqrt'(0)
// = +Inf is correct), as in PyTorch, and that a NaN seed is caught at the
// first node.
func TestAnomalyChecksNaNOnly(t *testing.T) {
	x := vec(0, 1)
	if err := anomaly(x.Sqrt().Sum()); err != nil {
		t.Errorf("infinite gradient: %v; want no error", err)
	}
	if g := x.Grad().Data().At(0); !math.IsInf(g, 1) {
		t.Errorf("gradient %v; want +Inf", g)
	}

	y := vec(1, 2)
	out := y.Mul(y)
	err := panicked(func() {
		out.BackwardWith(tensor.Const(tensor.New([]float64{math.NaN(), 1})), tensor.BackwardOptions{DetectAnomaly: true})
	})
	if !errors.Is(err, tensor.ErrAnomaly) || !strings.Contains(err.Error(), "function 'Mul' returned nan values in its 0th output") {
		t.Errorf("NaN seed: %v; want Mul named", err)
	}
}

// TestAnomalyIgnoresInputsWithoutGradient: a NaN gradient computed for an
// input that takes none is not an anomaly (PyTorch does not compute it);
// the output index names the input whose gradient has NaN.
func TestAnomalyIgnoresInputsWithoutGradient(t *testing.T) {
	inf := math.Inf(1)
	// d/dc = g*w = 0*Inf = NaN, but c is a constant; d/dw = g*c = 0.
	w := vec(inf, 1)
	c := tensor.Const(tensor.New([]float64{1, 1}))
	if err := anomaly(w.Mul(c).MulScalar(0).Sum()); err != nil {
		t.Errorf("NaN for a constant: %v; want no error", err)
	}
	// d/dv = g*k = 0*Inf = NaN: v is Mul's 0th input, then its 1st.
	k := tensor.Const(tensor.New([]float64{inf, 1}))
	if err := anomaly(vec(1, 1).Mul(k).MulScalar(0).Sum()); !strings.Contains(fmtErr(err), "function 'Mul' returned nan values in its 0th output") {
		t.Errorf("%v; want Mul's 0th output named", err)
	}
	if err := anomaly(k.Mul(vec(1, 1)).MulScalar(0).Sum()); !strings.Contains(fmtErr(err), "function 'Mul' returned nan values in its 1st output") {
		t.Errorf("%v; want Mul's 1st output named", err)
	}
	// d/d(v*0) = g*k = Inf (not NaN) passes Mul; MulScalar(0) makes 0*Inf.
	if err := anomaly(k.Mul(vec(1, 1).MulScalar(0)).Sum()); !strings.Contains(fmtErr(err), "function 'MulScalar' returned nan values in its 0th output") {
		t.Errorf("%v; want MulScalar named", err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestAnomalyUntracedSite: without Traced the message says how to get the
// site, and the ops record none.
func TestAnomalyUntracedSite(t *testing.T) {
	x := vec(0, 1)
	y := x.Sqrt()
	if y.Site() != "" || y.TraceMode() != 0 {
		t.Errorf("untraced op: Site %q, TraceMode %v; want none", y.Site(), y.TraceMode())
	}
	err := anomaly(y.MulScalar(0).Sum())
	if !strings.Contains(fmtErr(err), "its forward call site is unknown (trace an input with tensor.Traced to record it)") {
		t.Errorf("%v; want the hint to trace", err)
	}
}

// TestTracedPropagates checks that the mode flows to every result computed
// from a traced value, through Detach, and that Traced changes neither v
// nor its gradient.
func TestTracedPropagates(t *testing.T) {
	w := vec(1, 2)
	x := tensor.Traced(w, tensor.TraceForward)
	if w.TraceMode() != 0 {
		t.Errorf("Traced changed its argument's mode to %v", w.TraceMode())
	}
	if x.TraceMode() != tensor.TraceSites|tensor.TraceForward {
		t.Errorf("TraceForward gave mode %v; want it with TraceSites", x.TraceMode())
	}
	z := x.Mul(vec(3, 4)).Sum()
	if z.TraceMode() != x.TraceMode() || z.Site() == "" {
		t.Errorf("result: mode %v, site %q; want the input's mode and a site", z.TraceMode(), z.Site())
	}
	if d := z.Detach(); d.TraceMode() != x.TraceMode() {
		t.Errorf("Detach dropped the mode: %v", d.TraceMode())
	}
	z.Backward()
	if got := w.Grad().Data().ToSlice(); got[0] != 3 || got[1] != 4 {
		t.Errorf("gradient through Traced: %v; want [3 4]", got)
	}
	c := tensor.Const(tensor.New([]float64{1}))
	if tc := tensor.Traced(c, tensor.TraceSites); !tc.IsLeaf() || tc.RequiresGrad() || tc.Data() != c.Data() {
		t.Errorf("Traced of a constant: want a leaf sharing its tensor")
	}
	if tensor.Traced(w, 0) != w {
		t.Errorf("Traced with mode 0 did not return its argument")
	}
}

// TestTraceForward checks the forward check: it names the op that makes NaN
// or Inf from finite inputs, with the shape and the call site; it lets
// through values that arrive non-finite; and it stays quiet inside a
// CreateGraph backward, where sqrt'(0) = +Inf is computed by recorded ops.
func TestTraceForward(t *testing.T) {
	x := tensor.Traced(vec(-1, 4, 1000), tensor.TraceForward)
	var site string
	err := panicked(func() { site = here(); x.Sqrt() })
	want := "tensor: Sqrt: produced nan from finite inputs (output shape [3], first at index [0]), called at " + site
	if !errors.Is(err, tensor.ErrAnomaly) || fmtErr(err) != want {
		t.Errorf("Sqrt of -1:\n%v\nwant\n%s", err, want)
	}
	err = panicked(func() { x.Exp() })
	if !strings.Contains(fmtErr(err), "tensor: Exp: produced inf from finite inputs (output shape [3], first at index [2])") {
		t.Errorf("Exp overflow: %v", err)
	}

	// A -Inf mask arrives non-finite: not reported, downstream either.
	mask := tensor.Const(tensor.New([]float64{0, math.Inf(-1), 0}))
	if err := panicked(func() { x.Add(mask).Softmax(0).Sum() }); err != nil {
		t.Errorf("masked softmax: %v; want no error", err)
	}

	// Second derivative of sqrt at 0 inside a CreateGraph pass.
	z := tensor.Traced(vec(0, 1), tensor.TraceForward)
	if err := panicked(func() {
		g := tensor.Grad([]*tensor.Value[float64]{z.Sqrt().Sum()}, []*tensor.Value[float64]{z}, nil,
			tensor.GradOptions{Options: tensor.BackwardOptions{CreateGraph: true}})
		if !math.IsInf(g[0].Data().At(0), 1) {
			t.Errorf("d sqrt(0) = %v; want +Inf", g[0].Data().At(0))
		}
	}); err != nil {
		t.Errorf("CreateGraph backward: %v; want no forward anomaly", err)
	}
}

// TestAnomalyConcurrent runs a traced, checked pass that fails in one
// goroutine while others run the same computation untraced, without
// anomaly mode: they must see NaN gradients and no error (no global mode).
// Under -race it also checks that tracing writes nothing shared.
func TestAnomalyConcurrent(t *testing.T) {
	w := vec(0, 1) // shared by all
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 20 {
				if g == 0 {
					x := tensor.Traced(w, tensor.TraceSites)
					loss := x.Sqrt().MulScalar(0).Sum()
					err := panicked(func() {
						tensor.Grad([]*tensor.Value[float64]{loss}, []*tensor.Value[float64]{w}, nil,
							tensor.GradOptions{Options: tensor.BackwardOptions{DetectAnomaly: true}})
					})
					if !errors.Is(err, tensor.ErrAnomaly) {
						t.Errorf("traced goroutine: %v; want ErrAnomaly", err)
						return
					}
					continue
				}
				loss := w.Sqrt().MulScalar(0).Sum()
				gs := tensor.Grad([]*tensor.Value[float64]{loss}, []*tensor.Value[float64]{w}, nil, tensor.GradOptions{})
				if !math.IsNaN(gs[0].Data().At(0)) {
					t.Errorf("untraced goroutine: gradient %v; want NaN", gs[0].Data().At(0))
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestOpErrorSite checks that an op-time panic names the line of the call
// that failed, from outside the package, and from this package's
// internal tests (where every frame is the package's own) none.
func TestOpErrorSite(t *testing.T) {
	a, b := tensor.Zeros[float32](2, 3), tensor.Zeros[float32](4, 2)
	var site string
	err := panicked(func() { site = here(); a.MatMul(b) })
	var oe *tensor.OpError
	if !errors.As(err, &oe) || oe.Site != site {
		t.Fatalf("panic %v; want an *OpError with Site %q", err, site)
	}
	if !strings.HasSuffix(err.Error(), ", called at "+site) {
		t.Errorf("message %q does not end with the site", err)
	}
	// Through nn's and autograd's frames the site is still the caller's.
	x := tensor.Traced(vec(1), tensor.TraceSites)
	loss := x.Mul(x).Sum() // its backward computes g*x from the traced x
	gs := tensor.Grad([]*tensor.Value[float64]{loss}, []*tensor.Value[float64]{x}, nil,
		tensor.GradOptions{Options: tensor.BackwardOptions{CreateGraph: true}})
	if s := gs[0].Site(); s == "" || !strings.Contains(s, "anomaly_test.go:") {
		t.Errorf("site of a recorded gradient: %q; want the Grad call in anomaly_test.go", s)
	}
}

// TestBackwardStats checks the counts a pass reports and GraphSize.
func TestBackwardStats(t *testing.T) {
	x, w := vec(1, 2), vec(3, 4)
	c := tensor.Const(tensor.New([]float64{5, 6}))
	loss := x.Mul(w).Add(c).Sum() // nodes: Sum, Add, Mul, x, w (c takes no gradient)
	if n := loss.GraphSize(); n != 5 {
		t.Errorf("GraphSize = %d; want 5", n)
	}
	if n := x.GraphSize(); n != 1 {
		t.Errorf("GraphSize of a leaf = %d; want 1", n)
	}
	var st tensor.BackwardStats
	loss.BackwardWith(nil, tensor.BackwardOptions{Stats: &st})
	if st != (tensor.BackwardStats{Nodes: 5, Ran: 3}) {
		t.Errorf("Stats = %+v; want {Nodes:5 Ran:3}", st)
	}
	// A failing pass reports how far it got.
	loss = vec(0, 1).Sqrt().MulScalar(0).Exp().Sum()
	err := panicked(func() { loss.BackwardWith(nil, tensor.BackwardOptions{DetectAnomaly: true, Stats: &st}) })
	if err == nil || st != (tensor.BackwardStats{Nodes: 5, Ran: 4}) {
		t.Errorf("failed pass: %v, Stats = %+v; want an error and {Nodes:5 Ran:4}", err, st)
	}
}
