package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/chainrule/chainrule/tensor"
)

// This file is torch.nn.init: functions that overwrite a tensor in place with
// values drawn from an explicit *rand.Rand. They write through Flat and
// MarkModified (or CopyFrom for a non-contiguous view), so they never record
// and bump the version counter like any in-place write; on a parameter, call
// them on p.Data(). Each returns its argument, so an initialiser can wrap a
// constructor: XavierUniform(rng, tensor.Zeros[float32](3, 4), 1).
//
// The random streams differ from PyTorch's; the distributions, bounds and
// fan computations are PyTorch's.

// FanMode chooses which fan Kaiming initialisation preserves the variance
// of: FanIn (the default) in the forward pass, FanOut in the backward pass.
type FanMode int

const (
	// FanIn scales by the number of inputs of a unit, PyTorch's
	// mode="fan_in".
	FanIn FanMode = iota
	// FanOut scales by the number of outputs of a unit, PyTorch's
	// mode="fan_out".
	FanOut
)

// String returns PyTorch's name of the mode: "fan_in" or "fan_out".
func (m FanMode) String() string {
	switch m {
	case FanIn:
		return "fan_in"
	case FanOut:
		return "fan_out"
	}
	return fmt.Sprintf("FanMode(%d)", int(m))
}

// Nonlinearity names an activation function in Gain's table, with PyTorch's
// spelling.
type Nonlinearity string

// The nonlinearities Gain knows.
const (
	NonlinearityLinear    Nonlinearity = "linear"
	NonlinearitySigmoid   Nonlinearity = "sigmoid"
	NonlinearityTanh      Nonlinearity = "tanh"
	NonlinearityReLU      Nonlinearity = "relu"
	NonlinearityLeakyReLU Nonlinearity = "leaky_relu"
)

// Gain returns the recommended gain for nonlinearity, PyTorch's
// torch.nn.init.calculate_gain: 1 for linear and sigmoid, 5/3 for tanh, √2
// for relu and √(2/(1+slope²)) for leaky_relu, where slope is the negative
// slope (PyTorch's default when none is given is 0.01). slope is ignored for
// the others. It panics with ErrArgument for an unknown nonlinearity.
func Gain(nonlinearity Nonlinearity, slope float64) float64 {
	switch nonlinearity {
	case NonlinearityLinear, NonlinearitySigmoid:
		return 1
	case NonlinearityTanh:
		return 5.0 / 3
	case NonlinearityReLU:
		return math.Sqrt2
	case NonlinearityLeakyReLU:
		return math.Sqrt(2 / (1 + slope*slope))
	}
	panic(nnError(tensor.ErrArgument, "Gain", "unsupported nonlinearity %q", string(nonlinearity)))
}

// Fans returns the fan-in and fan-out of a weight of the given shape, as
// PyTorch computes them: for a matrix (out, in) they are in and out; for a
// convolution-like weight (out, in, k1, k2, ...) both are multiplied by the
// receptive field size k1*k2*.... It panics with ErrShape for fewer than two
// dimensions.
func Fans(shape []int) (fanIn, fanOut int) {
	if len(shape) < 2 {
		panic(nnError(tensor.ErrShape, "Fans", "fan in and fan out cannot be computed for a tensor of shape %v with fewer than 2 dimensions", shape))
	}
	receptive := 1
	for _, d := range shape[2:] {
		receptive *= d
	}
	return shape[1] * receptive, shape[0] * receptive
}

// Uniform fills t with values drawn from the uniform distribution on
// [lo, hi) and returns t, torch.nn.init.uniform_. (In float32, rounding can
// produce hi itself.) It panics with ErrArgument if lo > hi or either is not
// finite.
func Uniform[T tensor.Float](rng *rand.Rand, t *tensor.Tensor[T], lo, hi T) *tensor.Tensor[T] {
	l, h := float64(lo), float64(hi)
	if !(l <= h) || math.IsInf(l, 0) || math.IsInf(h, 0) {
		panic(nnError(tensor.ErrArgument, "Uniform", "expects a finite range lo <= hi, but got lo=%v, hi=%v", lo, hi))
	}
	return initFill(rng, t, func(r *rand.Rand) T { return T(l + (h-l)*r.Float64()) })
}

// Normal fills t with values drawn from the normal distribution
// N(mean, std²) and returns t, torch.nn.init.normal_. It panics with
// ErrArgument if std is negative or not finite.
func Normal[T tensor.Float](rng *rand.Rand, t *tensor.Tensor[T], mean, std T) *tensor.Tensor[T] {
	m, s := float64(mean), float64(std)
	if !(s >= 0) || math.IsInf(s, 0) {
		panic(nnError(tensor.ErrArgument, "Normal", "expects a finite std >= 0, but got std=%v", std))
	}
	return initFill(rng, t, func(r *rand.Rand) T { return T(m + s*r.NormFloat64()) })
}

