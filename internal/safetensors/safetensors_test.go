package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// golden is testdata/golden at the repository root, where
// testdata/gen_checkpoint.py writes the PyTorch-made files.
var golden = filepath.Join("..", "..", "testdata", "golden")

// file returns a safetensors file with the given header text and data.
func file(header string, data ...byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func TestWriteParseRoundTrip(t *testing.T) {
	tensors := []Tensor{
		Encode("layer.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, float32(math.Inf(-1))}),
		Encode("scalar", nil, []float64{math.Pi}),
		Encode("empty", []int{0, 4}, []float32{}),
		{Name: "ints", DType: I64, Shape: []int{2}, Data: []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}},
		Encode("ünïcode \"quoted\"", []int{1}, []float64{-0.0}),
	}
	meta := map[string]string{"format": "pt", "note": "a\nb"}
	var buf bytes.Buffer
	if err := Write(&buf, tensors, meta); err != nil {
		t.Fatalf("Write: %v", err)
	}
	b := buf.Bytes()
	n := binary.LittleEndian.Uint64(b)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	// Data is written in the given order, so Parse (which returns data
	// order) gives the tensors back in that order.
	want := &File{Tensors: tensors, Metadata: meta}
	want.Tensors[1].Shape = []int{} // Parse gives [] for a scalar; Encode kept nil
	if diff := cmp.Diff(f, want); diff != "" {
		t.Errorf("Parse(Write(...)) mismatch (-got +want):\n%s", diff)
	}

	var again bytes.Buffer
	if err := Write(&again, tensors, meta); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !bytes.Equal(again.Bytes(), b) {
		t.Errorf("Write is not deterministic")
	}
}

func TestWriteExactBytes(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, []Tensor{Encode("b", []int{2}, []float32{1, -2}), Encode("a", nil, []float64{0.5})},
		map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	header := `{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"a":{"dtype":"F64","shape":[],"data_offsets":[8,16]}}`
	header += strings.Repeat(" ", (8-len(header)%8)%8)
	want := file(header,
		0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, // 1, -2 as float32
		0, 0, 0, 0, 0, 0, 0xe0, 0x3f) // 0.5 as float64
	if diff := cmp.Diff(buf.Bytes(), want); diff != "" {
		t.Errorf("Write bytes mismatch (-got +want):\n%s\ngot header %q", diff, buf.Bytes()[8:])
	}
}

func TestWriteErrors(t *testing.T) {
	good := Encode("x", []int{2}, []float32{1, 2})
	tests := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"duplicate", []Tensor{good, good}, nil, `duplicate tensor name "x"`},
		{"reserved", []Tensor{{Name: "__metadata__", DType: F32, Shape: []int{}, Data: make([]byte, 4)}}, nil, "reserves"},
		{"unknown dtype", []Tensor{{Name: "x", DType: "F128", Shape: []int{1}, Data: make([]byte, 16)}}, nil, `unknown dtype "F128"`},
		{"negative shape", []Tensor{{Name: "x", DType: F32, Shape: []int{-1}, Data: nil}}, nil, "negative size"},
		{"short data", []Tensor{{Name: "x", DType: F32, Shape: []int{3}, Data: make([]byte, 8)}}, nil, "8 bytes of data for F32[3]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tt.tensors, tt.meta)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Write error = %v, want ErrInvalid containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Write wrote %d bytes before failing, want none", buf.Len())
			}
		})
	}
}

// failWriter fails on its first write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritePropagatesWriterError(t *testing.T) {
	err := Write(failWriter{}, []Tensor{Encode("x", []int{1}, []float32{1})}, nil)
	if err == nil || err.Error() != "disk full" {
		t.Errorf("Write error = %v, want the writer's", err)
	}
}

