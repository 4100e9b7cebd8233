package tensor

import (
	"math"

	simd "github.com/chainrule/chainrule/internal/vec"
)

// This file is the derivative table of the elementwise primitives other
// than arithmetic: the maps of one operand (Exp, Log, Sqrt, the activations)
// and the selections (Maximum, Minimum, Where, Clamp). It follows
// ops_arith.go: each primitive's doc comment gives its gradient rule in
// PyTorch's vocabulary (g is the gradient of the result, out the result) and
// the tensors its backward reads ("saves"), and the backward closure is
// written with the same differentiable ops, called with the create-graph
// flag, so that gradients can be differentiated again.
//
// At points where an op is not differentiable the gradient is PyTorch's
// choice (SEMANTICS.md 3.6): relu'(0) = 0, abs'(0) = 0, sqrt'(0) = +Inf,
// clamp passes the gradient on its closed interval, leaky_relu'(0) is the
// slope, and Maximum/Minimum split a tie ½/½.
//
// Masks (the 1/0 tensors that select which elements receive a gradient)
// are constants: they are computed from saved inputs when backward runs and
// are not differentiated, so the second derivative of a piecewise-linear op
// is 0, as in PyTorch.

// Exp returns e**x elementwise.
//
// Gradient: dx = g*out. Saves the result.
func Exp[T Float](x *Value[T]) *Value[T] { return exp(x, true) }

func exp[T Float](x *Value[T], rec bool) *Value[T] {
	out := record("Exp", x.data.Exp(), rec, []*Value[T]{x}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{mul(g, out, create)}
	})
	out.save(out)
	return out
}

// Log returns the natural logarithm of x elementwise (-Inf at 0, NaN below).
//
// Gradient: dx = g/x (+Inf at 0 and, as PyTorch, 1/x rather than NaN for
// a negative x). Saves x.
func Log[T Float](x *Value[T]) *Value[T] { return log(x, true) }

func log[T Float](x *Value[T], rec bool) *Value[T] {
	out := record("Log", x.data.Log(), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{div(g, x, create)}
	})
	out.save(x)
	return out
}

// Log1p returns log(1 + x) elementwise, accurate for x near 0.
//
// Gradient: dx = g/(1 + x). Saves x.
func Log1p[T Float](x *Value[T]) *Value[T] { return log1p(x, true) }

func log1p[T Float](x *Value[T], rec bool) *Value[T] {
	out := record("Log1p", x.data.Log1p(), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{div(g, addScalar(x, 1, create), create)}
	})
	out.save(x)
	return out
}

// Sqrt returns the square root of x elementwise (NaN below 0).
//
// Gradient: dx = g/(2*out), so +Inf at 0 as in PyTorch. Saves the result.
func Sqrt[T Float](x *Value[T]) *Value[T] { return sqrt(x, true) }

func sqrt[T Float](x *Value[T], rec bool) *Value[T] {
	out := record("Sqrt", x.data.Sqrt(), rec, []*Value[T]{x}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{div(g, mulScalar(out, 2, create), create)}
	})
	out.save(out)
	return out
}

// Abs returns |x| elementwise.
//
// Gradient: dx = g*sign(x), so 0 at 0 (the minimum-norm subgradient).
// Saves x.
func Abs[T Float](x *Value[T]) *Value[T] { return abs(x, true) }

func abs[T Float](x *Value[T], rec bool) *Value[T] {
	out := record("Abs", x.data.Abs(), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{mul(g, Const(x.data.Sign()), create)}
	})
	out.save(x)
	return out
}

// Sign returns 1, -1 or 0 according to the sign of each element of x.
//
// Gradient: dx = 0. Saves nothing.
func Sign[T Float](x *Value[T]) *Value[T] { return sign(x, true) }

func sign[T Float](x *Value[T], rec bool) *Value[T] {
	return record("Sign", x.data.Sign(), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{Const(ZerosLike(x.data))}
	})
}

// Tanh returns the hyperbolic tangent of x elementwise.
//
// Gradient: dx = g*(1 - out²). Saves the result.
func Tanh[T Float](x *Value[T]) *Value[T] { return tanh(x, true) }

