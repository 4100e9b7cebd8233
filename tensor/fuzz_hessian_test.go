package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzHessian builds a random expression graph from its input, a scalar
// function of one vector x (smooth ops only, operands drawn from everything
// built so far so that nodes are reused on several paths and broadcast
// against each other, as in FuzzGraphGradients), and checks the
// second-order transforms on it:
//
//   - the Hessian is symmetric, within 1e-8 of its largest element;
//   - HVP(v) agrees with central differences of the gradient,
//     (∇f(x+εv) - ∇f(x-εv)) / 2ε with ε = 1e-6, within GradCheck's
//     tolerances (1e-5 absolute, scaled by the size of the Hessian, and
//     1e-3 relative);
//   - HVP(v) equals the Hessian times v, within 1e-10 of the largest
//     element.
func FuzzHessian(f *testing.F) {
	f.Add([]byte{1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{2, 1, 2, 7, 7, 7, 3, 3, 1, 0, 5, 9})
	f.Add([]byte{0, 0, 0, 8, 9, 10, 11, 12, 13, 14})
	f.Add([]byte{3, 2, 1, 6, 1, 6, 2, 6, 3, 4, 4})
	f.Add([]byte{2, 2, 9, 0x19, 0x2a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f, 0x80, 0x91})
	f.Add([]byte{1, 1, 5, 11, 12, 13, 14, 1, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		r, c := 1+int(data[0])%3, 1+int(data[1])%3
		rng := rand.New(rand.NewPCG(uint64(data[2]), 7))
		ops := data[3:]
		if len(ops) > 12 {
			ops = ops[:12]
		}
		n := r*c + c + 1
		x := Uniform[float64](rng, -1, 1, n)
		v := Uniform[float64](rng, -1, 1, n)
		fn := fhGraph(r, c, ops)

		h := Hessian(fn, Const(x)).Data().ToSlice()
		scale := 1.0
		for _, e := range h {
			scale = max(scale, math.Abs(e))
		}
		for i := range n {
			for j := range i {
				if d := math.Abs(h[i*n+j] - h[j*n+i]); !(d <= 1e-8*scale) {
					t.Fatalf("Hessian not symmetric: H[%d][%d] = %v, H[%d][%d] = %v", i, j, h[i*n+j], j, i, h[j*n+i])
				}
			}
		}

		_, hvValue := HVP(fn, Const(x), Const(v))
		hv := hvValue.Data().ToSlice()
		grad := func(x *Tensor[float64]) []float64 {
			return GradOf(func(xs ...*Value[float64]) *Value[float64] { return fn(xs[0]) })(Const(x))[0].Data().ToSlice()
		}
		const eps = 1e-6
		hi, lo := grad(x.Add(v.MulScalar(eps))), grad(x.Sub(v.MulScalar(eps)))
		vs := v.ToSlice()
		for i := range n {
			fd := (hi[i] - lo[i]) / (2 * eps)
			if !(math.Abs(hv[i]-fd) <= 1e-5*scale+1e-3*math.Abs(fd)) {
				t.Errorf("HVP[%d] = %v, finite differences of the gradient give %v", i, hv[i], fd)
			}
			var hTimesV float64
			for j := range n {
				hTimesV += h[i*n+j] * vs[j]
			}
			if !(math.Abs(hv[i]-hTimesV) <= 1e-10*scale) {
				t.Errorf("HVP[%d] = %v, Hessian times v = %v", i, hv[i], hTimesV)
			}
		}
	})
}

// fhGraph returns the scalar function of x (n = r*c + c + 1 elements) that
// ops spell: x is cut into a matrix (r, c), a row (c) and a 0-d scalar,
// each op combines earlier nodes, and the result sums every node so that
// all paths reach it.
func fhGraph(r, c int, ops []byte) func(x *Value[float64]) *Value[float64] {
	return func(x *Value[float64]) *Value[float64] {
		n := r*c + c + 1
		pool := []*Value[float64]{
			Reshape(Slice(x, 0, 0, r*c, 1), r, c),
			Slice(x, 0, r*c, r*c+c, 1),
			Sum(Slice(x, 0, n-1, n, 1)),
		}
		return fuzzGraph(pool, ops, 15)
	}
}