func TestParseErrors(t *testing.T) {
	f32x2 := `"dtype":"F32","shape":[2]`
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"empty", nil, "file is 0 bytes, shorter than the 8-byte header length"},
		{"short", []byte{1, 2, 3}, "file is 3 bytes"},
		{"header past end", append(binary.LittleEndian.AppendUint64(nil, 100), "{}"...), "header length 100 runs past the end of the 10-byte file"},
		{"header absurd", binary.LittleEndian.AppendUint64(nil, 1<<62), "exceeds the limit of 100000000 bytes"},
		{"header length max uint64", binary.LittleEndian.AppendUint64(nil, math.MaxUint64), "exceeds the limit"},
		{"empty header", file(""), "does not start with '{'"},
		{"not an object", file("[1,2]   "), "does not start with '{'"},
		{"invalid JSON", file(`{"a":`), "header is not JSON: unexpected end of the header"},
		{"unclosed object", file(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}`, 0, 0, 0, 0), "header is not JSON"},
		{"invalid JSON value", file(`{"a":{"dtype":F32}}`), "header is not JSON: invalid character 'F'"},
		{"not UTF-8", file("{\"\xff\":1}"), "not valid UTF-8"},
		{"trailing JSON", file(`{} {}`), "data after its JSON object"},
		{"entry not an object", file(`{"a":5}`), `tensor "a"`},
		{"no dtype", file(`{"a":{"shape":[],"data_offsets":[0,0]}}`), `tensor "a": no dtype`},
		{"no shape", file(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, 0, 0, 0, 0), `tensor "a": no shape`},
		{"null shape", file(`{"a":{"dtype":"F32","shape":null,"data_offsets":[0,4]}}`, 0, 0, 0, 0), `tensor "a": no shape`},
		{"no offsets", file(`{"a":{"dtype":"F32","shape":[]}}`), `tensor "a": no data_offsets`},
		{"unknown dtype", file(`{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}`, make([]byte, 16)...), `tensor "a": unknown dtype "F128"`},
		{"lower-case dtype", file(`{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)...), `unknown dtype "f32"`},
		{"negative dim", file(`{"a":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,0]}}`), "negative size -1 in shape [-1 2]"},
		{"fractional dim", file(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,0]}}`), `tensor "a": json: cannot unmarshal number 1.5`},
		{"huge dim", file(`{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,0]}}`), `tensor "a": json: cannot unmarshal`},
		{"shape overflows", file(`{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}`), "shape [4611686018427387904 4] overflows"},
		{"bytes overflow", file(`{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}`), "overflows"},
		{"offsets not a pair", file(`{"a":{`+f32x2+`,"data_offsets":[0,4,8]}}`, make([]byte, 8)...), "data_offsets [0 4 8] is not [begin, end]"},
		{"negative offset", file(`{"a":{` + f32x2 + `,"data_offsets":[-8,0]}}`), `tensor "a": json: cannot unmarshal number -8`},
		{"offsets reversed", file(`{"a":{`+f32x2+`,"data_offsets":[8,0]}}`, make([]byte, 8)...), "data_offsets [8, 0] end before they begin"},
		{"offsets outside", file(`{"a":{`+f32x2+`,"data_offsets":[0,8]}}`, make([]byte, 4)...), "data_offsets [0, 8] lie outside the 4-byte data buffer"},
		{"offsets huge", file(`{"a":{` + f32x2 + `,"data_offsets":[18446744073709551608,18446744073709551615]}}`), "lie outside"},
		{"size mismatch", file(`{"a":{`+f32x2+`,"data_offsets":[0,12]}}`, make([]byte, 12)...), "data_offsets [0, 12] hold 12 bytes, but F32[2] needs 8"},
		{"overlap", file(`{"a":{`+f32x2+`,"data_offsets":[0,8]},"b":{`+f32x2+`,"data_offsets":[4,12]}}`, make([]byte, 12)...),
			`tensor "b": data_offsets [4, 12] overlap tensor "a", which ends at 8`},
		{"same range twice", file(`{"a":{`+f32x2+`,"data_offsets":[0,8]},"b":{`+f32x2+`,"data_offsets":[0,8]}}`, make([]byte, 8)...), "overlap"},
		{"hole", file(`{"a":{`+f32x2+`,"data_offsets":[0,8]},"b":{`+f32x2+`,"data_offsets":[12,20]}}`, make([]byte, 20)...),
			`tensor "b": data_offsets [12, 20] leave a hole of 4 bytes before it`},
		{"hole at start", file(`{"a":{`+f32x2+`,"data_offsets":[4,12]}}`, make([]byte, 12)...), "hole of 4 bytes"},
		{"trailing bytes", file(`{"a":{`+f32x2+`,"data_offsets":[0,8]}}`, make([]byte, 11)...), "3 bytes after the last tensor's data"},
		{"data without tensors", file(`{}`, 1), "1 bytes after the last tensor's data"},
		{"duplicate name", file(`{"a":{`+f32x2+`,"data_offsets":[0,8]},"a":{`+f32x2+`,"data_offsets":[0,8]}}`, make([]byte, 8)...), `duplicate entry "a"`},
		{"duplicate metadata", file(`{"__metadata__":{},"__metadata__":{}}`), `duplicate entry "__metadata__"`},
		{"metadata not strings", file(`{"__metadata__":{"a":1}}`), "__metadata__ is not an object of strings"},
		{"metadata not an object", file(`{"__metadata__":[]}`), "__metadata__ is not an object of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(tt.input)
			if err == nil {
				t.Fatalf("Parse = %+v, want an error containing %q", f, tt.want)
			}
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %q, want ErrFormat containing %q", err, tt.want)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  *File
	}{
		{"empty file", file(`{}`), &File{Tensors: []Tensor{}}},
		{"padded header", file(`{}      `), &File{Tensors: []Tensor{}}},
		{"null metadata", file(`{"__metadata__":null}`), &File{Tensors: []Tensor{}}},
		{"unknown fields ignored", file(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"extra":[1]}}`, 7, 9),
			&File{Tensors: []Tensor{{Name: "a", DType: U8, Shape: []int{2}, Data: []byte{7, 9}}}}},
		{"zero-size tensors share an offset", file(`{"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},`+
			`"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"y":{"dtype":"F64","shape":[3,0],"data_offsets":[4,4]}}`, 1, 2, 3, 4),
			&File{Tensors: []Tensor{
				{Name: "a", DType: U8, Shape: []int{4}, Data: []byte{1, 2, 3, 4}},
				{Name: "z", DType: F32, Shape: []int{0}, Data: []byte{}},
				{Name: "y", DType: F64, Shape: []int{3, 0}, Data: []byte{}},
			}}},
		{"huge dims with a zero", file(`{"a":{"dtype":"F32","shape":[4611686018427387904,0,4],"data_offsets":[0,0]}}`),
			&File{Tensors: []Tensor{{Name: "a", DType: F32, Shape: []int{4611686018427387904, 0, 4}, Data: []byte{}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.input)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Parse mismatch (-got +want):\n%s", diff)
			}
		})
	}
}

