package nn

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chainrule/chainrule/tensor"
)

// ckptGolden is the directory of the files testdata/gen_checkpoint.py
// writes with PyTorch.
var ckptGolden = filepath.Join("..", "testdata", "golden")

// ckptMLP returns PyTorch's Sequential(Linear(in, hidden), Tanh(),
// Linear(hidden, 2)), the model of testdata/gen_checkpoint.py when in = 3
// and hidden = 4, with weights drawn from seed.
func ckptMLP[T tensor.Float](seed uint64, in, hidden int) *Sequential[T] {
	rng := rand.New(rand.NewPCG(seed, 0))
	return NewSequential[T](NewLinear[T](rng, in, hidden, true), Tanh[T]{}, NewLinear[T](rng, hidden, 2, true))
}

// ckptValues returns each parameter's name and elements, to compare models.
func ckptValues[T tensor.Float](m Module[T]) map[string][]T {
	out := map[string][]T{}
	for _, p := range NamedParams(m) {
		out[p.Name] = p.Value.Data().ToSlice()
	}
	return out
}

// ckptTensor is a tensor as the golden JSON files write it.
type ckptTensor struct {
	Shape []int    `json:"shape"`
	Data  []string `json:"data"`
}

func (g ckptTensor) floats(t *testing.T) []float64 {
	t.Helper()
	out := make([]float64, len(g.Data))
	for i, s := range g.Data {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

// ckptTorchMLP is testdata/golden/torch_mlp.json.
type ckptTorchMLP struct {
	TorchVersion string                `json:"torch_version"`
	Params       map[string]ckptTensor `json:"params"`
	Input        ckptTensor            `json:"input"`
	Out          map[string]ckptTensor `json:"out"`
}

func readTorchMLP(t *testing.T) ckptTorchMLP {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ckptGolden, "torch_mlp.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g ckptTorchMLP
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestStateDict(t *testing.T) {
	m := ckptMLP[float32](1, 3, 4)
	sd := StateDict[float32](m)
	type entry struct {
		Name  string
		Shape []int
	}
	var got []entry
	for _, e := range sd {
		got = append(got, entry{e.Name, e.Tensor.Shape()})
	}
	want := []entry{{"0.weight", []int{4, 3}}, {"0.bias", []int{4}}, {"2.weight", []int{2, 4}}, {"2.bias", []int{2}}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("StateDict mismatch (-got +want):\n%s", diff)
	}
	// The state dict shares storage: a write through it is the model's.
	sd[1].Tensor.Fill(7)
	if got := m.Layers[0].(*Linear[float32]).Bias.Data().ToSlice(); !slices.Equal(got, []float32{7, 7, 7, 7}) {
		t.Errorf("bias after writing the state dict = %v, want all 7", got)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testSaveLoadRoundTrip[float32](t) })
	t.Run("float64", func(t *testing.T) { testSaveLoadRoundTrip[float64](t) })
}

func testSaveLoadRoundTrip[T tensor.Float](t *testing.T) {
	path := filepath.Join(t.TempDir(), "mlp.safetensors")
	src, dst := ckptMLP[T](1, 3, 4), ckptMLP[T](2, 3, 4)
	src.Layers[0].(*Linear[T]).Bias.Data().Set(T(math.Inf(-1)), 0) // specials survive
	src.Layers[0].(*Linear[T]).Bias.Data().Set(T(math.Copysign(0, -1)), 1)
	if err := Save(path, src); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if err := Load(path, dst); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if diff := cmp.Diff(ckptValues[T](dst), ckptValues[T](src)); diff != "" {
		t.Errorf("loaded parameters differ (-got +want):\n%s", diff)
	}
	if b := dst.Layers[0].(*Linear[T]).Bias.Data().At(1); !math.Signbit(float64(b)) {
		t.Errorf("bias[1] = %v, want -0", b)
	}
	// Loading copies into the parameters in place: they stay leaves that
	// require a gradient and keep their identity.
	for _, p := range Params[T](dst) {
		if !p.IsLeaf() || !p.RequiresGrad() {
			t.Errorf("parameter after Load: leaf %v, requires grad %v; want both", p.IsLeaf(), p.RequiresGrad())
		}
	}
	_, meta, err := LoadTensors[T](path)
	if err != nil {
		t.Fatalf("LoadTensors: %v", err)
	}
	if diff := cmp.Diff(meta, map[string]string{"format": "pt"}); diff != "" {
		t.Errorf("metadata mismatch (-got +want):\n%s", diff)
	}
}

// TestLoadTorchCheckpoint loads the state dict PyTorch saved and checks the
// loaded model's outputs against PyTorch's for the same input.
func TestLoadTorchCheckpoint(t *testing.T) {
	g := readTorchMLP(t)
	t.Run("float32", func(t *testing.T) { testLoadTorchCheckpoint[float32](t, g, "float32", 1e-6) })
	t.Run("float64", func(t *testing.T) { testLoadTorchCheckpoint[float64](t, g, "float64", 1e-12) })
}

func testLoadTorchCheckpoint[T tensor.Float](t *testing.T, g ckptTorchMLP, dtype string, tol float64) {
	m := ckptMLP[T](99, 3, 4)
	if err := Load(filepath.Join(ckptGolden, "torch_mlp.safetensors"), m); err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, p := range NamedParams[T](m) {
		want := g.Params[p.Name]
		got := p.Value.Data()
		if !slices.Equal(got.Shape(), want.Shape) {
			t.Errorf("%s: shape %v, want %v", p.Name, got.Shape(), want.Shape)
			continue
		}
		for i, w := range want.floats(t) { // float32 values: exact in either T
			if v := float64(got.ToSlice()[i]); v != w {
				t.Errorf("%s[%d] = %v, want %v", p.Name, i, v, w)
			}
		}
	}
	in := g.Input.floats(t)
	x := make([]T, len(in))
	for i, v := range in {
		x[i] = T(v)
	}
	y := m.Forward(tensor.Const(tensor.New(x, g.Input.Shape...)))
	want := g.Out[dtype]
	if !slices.Equal(y.Shape(), want.Shape) {
		t.Fatalf("output shape %v, want %v", y.Shape(), want.Shape)
	}
	for i, w := range want.floats(t) {
		if got := float64(y.Data().ToSlice()[i]); math.Abs(got-w) > tol*(1+math.Abs(w)) {
			t.Errorf("output[%d] = %v, torch gives %v (tolerance %g)", i, got, w, tol)
		}
	}
}

// TestLoadConvertsDtype loads float64 files into float32 and the reverse;
// the expected values are Go's own conversions, which round to nearest
// even as PyTorch's copy_ does.
func TestLoadConvertsDtype(t *testing.T) {
	dir := t.TempDir()
	vals := []float64{0.1, 1.0 / 3, -1e-310, 1e39, 16777217, math.NaN()}
	p64 := filepath.Join(dir, "f64.safetensors")
	if err := SaveTensors(p64, []NamedTensor[float64]{{Name: "v", Tensor: tensor.New(vals, 2, 3)}}, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := LoadTensors[float32](p64)
	if err != nil {
		t.Fatalf("LoadTensors: %v", err)
	}
	if len(got) != 1 || got[0].Name != "v" || !slices.Equal(got[0].Tensor.Shape(), []int{2, 3}) {
		t.Fatalf("LoadTensors = %v, want one tensor v of shape [2 3]", got)
	}
	for i, v := range got[0].Tensor.ToSlice() {
		want := float32(vals[i])
		if math.Float32bits(v) != math.Float32bits(want) && !(math.IsNaN(float64(v)) && math.IsNaN(vals[i])) {
			t.Errorf("v[%d] = %v, want float32(%v) = %v", i, v, vals[i], want)
		}
	}

	// A float32 model saved, loaded into a float64 model: exact.
	src := ckptMLP[float32](3, 3, 4)
	p32 := filepath.Join(dir, "f32.safetensors")
	if err := Save(p32, src); err != nil {
		t.Fatal(err)
	}
	dst := ckptMLP[float64](4, 3, 4)
	if err := Load(p32, dst); err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := map[string][]float64{}
	for name, vs := range ckptValues[float32](src) {
		for _, v := range vs {
			want[name] = append(want[name], float64(v))
		}
	}
	if diff := cmp.Diff(ckptValues[float64](dst), want); diff != "" {
		t.Errorf("float64 model from a float32 file (-got +want):\n%s", diff)
	}
}

func TestSaveLoadTensors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.safetensors")
	base := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	in := []NamedTensor[float64]{
		{Name: "step", Tensor: tensor.Scalar(3.0)},
		{Name: "exp_avg.transposed", Tensor: base.T()}, // a view: written row-major
		{Name: "empty", Tensor: tensor.Zeros[float64](0, 2)},
	}
	meta := map[string]string{"optimizer": "Adam", "lr": "0.001"}
	if err := SaveTensors(path, in, meta); err != nil {
		t.Fatalf("SaveTensors: %v", err)
	}
	got, gotMeta, err := LoadTensors[float64](path)
	if err != nil {
		t.Fatalf("LoadTensors: %v", err)
	}
	type entry struct {
		Name  string
		Shape []int
		Data  []float64
	}
	var gotE []entry
	for _, e := range got {
		gotE = append(gotE, entry{e.Name, e.Tensor.Shape(), e.Tensor.ToSlice()})
	}
	want := []entry{
		{"step", []int{}, []float64{3}},
		{"exp_avg.transposed", []int{3, 2}, []float64{1, 4, 2, 5, 3, 6}},
		{"empty", []int{0, 2}, []float64{}},
	}
	if diff := cmp.Diff(gotE, want); diff != "" {
		t.Errorf("LoadTensors mismatch (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(gotMeta, meta); diff != "" {
		t.Errorf("metadata mismatch (-got +want):\n%s", diff)
	}

	err = SaveTensors(path, []NamedTensor[float64]{{Name: "a", Tensor: base}, {Name: "a", Tensor: base}}, nil)
	if err == nil || !strings.Contains(err.Error(), `duplicate tensor name "a"`) {
		t.Errorf("SaveTensors with a repeated name: error %v, want one naming it", err)
	}
	if got, _, err := LoadTensors[float64](path); err != nil || len(got) != 3 {
		t.Errorf("after a refused SaveTensors the previous file reads as %d tensors, %v; want 3, nil", len(got), err)
	}
}

// ckptPanics returns the value f panics with, or nil.
func ckptPanics(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestNilTensorPanics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	m := ckptMLP[float32](1, 3, 4)
	for name, f := range map[string]func(){
		"SaveTensors":   func() { _ = SaveTensors[float32](path, []NamedTensor[float32]{{Name: "x"}}, nil) },
		"LoadStateDict": func() { _ = LoadStateDict[float32](m, []NamedTensor[float32]{{Name: "0.bias"}}, true) },
	} {
		v := ckptPanics(f)
		err, ok := v.(error)
		if !ok || !errors.Is(err, tensor.ErrArgument) || !strings.HasPrefix(err.Error(), "nn: "+name+": ") {
			t.Errorf("%s with a nil tensor panicked with %v, want an nn error wrapping ErrArgument", name, v)
		}
	}
}

func TestLoadStateDictErrors(t *testing.T) {
	sd := func(names ...string) []NamedTensor[float32] {
		shapes := map[string][]int{"0.weight": {4, 3}, "0.bias": {4}, "2.weight": {2, 4}, "2.bias": {2}, "extra": {1}, "other": {1}}
		var out []NamedTensor[float32]
		for _, n := range names {
			shape, ok := shapes[n]
			if !ok { // "name:d0xd1": a deliberately wrong shape
				name, dims, _ := strings.Cut(n, ":")
				n, shape = name, nil
				for _, d := range strings.Split(dims, "x") {
					v, _ := strconv.Atoi(d)
					shape = append(shape, v)
				}
			}
			out = append(out, NamedTensor[float32]{Name: n, Tensor: tensor.Full[float32](5, shape...)})
		}
		return out
	}
	const head = "nn: LoadStateDict: Error(s) in loading state_dict for Sequential:"
	tests := []struct {
		name   string
		sd     []NamedTensor[float32]
		strict bool
		want   string // "" for success
		loaded []string
	}{
		{"exact", sd("0.weight", "0.bias", "2.weight", "2.bias"), true, "", []string{"0.weight", "0.bias", "2.weight", "2.bias"}},
		{"any order", sd("2.bias", "0.bias", "2.weight", "0.weight"), true, "", []string{"0.weight", "0.bias", "2.weight", "2.bias"}},
		{"missing", sd("0.weight", "2.weight"), true,
			head + "\n\tMissing key(s) in state_dict: \"0.bias\", \"2.bias\".", nil},
		{"unexpected", sd("0.weight", "0.bias", "2.weight", "2.bias", "extra", "other"), true,
			head + "\n\tUnexpected key(s) in state_dict: \"extra\", \"other\".", nil},
		{"size mismatch", sd("0.weight:5x5", "0.bias", "2.weight", "2.bias:3"), true,
			head + "\n\tsize mismatch for 0.weight: copying a param with shape [5 5] from checkpoint, the shape in current model is [4 3]." +
				"\n\tsize mismatch for 2.bias: copying a param with shape [3] from checkpoint, the shape in current model is [2].", nil},
		{"all at once", sd("0.weight:3x4", "2.weight", "extra"), true,
			head + "\n\tMissing key(s) in state_dict: \"0.bias\", \"2.bias\"." +
				"\n\tUnexpected key(s) in state_dict: \"extra\"." +
				"\n\tsize mismatch for 0.weight: copying a param with shape [3 4] from checkpoint, the shape in current model is [4 3].", nil},
		{"duplicate", sd("0.weight", "0.bias", "0.bias", "2.weight", "2.bias"), true,
			head + "\n\tDuplicate key(s) in state_dict: \"0.bias\".", nil},
		{"non-strict partial", sd("0.bias", "extra"), false, "", []string{"0.bias"}},
		{"non-strict size mismatch", sd("0.bias:5", "extra"), false,
			head + "\n\tsize mismatch for 0.bias: copying a param with shape [5] from checkpoint, the shape in current model is [4].", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ckptMLP[float32](1, 3, 4)
			before := ckptValues[float32](m)
			err := LoadStateDict[float32](m, tt.sd, tt.strict)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("LoadStateDict: %v", err)
				}
			} else {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("LoadStateDict error:\n%v\nwant:\n%s", err, tt.want)
				}
				var sdErr *StateDictError
				if !errors.Is(err, ErrStateDict) || !errors.As(err, &sdErr) {
					t.Errorf("error %T does not wrap ErrStateDict as a *StateDictError", err)
				}
			}
			want := before
			for _, name := range tt.loaded {
				want[name] = slices.Repeat([]float32{5}, len(want[name]))
			}
			if diff := cmp.Diff(ckptValues[float32](m), want); diff != "" {
				t.Errorf("parameters after LoadStateDict (-got +want):\n%s", diff)
			}
		})
	}
}

