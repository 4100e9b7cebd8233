package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/chainrule/chainrule/nn"
	"github.com/chainrule/chainrule/tensor"
)

// The random streams differ from PyTorch's, so these tests check what the
// initialisers promise: bounds, and sample mean and standard deviation
// within five standard errors of the distribution's (the generators are
// seeded, so the tests are deterministic; the margin only says the
// expectations are not tuned to the seed). The expected bounds and
// deviations are torch.nn.init's formulas written out here, not computed
// by the code under test.

// initSampleStats returns the mean and the standard deviation (with n-1) of xs.
func initSampleStats[T tensor.Float](xs []T) (mean, std float64) {
	for _, x := range xs {
		mean += float64(x)
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		d := float64(x) - mean
		std += d * d
	}
	return mean, math.Sqrt(std / float64(len(xs)-1))
}

// checkInitStats checks the sample mean and standard deviation of xs against
// a distribution with the given mean, std and kurtosis, within five
// standard errors.
func checkInitStats[T tensor.Float](t *testing.T, name string, xs []T, mean, std, kurtosis float64) {
	t.Helper()
	n := float64(len(xs))
	gotMean, gotStd := initSampleStats(xs)
	if d := math.Abs(gotMean - mean); d > 5*std/math.Sqrt(n) {
		t.Errorf("%s: sample mean %v, want %v ± %v", name, gotMean, mean, 5*std/math.Sqrt(n))
	}
	// The standard error of a sample standard deviation is about
	// std*√((kurtosis-1)/(4n)).
	if tol := 5 * std * math.Sqrt((kurtosis-1)/(4*n)); math.Abs(gotStd-std) > tol {
		t.Errorf("%s: sample std %v, want %v ± %v", name, gotStd, std, tol)
	}
}

// checkInitUniform checks that xs lie in [lo, hi] and look like draws from
// U(lo, hi) (standard deviation (hi-lo)/√12, kurtosis 9/5).
func checkInitUniform[T tensor.Float](t *testing.T, name string, xs []T, lo, hi float64) {
	t.Helper()
	for i, x := range xs {
		if v := float64(x); v < float64(T(lo)) || v > float64(T(hi)) {
			t.Fatalf("%s[%d] = %v, outside [%v, %v]", name, i, v, lo, hi)
		}
	}
	checkInitStats(t, name, xs, (lo+hi)/2, (hi-lo)/math.Sqrt(12), 1.8)
}

// checkInitNormal checks that xs look like draws from N(mean, std²).
func checkInitNormal[T tensor.Float](t *testing.T, name string, xs []T, mean, std float64) {
	t.Helper()
	checkInitStats(t, name, xs, mean, std, 3)
}

func TestGain(t *testing.T) {
	tests := []struct {
		nl    nn.Nonlinearity
		slope float64
		want  float64
	}{
		{nn.NonlinearityLinear, 0, 1},
		{nn.NonlinearitySigmoid, 0, 1},
		{nn.NonlinearityTanh, 0, 5.0 / 3},
		{nn.NonlinearityReLU, 0, math.Sqrt2},
		{nn.NonlinearityReLU, 0.5, math.Sqrt2}, // slope ignored
		{nn.NonlinearityLeakyReLU, 0, math.Sqrt2},
		{nn.NonlinearityLeakyReLU, 0.01, 1.4141428569978354}, // torch's default slope
		{nn.NonlinearityLeakyReLU, math.Sqrt(5), 0.5773502691896257},
		{"tanh", 0, 5.0 / 3}, // PyTorch's spelling works as a constant
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_%g", tt.nl, tt.slope), func(t *testing.T) {
			if got := nn.Gain(tt.nl, tt.slope); math.Abs(got-tt.want) > 1e-15 {
				t.Errorf("Gain(%q, %v) = %v, want %v", tt.nl, tt.slope, got, tt.want)
			}
		})
	}
	wantLayerPanic(t, func() { nn.Gain("selu", 0) }, tensor.ErrArgument, "nn: Gain: ", `"selu"`)
}

func TestFans(t *testing.T) {
	tests := []struct {
		shape       []int
		fanIn, fout int
	}{
		{[]int{3, 4}, 4, 3},
		{[]int{5, 2, 7}, 14, 35},       // conv1d weight (out, in, k)
		{[]int{16, 8, 3, 3}, 72, 144},  // conv2d weight (out, in, kh, kw)
		{[]int{4, 2, 1, 2, 3}, 12, 24}, // conv3d weight
		{[]int{0, 5}, 5, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.shape), func(t *testing.T) {
			in, out := nn.Fans(tt.shape)
			if in != tt.fanIn || out != tt.fout {
				t.Errorf("Fans(%v) = %d, %d, want %d, %d", tt.shape, in, out, tt.fanIn, tt.fout)
			}
		})
	}
	wantLayerPanic(t, func() { nn.Fans([]int{7}) }, tensor.ErrShape, "nn: Fans: ", "[7]", "fewer than 2 dimensions")
}