// TestParseTorchFile reads the state dict of torch.nn.Sequential(Linear(3,
// 4), Tanh(), Linear(4, 2)) as testdata/gen_checkpoint.py wrote it, in the
// layout of safetensors.torch.save_file.
func TestParseTorchFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(golden, "torch_mlp.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	type info struct {
		Name  string
		DType DType
		Shape []int
		Bytes int
	}
	var got []info
	for _, x := range f.Tensors {
		got = append(got, info{x.Name, x.DType, x.Shape, len(x.Data)})
	}
	want := []info{
		{"0.bias", F32, []int{4}, 16},
		{"0.weight", F32, []int{4, 3}, 48},
		{"2.bias", F32, []int{2}, 8},
		{"2.weight", F32, []int{2, 4}, 32},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("tensors mismatch (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(f.Metadata, map[string]string{"format": "pt"}); diff != "" {
		t.Errorf("metadata mismatch (-got +want):\n%s", diff)
	}
}

// dtypesGolden is testdata/golden/torch_dtypes.json.
type dtypesGolden struct {
	TorchVersion string `json:"torch_version"`
	Tensors      map[string]struct {
		DType   DType    `json:"dtype"`
		Shape   []int    `json:"shape"`
		Float64 []string `json:"float64"`
		Float32 []string `json:"float32"`
	} `json:"tensors"`
}