func tanh[T Float](x *Value[T], rec bool) *Value[T] {
	out := record("Tanh", x.data.Tanh(), rec, []*Value[T]{x}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		if !create && fusable(g.data, out.data) {
			return []*Value[T]{tanhGrad(g.data, out.data)}
		}
		oneMinusSq := addScalar(neg(mul(out, out, create), create), 1, create)
		return []*Value[T]{mul(g, oneMinusSq, create)}
	})
	out.save(out)
	return out
}

// Sigmoid returns 1/(1 + e**-x) elementwise. It is a primitive rather than
// a composite of Exp and Div for stability: the kernel never evaluates
// e**x for x > 0, so Sigmoid(±1000) is 1 or 0 (with gradient 0), not NaN.
//
// Gradient: dx = g*out*(1 - out). Saves the result.
func Sigmoid[T Float](x *Value[T]) *Value[T] { return sigmoid(x, true) }

func sigmoid[T Float](x *Value[T], rec bool) *Value[T] {
	out := record("Sigmoid", x.data.Sigmoid(), rec, []*Value[T]{x}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		if !create && fusable(g.data, out.data) {
			return []*Value[T]{sigmoidGrad(g.data, out.data)}
		}
		oneMinus := addScalar(neg(out, create), 1, create)
		return []*Value[T]{mul(g, mul(out, oneMinus, create), create)}
	})
	out.save(out)
	return out
}

// ReLU returns max(x, 0) elementwise (NaN stays NaN).
//
// Gradient: dx = g where out > 0, else 0; so relu'(0) = 0, unlike
// ClampMin(x, 0), whose closed interval passes the gradient at 0. Saves the
// result, as PyTorch does.
func ReLU[T Float](x *Value[T]) *Value[T] { return relu(x, true) }

func relu[T Float](x *Value[T], rec bool) *Value[T] {
	out := record("ReLU", reluForward(x.data), rec, []*Value[T]{x}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		if !create && fusable(g.data, out.data) {
			return []*Value[T]{reluGrad(g.data, out.data)}
		}
		return []*Value[T]{mul(g, Const(out.data.Gt(Scalar[T](0))), create)}
	})
	out.save(out)
	return out
}

// reluForward is x.ReLU() with a loop that does not branch on the sign of
// each element, shared between goroutines on long tensors: the branch of
// Tensor.ReLU's loop is mispredicted on every other element of a random
// activation, which makes it three times slower (BenchmarkReLUKernels).
func reluForward[T Float](x *Tensor[T]) *Tensor[T] {
	if !x.IsContiguous() {
		return x.ReLU()
	}
	out := alloc[T](x.shape)
	d, s := out.ewElems(), x.ewElems()
	if len(d) < parallelMin {
		reluBitsLoop(d, s)
	} else {
		parallelFor(len(d), 1, func(lo, hi int) { reluBitsLoop(d[lo:hi], s[lo:hi]) })
	}
	return out
}

// reluGrad returns g*(y > 0) for y = relu(x) and a fusable pair (fused.go),
// as Mul and Gt compute it but in one pass without the mask: g times
// exactly 1 or 0, so a NaN or infinite g gives NaN where y <= 0 or y is
// NaN, as g*0 does. A long contiguous g is shared between goroutines.
func reluGrad[T Float](g, y *Tensor[T]) *Value[T] {
	n := y.Size()
	if n < parallelMin || !g.IsContiguous() {
		return fusedGrad(g, y, func(gs, ys, rs []T) { reluGradLoop(rs, gs, ys) })
	}
	r := allocConst[T](y.shape)
	rs, gs, ys := r.data.ewElems(), g.ewElems(), y.ewElems()
	parallelFor(n, 1, func(lo, hi int) { reluGradLoop(rs[lo:hi], gs[lo:hi], ys[lo:hi]) })
	return r
}

// reluBitsLoop sets dst[i] = 0 where x[i] < 0 and x[i] elsewhere (so -0
// and NaN pass through, as in reluLoop), without a branch on each
// element's sign, which would be mispredicted on every other element of
// an activation: internal/vec's loops (imported as simd), in AVX
// assembly where the machine has it.
func reluBitsLoop[T Float](dst, x []T) { simd.ReLU(dst, x) }

