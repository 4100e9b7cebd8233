package tensor

// This file is the derivative table of the arithmetic primitives. Each
// primitive's doc comment gives its gradient rule in PyTorch's vocabulary
// (g is the gradient of the result, out the result); the function computes
// the forward value and records, right beside it, the closure that applies
// the rule. Gradients of broadcast operands pass through unbroadcast, the
// one place where they are summed back to the operand's shape.
//
// Every primitive has an exported form that records and an unexported one
// taking rec, which backward closures call with the create-graph flag so
// that a plain backward records nothing and a create-graph backward records
// everything (DESIGN.md point 4).

// Add returns a + b, broadcasting.
//
// Gradients: da = g, db = g (each summed to its operand's shape).
func Add[T Float](a, b *Value[T]) *Value[T] { return add(a, b, true) }

func add[T Float](a, b *Value[T], rec bool) *Value[T] {
	return record("Add", a.data.Add(b.data), rec, []*Value[T]{a, b}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{unbroadcast(g, a, create), unbroadcast(g, b, create)}
	})
}

// Sub returns a - b, broadcasting. It is the composite Add(a, Neg(b)) and
// has no rule of its own.
func Sub[T Float](a, b *Value[T]) *Value[T] { return sub(a, b, true) }

func sub[T Float](a, b *Value[T], rec bool) *Value[T] { return add(a, neg(b, rec), rec) }

// Neg returns -x.
//
// Gradient: dx = -g.
func Neg[T Float](x *Value[T]) *Value[T] { return neg(x, true) }

func neg[T Float](x *Value[T], rec bool) *Value[T] {
	return record("Neg", x.data.Neg(), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{neg(g, create)}
	})
}

// Mul returns a * b elementwise, broadcasting.
//
// Gradients: da = g*b, db = g*a. Saves a and b.
func Mul[T Float](a, b *Value[T]) *Value[T] { return mul(a, b, true) }

func mul[T Float](a, b *Value[T], rec bool) *Value[T] {
	out := record("Mul", a.data.Mul(b.data), rec, []*Value[T]{a, b}, func(g *Value[T], create bool) []*Value[T] {
		var da, db *Value[T]
		if a.requiresGrad {
			da = unbroadcast(mul(g, b, create), a, create)
		}
		if b.requiresGrad {
			db = unbroadcast(mul(g, a, create), b, create)
		}
		return []*Value[T]{da, db}
	})
	out.save(a, b)
	return out
}

// Div returns a / b elementwise, broadcasting. It is a primitive rather than
// Mul(a, Reciprocal(b)) so that the forward value is correctly rounded, as
// PyTorch's is.
//
// Gradients: da = g/b, db = -g*a/b². Saves a and b. At b = 0 they are
// ±inf or NaN, as in PyTorch.
func Div[T Float](a, b *Value[T]) *Value[T] { return div(a, b, true) }

func div[T Float](a, b *Value[T], rec bool) *Value[T] {
	out := record("Div", a.data.Div(b.data), rec, []*Value[T]{a, b}, func(g *Value[T], create bool) []*Value[T] {
		var da, db *Value[T]
		gb := div(g, b, create)
		if a.requiresGrad {
			da = unbroadcast(gb, a, create)
		}
		if b.requiresGrad {
			db = unbroadcast(neg(mul(gb, div(a, b, create), create), create), b, create)
		}
		return []*Value[T]{da, db}
	})
	out.save(a, b)
	return out
}

// AddScalar returns x + s.
//
// Gradient: dx = g.
func AddScalar[T Float](x *Value[T], s T) *Value[T] { return addScalar(x, s, true) }

func addScalar[T Float](x *Value[T], s T, rec bool) *Value[T] {
	return record("AddScalar", x.data.AddScalar(s), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{g}
	})
}

// MulScalar returns x * s.
//
// Gradient: dx = g*s.
func MulScalar[T Float](x *Value[T], s T) *Value[T] { return mulScalar(x, s, true) }

