package tensor

import (
	"strings"
	"testing"
)

func TestWriteDOT(t *testing.T) {
	w := Param(New([]float64{1, 2}, 1, 2)).Named("fc.weight")
	x := Const(New([]float64{3, 4}, 2, 1))
	loss := Sum(Sigmoid(MatMul(w, x)))
	var b strings.Builder
	if err := loss.WriteDOT(&b); err != nil {
		t.Fatal(err)
	}
	dot := b.String()
	for _, want := range []string{"digraph chainrule {", `fc.weight\n[1 2]`, `MatMul\n[1 1]`, `Sigmoid\n[1 1]`, `Sum\n[]`} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT output lacks %q:\n%s", want, dot)
		}
	}
	// Constant inputs are not part of backward's graph.
	if strings.Count(dot, "->") != 3 {
		t.Errorf("got %d edges; want 3 (weight->MatMul->Sigmoid->Sum):\n%s", strings.Count(dot, "->"), dot)
	}
}
