package tensor

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrGradCheck is wrapped by the errors GradCheck returns when analytical
// and numerical gradients disagree.
var ErrGradCheck = errors.New("gradient check failed")

// GradCheckOptions are the tolerances of GradCheck. The zero value means
// PyTorch's defaults: Eps 1e-6, Atol 1e-5, Rtol 1e-3, NondetTol 0.
type GradCheckOptions struct {
	Eps, Atol, Rtol float64
	// NondetTol bounds how much two backward passes with the same seed may
	// differ; 0 demands identical results.
	NondetTol float64
}

func (o GradCheckOptions) withDefaults() GradCheckOptions {
	if o.Eps == 0 {
		o.Eps = 1e-6
	}
	if o.Atol == 0 {
		o.Atol = 1e-5
	}
	if o.Rtol == 0 {
		o.Rtol = 1e-3
	}
	return o
}

// GradCheck checks the gradients of f at inputs against central finite
// differences, as torch.autograd.gradcheck does in float64. It builds the
// analytical Jacobian row by row from one-hot vector-Jacobian products
// (computed twice, to catch a backward that is not reentrant), the
// numerical one column by column as (f(x+eps) - f(x-eps)) / 2eps, and
// compares them elementwise with |a - n| <= Atol + Rtol*|n|. Only inputs
// that require a gradient are checked; f may return any shape. It returns
// nil on success and an error wrapping ErrGradCheck that prints both
// Jacobians otherwise.
//
// f must be deterministic and must not modify its inputs. GradCheck writes
// into the inputs' data while it perturbs them and restores every element
// afterwards.
func GradCheck(f func(xs []*Value[float64]) *Value[float64], inputs []*Value[float64], opts GradCheckOptions) error {
	opts = opts.withDefaults()
	var diff []int
	for i, x := range inputs {
		if x.requiresGrad {
			diff = append(diff, i)
		}
	}
	if len(diff) == 0 {
		return fmt.Errorf("tensor: GradCheck: %w: expects at least one input to require a gradient, but none does", ErrGradCheck)
	}
	out := f(inputs)
	nOut := out.data.Size()
	analytical := make([][][]float64, len(diff)) // [input][outElem][inElem]
	for k, i := range diff {
		analytical[k] = make([][]float64, nOut)
		for r := range nOut {
			analytical[k][r] = make([]float64, inputs[i].data.Size())
		}
	}
	if out.requiresGrad {
		ins := make([]*Value[float64], len(diff))
		for k, i := range diff {
			ins[k] = inputs[i]
		}
		for r := range nOut {
			first, err := vjpRow(out, ins, r)
			if err != nil {
				return err
			}
			second, err := vjpRow(out, ins, r)
			if err != nil {
				return err
			}
			for k := range diff {
				for c := range first[k] {
					if math.Abs(first[k][c]-second[k][c]) > opts.NondetTol {
						return fmt.Errorf("tensor: GradCheck: %w: backward is not reentrant: running backward with the same input and seed twice gives different values (%v and %v), although the tolerance for nondeterminism is %v",
							ErrGradCheck, first[k][c], second[k][c], opts.NondetTol)
					}
					analytical[k][r][c] = first[k][c]
				}
			}
		}
	}
	for k, i := range diff {
		x := inputs[i].data
		numerical := make([][]float64, nOut)
		for r := range nOut {
			numerical[r] = make([]float64, x.Size())
		}
		idx := make([]int, x.Dims())
		for c := 0; c < x.Size(); c++ {
			unravel(c, x.shape, idx)
			orig := x.At(idx...)
			x.Set(orig-opts.Eps, idx...)
			lo := f(inputs).data.ToSlice()
			x.Set(orig+opts.Eps, idx...)
			hi := f(inputs).data.ToSlice()
			x.Set(orig, idx...)
			for r := range nOut {
				numerical[r][c] = (hi[r] - lo[r]) / (2 * opts.Eps)
			}
		}
		for r := range nOut {
			for c := range numerical[r] {
				a, n := analytical[k][r][c], numerical[r][c]
				if !(math.Abs(a-n) <= opts.Atol+opts.Rtol*math.Abs(n)) {
					return fmt.Errorf("tensor: GradCheck: %w: Jacobian mismatch for output 0 with respect to input %d at [%d, %d] (analytical %v, numerical %v),\nnumerical:%s\nanalytical:%s",
						ErrGradCheck, i, r, c, a, n, formatMatrix(numerical), formatMatrix(analytical[k]))
				}
			}
		}
	}
	return nil
}

// vjpRow returns row r of the Jacobian of out with respect to each input:
// the gradient for the one-hot seed e_r.
func vjpRow(out *Value[float64], ins []*Value[float64], r int) (rows [][]float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			e, ok := p.(error)
			if !ok {
				panic(p)
			}
			err = fmt.Errorf("tensor: GradCheck: %w: backward failed: %w", ErrGradCheck, e)
		}
	}()
	seed := Zeros[float64](out.data.shape...)
	seed.st.data[r] = 1
	gs := Grad([]*Value[float64]{out}, ins, []*Value[float64]{Const(seed)}, GradOptions{Options: BackwardOptions{RetainGraph: true}, AllowUnused: true})
	rows = make([][]float64, len(ins))
	for k, g := range gs {
		if g == nil {
			rows[k] = make([]float64, ins[k].data.Size())
			continue
		}
		if !equalShape(g.data.shape, ins[k].data.shape) {
			return nil, fmt.Errorf("tensor: GradCheck: %w: gradient of shape %v for input of shape %v", ErrGradCheck, g.data.shape, ins[k].data.shape)
		}
		rows[k] = g.data.ToSlice()
	}
	return rows, nil
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// unravel writes the multi-index of flat position c in shape into idx.
func unravel(c int, shape, idx []int) {
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = c % shape[d]
		c /= shape[d]
	}
}

func formatMatrix(m [][]float64) string {
	var b strings.Builder
	for _, row := range m {
		b.WriteString("\n  ")
		for j, x := range row {
			if j > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "%.6g", x)
		}
	}
	return b.String()
}
