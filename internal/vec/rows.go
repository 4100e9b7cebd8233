package vec

// AddRows adds b to every row of y, a matrix of len(b) columns held
// row-major (len(y) a multiple of len(b)): y[r*n+j] += b[j]. Each element
// is one addition, so the result does not depend on how the loop runs.
func AddRows[T float32 | float64](y, b []T) {
	n := len(b)
	if n == 0 {
		return
	}
	var done int
	switch yy := any(y[:len(y)/n*n]).(type) {
	case []float32:
		done = addRows32(yy, any(b).([]float32))
	case []float64:
		done = addRows64(yy, any(b).([]float64))
	}
	addRowsGo(y[done:], b)
}

// SumRows sets d[j] to the sum of column j of g, a matrix of len(d)
// columns held row-major: 0 plus the elements from the first row to the
// last, in that order, in float64, whatever the loop's shape; for float32
// the sums are rounded once, at the end.
func SumRows[T float32 | float64](d, g []T) {
	var done bool
	switch dd := any(d).(type) {
	case []float32:
		done = sumRows32(dd, any(g).([]float32))
	case []float64:
		done = sumRows64(dd, any(g).([]float64))
	}
	if !done {
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
