package tensor

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Anomaly mode, PyTorch's torch.autograd.detect_anomaly, in two explicit
// halves instead of one process-global switch:
//
//   - BackwardOptions.DetectAnomaly makes one backward pass check every
//     gradient an op's backward returns and stop at the first op that
//     returned NaN, naming it;
//   - Traced marks a value so that every op computed from it records where
//     in the caller's code it ran, which that error then names, and, with
//     TraceForward, checks its forward results too.
//
// Both are properties of one pass or of one graph, never of the process,
// so a traced training goroutine does not slow down, or fail, a serving one.

// ErrAnomaly reports what anomaly mode found: an op whose backward returned
// NaN during a pass with DetectAnomaly, or an op that produced NaN or ±Inf
// from finite inputs in a graph traced with TraceForward.
var ErrAnomaly = errors.New("anomaly detected")

// TraceMode is what a traced value asks of the ops computed from it. Like
// requires-grad, it passes from an op's inputs to its result.
type TraceMode uint8

const (
	// TraceSites makes every op computed from the value record where it was
	// called: the first frame of the caller's stack outside chainrule's
	// library packages. Backward errors (anomaly mode's NaN, ErrVersion,
	// ErrReleased) then name the place where the failing op's forward ran.
	// Recording costs a stack walk (about a microsecond) per op.
	TraceSites TraceMode = 1 << iota
	// TraceForward also checks the result of every op computed from the
	// value, and panics with ErrAnomaly, naming the op, the shape and the
	// call site, at the first op that produces NaN or ±Inf from finite
	// inputs (PyTorch has no forward check). Values that arrive non-finite
	// (a -Inf mask, a NaN in the data) are not reported again downstream. It
	// implies TraceSites and costs a pass over each result.
	TraceForward
)

// Traced returns v marked for anomaly mode with mode: every value computed
// from the result records where its op ran (TraceSites) and, with
// TraceForward, is checked for NaN and ±Inf. v itself is not changed, so
// tracing is safe while other goroutines use v: trace the inputs of one
// training step, not the shared parameters. The result holds v's tensor;
// if v requires a gradient it is recorded as an identity op ("Traced")
// whose gradient flows to v unchanged, otherwise it is a leaf. A zero mode
// returns v.
//
//	x := tensor.Traced(tensor.Const(batch), tensor.TraceSites)
//	loss := model.Forward(x)...
//	loss.BackwardWith(nil, tensor.BackwardOptions{DetectAnomaly: true})
func Traced[T Float](v *Value[T], mode TraceMode) *Value[T] {
	if mode == 0 {
		return v
	}
	if mode&TraceForward != 0 {
		mode |= TraceSites
	}
	mode |= v.trace
	if !v.requiresGrad {
		return &Value[T]{data: v.data, name: v.name, trace: mode}
	}
	out := record("Traced", v.data, true, []*Value[T]{v}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{g}
	})
	out.name = v.name
	out.trace = mode
	out.fn.site, _ = stackSite(false)
	return out
}

// TraceMode returns the trace mode v carries: the union of its inputs'
// modes, or what Traced gave it.
func (v *Value[T]) TraceMode() TraceMode { return v.trace }

// Site returns where the op that produced v was called, "file:line", if
// v's graph is traced (Traced), and "" otherwise or for a leaf.
func (v *Value[T]) Site() string {
	if v.fn == nil || v.fn.site == nil {
		return ""
	}
	return *v.fn.site
}

// traceOp does record's part of anomaly mode for an op's result out, whose
// inputs carry mode: it passes the mode on and, with TraceForward, checks
// the result. (record itself stores the site, once it has made the node.)
func traceOp[T Float](op string, out *Value[T], inputs []*Value[T], mode TraceMode) {
	out.trace = mode
	if mode&TraceForward != 0 {
		checkForward(op, out.data, inputs)
	}
}

// checkForward panics with ErrAnomaly if out holds NaN or ±Inf although
// every input is finite, unless the op runs inside a backward pass (the
// recorded backward of a CreateGraph pass), where an infinite gradient is
// legitimate (sqrt at 0) and NaN is the backward check's business.
func checkForward[T Float](op string, out *Tensor[T], inputs []*Value[T]) {
	at, bad := firstNonFinite(out, false)
	if at < 0 {
		return
	}
	for _, in := range inputs {
		if i, _ := firstNonFinite(in.data, false); i >= 0 {
			return
		}
	}
	site, inPass := stackSite(true)
	if inPass {
		return
	}
	var where string
	if site != nil {
		where = *site
	}
	panic(&OpError{Op: op, Err: ErrAnomaly, Site: where, Msg: fmt.Sprintf(
		"produced %s from finite inputs (output shape %v, first at index %v)",
		nonFiniteName(bad), out.shape, index(at, out.shape))})
}

