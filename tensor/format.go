package tensor

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// String formats the tensor the way PyTorch prints it, nested brackets with
// the shape and element type appended, for example
//
//	tensor([[1, 2],
//	        [3, 4]], shape=[2 2], float64)
//
// Tensors of more than 1000 elements show the first and last three entries
// of each dimension.
func (t *Tensor[T]) String() string {
	var b strings.Builder
	b.WriteString("tensor(")
	summarize := t.Size() > 1000
	idx := make([]int, len(t.shape))
	t.format(&b, idx, 0, summarize, len("tensor("))
	fmt.Fprintf(&b, ", shape=%v, %s)", t.shape, dtypeName[T]())
	return b.String()
}

func (t *Tensor[T]) format(b *strings.Builder, idx []int, d int, summarize bool, indent int) {
	if d == len(t.shape) {
		b.WriteString(formatFloat(float64(t.st.data[t.offset(idx)]), bitSize[T]()))
		return
	}
	b.WriteByte('[')
	n := t.shape[d]
	for i := 0; i < n; i++ {
		if summarize && n > 6 && i == 3 {
			b.WriteString("...")
			i = n - 3
			b.WriteString(sep(d, len(t.shape), indent+d+1))
		}
		idx[d] = i
		t.format(b, idx, d+1, summarize, indent)
		if i < n-1 {
			b.WriteString(sep(d, len(t.shape), indent+d+1))
		}
	}
	b.WriteByte(']')
}

func sep(d, dims, indent int) string {
	if d == dims-1 {
		return ", "
	}
	return "," + strings.Repeat("\n", dims-d-1) + strings.Repeat(" ", indent)
}

func formatFloat(v float64, bits int) string {
	return strconv.FormatFloat(v, 'g', -1, bits)
}

func bitSize[T Float]() int {
	var z T
	return int(unsafe.Sizeof(z)) * 8
}

func dtypeName[T Float]() string {
	if bitSize[T]() == 32 {
		return "float32"
	}
	return "float64"
}
