package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func idxImages(n, rows, cols int, magic uint32) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [4]uint32{magic, uint32(n), uint32(rows), uint32(cols)})
	for i := range n * rows * cols {
		b.WriteByte(byte(i))
	}
	return b.Bytes()
}

func idxLabels(labels []byte, magic uint32) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [2]uint32{magic, uint32(len(labels))})
	b.Write(labels)
	return b.Bytes()
}

func TestReadImages(t *testing.T) {
	n, rows, cols, px, err := ReadImages(bytes.NewReader(idxImages(2, 2, 3, imageMagic)))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || rows != 2 || cols != 3 || !cmp.Equal(px, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
		t.Errorf("got %d %d %d %v", n, rows, cols, px)
	}
}

func TestReadErrors(t *testing.T) {
	good := idxImages(2, 2, 3, imageMagic)
	for name, data := range map[string][]byte{
		"empty":        nil,
		"short header": good[:10],
		"wrong magic":  idxImages(2, 2, 3, labelMagic),
		"truncated":    good[:len(good)-1],
		"huge count":   idxImages(0, 0, 0, imageMagic)[:4:4],
	} {
		if _, _, _, _, err := ReadImages(bytes.NewReader(data)); !errors.Is(err, ErrFormat) {
			t.Errorf("images %s: err %v; want ErrFormat", name, err)
		}
	}
	huge := idxImages(0, 28, 28, imageMagic)
	binary.BigEndian.PutUint32(huge[4:], 1<<30)
	if _, _, _, _, err := ReadImages(bytes.NewReader(huge)); !errors.Is(err, ErrFormat) {
		t.Errorf("huge count: err %v; want ErrFormat", err)
	}
	for name, data := range map[string][]byte{
		"wrong magic": idxLabels([]byte{1, 2}, imageMagic),
		"truncated":   idxLabels([]byte{1, 2}, labelMagic)[:9],
		"not a digit": idxLabels([]byte{1, 12}, labelMagic),
	} {
		if _, err := ReadLabels(bytes.NewReader(data)); !errors.Is(err, ErrFormat) {
			t.Errorf("labels %s: err %v; want ErrFormat", name, err)
		}
	}
}

func writeGz(t *testing.T, path string, data []byte) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	writeGz(t, filepath.Join(dir, "train-images-idx3-ubyte.gz"), idxImages(3, 2, 2, imageMagic))
	writeGz(t, filepath.Join(dir, "train-labels-idx1-ubyte.gz"), idxLabels([]byte{1, 2, 3}, labelMagic))
	// The test set uncompressed, to cover both forms.
	os.WriteFile(filepath.Join(dir, "t10k-images-idx3-ubyte"), idxImages(1, 2, 2, imageMagic), 0o644)
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), idxLabels([]byte{7}, labelMagic), 0o644)
	train, test, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 3 || test.N != 1 || !cmp.Equal(test.Labels, []byte{7}) {
		t.Errorf("train %d items, test %d items with labels %v; want 3, 1, [7]", train.N, test.N, test.Labels)
	}
	// Mismatched counts, a missing file and a corrupt gzip stream are errors.
	writeGz(t, filepath.Join(dir, "train-labels-idx1-ubyte.gz"), idxLabels([]byte{1, 2}, labelMagic))
	if _, _, err := Load(dir); !errors.Is(err, ErrFormat) {
		t.Errorf("mismatched counts: err %v; want ErrFormat", err)
	}
	os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte.gz"), []byte{0x1f, 0x8b, 0, 1, 2}, 0o644)
	if _, _, err := Load(dir); err == nil {
		t.Error("corrupt gzip: no error")
	}
	if _, _, err := Load(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing files: err %v; want ErrNotExist", err)
	}
}

// FuzzReadImages: any bytes give an error or a consistent set, never a
// panic, and never more pixels than the input holds.
func FuzzReadImages(f *testing.F) {
	f.Add(idxImages(2, 2, 3, imageMagic))
	f.Add(idxLabels([]byte{1}, labelMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, rows, cols, px, err := ReadImages(bytes.NewReader(data))
		if err == nil && (len(px) != n*rows*cols || len(px) > len(data)) {
			t.Fatalf("%d pixels for %d images of %dx%d from %d bytes", len(px), n, rows, cols, len(data))
		}
		ReadLabels(bytes.NewReader(data))
	})
}
