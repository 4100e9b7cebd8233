package golden

import (
	"encoding/json"
	"math"
	"testing"
)

func TestFloat(t *testing.T) {
	var got []Float
	if err := json.Unmarshal([]byte(`["0.5", "-0.0", "inf", "-inf", "nan"]`), &got); err != nil {
		t.Fatal(err)
	}
	if got[0] != 0.5 || !math.Signbit(float64(got[1])) || !math.IsInf(float64(got[2]), 1) ||
		!math.IsInf(float64(got[3]), -1) || !math.IsNaN(float64(got[4])) {
		t.Errorf("got %v; want [0.5 -0 +Inf -Inf NaN]", got)
	}
	for _, bad := range []string{`[0.5]`, `["x"]`} {
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