// ckptTied is a module whose two children share one Linear, as tied
// embeddings do: NamedParams lists it once, as "a.weight" and "a.bias".
type ckptTied struct{ l *Linear[float32] }

func (m ckptTied) Forward(x *tensor.Value[float32]) *tensor.Value[float32] {
	return m.l.Forward(m.l.Forward(x))
}
func (m ckptTied) OwnParams() []Param[float32] { return nil }
func (m ckptTied) Children() []Child[float32] {
	return []Child[float32]{{Name: "a", Module: m.l}, {Name: "b", Module: m.l}}
}

func TestLoadStateDictSharedParams(t *testing.T) {
	m := ckptTied{NewLinear[float32](rand.New(rand.NewPCG(1, 1)), 2, 2, true)}
	if got := len(StateDict[float32](m)); got != 2 {
		t.Errorf("StateDict of a tied model has %d entries, want 2", got)
	}
	// PyTorch's state_dict lists both names; either satisfies the load.
	sd := []NamedTensor[float32]{
		{Name: "a.weight", Tensor: tensor.Full[float32](1, 2, 2)},
		{Name: "b.bias", Tensor: tensor.Full[float32](2, 2)},
	}
	if err := LoadStateDict[float32](m, sd, true); err != nil {
		t.Fatalf("LoadStateDict: %v", err)
	}
	if got := m.l.Bias.Data().ToSlice(); !slices.Equal(got, []float32{2, 2}) {
		t.Errorf("bias = %v, want [2 2]", got)
	}
}

