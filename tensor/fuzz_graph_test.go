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
			pool := append([]*Value[float64](nil), xs...)
			pick := func(b byte) *Value[float64] { return pool[int(b)%len(pool)] }
			for i, op := range ops {
				a := pick(op >> 4)
				b := pick(byte(i) + op)
				if _, err := BroadcastShapes(a.data.shape, b.data.shape); err != nil {
					b = Sum(b) // 0-d broadcasts against anything
				}
				var v *Value[float64]
				switch op % 10 {
				case 0:
					v = Add(a, b)
				case 1:
					v = Mul(a, b)
				case 2:
					v = Sub(a, b)
				case 3:
					v = Tanh(a)
				case 4:
					v = Sigmoid(a)
				case 5:
					v = Exp(Tanh(a))
				case 6:
					v = Div(a, AddScalar(Mul(b, b), 1))
				case 7:
					v = Sum(a)
				case 8:
					if a.data.Dims() == 2 {
						v = Softmax(a, 1)
					} else {
						v = MulScalar(a, 0.5)
					}
				default:
					if a.data.Dims() == 2 && b.data.Dims() >= 1 && b.data.shape[0] == a.data.shape[1] {
						v = MatMul(a, b)
					} else {
						v = Mul(a, a)
					}
				}
				pool = append(pool, v)
			}
			// Combine every node so that all paths reach the root.
			out := Sum(pool[0])
			for _, v := range pool[1:] {
				out = Add(out, Sum(v))
			}
			return out
		}
		if err := GradCheck(build, leaves, GradCheckOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}