// CheckGradients is anomaly mode's backward check, run by the engine after
// each Backward of a pass with DetectAnomaly: it fails, wrapping ErrAnomaly,
// if a gradient returned for an input that takes one holds NaN. Like
// PyTorch it checks for NaN only: sqrt'(0) = +Inf is a correct gradient.
func (n *node[T]) CheckGradients(gs []*Value[T]) error {
	fn := n.fn
	if fn == nil {
		return nil
	}
	for i, g := range gs {
		if g == nil || i >= len(fn.inputs) || fn.inputs[i] == nil {
			continue
		}
		if at, _ := firstNonFinite(g.data, true); at >= 0 {
			return &OpError{Op: "Backward", Err: ErrAnomaly, Msg: fmt.Sprintf(
				"function '%s' returned nan values in its %s output; %s", fn.op, ordinal(i), fn.forwardSite())}
		}
	}
	return nil
}

// forwardSite says where the op's forward ran, for backward errors.
func (fn *gradFn[T]) forwardSite() string {
	if fn.site == nil {
		return "its forward call site is unknown (trace an input with tensor.Traced to record it)"
	}
	return "its forward ran at " + *fn.site
}

// firstNonFinite returns the row-major index of t's first NaN (nanOnly) or
// non-finite element and that element, or -1.
func firstNonFinite[T Float](t *Tensor[T], nanOnly bool) (int, T) {
	var xs []T
	if t.IsContiguous() {
		xs = t.ewElems()
	} else {
		xs = t.ToSlice()
	}
	for i, x := range xs {
		// x-x is 0 for a finite x and NaN for NaN and ±Inf.
		if x != x || !nanOnly && x-x != 0 {
			return i, x
		}
	}
	return -1, 0
}

// index returns the multi-index of row-major position i in shape.
func index(i int, shape []int) []int {
	idx := make([]int, len(shape))
	unravel(i, shape, idx)
	return idx
}

func nonFiniteName[T Float](x T) string {
	switch {
	case x != x:
		return "nan"
	case math.IsInf(float64(x), 1):
		return "inf"
	default:
		return "-inf"
	}
}

// ordinal writes 0th, 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st.
func ordinal(i int) string {
	suffix := "th"
	if i%100 < 11 || i%100 > 13 {
		switch i % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(i) + suffix
}

// library lists the prefixes of the function names of chainrule's library
// packages, whose frames are never the user's call site. Their test files
// are in the same packages, so a call from this package's own tests has no
// site; external tests (package tensor_test) and examples have one.
var library = func() []string {
	pkg := reflect.TypeFor[OpError]().PkgPath() // ".../chainrule/tensor"
	mod := strings.TrimSuffix(pkg, "/tensor")
	return []string{pkg + ".", mod + "/nn.", mod + "/nn/optim.", mod + "/autograd."}
}()

func inLibrary(fn string) bool {
	for _, p := range library {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// callerSite returns the user's call site, "file:line": the first frame
// of the stack outside the library packages, or "" if that frame belongs
// to the runtime or to package testing (a call from the library's own
// tests).
func callerSite() string {
	if site, _ := stackSite(false); site != nil {
		return *site
	}
	return ""
}

// stackSite returns callerSite (nil for "") and, if whole, whether the
// stack runs through the autograd engine: whether the caller is inside a
// backward pass. Without whole it stops at the site.
func stackSite(whole bool) (site *string, inPass bool) {
	var buf [32]uintptr // enough for most stacks, and on the goroutine's stack
	pcs := buf[:]
	for {
		// Skip runtime.Callers and stackSite itself.
		n := runtime.Callers(2, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	found := false
	for _, pc := range pcs {
		info := infoOf(pc)
		inPass = inPass || info.pass
		if info.user && !found {
			found, site = true, info.site
			if !whole {
				break
			}
		}
	}
	return site, inPass
}

// pcInfo is what stackSite needs to know about the frames at one program
// counter (several, when calls were inlined).
type pcInfo struct {
	user bool    // one of them is outside the library packages
	site *string // the first such, as "file:line"; nil for the runtime's and testing's
	pass bool    // one of them is in package autograd
}

// pcInfos caches pcInfo by program counter: symbolising a frame costs far
// more than looking it up, and a traced graph records the same few call
// sites over and over. The set of program counters is bounded by the
// binary, so the cache is too.
var pcInfos sync.Map // uintptr -> pcInfo

func infoOf(pc uintptr) pcInfo {
	if v, ok := pcInfos.Load(pc); ok {
		return v.(pcInfo)
	}
	var info pcInfo
	frames := runtime.CallersFrames([]uintptr{pc})
	for {
		f, more := frames.Next()
		switch {
		case inLibrary(f.Function):
			info.pass = info.pass || strings.HasPrefix(f.Function, library[3])
		case !info.user:
			info.user = true
			if f.Function != "" && !strings.HasPrefix(f.Function, "runtime.") && !strings.HasPrefix(f.Function, "testing.") {
				s := f.File + ":" + strconv.Itoa(f.Line)
				info.site = &s
			}
		}
		if !more {
			break
		}
	}
	pcInfos.Store(pc, info)
	return info
}
