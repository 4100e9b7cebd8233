package tensor

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteDOT writes the graph that backward from v would walk, in Graphviz's
// DOT language: one box per recorded op (its name and result shape), one
// ellipse per leaf that requires a gradient (its name, as set by Named, and
// shape), and an edge from each input to the op that used it. Render it
// with `dot -Tsvg`. Values that do not require a gradient are left out, as
// backward never visits them.
func (v *Value[T]) WriteDOT(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph chainrule {")
	fmt.Fprintln(bw, "\trankdir=BT;")
	fmt.Fprintln(bw, "\tnode [fontname=\"Helvetica\", fontsize=10];")
	ids := map[*Value[T]]int{}
	var stack []*Value[T]
	visit := func(x *Value[T]) int {
		if id, ok := ids[x]; ok {
			return id
		}
		id := len(ids)
		ids[x] = id
		stack = append(stack, x)
		return id
	}
	visit(v)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		id := ids[x]
		label := fmt.Sprintf("%s\\n%v", dotEscape(x.Op()), x.data.shape)
		shape := "box"
		if x.fn == nil {
			name := x.name
			if name == "" {
				name = "leaf"
			}
			label = fmt.Sprintf("%s\\n%v", dotEscape(name), x.data.shape)
			shape = "ellipse"
		} else if x.name != "" {
			label = fmt.Sprintf("%s\\n%s %v", dotEscape(x.name), dotEscape(x.Op()), x.data.shape)
		}
		fmt.Fprintf(bw, "\tn%d [label=\"%s\", shape=%s];\n", id, label, shape)
		if x.fn == nil {
			continue
		}
		for _, in := range x.fn.inputs {
			if in == nil {
				continue
			}
			fmt.Fprintf(bw, "\tn%d -> n%d;\n", visit(in.(*node[T]).value()), id)
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

func dotEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}
