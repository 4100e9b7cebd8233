package tensor

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/chainrule/chainrule/internal/golden"
)

// This file reads golden files: reference values computed by PyTorch with
// the scripts in testdata/ (gen_tensor_golden.py documents the format and
// the torch version). Nothing here knows about particular ops, so any golden
// test (tensor kernels, autograd) can load cases, build its inputs and
// compare its results with these helpers.

// goldenFile is a whole golden file.
type goldenFile struct {
	Generator    string       `json:"generator"`
	TorchVersion string       `json:"torch_version"`
	Cases        []goldenCase `json:"cases"`
}

// goldenCase is one op applied to inputs, with torch's result per element
// type ("float64", "float32").
type goldenCase struct {
	Name   string                  `json:"name"`
	Op     string                  `json:"op"`
	Params goldenParams            `json:"params"`
	Inputs []goldenTensor          `json:"inputs"`
	Out    map[string]goldenTensor `json:"out"`
	// SignedZeros asks the comparison to check the sign of zeros too, for
	// the cases whose point is that sign (relu(-0.0) is -0.0).
	SignedZeros bool `json:"signed_zeros"`
}

// goldenParams holds the non-tensor arguments of an op; a case sets only
// the fields its op takes.
type goldenParams struct {
	Axis    int         `json:"axis"`
	Axes    []int       `json:"axes"`
	Shape   []int       `json:"shape"`
	Index   int         `json:"index"`
	Indices []int       `json:"indices"`
	Start   int         `json:"start"`
	Stop    int         `json:"stop"`
	Step    int         `json:"step"`
	Scalar  goldenFloat `json:"scalar"`
	Lo      goldenFloat `json:"lo"`
	Hi      goldenFloat `json:"hi"`
}

// goldenTensor is a contiguous base tensor and the view transforms
// (Layout) that turn it into the possibly non-contiguous operand.
type goldenTensor struct {
	Shape  []int          `json:"shape"`
	Data   []goldenFloat  `json:"data"`
	Layout []goldenLayout `json:"layout"`
}

// goldenLayout is one view transform: "transpose" swaps the last two axes,
// "slice" keeps every Step-th element of Axis from Start on, "expand"
// repeats the size-1 Axis Size times.
type goldenLayout struct {
	Kind  string `json:"kind"`
	Axis  int    `json:"axis"`
	Start int    `json:"start"`
	Step  int    `json:"step"`
	Size  int    `json:"size"`
}

// goldenFloat is a float written as a string in JSON ("0.1", "-0.0", "inf",
// "nan"), because JSON numbers cannot hold infinities, NaN or -0.
type goldenFloat = golden.Float

// loadGolden reads and checks the golden file at path. Unknown fields are
// an error, so that a generator and its test cannot drift apart silently.
func loadGolden(t testing.TB, path string) goldenFile {
	t.Helper()
	var g goldenFile
	if err := golden.Decode(path, &g); err != nil {
		t.Fatal(err)
	}
	if g.Generator == "" || g.TorchVersion == "" || len(g.Cases) == 0 {
		t.Fatalf("golden file %s: generator %q, torch version %q, %d cases: incomplete",
			path, g.Generator, g.TorchVersion, len(g.Cases))
	}
	seen := make(map[string]bool)
	for _, c := range g.Cases {
		if seen[c.Name] {
			t.Fatalf("golden file %s: case %q appears twice", path, c.Name)
		}
		seen[c.Name] = true
	}
	return g
}

// goldenDType returns the key of T's results in goldenCase.Out.
func goldenDType[T Float]() string {
	var z T
	if _, ok := any(z).(float32); ok {
		return "float32"
	}
	return "float64"
}

// goldenInput builds the operand g describes in element type T. Float32
// inputs are float32(x) of the stored float64 values, which is how the
// generator made them (round to nearest even, like torch's .float()).
// A layout must produce a non-contiguous tensor; otherwise the case does
// not test what it claims, and goldenInput fails the test.
func goldenInput[T Float](t testing.TB, g goldenTensor) *Tensor[T] {
	t.Helper()
	data := make([]T, len(g.Data))
	for i, v := range g.Data {
		data[i] = T(v)
	}
	// A non-nil shape, so that [] makes a 0-d tensor, not a 1-D one.
	shape := append([]int{}, g.Shape...)
	if numel(shape) != len(data) {
		t.Fatalf("golden input: %d values for shape %v", len(data), shape)
	}
	x := New(data, shape...)
	for _, l := range g.Layout {
		switch l.Kind {
		case "transpose":
			x = x.Transpose(-2, -1)
		case "slice":
			x = x.Slice(l.Axis, l.Start, x.Dim(l.Axis), l.Step)
		case "expand":
			s := x.Shape()
			s[normAxis("golden", l.Axis, len(s))] = l.Size
			x = x.Expand(s...)
		default:
			t.Fatalf("golden input: unknown layout %q", l.Kind)
		}
	}
	if len(g.Layout) > 0 && x.IsContiguous() {
		t.Fatalf("golden input: layout %+v of shape %v left the tensor contiguous (strides %v)",
			g.Layout, g.Shape, x.Strides())
	}
	return x
}

