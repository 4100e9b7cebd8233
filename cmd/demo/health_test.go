package main

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// withGrad returns a named parameter of shape [2] whose gradient is g (no
// gradient if g is nil).
func withGrad(name string, g []float64) nn.Param[float64] {
	v := tensor.Param(tensor.Zeros[float64](2))
	if g != nil {
		v.SetGrad(tensor.Const(tensor.New(g)))
	}
	return nn.Param[float64]{Name: name, Value: v}
}

// TestHealthWarns checks the gradient-health watch: one warning per
// parameter whose norm leaves [low, high] (NaN counts as exploding), none
// for healthy norms or a parameter without a gradient, and each parameter
// warned about only once.
func TestHealthWarns(t *testing.T) {
	var out bytes.Buffer
	h := newHealth[float64](&config{healthLow: 1e-7, healthHi: 1e3}, &out)
	params := []nn.Param[float64]{
		withGrad("ok", []float64{3, 4}),           // norm 5
		withGrad("tiny", []float64{1e-9, 0}),      // vanishing
		withGrad("huge", []float64{3e3, 4e3}),     // exploding
		withGrad("nan", []float64{math.NaN(), 0}), // exploding
		withGrad("none", nil),                     // no gradient: not vanishing
	}
	h.check(7, params)
	h.check(8, params) // already warned: silent
	got := out.String()
	want := []string{
		"warning: epoch 7: gradient norm of tiny is 1e-09 (below 1e-07): vanishing gradients",
		"warning: epoch 7: gradient norm of huge is 5e+03 (above 1000): exploding gradients",
		"warning: epoch 7: gradient norm of nan is NaN (above 1000): exploding gradients",
	}
	for _, w := range want {
		if strings.Count(got, w) != 1 {
			t.Errorf("output has %q %d times; want once. Output:\n%s", w, strings.Count(got, w), got)
		}
	}
	if n := strings.Count(got, "warning:"); n != len(want) {
		t.Errorf("%d warnings; want %d. Output:\n%s", n, len(want), got)
	}
	for _, name := range []string{" ok ", " none "} {
		if strings.Contains(got, "norm of"+name) {
			t.Errorf("warned about %q:\n%s", name, got)
		}
	}
}

// TestHealthInDemo runs the walkthrough with thresholds that every
// gradient crosses, to show that the demo wires the watch into its loop.
func TestHealthInDemo(t *testing.T) {
	for _, tt := range []struct {
		flag, value, want string
	}{
		{"-vanish", "1e9", "vanishing gradients"},
		{"-explode", "1e-9", "exploding gradients"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			var out bytes.Buffer
			if err := run([]string{"-epochs", "3", tt.flag, tt.value}, &out, &out); err != nil {
				t.Fatal(err)
			}
			// The 2-4-1 network has four parameters, each warned about once,
			// in the first epoch.
			if n := strings.Count(out.String(), "warning: epoch 1: gradient norm of "); n != 4 {
				t.Errorf("%d first-epoch warnings; want 4 (one per parameter). Output:\n%s", n, out.String())
			}
			if n := strings.Count(out.String(), tt.want); n != 4 {
				t.Errorf("%q appears %d times; want 4. Output:\n%s", tt.want, n, out.String())
			}
		})
	}
	var out bytes.Buffer
	if err := run([]string{"-epochs", "50"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "warning:") {
		t.Errorf("a healthy run warned:\n%s", out.String())
	}
}