// reluGradLoop sets dst[i] = g[i]*m, m = 1 where out[i] > 0 and 0
// elsewhere (NaN included), with internal/vec's loops as reluBitsLoop.
func reluGradLoop[T Float](dst, g, out []T) { simd.ReLUGrad(dst, g, out) }

// LeakyReLU returns x where x > 0 and slope*x elsewhere (PyTorch's default
// slope is 0.01).
//
// Gradient: dx = g where x > 0, else g*slope; so at 0 it is the slope, as
// in PyTorch. Saves x.
func LeakyReLU[T Float](x *Value[T], slope T) *Value[T] { return leakyReLU(x, slope, true) }

func leakyReLU[T Float](x *Value[T], slope T, rec bool) *Value[T] {
	fwd := x.data.Apply(func(v T) T {
		if v > 0 {
			return v
		}
		return v * slope
	})
	out := record("LeakyReLU", fwd, rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		factor := x.data.Apply(func(v T) T {
			if v > 0 {
				return 1
			}
			return slope
		})
		return []*Value[T]{mul(g, Const(factor), create)}
	})
	out.save(x)
	return out
}

// Clamp returns x with each element limited to [lo, hi]; pass -Inf or +Inf
// for a missing bound. If lo > hi every element becomes hi, as in
// torch.clamp.
//
// Gradient: dx = g where lo <= x <= hi, else 0. The interval is closed, so
// an element on a boundary receives the gradient (PyTorch's choice: the
// bounds are constants, not inputs). Saves x.
func Clamp[T Float](x *Value[T], lo, hi T) *Value[T] { return clamp(x, lo, hi, true) }

func clamp[T Float](x *Value[T], lo, hi T, rec bool) *Value[T] {
	out := record("Clamp", x.data.Clamp(lo, hi), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		inside := x.data.Ge(Scalar(lo)).Mul(x.data.Le(Scalar(hi)))
		return []*Value[T]{mul(g, Const(inside), create)}
	})
	out.save(x)
	return out
}

// ClampMin returns max(x, lo) elementwise: Clamp(x, lo, +Inf). Its gradient
// at x == lo is g, unlike ReLU's.
func ClampMin[T Float](x *Value[T], lo T) *Value[T] {
	return clamp(x, lo, T(math.Inf(1)), true)
}

// ClampMax returns min(x, hi) elementwise: Clamp(x, -Inf, hi).
func ClampMax[T Float](x *Value[T], hi T) *Value[T] {
	return clamp(x, T(math.Inf(-1)), hi, true)
}

// Maximum returns the elementwise maximum of a and b, broadcasting; a NaN in
// either gives NaN.
//
// Gradients: da = g*((a > b) + ½(a == b)), db = g*((b > a) + ½(a == b)),
// each summed to its operand's shape: a tie splits the gradient evenly, the
// minimum-norm subgradient taken jointly over both operands (PyTorch's
// choice). Where an operand is NaN both receive g, as in PyTorch, whose
// masks are written as "not less than". Saves a and b.
func Maximum[T Float](a, b *Value[T]) *Value[T] { return maximum(a, b, true) }

func maximum[T Float](a, b *Value[T], rec bool) *Value[T] {
	out := record("Maximum", a.data.Maximum(b.data), rec, []*Value[T]{a, b}, func(g *Value[T], create bool) []*Value[T] {
		tie := a.data.Eq(b.data).MulScalar(0.5)
		var da, db *Value[T]
		if a.requiresGrad {
			da = unbroadcast(mul(g, Const(selectFactor(a.data.Lt(b.data), tie)), create), a, create)
		}
		if b.requiresGrad {
			db = unbroadcast(mul(g, Const(selectFactor(a.data.Gt(b.data), tie)), create), b, create)
		}
		return []*Value[T]{da, db}
	})
	out.save(a, b)
	return out
}

// Minimum returns the elementwise minimum of a and b, broadcasting; a NaN in
// either gives NaN.
//
// Gradients: da = g*((a < b) + ½(a == b)), db = g*((b < a) + ½(a == b)),
// each summed to its operand's shape; ties and NaN as in Maximum. Saves a
// and b.
func Minimum[T Float](a, b *Value[T]) *Value[T] { return minimum(a, b, true) }