func TestInitDistributions(t *testing.T) {
	sqrt3 := math.Sqrt(3)
	tests := []struct {
		name    string
		shape   []int
		init    func(rng *rand.Rand, t *tensor.Tensor[float64])
		uniform bool    // U(-bound, bound) (or [lo, hi]) rather than N(mean, std²)
		lo, hi  float64 // uniform
		mean    float64 // normal
		std     float64 // normal
	}{
		{name: "Uniform", shape: []int{40, 50},
			init:    func(r *rand.Rand, x *tensor.Tensor[float64]) { nn.Uniform(r, x, -2, 3) },
			uniform: true, lo: -2, hi: 3},
		{name: "Normal", shape: []int{40, 50},
			init: func(r *rand.Rand, x *tensor.Tensor[float64]) { nn.Normal(r, x, 1, 0.5) },
			mean: 1, std: 0.5},
		// xavier: bound = gain*√(6/(fan_in+fan_out)), std = gain*√(2/(fan_in+fan_out)).
		{name: "XavierUniform", shape: []int{30, 70},
			init:    func(r *rand.Rand, x *tensor.Tensor[float64]) { nn.XavierUniform(r, x, 1) },
			uniform: true, lo: -math.Sqrt(6.0 / 100), hi: math.Sqrt(6.0 / 100)},
		{name: "XavierUniform_gain_conv", shape: []int{8, 4, 5, 5},
			init:    func(r *rand.Rand, x *tensor.Tensor[float64]) { nn.XavierUniform(r, x, 2) },
			uniform: true, lo: -2 * math.Sqrt(6.0/300), hi: 2 * math.Sqrt(6.0/300)},
		{name: "XavierNormal", shape: []int{30, 70},
			init: func(r *rand.Rand, x *tensor.Tensor[float64]) { nn.XavierNormal(r, x, 5.0/3) },
			std:  5.0 / 3 * math.Sqrt(2.0/100)},
		// kaiming: std = gain/√fan, bound = √3*std.
		{name: "KaimingUniform_relu_fan_in", shape: []int{60, 40},
			init: func(r *rand.Rand, x *tensor.Tensor[float64]) {
				nn.KaimingUniform(r, x, 0, nn.FanIn, nn.NonlinearityReLU)
			},
			uniform: true, lo: -sqrt3 * math.Sqrt2 / math.Sqrt(40), hi: sqrt3 * math.Sqrt2 / math.Sqrt(40)},
		{name: "KaimingUniform_linear_default", shape: []int{60, 25},
			init: func(r *rand.Rand, x *tensor.Tensor[float64]) {
				nn.KaimingUniform(r, x, math.Sqrt(5), nn.FanIn, nn.NonlinearityLeakyReLU)
			},
			uniform: true, lo: -0.2, hi: 0.2}, // 1/√25, nn.Linear's init
		{name: "KaimingUniform_fan_out_conv", shape: []int{6, 10, 3, 3},
			init: func(r *rand.Rand, x *tensor.Tensor[float64]) {
				nn.KaimingUniform(r, x, 0, nn.FanOut, nn.NonlinearityTanh)
			},
			uniform: true, lo: -sqrt3 * 5 / 3 / math.Sqrt(54), hi: sqrt3 * 5 / 3 / math.Sqrt(54)},
		{name: "KaimingNormal_relu_fan_out", shape: []int{50, 80},
			init: func(r *rand.Rand, x *tensor.Tensor[float64]) {
				nn.KaimingNormal(r, x, 0, nn.FanOut, nn.NonlinearityReLU)
			},
			std: math.Sqrt2 / math.Sqrt(50)},
		{name: "KaimingNormal_leaky", shape: []int{50, 80},
			init: func(r *rand.Rand, x *tensor.Tensor[float64]) {
				nn.KaimingNormal(r, x, 0.2, nn.FanIn, nn.NonlinearityLeakyReLU)
			},
			std: math.Sqrt(2/1.04) / math.Sqrt(80)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := tensor.Zeros[float64](tt.shape...)
			v0 := x.Version()
			tt.init(rand.New(rand.NewPCG(11, 12)), x)
			if x.Version() == v0 {
				t.Errorf("version still %d after initialising in place", v0)
			}
			if tt.uniform {
				checkInitUniform(t, tt.name, x.Flat(), tt.lo, tt.hi)
			} else {
				checkInitNormal(t, tt.name, x.Flat(), tt.mean, tt.std)
			}
		})
	}
}

func TestInitFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := nn.XavierUniform(rng, tensor.Zeros[float32](40, 60), 1)
	checkInitUniform(t, "XavierUniform", w.Flat(), -math.Sqrt(0.06), math.Sqrt(0.06))
	n := nn.KaimingNormal(rng, tensor.Zeros[float32](40, 60), 0, nn.FanIn, nn.NonlinearityReLU)
	checkInitNormal(t, "KaimingNormal", n.Flat(), 0, math.Sqrt(2.0/60))
}