// XavierUniform fills t from U(-a, a) with a = gain*√(6/(fanIn+fanOut))
// (Glorot and Bengio, 2010) and returns t, torch.nn.init.xavier_uniform_.
// Fans gives the fans of t's shape. It panics with ErrShape if t has fewer
// than two dimensions.
func XavierUniform[T tensor.Float](rng *rand.Rand, t *tensor.Tensor[T], gain float64) *tensor.Tensor[T] {
	fanIn, fanOut := Fans(t.Shape())
	if t.Size() == 0 {
		return t
	}
	std := gain * math.Sqrt(2/float64(fanIn+fanOut))
	a := math.Sqrt(3) * std
	return Uniform(rng, t, T(-a), T(a))
}

// XavierNormal fills t from N(0, std²) with std = gain*√(2/(fanIn+fanOut))
// and returns t, torch.nn.init.xavier_normal_. It panics with ErrShape if t
// has fewer than two dimensions.
func XavierNormal[T tensor.Float](rng *rand.Rand, t *tensor.Tensor[T], gain float64) *tensor.Tensor[T] {
	fanIn, fanOut := Fans(t.Shape())
	if t.Size() == 0 {
		return t
	}
	std := gain * math.Sqrt(2/float64(fanIn+fanOut))
	return Normal(rng, t, 0, T(std))
}

// KaimingUniform fills t from U(-bound, bound) with bound = √3 * gain/√fan
// (He et al., 2015) and returns t, torch.nn.init.kaiming_uniform_. fan is
// t's fan-in or fan-out (mode), and gain is Gain(nonlinearity, a), where a is
// the negative slope of a leaky_relu. PyTorch's defaults are a = 0, FanIn,
// NonlinearityLeakyReLU; Linear's own initialisation is a = √5, which gives
// bound = 1/√fanIn. A tensor with no elements is left alone. It panics with
// ErrShape if t has fewer than two dimensions and with ErrArgument for an
// unknown mode or nonlinearity.
func KaimingUniform[T tensor.Float](rng *rand.Rand, t *tensor.Tensor[T], a float64, mode FanMode, nonlinearity Nonlinearity) *tensor.Tensor[T] {
	std, ok := kaimingStd("KaimingUniform", t.Shape(), a, mode, nonlinearity)
	if !ok {
		return t
	}
	bound := math.Sqrt(3) * std
	return Uniform(rng, t, T(-bound), T(bound))
}

// KaimingNormal fills t from N(0, std²) with std = gain/√fan and returns t,
// torch.nn.init.kaiming_normal_; the arguments are KaimingUniform's.
func KaimingNormal[T tensor.Float](rng *rand.Rand, t *tensor.Tensor[T], a float64, mode FanMode, nonlinearity Nonlinearity) *tensor.Tensor[T] {
	std, ok := kaimingStd("KaimingNormal", t.Shape(), a, mode, nonlinearity)
	if !ok {
		return t
	}
	return Normal(rng, t, 0, T(std))
}

// kaimingStd returns gain/√fan for a Kaiming initialisation of a tensor of
// shape, and false if the tensor has no elements (PyTorch warns and does
// nothing, since the fan may be 0).
func kaimingStd(op string, shape []int, a float64, mode FanMode, nonlinearity Nonlinearity) (float64, bool) {
	for _, d := range shape {
		if d == 0 {
			return 0, false
		}
	}
	fanIn, fanOut := Fans(shape)
	fan := fanIn
	switch mode {
	case FanIn:
	case FanOut:
		fan = fanOut
	default:
		panic(nnError(tensor.ErrArgument, op, "mode %v not supported, use FanIn or FanOut", mode))
	}
	return Gain(nonlinearity, a) / math.Sqrt(float64(fan)), true
}

// Zeros fills t with 0 and returns t, torch.nn.init.zeros_.
func Zeros[T tensor.Float](t *tensor.Tensor[T]) *tensor.Tensor[T] {
	t.Fill(0)
	return t
}

// Ones fills t with 1 and returns t, torch.nn.init.ones_.
func Ones[T tensor.Float](t *tensor.Tensor[T]) *tensor.Tensor[T] {
	t.Fill(1)
	return t
}

// Constant fills t with v and returns t, torch.nn.init.constant_.
func Constant[T tensor.Float](t *tensor.Tensor[T], v T) *tensor.Tensor[T] {
	t.Fill(v)
	return t
}

// initFill overwrites every element of t, in row-major order, with a value
// from draw, and bumps t's version once.
func initFill[T tensor.Float](rng *rand.Rand, t *tensor.Tensor[T], draw func(*rand.Rand) T) *tensor.Tensor[T] {
	if t.Size() == 0 {
		return t
	}
	if t.IsContiguous() {
		data := t.Flat()
		for i := range data {
			data[i] = draw(rng)
		}
		t.MarkModified()
		return t
	}
	// A view (a slice or transpose of a larger weight): draw into a
	// contiguous tensor and let CopyFrom write through the strides.
	src := tensor.Zeros[T](t.Shape()...)
	data := src.Flat()
	for i := range data {
		data[i] = draw(rng)
	}
	t.CopyFrom(src)
	return t
}
