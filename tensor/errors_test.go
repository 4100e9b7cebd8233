package tensor_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/chainrule/chainrule/autograd"
	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// The error catalogue: every misuse that docs/errors.md documents, run for
// real, must produce the message the document shows, word for word, and
// wrap the sentinel it names. The document is parsed here, so the two
// cannot drift apart: a new entry needs a case below and a section there.
//
// Sites ("called at", "its forward ran at") point into this file; the test
// checks that each names the line that made the failing call, and then
// writes it as the document does, /home/you/train.go:42.

// docSite is how docs/errors.md writes a call site.
const docSite = "/home/you/train.go:42"

// catalogueCase is one documented misuse.
type catalogueCase struct {
	title    string // its heading in docs/errors.md, after "### "
	sentinel error
	call     string       // text on the line every site in the message must point at
	run      func() error // the misuse; it returns the panic's or the call's error
}

// panicked runs f and returns the error it panics with (nil if none).
func panicked(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			e, ok := p.(error)
			if !ok {
				e = fmt.Errorf("panic with a non-error %v", p)
			}
			err = e
		}
	}()
	f()
	return nil
}

func catalogue(t *testing.T) []catalogueCase {
	f32 := func(shape ...int) *tensor.Value[float32] { return tensor.Param(tensor.Zeros[float32](shape...)) }
	return []catalogueCase{
		{"Shapes that do not broadcast", tensor.ErrShape, "Add(", func() error {
			x, y := f32(2, 3), f32(4)
			return panicked(func() { x.Add(y) })
		}},
		{"Matrices that cannot be multiplied", tensor.ErrShape, "MatMul(", func() error {
			a, b := f32(2, 3), f32(4, 2)
			return panicked(func() { tensor.MatMul(a, b) })
		}},
		{"A reshape to another number of elements", tensor.ErrShape, "Reshape(", func() error {
			x := f32(2, 3)
			return panicked(func() { x.Reshape(4, 2) })
		}},
		{"Concatenating values of different shapes", tensor.ErrShape, "Concat(", func() error {
			a, b := f32(2, 3), f32(2, 4)
			return panicked(func() { tensor.Concat(0, a, b) })
		}},
		{"An axis out of range", tensor.ErrAxis, "Sum(", func() error {
			x := f32(2, 3)
			return panicked(func() { x.Sum(2) })
		}},
		{"A layer given inputs of the wrong width", tensor.ErrShape, "", func() error {
			layer := nn.NewLinear[float32](rand.New(rand.NewPCG(1, 2)), 2, 4, true)
			x := tensor.Const(tensor.Zeros[float32](5, 3))
			return panicked(func() { layer.Forward(x) })
		}},
		{"A loss given a target of another shape", tensor.ErrShape, "", func() error {
			pred, target := f32(5, 1), tensor.Const(tensor.Zeros[float32](5))
			return panicked(func() { nn.MSE(pred, target, nn.ReduceMean) })
		}},
		{"Backward from a value with more than one element", tensor.ErrGrad, "Backward(", func() error {
			y := f32(2, 3).MulScalar(2)
			return panicked(func() { y.Backward() })
		}},
		{"Backward from a value that does not require a gradient", tensor.ErrGrad, "Backward(", func() error {
			loss := tensor.Const(tensor.Ones[float32](3)).Sum()
			return panicked(func() { loss.Backward() })
		}},
		{"Backward twice through a released graph", autograd.ErrReleased, "", func() error {
			x := f32(3)
			loss := x.Mul(x).Sum()
			loss.Backward()
			return panicked(func() { loss.Backward() })
		}},
		{"Backward twice through a released traced graph", autograd.ErrReleased, "Sum()", func() error {
			x := tensor.Traced(f32(3), tensor.TraceSites)
			loss := x.Mul(x).Sum()
			loss.Backward()
			return panicked(func() { loss.Backward() })
		}},
		{"Reading a value that backward released", autograd.ErrReleased, "Data()", func() error {
			x := f32(2, 3)
			h := x.Exp()
			loss := h.Sum()
			loss.BackwardWith(nil, tensor.BackwardOptions{ReleaseValues: true})
			return panicked(func() { h.Data() })
		}},
		{"An in-place change of a saved tensor", tensor.ErrVersion, "", func() error {
			x := f32(2)
			y := x.Exp()
			loss := y.Sum()
			y.Data().AddInPlace(tensor.Ones[float32](2))
			return panicked(func() { loss.Backward() })
		}},
		{"An in-place change of a leaf that requires a gradient", tensor.ErrInPlace, "Modify(", func() error {
			w := f32(2)
			return panicked(func() { w.Modify(func(t *tensor.Tensor[float32]) { t.Fill(1) }) })
		}},
		{"A checkpoint loaded into a model of another shape", nn.ErrStateDict, "", func() error {
			rng := rand.New(rand.NewPCG(1, 2))
			small := nn.NewSequential[float32](nn.NewLinear[float32](rng, 2, 4, true), &nn.ReLU[float32]{}, nn.NewLinear[float32](rng, 4, 1, true))
			wide := nn.NewSequential[float32](nn.NewLinear[float32](rng, 3, 4, true), &nn.ReLU[float32]{}, nn.NewLinear[float32](rng, 4, 1, true))
			t.Chdir(t.TempDir())
			if err := nn.Save("model.safetensors", small); err != nil {
				return err
			}
			return nn.Load("model.safetensors", wide)
		}},
		{"A NaN gradient in anomaly mode", tensor.ErrAnomaly, "Sqrt()", func() error {
			x := tensor.Traced(tensor.Param(tensor.New([]float32{0, 1})), tensor.TraceSites)
			y := x.Sqrt()
			loss := y.MulScalar(0).Sum() // 0 * sqrt'(0) = 0 * Inf = NaN
			return panicked(func() { loss.BackwardWith(nil, tensor.BackwardOptions{DetectAnomaly: true}) })
		}},
		{"A NaN gradient in anomaly mode, untraced", tensor.ErrAnomaly, "", func() error {
			x := tensor.Param(tensor.New([]float32{0, 1}))
			loss := x.Sqrt().MulScalar(0).Sum()
			return panicked(func() { loss.BackwardWith(nil, tensor.BackwardOptions{DetectAnomaly: true}) })
		}},
		{"A NaN loss in anomaly mode", tensor.ErrAnomaly, "Log()", func() error {
			p := tensor.Traced(tensor.Param(tensor.New([]float32{0.5, -0.5})), tensor.TraceForward)
			return panicked(func() { p.Log().Neg().Mean() })
		}},
	}
}

