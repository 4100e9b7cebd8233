package optim_test

import (
	"errors"
	"testing"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/nn/optim"
	"github.com/chainrule/chainrule/tensor"
)

// FuzzLoadState feeds LoadState state entries with arbitrary names, shapes
// and values, as a corrupt checkpoint could hold. Property: it never
// panics; it either succeeds, after which the optimiser can step and
// export its state, or returns an error wrapping ErrState.
func FuzzLoadState(f *testing.F) {
	f.Add("state.0.step", uint8(0), 3.0, "state.0.exp_avg", uint8(2), 0.5)
	f.Add("state.1.step", uint8(1), 1.0, "state.1.max_exp_avg_sq", uint8(1), 0.5)
	f.Add("state.0.exp_avg_sq", uint8(2), -1.0, "state.0.step", uint8(0), 1e300)
	f.Add("state..step", uint8(0), 1.0, "state.-1.step", uint8(0), 1.0)
	f.Add("state.0.step.x", uint8(3), 2.0, "", uint8(0), 0.0)
	f.Fuzz(func(t *testing.T, name1 string, n1 uint8, v1 float64, name2 string, n2 uint8, v2 float64) {
		p0 := tensor.Param(tensor.Zeros[float64](2))
		p1 := tensor.Param(tensor.Zeros[float64](1))
		o, err := optim.NewAdam([]*tensor.Value[float64]{p0}, optim.AdamDefaults())
		if err != nil {
			t.Fatal(err)
		}
		ams := optim.AdamDefaults()
		ams.AMSGrad = true
		if err := o.AddParamGroup([]*tensor.Value[float64]{p1}, ams); err != nil {
			t.Fatal(err)
		}
		entry := func(name string, n uint8, v float64) nn.NamedTensor[float64] {
			shape := []int{}
			if n > 0 {
				shape = []int{int(n % 4)}
			}
			return nn.NamedTensor[float64]{Name: name, Tensor: tensor.Full(v, shape...)}
		}
		state := []nn.NamedTensor[float64]{
			entry("state.0.step", 0, 1), entry("state.0.exp_avg", 2, 0.1), entry("state.0.exp_avg_sq", 2, 0.01),
			entry(name1, n1, v1), entry(name2, n2, v2),
		}
		if err := o.LoadState(state); err != nil {
			if !errors.Is(err, optim.ErrState) {
				t.Fatalf("LoadState error %v does not wrap ErrState", err)
			}
			return
		}
		p0.SetGrad(tensor.Const(tensor.Ones[float64](2)))
		p1.SetGrad(tensor.Const(tensor.Ones[float64](1)))
		o.Step()
		_ = o.State()
	})
}
