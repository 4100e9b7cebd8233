// Package golden holds what the tests of several packages share to read the
// PyTorch golden files under testdata/golden: the encoding of their floats
// and a strict reader.
package golden

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

// Decode reads the golden file at path into v. Unknown fields are an
// error, so that a generator and the test reading its output cannot drift
// apart silently. The error names the file.
func Decode(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("golden file: %v", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("golden file %s: %v", path, err)
	}
	return nil
}

// Float is a float written as a string in JSON ("0.1", "-0.0", "inf",
// "nan"), because JSON numbers cannot hold infinities, NaN or -0. The
// generators in testdata/ write every float this way.
type Float float64

// UnmarshalJSON parses the string form.
func (f *Float) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("golden float %s is not a string", b)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("golden float: %v", err)
	}
	*f = Float(v)
	return nil
}
