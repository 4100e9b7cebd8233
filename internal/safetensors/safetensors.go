// Package safetensors reads and writes the safetensors file format, the
// checkpoint format of Hugging Face's safetensors library that PyTorch
// models are commonly shipped in:
//
//	8 bytes    N, the header length, a little-endian uint64
//	N bytes    the header: a UTF-8 JSON object
//	           {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
//	            ..., "__metadata__": {"key": "value", ...}}
//	           padded with spaces so that the data starts 8-byte aligned
//	rest       the data buffer: every tensor's elements, row-major and
//	           little-endian, at [begin, end) relative to the buffer's start
//
// Parse validates everything the format's specification requires and
// returns an error wrapping ErrFormat that names the problem, never
// panicking and never allocating more than a small multiple of the input's
// size: the header length is checked against the input before anything is
// read, and every tensor's size is checked against its byte range, which
// must lie in the input. The byte ranges must tile the data buffer exactly
// (no overlaps, no holes, no trailing bytes), as the specification demands
// so that a file has one meaning.
//
// Tensor data is kept as raw bytes with its dtype; Decode converts the
// floating-point dtypes (F64, F32, F16, BF16) to float32 or float64 and
// Encode makes F32 or F64 tensors. The other dtypes of the specification
// (integers, BOOL, F8) are parsed and validated but not converted.
//
// No Go implementation was taken as a dependency: the one on the module
// proxy (github.com/nlpodyssey/safetensors) has no tagged release and no
// documentation, so it is not the well-kept standard DESIGN.md asks for, and
// the format is small.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxHeaderSize is the largest header Parse accepts, in bytes: the limit of
// the reference implementation (100 MB).
const MaxHeaderSize = 100_000_000

// metadataKey is the header entry that holds the free-form string metadata.
const metadataKey = "__metadata__"

var (
	// ErrFormat is wrapped by every error Parse returns for input that is
	// not a valid safetensors file.
	ErrFormat = errors.New("safetensors: invalid file")
	// ErrDType is wrapped by the errors of Decode for a dtype it cannot
	// convert (integers, BOOL, F8).
	ErrDType = errors.New("safetensors: unsupported dtype")
	// ErrInvalid is wrapped by the errors of Write for tensors that cannot
	// be written (duplicate names, data that does not fit the shape).
	ErrInvalid = errors.New("safetensors: invalid tensor")
)

// DType names an element type as the header spells it.
type DType string

// The dtypes of the safetensors specification.
const (
	BOOL   DType = "BOOL"
	U8     DType = "U8"
	I8     DType = "I8"
	F8E5M2 DType = "F8_E5M2"
	F8E4M3 DType = "F8_E4M3"
	I16    DType = "I16"
	U16    DType = "U16"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I32    DType = "I32"
	U32    DType = "U32"
	F32    DType = "F32"
	F64    DType = "F64"
	I64    DType = "I64"
	U64    DType = "U64"
)

// Size returns the number of bytes of one element of d, or 0 if d is not a
// dtype of the specification.
func (d DType) Size() int {
	switch d {
	case BOOL, U8, I8, F8E5M2, F8E4M3:
		return 1
	case I16, U16, F16, BF16:
		return 2
	case I32, U32, F32:
		return 4
	case F64, I64, U64:
		return 8
	}
	return 0
}

// Tensor is one named tensor of a file: its dtype, its shape ([] for a
// scalar) and its elements as little-endian bytes in row-major order.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// File is a parsed safetensors file: its tensors in the order of their
// data in the file, and the header's string metadata (nil if it had none).
type File struct {
	Tensors  []Tensor
	Metadata map[string]string
}