func minimum[T Float](a, b *Value[T], rec bool) *Value[T] {
	out := record("Minimum", a.data.Minimum(b.data), rec, []*Value[T]{a, b}, func(g *Value[T], create bool) []*Value[T] {
		tie := a.data.Eq(b.data).MulScalar(0.5)
		var da, db *Value[T]
		if a.requiresGrad {
			da = unbroadcast(mul(g, Const(selectFactor(a.data.Gt(b.data), tie)), create), a, create)
		}
		if b.requiresGrad {
			db = unbroadcast(mul(g, Const(selectFactor(a.data.Lt(b.data), tie)), create), b, create)
		}
		return []*Value[T]{da, db}
	})
	out.save(a, b)
	return out
}

// selectFactor returns 1 - loses - tie: the share of the gradient an
// operand of Maximum or Minimum receives, given the mask of the elements
// where it loses and the tie mask already halved. Writing it as "not
// losing" rather than "winning" is what sends g to both operands at a NaN.
func selectFactor[T Float](loses, halfTie *Tensor[T]) *Tensor[T] {
	return loses.Add(halfTie).Neg().AddScalar(1)
}

// Square returns x*x elementwise. It is the composite Mul(x, x) and has no
// rule of its own.
func Square[T Float](x *Value[T]) *Value[T] { return square(x, true) }

func square[T Float](x *Value[T], rec bool) *Value[T] { return mul(x, x, rec) }

// Reciprocal returns 1/x elementwise (±Inf at ±0). It is a primitive so
// that its backward can reuse the result.
//
// Gradient: dx = -g*out². Saves the result.
func Reciprocal[T Float](x *Value[T]) *Value[T] { return reciprocal(x, true) }

func reciprocal[T Float](x *Value[T], rec bool) *Value[T] {
	out := record("Reciprocal", x.data.Reciprocal(), rec, []*Value[T]{x}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{neg(mul(g, mul(out, out, create), create), create)}
	})
	out.save(out)
	return out
}

// Constants of the standard normal distribution, as PyTorch's GELU
// kernels spell them.
const (
	sqrt1_2  = 1 / math.Sqrt2                           // M_SQRT1_2
	geluBeta = 2 / math.SqrtPi * (1 / math.Sqrt2) * 0.5 // 1/sqrt(2π), the peak of φ
)

// GELU returns x*Φ(x) elementwise, where Φ is the standard normal
// distribution function, computed exactly as 0.5*(1 + erf(x/√2)) (PyTorch's
// approximate="none"). It is a primitive: as a composite it would need an
// Erf op and five intermediate tensors.
//
// Gradient: dx = g*(Φ(x) + x*φ(x)), with φ the standard normal density.
// Saves x.
func GELU[T Float](x *Value[T]) *Value[T] { return gelu(x, true) }

func gelu[T Float](x *Value[T], rec bool) *Value[T] {
	fwd := x.data.Apply(func(v T) T {
		f := float64(v)
		return T(f * 0.5 * (1 + math.Erf(f*sqrt1_2)))
	})
	out := record("GELU", fwd, rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{mul(g, geluDeriv(x, create), create)}
	})
	out.save(x)
	return out
}

// geluDeriv returns GELU'(x) = Φ(x) + x*φ(x), a primitive of its own (as
// PyTorch's gelu_backward is) so that a plain backward computes it in one
// pass; its rule makes GELU twice differentiable and more.
//
// Gradient: dx = g*φ(x)*(2 - x²). Saves x.
func geluDeriv[T Float](x *Value[T], rec bool) *Value[T] {
	fwd := x.data.Apply(func(v T) T {
		f := float64(v)
		cdf := 0.5 * (1 + math.Erf(f*sqrt1_2))
		pdf := geluBeta * math.Exp(-0.5*f*f)
		return T(cdf + f*pdf)
	})
	out := record("GELUBackward", fwd, rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		sq := mul(x, x, create)
		pdf := mulScalar(exp(mulScalar(sq, -0.5, create), create), geluBeta, create)
		return []*Value[T]{mul(g, mul(pdf, addScalar(neg(sq, create), 2, create), create), create)}
	})
	out.save(x)
	return out
}

