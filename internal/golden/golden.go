// Package golden holds what the tests of several packages share to read the
// PyTorch golden files under testdata/golden: the encoding of their floats.
package golden

import (
	"encoding/json"
	"fmt"
	"strconv"
)

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