// Lookup returns the tensor called name.
func (f *File) Lookup(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// formatError returns an error wrapping ErrFormat.
func formatError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// headerEntry is one tensor's header entry as JSON spells it. Pointers tell
// a missing field from an empty one.
type headerEntry struct {
	DType   *string   `json:"dtype"`
	Shape   *[]int64  `json:"shape"`
	Offsets *[]uint64 `json:"data_offsets"`
}

// entry is a validated header entry.
type entry struct {
	t          Tensor
	begin, end int
}

// Parse parses a whole safetensors file held in b. The tensors' Data
// slices share b's memory. It returns an error wrapping ErrFormat, naming
// the problem, for anything that is not a valid file.
func Parse(b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, formatError("file is %d bytes, shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b[:8])
	if n > MaxHeaderSize {
		return nil, formatError("header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(len(b)-8) {
		return nil, formatError("header length %d runs past the end of the %d-byte file", n, len(b))
	}
	header, data := b[8:8+n], b[8+n:]
	if !utf8.Valid(header) {
		return nil, formatError("header is not valid UTF-8")
	}
	if len(header) == 0 || header[0] != '{' {
		return nil, formatError("header does not start with '{'")
	}
	entries, meta, err := parseHeader(header, len(data))
	if err != nil {
		return nil, err
	}
	if err := checkTiling(entries, len(data)); err != nil {
		return nil, err
	}
	f := &File{Tensors: make([]Tensor, len(entries)), Metadata: meta}
	for i, e := range entries {
		f.Tensors[i] = e.t
		f.Tensors[i].Data = data[e.begin:e.end:e.end]
	}
	return f, nil
}

// parseHeader decodes the JSON header, checking each entry against a data
// buffer of dataLen bytes. It walks the top-level object token by token so
// that a duplicate name is an error (a map would silently keep the last).
func parseHeader(header []byte, dataLen int) ([]entry, map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	if _, err := dec.Token(); err != nil { // '{', checked by the caller
		return nil, nil, formatError("header is not JSON: %v", err)
	}
	var (
		entries []entry
		meta    map[string]string
		seen    = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, formatError("header is not JSON: %v", err)
		}
		name, ok := tok.(string)
		if !ok { // unreachable: object keys are strings
			return nil, nil, formatError("header key %v is not a string", tok)
		}
		if seen[name] {
			return nil, nil, formatError("duplicate entry %q in header", name)
		}
		seen[name] = true
		if name == metadataKey {
			if err := dec.Decode(&meta); err != nil {
				return nil, nil, decodeError(metadataKey+" is not an object of strings", err)
			}
			continue
		}
		var h headerEntry
		if err := dec.Decode(&h); err != nil {
			return nil, nil, decodeError(fmt.Sprintf("tensor %q", name), err)
		}
		e, err := checkEntry(name, h, dataLen)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, nil, formatError("header is not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, formatError("header has data after its JSON object")
	}
	return entries, meta, nil
}

// decodeError reports err from decoding the value of a header entry: JSON
// that is broken, or JSON of the wrong form for what (the entry).
func decodeError(what string, err error) error {
	var syntax *json.SyntaxError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return formatError("header is not JSON: unexpected end of the header")
	}
	if errors.As(err, &syntax) {
		return formatError("header is not JSON: %v", err)
	}
	return formatError("%s: %v", what, err)
}

// checkEntry validates one tensor's entry: a known dtype, a shape of
// non-negative sizes whose element count does not overflow, and a byte
// range inside the data buffer whose length is that count times the
// dtype's size.
func checkEntry(name string, h headerEntry, dataLen int) (entry, error) {
	switch {
	case h.DType == nil:
		return entry{}, formatError("tensor %q: no dtype", name)
	case h.Shape == nil:
		return entry{}, formatError("tensor %q: no shape", name)
	case h.Offsets == nil:
		return entry{}, formatError("tensor %q: no data_offsets", name)
	}
	dt := DType(*h.DType)
	size := dt.Size()
	if size == 0 {
		return entry{}, formatError("tensor %q: unknown dtype %q", name, *h.DType)
	}
	shape := make([]int, len(*h.Shape))
	for i, d := range *h.Shape {
		if d < 0 {
			return entry{}, formatError("tensor %q: negative size %d in shape %v", name, d, *h.Shape)
		}
		if d > math.MaxInt {
			return entry{}, formatError("tensor %q: size %d in shape %v overflows", name, d, *h.Shape)
		}
		shape[i] = int(d)
	}
	nbytes, ok := byteSize(shape, size)
	if !ok {
		return entry{}, formatError("tensor %q: shape %v overflows", name, *h.Shape)
	}
	offs := *h.Offsets
	if len(offs) != 2 {
		return entry{}, formatError("tensor %q: data_offsets %v is not [begin, end]", name, offs)
	}
	begin, end := offs[0], offs[1]
	switch {
	case end < begin:
		return entry{}, formatError("tensor %q: data_offsets [%d, %d] end before they begin", name, begin, end)
	case end > uint64(dataLen):
		return entry{}, formatError("tensor %q: data_offsets [%d, %d] lie outside the %d-byte data buffer",
			name, begin, end, dataLen)
	case end-begin != uint64(nbytes):
		return entry{}, formatError("tensor %q: data_offsets [%d, %d] hold %d bytes, but %s%v needs %d",
			name, begin, end, end-begin, dt, shape, nbytes)
	}
	return entry{t: Tensor{Name: name, DType: dt, Shape: shape}, begin: int(begin), end: int(end)}, nil
}

// byteSize returns the number of bytes of a tensor of shape with elements
// of size bytes, and false if it does not fit in an int.
func byteSize(shape []int, size int) (int, bool) {
	if slices.Contains(shape, 0) {
		return 0, true
	}
	n := size
	for _, d := range shape {
		if n > math.MaxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// checkTiling sorts entries by their byte ranges and checks that the ranges
// cover [0, dataLen) exactly once.
func checkTiling(entries []entry, dataLen int) error {
	slices.SortStableFunc(entries, func(a, b entry) int {
		if a.begin != b.begin {
			return a.begin - b.begin
		}
		return a.end - b.end
	})
	pos, prev := 0, ""
	for _, e := range entries {
		switch {
		case e.begin < pos:
			return formatError("tensor %q: data_offsets [%d, %d] overlap tensor %q, which ends at %d",
				e.t.Name, e.begin, e.end, prev, pos)
		case e.begin > pos:
			return formatError("tensor %q: data_offsets [%d, %d] leave a hole of %d bytes before it",
				e.t.Name, e.begin, e.end, e.begin-pos)
		}
		pos, prev = e.end, e.t.Name
	}
	if pos != dataLen {
		return formatError("%d bytes after the last tensor's data (the data buffer is %d bytes, its tensors %d)",
			dataLen-pos, dataLen, pos)
	}
	return nil
}

// Write writes tensors in the given order, with metadata (may be nil), as
// a safetensors file. The output is deterministic: the header lists
// "__metadata__" first, with sorted keys, then the tensors in order, and
// is padded with spaces to a multiple of 8 bytes so that the data is
// aligned. It returns an error wrapping ErrInvalid, writing nothing, if two
// tensors share a name, a name is "__metadata__", a dtype is unknown, a
// shape has a negative size, or a tensor's Data does not hold exactly its
// shape's elements; otherwise it returns the first error of w.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header, err := encodeHeader(tensors, metadata)
	if err != nil {
		return err
	}
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
	if _, err := w.Write(prefix[:]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return err
		}
	}
	return nil
}

// encodeHeader validates tensors and returns the padded JSON header.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	var sb strings.Builder
	sb.WriteByte('{')
	if len(metadata) > 0 {
		sb.WriteString(`"__metadata__":{`)
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if i > 0 {
				sb.WriteByte(',')
			}
			writeJSONString(&sb, k)
			sb.WriteByte(':')
			writeJSONString(&sb, metadata[k])
		}
		sb.WriteByte('}')
	}
	seen := make(map[string]bool, len(tensors))
	offset := 0
	for i, t := range tensors {
		if t.Name == metadataKey {
			return nil, fmt.Errorf("%w: tensor %d is named %q, which the format reserves", ErrInvalid, i, metadataKey)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("%w: duplicate tensor name %q", ErrInvalid, t.Name)
		}
		seen[t.Name] = true
		size := t.DType.Size()
		if size == 0 {
			return nil, fmt.Errorf("%w: tensor %q: unknown dtype %q", ErrInvalid, t.Name, string(t.DType))
		}
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("%w: tensor %q: negative size in shape %v", ErrInvalid, t.Name, t.Shape)
			}
		}
		nbytes, ok := byteSize(t.Shape, size)
		if !ok || nbytes != len(t.Data) {
			return nil, fmt.Errorf("%w: tensor %q: %d bytes of data for %s%v", ErrInvalid, t.Name, len(t.Data), t.DType, t.Shape)
		}
		if sb.Len() > 1 {
			sb.WriteByte(',')
		}
		writeJSONString(&sb, t.Name)
		fmt.Fprintf(&sb, `:{"dtype":"%s","shape":[`, t.DType)
		for j, d := range t.Shape {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprint(&sb, d)
		}
		fmt.Fprintf(&sb, `],"data_offsets":[%d,%d]}`, offset, offset+nbytes)
		offset += nbytes
	}
	sb.WriteByte('}')
	for sb.Len()%8 != 0 {
		sb.WriteByte(' ')
	}
	if sb.Len() > MaxHeaderSize {
		return nil, fmt.Errorf("%w: header of %d bytes exceeds the limit of %d", ErrInvalid, sb.Len(), MaxHeaderSize)
	}
	return []byte(sb.String()), nil
}