// TestLoadOtherModel loads checkpoints of models of other shapes.
func TestLoadOtherModel(t *testing.T) {
	dir := t.TempDir()
	wide := filepath.Join(dir, "wide.safetensors")
	if err := Save(wide, ckptMLP[float32](1, 3, 5)); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(dir, "deep.safetensors")
	rng := rand.New(rand.NewPCG(1, 0))
	if err := Save(deep, NewSequential[float32](NewLinear[float32](rng, 3, 4, true), Tanh[float32]{},
		NewLinear[float32](rng, 4, 2, false), Tanh[float32]{}, NewLinear[float32](rng, 2, 2, true))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
	}{
		{wide, "nn: Load " + wide + ": Error(s) in loading state_dict for Sequential:" +
			"\n\tsize mismatch for 0.weight: copying a param with shape [5 3] from checkpoint, the shape in current model is [4 3]." +
			"\n\tsize mismatch for 0.bias: copying a param with shape [5] from checkpoint, the shape in current model is [4]." +
			"\n\tsize mismatch for 2.weight: copying a param with shape [2 5] from checkpoint, the shape in current model is [2 4]."},
		{deep, "nn: Load " + deep + ": Error(s) in loading state_dict for Sequential:" +
			"\n\tMissing key(s) in state_dict: \"2.bias\"." +
			"\n\tUnexpected key(s) in state_dict: \"4.weight\", \"4.bias\"."},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			m := ckptMLP[float32](7, 3, 4)
			before := ckptValues[float32](m)
			err := Load(tt.path, m)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Load error:\n%v\nwant:\n%s", err, tt.want)
			}
			if !errors.Is(err, ErrStateDict) || errors.Is(err, ErrCheckpoint) {
				t.Errorf("Load error wraps ErrStateDict %v, ErrCheckpoint %v; want true, false",
					errors.Is(err, ErrStateDict), errors.Is(err, ErrCheckpoint))
			}
			if diff := cmp.Diff(ckptValues[float32](m), before); diff != "" {
				t.Errorf("a failed Load changed the model (-got +want):\n%s", diff)
			}
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := Save(good, ckptMLP[float32](1, 3, 4)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ints := func() []byte {
		h := `{"0.weight":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`
		out := append([]byte{byte(len(h)), 0, 0, 0, 0, 0, 0, 0}, h...)
		return append(out, make([]byte, 8)...)
	}()
	tests := []struct {
		name    string
		path    string
		is      error
		message string
	}{
		{"missing file", filepath.Join(dir, "nope.safetensors"), fs.ErrNotExist, "no such file"},
		{"directory", dir, nil, "not a regular file"},
		{"empty", write("empty", nil), ErrCheckpoint, "file is 0 bytes, shorter than the 8-byte header length"},
		{"truncated", write("truncated", b[:len(b)-3]), ErrCheckpoint, "lie outside the"},
		{"garbage", write("garbage", []byte("PK\x03\x04 this is a zip file, not a checkpoint")), ErrCheckpoint, "exceeds the limit"},
		{"integer tensor", write("ints", ints), ErrCheckpoint, `tensor "0.weight" has dtype I64`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ckptMLP[float32](2, 3, 4)
			before := ckptValues[float32](m)
			err := Load(tt.path, m)
			if err == nil || !strings.HasPrefix(err.Error(), "nn: Load") || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Load error = %v, want one starting \"nn: Load\" and containing %q", err, tt.message)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Load error = %v, want it to wrap %v", err, tt.is)
			}
			if diff := cmp.Diff(ckptValues[float32](m), before); diff != "" {
				t.Errorf("a failed Load changed the model (-got +want):\n%s", diff)
			}
			if _, _, err := LoadTensors[float32](tt.path); err == nil {
				t.Errorf("LoadTensors succeeded, want an error")
			}
		})
	}
}