// goldenTol is the accepted error of one result element with respect to
// torch's: |got - want| <= Rel*|want|, and |got| <= Zero where want is
// exactly 0 (where a relative bound would demand bit equality). NaN must
// match NaN and an infinity the same infinity.
type goldenTol struct {
	Rel  float64
	Zero float64
}

// goldenCompare checks got against torch's result want, element by element
// within tol, and the sign of every zero if signedZeros. It reports the
// first few mismatches with their index.
func goldenCompare[T Float](t testing.TB, got *Tensor[T], want goldenTensor, tol goldenTol, signedZeros bool) {
	t.Helper()
	if diff := cmp.Diff(want.Shape, got.Shape(), cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("shape mismatch (-want +got):\n%s", diff)
	}
	vals := got.ToSlice()
	if len(vals) != len(want.Data) {
		t.Fatalf("got %d elements, want %d", len(vals), len(want.Data))
	}
	const maxReports = 6
	bad := 0
	for i, v := range vals {
		g, w := float64(v), float64(want.Data[i])
		msg := goldenMismatch(g, w, tol, signedZeros)
		if msg == "" {
			continue
		}
		bad++
		if bad <= maxReports {
			t.Errorf("element %v: got %v, want %v (%s)", goldenIndex(i, want.Shape), g, w, msg)
		}
	}
	if bad > maxReports {
		t.Errorf("... %d mismatching elements of %d in all", bad, len(vals))
	}
}

// goldenMismatch returns why g is not an acceptable value for torch's w, or
// "" if it is.
func goldenMismatch(g, w float64, tol goldenTol, signedZeros bool) string {
	switch {
	case math.IsNaN(w):
		if !math.IsNaN(g) {
			return "want NaN"
		}
	case math.IsNaN(g):
		return "unexpected NaN"
	case math.IsInf(w, 0):
		if g != w {
			return "want an infinity"
		}
	case w == 0:
		if math.Abs(g) > tol.Zero {
			return fmt.Sprintf("want exactly 0 (|got| <= %g)", tol.Zero)
		}
		if signedZeros && (g != 0 || math.Signbit(g) != math.Signbit(w)) {
			return "sign of zero differs"
		}
	default:
		if rel := math.Abs(g-w) / math.Abs(w); !(rel <= tol.Rel) {
			return fmt.Sprintf("relative error %.3g > %g", rel, tol.Rel)
		}
	}
	return ""
}

// goldenIndex converts a row-major flat index into an index of shape.
func goldenIndex(flat int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = flat % shape[d]
		flat /= shape[d]
	}
	return idx
}

// TestGoldenMismatch pins the comparison rule itself, so that a lenient
// harness cannot make the golden tests pass vacuously.
func TestGoldenMismatch(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	negZero := math.Copysign(0, -1)
	tol := goldenTol{Rel: 1e-12, Zero: 1e-300}
	tests := []struct {
		name        string
		got, want   float64
		signedZeros bool
		ok          bool
	}{
		{"equal", 1.5, 1.5, false, true},
		{"within rel", 1 + 1e-13, 1, false, true},
		{"beyond rel", 1 + 1e-11, 1, false, false},
		{"rel scales with want", 1e-20 * (1 + 1e-13), 1e-20, false, true},
		{"nan nan", nan, nan, false, true},
		{"number for nan", 0, nan, false, false},
		{"nan for number", nan, 1, false, false},
		{"inf inf", inf, inf, false, true},
		{"wrong inf", -inf, inf, false, false},
		{"finite for inf", math.MaxFloat64, inf, false, false},
		{"inf for finite", inf, 1, false, false},
		{"zero floor", 1e-301, 0, false, true},
		{"zero beyond floor", 1e-17, 0, false, false},
		{"zero sign ignored", negZero, 0, false, true},
		{"zero sign checked", negZero, 0, true, false},
		{"neg zero sign checked", negZero, negZero, true, true},
		{"tiny for signed zero", 1e-301, negZero, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := goldenMismatch(tt.got, tt.want, tol, tt.signedZeros)
			if (msg == "") != tt.ok {
				t.Errorf("goldenMismatch(%v, %v) = %q, want ok=%v", tt.got, tt.want, msg, tt.ok)
			}
		})
	}
}

func TestGoldenIndex(t *testing.T) {
	tests := []struct {
		flat  int
		shape []int
		want  []int
	}{
		{0, []int{}, []int{}},
		{5, []int{2, 3}, []int{1, 2}},
		{7, []int{2, 2, 2}, []int{1, 1, 1}},
		{4, []int{3, 2}, []int{2, 0}},
	}
	for _, tt := range tests {
		if got := goldenIndex(tt.flat, tt.shape); !slices.Equal(got, tt.want) {
			t.Errorf("goldenIndex(%d, %v) = %v, want %v", tt.flat, tt.shape, got, tt.want)
		}
	}
}