// TestDecodeTorchDtypes decodes tensors of every dtype PyTorch wrote and
// compares them bit for bit (NaN with NaN) with torch's .double() and
// .float() of the same tensors.
func TestDecodeTorchDtypes(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(golden, "torch_dtypes.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	jb, err := os.ReadFile(filepath.Join(golden, "torch_dtypes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g dtypesGolden
	if err := json.Unmarshal(jb, &g); err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != len(g.Tensors) {
		t.Errorf("file has %d tensors, golden %d", len(f.Tensors), len(g.Tensors))
	}
	for name, want := range g.Tensors {
		t.Run(name, func(t *testing.T) {
			st, ok := f.Lookup(name)
			if !ok {
				t.Fatalf("no tensor %q in the file", name)
			}
			if st.DType != want.DType || !cmp.Equal(st.Shape, want.Shape) {
				t.Errorf("%s%v, want %s%v", st.DType, st.Shape, want.DType, want.Shape)
			}
			got64, err64 := Decode[float64](st)
			got32, err32 := Decode[float32](st)
			if want.Float64 == nil {
				if !errors.Is(err64, ErrDType) || !errors.Is(err32, ErrDType) {
					t.Errorf("Decode errors = %v, %v; want ErrDType", err64, err32)
				}
				return
			}
			if err64 != nil || err32 != nil {
				t.Fatalf("Decode errors = %v, %v", err64, err32)
			}
			compareBits(t, "float64", got64, want.Float64)
			compareBits(t, "float32", got32, want.Float32)
		})
	}
}

// compareBits checks got against the golden strings exactly, including the
// sign of zero; any NaN matches any NaN.
func compareBits[T Float](t *testing.T, what string, got []T, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i, s := range want {
		w, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		g := float64(got[i])
		if math.IsNaN(w) && math.IsNaN(g) {
			continue
		}
		if math.Float64bits(g) != math.Float64bits(w) {
			t.Errorf("%s[%d] = %v, want %v", what, i, g, w)
		}
	}
}

// TestHalfToFloat32 checks every binary16 value against the definition
// (-1)^s · 2^(e-15) · (1 + m/1024), or 2^-14 · m/1024 for e = 0.
func TestHalfToFloat32(t *testing.T) {
	for h := range 1 << 16 {
		s, e, m := h>>15, (h>>10)&0x1f, h&0x3ff
		var want float64
		switch {
		case e == 0x1f && m == 0:
			want = math.Inf(1)
		case e == 0x1f:
			want = math.NaN()
		case e == 0:
			want = math.Ldexp(float64(m)/1024, -14)
		default:
			want = math.Ldexp(1+float64(m)/1024, e-15)
		}
		if s == 1 {
			want = math.Copysign(want, -1)
		}
		got := float64(halfToFloat32(uint16(h)))
		if math.IsNaN(want) {
			if !math.IsNaN(got) {
				t.Errorf("halfToFloat32(%#04x) = %v, want NaN", h, got)
			}
			continue
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("halfToFloat32(%#04x) = %v, want %v", h, got, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		t    Tensor
		err  error
		want string
	}{
		{"integer", Tensor{Name: "n", DType: I32, Shape: []int{1}, Data: make([]byte, 4)}, ErrDType, `tensor "n" has dtype I32`},
		{"unknown", Tensor{Name: "n", DType: "Q", Shape: []int{1}, Data: make([]byte, 4)}, ErrDType, `unknown dtype "Q"`},
		{"ragged", Tensor{Name: "n", DType: F32, Shape: []int{1}, Data: make([]byte, 5)}, ErrInvalid, "5 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode[float32](tt.t)
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode error = %v, want %v containing %q", err, tt.err, tt.want)
			}
		})
	}
}

// FuzzParse feeds Parse arbitrary bytes: it must return an error or a
// file whose tensors tile the data and that Write reproduces, never panic,
// and never allocate much more than the input's size.
func FuzzParse(f *testing.F) {
	var buf bytes.Buffer
	if err := Write(&buf, []Tensor{
		Encode("w", []int{2, 2}, []float32{1, 2, 3, 4}),
		Encode("b", []int{2}, []float64{5, 6}),
	}, map[string]string{"format": "pt"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(file(`{}`))
	f.Add(file(`{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, 0, 0x3c))
	f.Add(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)...))
	f.Add(binary.LittleEndian.AppendUint64(nil, 1<<40))
	if b, err := os.ReadFile(filepath.Join(golden, "torch_mlp.safetensors")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		file, err := Parse(b)
		runtime.ReadMemStats(&after)
		// The JSON decoder keeps a copy of the header and a few words per
		// token; 64 bytes per input byte is far above what it needs.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64*uint64(len(b))+64<<10 {
			t.Errorf("Parse allocated %d bytes for %d bytes of input", alloc, len(b))
		}
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Errorf("Parse error %v does not wrap ErrFormat", err)
			}
			return
		}
		var out bytes.Buffer
		if err := Write(&out, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("Write of a parsed file: %v", err)
		}
		again, err := Parse(out.Bytes())
		if err != nil {
			t.Fatalf("Parse of a rewritten file: %v", err)
		}
		if diff := cmp.Diff(again, file); diff != "" {
			t.Errorf("rewritten file differs (-got +want):\n%s", diff)
		}
	})
}

// TestParseAllocationBounded parses pathological headers, each valid or
// nearly so, and checks that Parse allocates at most a fixed multiple of
// the input's size. (The multiple, about 30 for a long JSON array, comes
// from the JSON decoder's buffer and the decoded slices; the point is that
// it does not depend on the sizes the header claims.)
func TestParseAllocationBounded(t *testing.T) {
	const n = 50000
	entries := func(format string, count int) string {
		var sb strings.Builder
		for i := range count {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, format, i)
		}
		return sb.String()
	}
	tests := []struct {
		name  string
		input []byte
	}{
		{"long shape", file(`{"a":{"dtype":"U8","shape":[`+strings.Repeat("1,", n)+`1],"data_offsets":[0,1]}}`, 1)},
		{"many tensors", file(`{` + entries(`"%d":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}`, n/10) + `}`)},
		{"many metadata keys", file(`{"__metadata__":{` + entries(`"%d":""`, n/2) + `}}`)},
		{"deep unknown field", file(`{"a":{"x":` + strings.Repeat("[", n/10) + strings.Repeat("]", n/10) + `}}`)},
		{"claims a huge tensor", file(`{"a":{"dtype":"F64","shape":[1000000000,1000000000],"data_offsets":[0,8000000000000000000]}}`)},
		{"claims a huge header", binary.LittleEndian.AppendUint64(nil, MaxHeaderSize)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := Parse(tt.input)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			if limit := 40*uint64(len(tt.input)) + 64<<10; alloc > limit {
				t.Errorf("Parse allocated %d bytes for %d bytes of input (error %v), want at most %d",
					alloc, len(tt.input), err, limit)
			}
		})
	}
}