// Softplus returns log(1 + e**(beta*x))/beta elementwise, and x itself
// where beta*x > threshold, as torch.nn.functional.softplus (whose defaults
// are beta 1, threshold 20). It is a primitive for stability: it computes
// (max(βx, 0) + log1p(e**-|βx|))/β, which never overflows, so Softplus of
// 800 is 800.
//
// Gradient: dx = g*sigmoid(beta*x), and g where beta*x > threshold. Saves
// x.
func Softplus[T Float](x *Value[T], beta, threshold T) *Value[T] {
	return softplus(x, beta, threshold, true)
}

func softplus[T Float](x *Value[T], beta, threshold T, rec bool) *Value[T] {
	fwd := x.data.Apply(func(v T) T {
		bx := float64(v * beta)
		if bx > float64(threshold) {
			return v
		}
		return T((math.Max(bx, 0) + math.Log1p(math.Exp(-math.Abs(bx)))) / float64(beta))
	})
	out := record("Softplus", fwd, rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		linear := Const(x.data.MulScalar(beta).Gt(Scalar(threshold)))
		d := where(linear, Const(Scalar[T](1)), sigmoid(mulScalar(x, beta, create), create), create)
		return []*Value[T]{mul(g, d, create)}
	})
	out.save(x)
	return out
}

// LogSigmoid returns log(sigmoid(x)) = -Softplus(-x) elementwise. It is a
// primitive for stability, computed as min(x, 0) - log1p(e**-|x|), so
// LogSigmoid(-800) is -800 rather than -Inf.
//
// Gradient: dx = g*sigmoid(-x). Saves x.
func LogSigmoid[T Float](x *Value[T]) *Value[T] { return logSigmoid(x, true) }

func logSigmoid[T Float](x *Value[T], rec bool) *Value[T] {
	fwd := x.data.Apply(func(v T) T {
		f := float64(v)
		return T(math.Min(f, 0) - math.Log1p(math.Exp(-math.Abs(f))))
	})
	out := record("LogSigmoid", fwd, rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{mul(g, sigmoid(neg(x, create), create), create)}
	})
	out.save(x)
	return out
}

// Where returns a's element where mask is nonzero and b's elsewhere
// (a NaN in mask counts as nonzero), with mask, a and b broadcast together,
// as torch.where. The mask is a constant.
//
// Gradients: da = g where mask, else 0; db = g where not mask, else 0; each
// summed to its operand's shape. Saves the mask. It panics with ErrShape if
// the three shapes do not broadcast.
func Where[T Float](mask *Tensor[T], a, b *Value[T]) *Value[T] {
	return where(Const(mask), a, b, true)
}

// where is the rule of Where with the mask held in a Value (1 where a is
// taken, 0 where b is), as the backward rules of other ops build masks. The
// mask is a constant: it is never differentiated, whether or not it
// requires a gradient.
//
// Gradients: da = g where mask, else 0; db = g where not mask, else 0; each
// summed to its operand's shape. Saves the mask.
func where[T Float](mask *Value[T], a, b *Value[T], rec bool) *Value[T] {
	out := record("Where", whereKernel(mask.data, a.data, b.data), rec, []*Value[T]{a, b}, func(g *Value[T], create bool) []*Value[T] {
		zero := Const(Scalar[T](0))
		var da, db *Value[T]
		if a.requiresGrad {
			da = unbroadcast(where(mask, g, zero, create), a, create)
		}
		if b.requiresGrad {
			db = unbroadcast(where(mask, zero, g, create), b, create)
		}
		return []*Value[T]{da, db}
	})
	out.save(mask)
	return out
}

// whereKernel is the one call of the tensor kernel behind Where.
func whereKernel[T Float](mask, a, b *Tensor[T]) *Tensor[T] { return WhereTensors(mask, a, b) }

// Method forms, so that expressions read left to right.

