package nn

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/chainrule/chainrule/internal/safetensors"
	"github.com/chainrule/chainrule/tensor"
)

// Checkpoints are safetensors files (the format is described in package
// internal/safetensors), so that PyTorch reads what Save writes and Load
// reads what PyTorch's safetensors.torch.save_file writes.

// ErrCheckpoint is wrapped by the errors of Load and LoadTensors for a
// file that is not a valid checkpoint: not a safetensors file, or a tensor
// whose dtype does not convert to floats. Errors from the file system
// (fs.ErrNotExist, ...) are returned wrapped as they are.
var ErrCheckpoint = errors.New("invalid checkpoint")

// checkpointError marks err (from package safetensors) as ErrCheckpoint
// without repeating its text.
type checkpointError struct{ err error }

func (e checkpointError) Error() string   { return e.err.Error() }
func (e checkpointError) Unwrap() []error { return []error{ErrCheckpoint, e.err} }

// Save writes m's state dict (StateDict) to path as a safetensors file with
// the metadata {"format": "pt"} that Hugging Face's loaders look for. The
// write is atomic: the file is written to a temporary file in the same
// directory, synced, and renamed over path, so that a failed or
// interrupted Save leaves any previous checkpoint at path intact.
func Save[T tensor.Float](path string, m Module[T]) error {
	return saveTensors("Save", path, StateDict(m), map[string]string{"format": "pt"})
}

// Load reads the safetensors checkpoint at path into m's parameters,
// strictly: every parameter must be in the file with its shape, and the
// file must hold nothing else (LoadStateDict with strict set; for a
// partial load use LoadTensors and LoadStateDict). On any error m is
// unchanged; the error wraps ErrCheckpoint for an invalid file and
// ErrStateDict (as a *StateDictError) for a file that does not fit m.
//
// Tensors of another floating-point dtype are converted, as PyTorch's
// load_state_dict converts (copy_ between dtypes): F64, F32, F16 and BF16
// load into a float32 or a float64 model, F64 into float32 rounding to
// nearest even (values beyond float32's range become ±Inf) and the others
// exactly. Integer, BOOL and F8 tensors are refused with an error naming
// the tensor, since no parameter holds them. Save writes the model's own
// type, F32 for float32 and F64 for float64.
func Load[T tensor.Float](path string, m Module[T]) error {
	b, err := readFile(path)
	if err != nil {
		return fmt.Errorf("nn: Load: %w", err)
	}
	return loadBytes(path, b, m)
}

// loadBytes is Load on a file's contents; path only names it in errors.
func loadBytes[T tensor.Float](path string, b []byte, m Module[T]) error {
	sd, _, err := decodeTensors[T](b)
	if err != nil {
		return fmt.Errorf("nn: Load %s: %w", path, err)
	}
	return loadStateDict("Load", path, m, sd, true)
}

// SaveTensors writes named tensors, in the given order, with string
// metadata (may be nil), to path as a safetensors file, atomically as Save
// does. It is how state other than a model's parameters (an optimiser's
// moments) is saved. Tensors may be views; their elements are written in
// row-major order. It returns an error, writing nothing, if a name repeats
// or is "__metadata__" (reserved by the format), and panics with
// tensor.ErrArgument if a tensor is nil.
func SaveTensors[T tensor.Float](path string, tensors []NamedTensor[T], metadata map[string]string) error {
	return saveTensors("SaveTensors", path, tensors, metadata)
}

func saveTensors[T tensor.Float](op, path string, tensors []NamedTensor[T], metadata map[string]string) error {
	encoded := make([]safetensors.Tensor, len(tensors))
	for i, nt := range tensors {
		if nt.Tensor == nil {
			panic(nnError(tensor.ErrArgument, op, "tensor %q is nil", nt.Name))
		}
		var data []T
		if nt.Tensor.IsContiguous() {
			data = nt.Tensor.Flat()
		} else {
			data = nt.Tensor.ToSlice()
		}
		encoded[i] = safetensors.Encode(nt.Name, nt.Tensor.Shape(), data)
	}
	err := writeFileAtomic(path, func(w io.Writer) error {
		return safetensors.Write(w, encoded, metadata)
	})
	if err != nil {
		return fmt.Errorf("nn: %s %s: %w", op, path, err)
	}
	return nil
}

// LoadTensors reads the named tensors and the string metadata (nil if
// none) of the safetensors file at path, in the order of their data in the
// file, converting floating-point dtypes to T as Load does (see there).
// It is the inverse of SaveTensors. The error wraps ErrCheckpoint for an
// invalid file.
func LoadTensors[T tensor.Float](path string) ([]NamedTensor[T], map[string]string, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("nn: LoadTensors: %w", err)
	}
	sd, meta, err := decodeTensors[T](b)
	if err != nil {
		return nil, nil, fmt.Errorf("nn: LoadTensors %s: %w", path, err)
	}
	return sd, meta, nil
}

// readFile reads the whole file at path. os.ReadFile would do; this reads
// exactly the size Stat reports, so the allocation is what the file
// justifies.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errors.New("not a regular file")}
	}
	b := make([]byte, info.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return b, nil
}

// decodeTensors parses a safetensors file and converts its tensors to T.
func decodeTensors[T tensor.Float](b []byte) ([]NamedTensor[T], map[string]string, error) {
	f, err := safetensors.Parse(b)
	if err != nil {
		return nil, nil, checkpointError{err}
	}
	out := make([]NamedTensor[T], len(f.Tensors))
	for i, st := range f.Tensors {
		data, err := safetensors.Decode[T](st)
		if err != nil {
			return nil, nil, checkpointError{err}
		}
		var t *tensor.Tensor[T]
		if len(st.Shape) == 0 {
			t = tensor.Scalar(data[0])
		} else {
			t = tensor.New(data, st.Shape...)
		}
		out[i] = NamedTensor[T]{Name: st.Name, Tensor: t}
	}
	return out, f.Metadata, nil
}

// testHookWriter, when set by a test, wraps the temporary file's writer in
// writeFileAtomic, to make a save fail midway.
var testHookWriter func(io.Writer) io.Writer

// writeFileAtomic writes a file at path through write, atomically: into a
// temporary file in path's directory, which is synced and renamed over
// path, and the directory synced so that the rename itself is durable. On
// any failure the temporary file is removed and path is untouched. A new
// file gets mode 0644; a replaced file keeps its mode.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := fs.FileMode(0o644)
	if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
		mode = info.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	var w io.Writer = f
	if testHookWriter != nil {
		w = testHookWriter(w)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	closed = true
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Windows cannot sync a directory
// (and does not need to), so it is skipped there.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