// TestErrorCatalogue runs every case and compares its message with the one
// docs/errors.md shows under the case's heading.
func TestErrorCatalogue(t *testing.T) {
	doc := readCatalogue(t, filepath.Join("..", "docs", "errors.md"))
	src := readLines(t, "errors_test.go")
	self := thisFile(t)
	sites := regexp.MustCompile(`(\S+\.go):(\d+)`)
	seen := map[string]bool{}
	for _, c := range catalogue(t) {
		seen[c.title] = true
		t.Run(c.title, func(t *testing.T) {
			entry, ok := doc[c.title]
			if !ok {
				t.Fatalf("docs/errors.md has no section %q", "### "+c.title)
			}
			err := c.run()
			if err == nil {
				t.Fatalf("no error; want one wrapping %v", c.sentinel)
			}
			if !errors.Is(err, c.sentinel) {
				t.Errorf("error %v does not wrap %v", err, c.sentinel)
			}
			got := err.Error()
			for _, m := range sites.FindAllStringSubmatch(got, -1) {
				if m[1] != self {
					t.Errorf("site %s:%s is not in %s", m[1], m[2], self)
					continue
				}
				var line int
				fmt.Sscan(m[2], &line)
				if c.call == "" || line < 1 || line > len(src) || !strings.Contains(src[line-1], c.call) {
					t.Errorf("site names line %d of errors_test.go, which does not make the failing call %q", line, c.call)
				}
			}
			if c.call != "" && !sites.MatchString(got) {
				t.Errorf("message names no site; want the line that calls %q:\n%s", c.call, got)
			}
			got = sites.ReplaceAllString(got, docSite)
			if got != entry.message {
				t.Errorf("message:\n%s\ndocs/errors.md says:\n%s", got, entry.message)
			}
			if !strings.Contains(entry.text, sentinelName(c.sentinel)) {
				t.Errorf("docs/errors.md's section does not name the sentinel %s", sentinelName(c.sentinel))
			}
		})
	}
	for title := range doc {
		if !seen[title] {
			t.Errorf("docs/errors.md documents %q, which no case checks", title)
		}
	}
}

// catalogueEntry is a section of docs/errors.md's catalogue: its whole text
// and the message (the first ```text block).
type catalogueEntry struct{ text, message string }

// readCatalogue parses the "### " sections of the "## Catalogue" section
// of path.
func readCatalogue(t *testing.T, path string) map[string]catalogueEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, cat, ok := strings.Cut(string(b), "\n## Catalogue\n")
	if !ok {
		t.Fatalf("%s: no \"## Catalogue\" section", path)
	}
	if i := strings.Index(cat, "\n## "); i >= 0 {
		cat = cat[:i]
	}
	out := map[string]catalogueEntry{}
	sections := strings.Split(cat, "\n### ")
	for _, s := range sections[1:] {
		title, body, _ := strings.Cut(s, "\n")
		_, rest, ok := strings.Cut(body, "```text\n")
		if !ok {
			t.Fatalf("%s: section %q has no ```text block with the message", path, title)
		}
		msg, _, ok := strings.Cut(rest, "\n```")
		if !ok {
			t.Fatalf("%s: section %q: unterminated ```text block", path, title)
		}
		out[title] = catalogueEntry{text: body, message: msg}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no ### sections", path)
	}
	return out
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")
}

// thisFile returns this file's name as the runtime reports it in sites.
func thisFile(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	return file
}

// sentinelName returns the qualified name of a catalogued sentinel.
func sentinelName(err error) string {
	for name, s := range map[string]error{
		"tensor.ErrShape": tensor.ErrShape, "tensor.ErrAxis": tensor.ErrAxis,
		"tensor.ErrGrad": tensor.ErrGrad, "tensor.ErrVersion": tensor.ErrVersion,
		"tensor.ErrInPlace": tensor.ErrInPlace, "tensor.ErrAnomaly": tensor.ErrAnomaly,
		"autograd.ErrReleased": autograd.ErrReleased, "nn.ErrStateDict": nn.ErrStateDict,
	} {
		if s == err {
			return name
		}
	}
	return err.Error()
}
