// Package vec holds elementwise loops that Go does not vectorise and that
// training steps spend much of their time in: ReLU and its gradient, a
// bias added to rows and the column sums of its gradient (rows.go), the
// sum of two vectors and axpy (arith.go), with which gradients are summed
// and parameters updated. On amd64 with AVX they run in assembly, eight
// float32 or four float64 elements an instruction; elsewhere, under the
// purego build tag, and for the last few elements, in Go. Both forms give
// the same results bit for bit (TestReLUBits, TestRowsBits, TestAxpyBits,
// TestAddBits).
package vec

import "math"

// ReLU sets dst[i] to x[i] where x[i] is not below zero and to 0 where it
// is: -0 and NaN pass through unchanged, as max(x, 0) with x second in
// x86's MAXPS, and as tensor.ReLU documents. dst and x must have the same
// length.
func ReLU[T float32 | float64](dst, x []T) {
	x = x[:len(dst)]
	switch d := any(dst).(type) {
	case []float32:
		x := any(x).([]float32)
		n := relu32(d, x)
		reluGo32(d[n:], x[n:])
	case []float64:
		x := any(x).([]float64)
		n := relu64(d, x)
		reluGo64(d[n:], x[n:])
	}
}

// ReLUGrad sets dst[i] = g[i]*m, m = 1 where out[i] > 0 and 0 elsewhere
// (NaN included), so that a NaN or infinite g gives NaN where out is not
// positive, as g*0 does. The three slices must have the same length.
func ReLUGrad[T float32 | float64](dst, g, out []T) {
	g, out = g[:len(dst)], out[:len(dst)]
	switch d := any(dst).(type) {
	case []float32:
		g, out := any(g).([]float32), any(out).([]float32)
		n := reluGrad32(d, g, out)
		reluGradGo32(d[n:], g[n:], out[n:])
	case []float64:
		g, out := any(g).([]float64), any(out).([]float64)
		n := reluGrad64(d, g, out)
		reluGradGo64(d[n:], g[n:], out[n:])
	}
}

// The Go loops decide on the bits of each element. Read as unsigned
// integers, the negative numbers other than -0 are the range from -0's
// bits + 1 up to -Inf's, and the positive ones from +0's bits + 1 up to
// +Inf's: one subtraction and one unsigned comparison test either, and the
// compiler turns the choice into a conditional move, where a branch on
// the sign would be mispredicted on every other element of an activation.
// They take four elements a step, which halves what the loop itself costs
// per element.

func reluGo32(dst, x []float32) {
	const lo, hi = 0x80000001, 0xff800000 // smallest negative, -Inf
	relu := func(v float32) float32 {
		b := math.Float32bits(v)
		if b-lo <= hi-lo {
			b = 0
		}
		return math.Float32frombits(b)
	}
	x = x[:len(dst)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		x4, d4 := x[i:i+4:i+4], dst[i:i+4:i+4]
		d4[0], d4[1], d4[2], d4[3] = relu(x4[0]), relu(x4[1]), relu(x4[2]), relu(x4[3])
	}
	for ; i < len(x); i++ {
		dst[i] = relu(x[i])
	}
}

func reluGo64(dst, x []float64) {
	const lo, hi = 0x8000000000000001, 0xfff0000000000000
	relu := func(v float64) float64 {
		b := math.Float64bits(v)
		if b-lo <= hi-lo {
			b = 0
		}
		return math.Float64frombits(b)
	}
	x = x[:len(dst)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		x4, d4 := x[i:i+4:i+4], dst[i:i+4:i+4]
		d4[0], d4[1], d4[2], d4[3] = relu(x4[0]), relu(x4[1]), relu(x4[2]), relu(x4[3])
	}
	for ; i < len(x); i++ {
		dst[i] = relu(x[i])
	}
}

func reluGradGo32(dst, g, out []float32) {
	const lo, hi, one = 1, 0x7f800000, 0x3f800000
	mask := func(o float32) float32 {
		var m uint32
		if math.Float32bits(o)-lo <= hi-lo {
			m = one
		}
		return math.Float32frombits(m)
	}
	g, out = g[:len(dst)], out[:len(dst)]
	i := 0
	for ; i+4 <= len(out); i += 4 {
		o4, g4, d4 := out[i:i+4:i+4], g[i:i+4:i+4], dst[i:i+4:i+4]
		d4[0], d4[1], d4[2], d4[3] = g4[0]*mask(o4[0]), g4[1]*mask(o4[1]), g4[2]*mask(o4[2]), g4[3]*mask(o4[3])
	}
	for ; i < len(out); i++ {
		dst[i] = g[i] * mask(out[i])
	}
}

func reluGradGo64(dst, g, out []float64) {
	const lo, hi, one = 1, 0x7ff0000000000000, 0x3ff0000000000000
	mask := func(o float64) float64 {
		var m uint64
		if math.Float64bits(o)-lo <= hi-lo {
			m = one
		}
		return math.Float64frombits(m)
	}
	g, out = g[:len(dst)], out[:len(dst)]
	i := 0
	for ; i+4 <= len(out); i += 4 {
		o4, g4, d4 := out[i:i+4:i+4], g[i:i+4:i+4], dst[i:i+4:i+4]
		d4[0], d4[1], d4[2], d4[3] = g4[0]*mask(o4[0]), g4[1]*mask(o4[1]), g4[2]*mask(o4[2]), g4[3]*mask(o4[3])
	}
	for ; i < len(out); i++ {
		dst[i] = g[i] * mask(out[i])
	}
}