func mulScalar[T Float](x *Value[T], s T, rec bool) *Value[T] {
	return record("MulScalar", x.data.MulScalar(s), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		return []*Value[T]{mulScalar(g, s, create)}
	})
}

// PowScalar returns x**p for a constant exponent p.
//
// Gradient: dx = g * p * x**(p-1), and 0 where p == 0 (PyTorch masks the
// exponent 0, so 0**0 has gradient 0). Saves x.
func PowScalar[T Float](x *Value[T], p T) *Value[T] { return powScalar(x, p, true) }

func powScalar[T Float](x *Value[T], p T, rec bool) *Value[T] {
	out := record("PowScalar", x.data.PowScalar(p), rec, []*Value[T]{x}, func(g *Value[T], create bool) []*Value[T] {
		if p == 0 {
			return []*Value[T]{Const(ZerosLike(x.data))}
		}
		return []*Value[T]{mul(g, mulScalar(powScalar(x, p-1, create), p, create), create)}
	})
	out.save(x)
	return out
}

// Pow returns a**b elementwise, broadcasting.
//
// Gradients: da = g * b * a**(b-1), zero where b == 0;
// db = g * a**b * log(a), zero where a == 0 and b >= 0 (PyTorch's masks).
// Saves a, b and the result. db is NaN for a negative base.
func Pow[T Float](a, b *Value[T]) *Value[T] { return pow(a, b, true) }

func pow[T Float](a, b *Value[T], rec bool) *Value[T] {
	out := record("Pow", a.data.Pow(b.data), rec, []*Value[T]{a, b}, nil)
	out.setBackward(func(g *Value[T], create bool) []*Value[T] {
		var da, db *Value[T]
		if a.requiresGrad {
			// b * a**(b-1), with the b == 0 entries set to 0 by where, not
			// by multiplying with a mask: at 0**0 the product is 0*inf.
			bZero := Const(b.data.Eq(ZerosLike(b.data)))
			d := mul(b, pow(a, addScalar(b, -1, create), create), create)
			d = where(bZero, Const(ZerosLike(d.data)), d, create)
			da = unbroadcast(mul(g, d, create), a, create)
		}
		if b.requiresGrad {
			// a**b * log(a), with entries where a == 0 and b >= 0 forced to 0.
			zero := ZerosLike(a.data)
			mask := Const(a.data.Eq(zero).Mul(b.data.Ge(ZerosLike(b.data))))
			safeA := where(mask, Const(OnesLike(a.data)), a, create)
			d := mul(out, log(safeA, create), create)
			d = where(mask, Const(ZerosLike(d.data)), d, create)
			db = unbroadcast(mul(g, d, create), b, create)
		}
		return []*Value[T]{da, db}
	})
	out.save(a, b, out)
	return out
}

// Add returns v + u; see the function Add.
func (v *Value[T]) Add(u *Value[T]) *Value[T] { return Add(v, u) }

// Sub returns v - u; see the function Sub.
func (v *Value[T]) Sub(u *Value[T]) *Value[T] { return Sub(v, u) }

// Mul returns v * u elementwise; see the function Mul.
func (v *Value[T]) Mul(u *Value[T]) *Value[T] { return Mul(v, u) }

// Div returns v / u elementwise; see the function Div.
func (v *Value[T]) Div(u *Value[T]) *Value[T] { return Div(v, u) }

// Neg returns -v; see the function Neg.
func (v *Value[T]) Neg() *Value[T] { return Neg(v) }

// Pow returns v**u elementwise; see the function Pow.
func (v *Value[T]) Pow(u *Value[T]) *Value[T] { return Pow(v, u) }

// AddScalar returns v + s; see the function AddScalar.
func (v *Value[T]) AddScalar(s T) *Value[T] { return AddScalar(v, s) }

// MulScalar returns v * s; see the function MulScalar.
func (v *Value[T]) MulScalar(s T) *Value[T] { return MulScalar(v, s) }

// PowScalar returns v**p; see the function PowScalar.
func (v *Value[T]) PowScalar(p T) *Value[T] { return PowScalar(v, p) }