// failAfter is a writer that fails once n bytes have been written.
type failAfter struct {
	w io.Writer
	n int
}

func (f *failAfter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		k, _ := f.w.Write(b[:f.n])
		f.n = 0
		return k, errors.New("injected write failure")
	}
	f.n -= len(b)
	return f.w.Write(b)
}

// TestSaveFailureKeepsPrevious makes saves fail in several ways over an
// existing checkpoint and checks that it is intact and that no temporary
// file is left behind.
func TestSaveFailureKeepsPrevious(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	old := ckptMLP[float32](1, 3, 4)
	if err := Save(path, old); err != nil {
		t.Fatal(err)
	}
	oldBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	newer := ckptMLP[float32](2, 3, 4)

	for _, at := range []int{0, 8, 100, len(oldBytes) - 1} {
		t.Run(fmt.Sprintf("write fails at byte %d", at), func(t *testing.T) {
			testHookWriter = func(w io.Writer) io.Writer { return &failAfter{w: w, n: at} }
			defer func() { testHookWriter = nil }()
			err := Save(path, newer)
			if err == nil || !strings.Contains(err.Error(), "injected write failure") ||
				!strings.HasPrefix(err.Error(), "nn: Save "+path+": ") {
				t.Fatalf("Save error = %v, want the injected failure", err)
			}
			checkIntact(t, dir, path, oldBytes, old)
		})
	}

	t.Run("rename fails", func(t *testing.T) {
		// A directory in the checkpoint's place: every step succeeds up to
		// the rename, which cannot replace a non-empty directory.
		blocked := filepath.Join(dir, "blocked")
		if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(blocked)
		if err := Save(blocked, newer); err == nil {
			t.Fatalf("Save over a directory succeeded")
		}
		checkIntact(t, dir, path, oldBytes, old)
	})

	t.Run("no directory", func(t *testing.T) {
		err := Save(filepath.Join(dir, "missing", "model.safetensors"), newer)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Save into a missing directory: error %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("success replaces", func(t *testing.T) {
		if err := os.Chmod(path, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := Save(path, newer); err != nil {
			t.Fatal(err)
		}
		m := ckptMLP[float32](3, 3, 4)
		if err := Load(path, m); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ckptValues[float32](m), ckptValues[float32](newer)); diff != "" {
			t.Errorf("loaded model differs from the one saved (-got +want):\n%s", diff)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
			t.Errorf("replaced checkpoint has mode %v, want the old file's 0600", info.Mode().Perm())
		}
		checkNoTemp(t, dir)
	})
}

// checkIntact checks that path still holds want (its bytes and, loaded,
// the parameters of m) and that dir holds no temporary file.
func checkIntact(t *testing.T, dir, path string, want []byte, m Module[float32]) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("checkpoint changed after a failed save")
	}
	loaded := ckptMLP[float32](9, 3, 4)
	if err := Load(path, loaded); err != nil {
		t.Fatalf("Load after a failed save: %v", err)
	}
	if diff := cmp.Diff(ckptValues[float32](loaded), ckptValues[float32](m)); diff != "" {
		t.Errorf("checkpoint after a failed save (-got +want):\n%s", diff)
	}
	checkNoTemp(t, dir)
}

func checkNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

// FuzzLoad loads arbitrary bytes as a checkpoint into a model: Load must
// return an error and leave the model unchanged, or load exactly the
// tensors LoadTensors reads; it must never panic nor allocate much more
// than the input's size.
func FuzzLoad(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := Save(good, ckptMLP[float32](1, 3, 4)); err != nil {
		f.Fatal(err)
	}
	for _, p := range []string{good, filepath.Join(ckptGolden, "torch_mlp.safetensors")} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{})
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":{}}        "))
	f.Fuzz(func(t *testing.T, b []byte) {
		m := ckptMLP[float64](5, 3, 4)
		before := ckptValues[float64](m)
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		err := loadBytes("fuzz", b, m)
		runtime.ReadMemStats(&ms1)
		// Decoding F16 to float64 takes 4 bytes per input byte, twice
		// (the decoded slice and the tensor's copy of it).
		if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 64*uint64(len(b))+64<<10 {
			t.Errorf("Load allocated %d bytes for %d bytes of input", alloc, len(b))
		}
		if err != nil {
			if !errors.Is(err, ErrCheckpoint) && !errors.Is(err, ErrStateDict) {
				t.Errorf("Load error %v wraps neither ErrCheckpoint nor ErrStateDict", err)
			}
			if diff := cmp.Diff(ckptValues[float64](m), before, cmp.Comparer(sameFloat)); diff != "" {
				t.Errorf("a failed Load changed the model (-got +want):\n%s", diff)
			}
			return
		}
		sd, _, err := decodeTensors[float64](b)
		if err != nil {
			t.Fatalf("Load succeeded but decoding failed: %v", err)
		}
		want := map[string][]float64{}
		for _, e := range sd {
			want[e.Name] = e.Tensor.ToSlice()
		}
		if diff := cmp.Diff(ckptValues[float64](m), want, cmp.Comparer(sameFloat)); diff != "" {
			t.Errorf("loaded model differs from the file (-got +want):\n%s", diff)
		}
	})
}