// TestInitView initialises a non-contiguous view: the elements it covers
// change, the others do not.
func TestInitView(t *testing.T) {
	base := tensor.Full(7.0, 20, 30)
	view := base.T().Slice(0, 0, 30, 2) // (15, 20), strided
	nn.Uniform(rand.New(rand.NewPCG(1, 2)), view, -1, 1)
	covered, untouched := 0, 0
	for i := range 20 {
		for j := range 30 {
			v := base.At(i, j)
			if j%2 == 0 {
				if v < -1 || v > 1 {
					t.Fatalf("base[%d,%d] = %v, want it drawn from U(-1, 1)", i, j, v)
				}
				covered++
			} else {
				if v != 7 {
					t.Fatalf("base[%d,%d] = %v outside the view, want 7 unchanged", i, j, v)
				}
				untouched++
			}
		}
	}
	if covered != 300 || untouched != 300 {
		t.Errorf("covered %d, untouched %d, want 300, 300", covered, untouched)
	}
	checkInitUniform(t, "view", view.Contiguous().Flat(), -1, 1)
}

func TestInitConstants(t *testing.T) {
	tests := []struct {
		name string
		init func(x *tensor.Tensor[float64]) *tensor.Tensor[float64]
		want float64
	}{
		{"Zeros", nn.Zeros[float64], 0},
		{"Ones", nn.Ones[float64], 1},
		{"Constant", func(x *tensor.Tensor[float64]) *tensor.Tensor[float64] { return nn.Constant(x, -2.5) }, -2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := tensor.Full(9.0, 2, 3)
			v0 := x.Version()
			if got := tt.init(x); got != x {
				t.Errorf("returned %p, want its argument %p", got, x)
			}
			want := []float64{tt.want, tt.want, tt.want, tt.want, tt.want, tt.want}
			if diff := cmp.Diff(x.ToSlice(), want); diff != "" {
				t.Errorf("values (-got +want):\n%s", diff)
			}
			if x.Version() == v0 {
				t.Errorf("version still %d after writing in place", v0)
			}
		})
	}
}

// TestInitEmpty: tensors without elements are left alone, even where the
// fan is 0, as PyTorch does.
func TestInitEmpty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, shape := range [][]int{{0, 3}, {3, 0}, {0}, {2, 0, 3}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			x := tensor.Zeros[float64](shape...)
			nn.Uniform(rng, x, -1, 1)
			nn.Normal(rng, x, 0, 1)
			nn.KaimingUniform(rng, x, 0, nn.FanIn, nn.NonlinearityReLU)
			nn.KaimingNormal(rng, x, 0, nn.FanOut, nn.NonlinearityReLU)
			if len(shape) >= 2 {
				nn.XavierUniform(rng, x, 1)
				nn.XavierNormal(rng, x, 1)
			}
			if diff := cmp.Diff(x.Shape(), shape); diff != "" {
				t.Errorf("shape (-got +want):\n%s", diff)
			}
		})
	}
}

func TestInitPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vec := tensor.Zeros[float64](5)
	mat := tensor.Zeros[float64](2, 3)
	tests := []struct {
		name     string
		f        func()
		sentinel error
		prefix   string
		parts    []string
	}{
		{"Uniform_lo_gt_hi", func() { nn.Uniform(rng, mat, 1, 0) }, tensor.ErrArgument, "nn: Uniform: ", []string{"lo=1", "hi=0"}},
		{"Uniform_inf", func() { nn.Uniform(rng, mat, 0, math.Inf(1)) }, tensor.ErrArgument, "nn: Uniform: ", nil},
		{"Uniform_nan", func() { nn.Uniform(rng, mat, math.NaN(), 1) }, tensor.ErrArgument, "nn: Uniform: ", nil},
		{"Normal_negative_std", func() { nn.Normal(rng, mat, 0, -1) }, tensor.ErrArgument, "nn: Normal: ", []string{"std=-1"}},
		{"XavierUniform_vector", func() { nn.XavierUniform(rng, vec, 1) }, tensor.ErrShape, "nn: Fans: ", []string{"[5]"}},
		{"XavierNormal_vector", func() { nn.XavierNormal(rng, vec, 1) }, tensor.ErrShape, "nn: Fans: ", []string{"[5]"}},
		{"KaimingUniform_vector", func() { nn.KaimingUniform(rng, vec, 0, nn.FanIn, nn.NonlinearityReLU) }, tensor.ErrShape, "nn: Fans: ", nil},
		{"KaimingNormal_bad_mode", func() { nn.KaimingNormal(rng, mat, 0, nn.FanMode(7), nn.NonlinearityReLU) }, tensor.ErrArgument, "nn: KaimingNormal: ", []string{"FanMode(7)"}},
		{"KaimingUniform_bad_nonlinearity", func() { nn.KaimingUniform(rng, mat, 0, nn.FanIn, "swish") }, tensor.ErrArgument, "nn: Gain: ", []string{`"swish"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantLayerPanic(t, tt.f, tt.sentinel, tt.prefix, tt.parts...) })
	}
}

func TestFanModeString(t *testing.T) {
	for _, tt := range []struct {
		m    nn.FanMode
		want string
	}{{nn.FanIn, "fan_in"}, {nn.FanOut, "fan_out"}, {nn.FanMode(3), "FanMode(3)"}} {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("FanMode(%d).String() = %q, want %q", int(tt.m), got, tt.want)
		}
	}
}