// writeJSONString writes s as a JSON string.
func writeJSONString(sb *strings.Builder, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	sb.Write(b)
}

// Float is the element types Decode and Encode convert to and from.
type Float interface{ float32 | float64 }

// Encode returns a tensor of dtype F32 (for float32) or F64 (for float64)
// holding data, which must have the number of elements of shape (Write
// checks it).
func Encode[T Float](name string, shape []int, data []T) Tensor {
	t := Tensor{Name: name, Shape: slices.Clone(shape)}
	switch d := any(data).(type) {
	case []float32:
		t.DType = F32
		t.Data = make([]byte, 4*len(d))
		for i, x := range d {
			binary.LittleEndian.PutUint32(t.Data[4*i:], math.Float32bits(x))
		}
	case []float64:
		t.DType = F64
		t.Data = make([]byte, 8*len(d))
		for i, x := range d {
			binary.LittleEndian.PutUint64(t.Data[8*i:], math.Float64bits(x))
		}
	}
	return t
}

// Decode returns t's elements converted to T, PyTorch's copy_ between
// dtypes: F16, BF16 and F32 convert exactly to either type, F64 to float32
// rounds to nearest even. Other dtypes return an error wrapping ErrDType.
func Decode[T Float](t Tensor) ([]T, error) {
	switch t.DType {
	case F64, F32, F16, BF16:
	default:
		if t.DType.Size() == 0 {
			return nil, fmt.Errorf("%w: tensor %q: unknown dtype %q", ErrDType, t.Name, string(t.DType))
		}
		return nil, fmt.Errorf("%w: tensor %q has dtype %s; only F64, F32, F16 and BF16 convert to floats",
			ErrDType, t.Name, t.DType)
	}
	size := t.DType.Size()
	if len(t.Data)%size != 0 {
		return nil, fmt.Errorf("%w: tensor %q: %d bytes of data is not a whole number of %s elements",
			ErrInvalid, t.Name, len(t.Data), t.DType)
	}
	n := len(t.Data) / size
	out := make([]T, n)
	b := t.Data
	switch t.DType {
	case F64:
		for i := range out {
			out[i] = T(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	case F32:
		for i := range out {
			out[i] = T(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		}
	case F16:
		for i := range out {
			out[i] = T(halfToFloat32(binary.LittleEndian.Uint16(b[2*i:])))
		}
	case BF16:
		for i := range out {
			out[i] = T(math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16))
		}
	}
	return out, nil
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf, NaN (payload kept)
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal: rebias 15 -> 127
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// Subnormal: mant * 2^-24, exact in float32.
	f := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		f = -f
	}
	return f
}
