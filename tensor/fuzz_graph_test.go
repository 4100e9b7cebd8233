package tensor

import (
	"math/rand/v2"
	"testing"
)

// FuzzGraphGradients builds a random expression graph from its input
// (smooth ops only, so finite differences are meaningful; operands drawn
// from everything built so far, so nodes are reused on several paths and
// broadcast against each other) and checks the analytical gradients of every
// leaf against central finite differences with GradCheck.
func FuzzGraphGradients(f *testing.F) {
	f.Add([]byte{1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{2, 1, 2, 7, 7, 7, 3, 3, 1, 0, 5, 9})
	f.Add([]byte{0, 0, 0, 8, 9, 10, 11, 12, 13, 14})
	f.Add([]byte{3, 2, 1, 6, 1, 6, 2, 6, 3, 4, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		// Leaf shapes: a matrix (r, c), a row (c) and a 0-d scalar, so that
		// broadcasting in both directions happens.
		r, c := 1+int(data[0])%3, 1+int(data[1])%3
		seed := uint64(data[2])
		ops := data[3:]
		if len(ops) > 16 {
			ops = ops[:16]
		}
		rng := rand.New(rand.NewPCG(seed, 99))
		leaves := []*Value[float64]{
			Param(Uniform[float64](rng, -1, 1, r, c)),
			Param(Uniform[float64](rng, -1, 1, c)),
			Param(Uniform[float64](rng, -1, 1)),
		}
		build := func(xs []*Value[float64]) *Value[float64] {
			return fuzzGraph(append([]*Value[float64](nil), xs...), ops, 10)
		}
		if err := GradCheck(build, leaves, GradCheckOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

// fuzzGraph grows pool by one node per byte of ops, its op kind drawn from
// the first kinds of fuzzOp and its operands from everything built so far
// (so nodes are reused on several paths and broadcast against each other),
// and returns the sum of every node, so that all paths reach the root. The
// first-order and the Hessian fuzz targets share it.
func fuzzGraph(pool []*Value[float64], ops []byte, kinds int) *Value[float64] {
	pick := func(b byte) *Value[float64] { return pool[int(b)%len(pool)] }
	for i, op := range ops {
		a := pick(op >> 4)
		b := pick(byte(i) + op)
		if _, err := BroadcastShapes(a.data.shape, b.data.shape); err != nil {
			b = Sum(b) // 0-d broadcasts against anything
		}
		pool = append(pool, fuzzOp(int(op)%kinds, a, b))
	}
	out := Sum(pool[0])
	for _, v := range pool[1:] {
		out = Add(out, Sum(v))
	}
	return out
}

// fuzzOp applies op kind k (0 to 14) to a and b: smooth ops only, so that
// finite differences are meaningful.
func fuzzOp(k int, a, b *Value[float64]) *Value[float64] {
	switch k {
	case 0:
		return Add(a, b)
	case 1:
		return Mul(a, b)
	case 2:
		return Sub(a, b)
	case 3:
		return Tanh(a)
	case 4:
		return Sigmoid(a)
	case 5:
		return Exp(Tanh(a))
	case 6:
		return Div(a, AddScalar(Mul(b, b), 1))
	case 7:
		return Sum(a)
	case 8:
		if a.data.Dims() == 2 {
			return Softmax(a, 1)
		}
		return MulScalar(a, 0.5)
	case 9:
		if a.data.Dims() == 2 && b.data.Dims() >= 1 && b.data.shape[0] == a.data.shape[1] {
			return MatMul(a, b)
		}
		return Mul(a, a)
	case 10:
		return LogSumExp(a)
	case 11:
		return Log1p(Square(a))
	case 12:
		return Sqrt(AddScalar(Square(a), 1))
	case 13:
		return GELU(a)
	default:
		return Mul(LogSigmoid(a), Sigmoid(b))
	}
}
