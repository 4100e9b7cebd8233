package vec

// AddRows64 adds b to every row of y, a matrix of len(b) columns held
// row-major (len(y) a multiple of len(b)): y[r*n+j] += b[j]. Each element
// is one addition, so the result does not depend on how the loop runs.
func AddRows64(y, b []float64) {
	if n := len(b); n > 0 {
		done := addRows64(y[:len(y)/n*n], b)
		addRowsGo(y[done:], b)
	}
}

// AddRows32 is AddRows64 for float32.
func AddRows32(y, b []float32) {
	if n := len(b); n > 0 {
		done := addRows32(y[:len(y)/n*n], b)
		addRowsGo(y[done:], b)
	}
}

// SumRows64 sets d[j] to the sum of column j of g, a matrix of len(d)
// columns held row-major: 0 plus the elements from the first row to the
// last, in that order, in float64, whatever the loop's shape.
func SumRows64(d, g []float64) {
	if !sumRows64(d, g) {
		sumRowsGo(d, g)
	}
}

// SumRows32 is SumRows64 for a float32 g: the sums are taken in float64
// and rounded to float32 once, at the end.
func SumRows32(d, g []float32) {
	if !sumRows32(d, g) {
		sumRowsGo(d, g)
	}
}

// addRowsGo is AddRows for y whose rows all lie in it, one column at a
// time down the rows, four together, with the bias elements in registers:
// a narrow layer's rows are too short to amortise a loop per row.
func addRowsGo[T float32 | float64](y, b []T) {
	n := len(b)
	j := 0
	for ; j+4 <= n; j += 4 {
		b0, b1, b2, b3 := b[j], b[j+1], b[j+2], b[j+3]
		for r := j; r+3 < len(y); r += n {
			y[r] += b0
			y[r+1] += b1
			y[r+2] += b2
			y[r+3] += b3
		}
	}
	for ; j < n; j++ {
		bj := b[j]
		for r := j; r < len(y); r += n {
			y[r] += bj
		}
	}
}

// sumRowsGo is SumRows a column at a time down the rows, four together.
func sumRowsGo[T float32 | float64](d, g []T) {
	n := len(d)
	if n == 0 {
		return
	}
	g = g[:len(g)/n*n]
	j := 0
	for ; j+4 <= n; j += 4 {
		var s0, s1, s2, s3 float64
		for r := j; r+3 < len(g); r += n {
			s0 += float64(g[r])
			s1 += float64(g[r+1])
			s2 += float64(g[r+2])
			s3 += float64(g[r+3])
		}
		d[j], d[j+1], d[j+2], d[j+3] = T(s0), T(s1), T(s2), T(s3)
	}
	for ; j < n; j++ {
		var s float64
		for r := j; r < len(g); r += n {
			s += float64(g[r])
		}
		d[j] = T(s)
	}
}