// Where returns v where mask is nonzero and other elsewhere: the Value-level
// Where(mask, v, other), as PyTorch's x.where(condition, y).
func (v *Value[T]) Where(mask *Tensor[T], other *Value[T]) *Value[T] {
	return where(Const(mask), v, other, true)
}

// Exp returns Exp(v).
func (v *Value[T]) Exp() *Value[T] { return exp(v, true) }

// Log returns Log(v).
func (v *Value[T]) Log() *Value[T] { return log(v, true) }

// Log1p returns Log1p(v).
func (v *Value[T]) Log1p() *Value[T] { return log1p(v, true) }

// Sqrt returns Sqrt(v).
func (v *Value[T]) Sqrt() *Value[T] { return sqrt(v, true) }

// Abs returns Abs(v).
func (v *Value[T]) Abs() *Value[T] { return abs(v, true) }

// Sign returns Sign(v).
func (v *Value[T]) Sign() *Value[T] { return sign(v, true) }

// Tanh returns Tanh(v).
func (v *Value[T]) Tanh() *Value[T] { return tanh(v, true) }

// Sigmoid returns Sigmoid(v).
func (v *Value[T]) Sigmoid() *Value[T] { return sigmoid(v, true) }

// ReLU returns ReLU(v).
func (v *Value[T]) ReLU() *Value[T] { return relu(v, true) }

// LeakyReLU returns LeakyReLU(v, slope).
func (v *Value[T]) LeakyReLU(slope T) *Value[T] { return leakyReLU(v, slope, true) }

// Clamp returns Clamp(v, lo, hi).
func (v *Value[T]) Clamp(lo, hi T) *Value[T] { return clamp(v, lo, hi, true) }

// ClampMin returns ClampMin(v, lo).
func (v *Value[T]) ClampMin(lo T) *Value[T] { return ClampMin(v, lo) }

// ClampMax returns ClampMax(v, hi).
func (v *Value[T]) ClampMax(hi T) *Value[T] { return ClampMax(v, hi) }

// Maximum returns Maximum(v, u).
func (v *Value[T]) Maximum(u *Value[T]) *Value[T] { return maximum(v, u, true) }

// Minimum returns Minimum(v, u).
func (v *Value[T]) Minimum(u *Value[T]) *Value[T] { return minimum(v, u, true) }

// Square returns Square(v).
func (v *Value[T]) Square() *Value[T] { return square(v, true) }

// Reciprocal returns Reciprocal(v).
func (v *Value[T]) Reciprocal() *Value[T] { return reciprocal(v, true) }

// GELU returns GELU(v).
func (v *Value[T]) GELU() *Value[T] { return gelu(v, true) }

// Softplus returns Softplus(v, beta, threshold).
func (v *Value[T]) Softplus(beta, threshold T) *Value[T] {
	return softplus(v, beta, threshold, true)
}

// LogSigmoid returns LogSigmoid(v).
func (v *Value[T]) LogSigmoid() *Value[T] { return logSigmoid(v, true) }

// Comparisons. They are not differentiable: each returns a constant Value
// (no graph, no gradient) holding 1 where the relation holds and 0
// elsewhere, broadcasting v and u, for use as a mask in Mul or Where. They
// panic with ErrShape if the shapes do not broadcast.

// Gt returns the mask of v > u.
func (v *Value[T]) Gt(u *Value[T]) *Value[T] { return Const(v.data.Gt(u.data)) }

// Ge returns the mask of v >= u.
func (v *Value[T]) Ge(u *Value[T]) *Value[T] { return Const(v.data.Ge(u.data)) }

// Lt returns the mask of v < u.
func (v *Value[T]) Lt(u *Value[T]) *Value[T] { return Const(v.data.Lt(u.data)) }

// Le returns the mask of v <= u.
func (v *Value[T]) Le(u *Value[T]) *Value[T] { return Const(v.data.Le(u.data)) }

// Eq returns the mask of v == u.
func (v *Value[T]) Eq(u *Value[T]) *Value[T] { return Const(v.data.Eq(u.data)) }

// Ne returns the mask of v != u.
func (v *Value[T]) Ne(u *Value[T]) *Value[T] { return Const(v.data.Ne(u.data)) }