// sameFloat is bit equality with all NaNs equal.
func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

var torchExport = flag.String("torch.export", "", "directory to write chainrule checkpoints for testdata/check_checkpoint.py")

// TestExportForTorch writes, when -torch.export=DIR is given, a float32 and
// a float64 checkpoint of the MLP of testdata/gen_checkpoint.py with
// chainrule's weights, and chainrule's outputs for a fixed input, for
// testdata/check_checkpoint.py to load into PyTorch and compare:
//
//	go test ./nn -run TestExportForTorch -torch.export=/tmp/ckpt
//	/usr/bin/python3 testdata/check_checkpoint.py /tmp/ckpt
func TestExportForTorch(t *testing.T) {
	if *torchExport == "" {
		t.Skip("no -torch.export directory")
	}
	t.Run("float32", func(t *testing.T) { exportForTorch[float32](t, "chainrule_mlp_f32") })
	t.Run("float64", func(t *testing.T) { exportForTorch[float64](t, "chainrule_mlp_f64") })
}

func exportForTorch[T tensor.Float](t *testing.T, name string) {
	m := ckptMLP[T](42, 3, 4)
	if err := Save(filepath.Join(*torchExport, name+".safetensors"), m); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	x := tensor.Uniform[T](rng, -2, 2, 5, 3)
	y := m.Forward(tensor.Const(x))
	enc := func(t *tensor.Tensor[T]) ckptTensor {
		out := ckptTensor{Shape: t.Shape()}
		for _, v := range t.ToSlice() {
			out.Data = append(out.Data, strconv.FormatFloat(float64(v), 'g', -1, 64))
		}
		return out
	}
	b, err := json.MarshalIndent(map[string]ckptTensor{"input": enc(x), "output": enc(y.Data())}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*torchExport, name+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
