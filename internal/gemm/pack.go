package gemm

// Packing copies a block of op(A) or op(B) into the order in which the
// micro-kernel reads it, so that the kernel's loads are sequential whatever
// the leading dimensions and transposes of the caller's matrices. Panels at
// the right or bottom edge are padded with zeros: the kernel then computes
// a full tile, of which only the part inside C is kept.

// packA copies the mb×kb block of op(A) whose top-left element is (i0, p0)
// into dst as ceil(mb/mr) panels of kb×mr: element (i, p) of the block is
// at dst[(i/mr)*kb*mr + p*mr + i%mr].
func packA[T float32 | float64](transA bool, a []T, lda, i0, p0, mb, kb, mr int, dst []T) {
	if transA {
		// op(A)(i, p) = A[p*lda + i]: step p of every panel comes from
		// row p0+p of A.
		packRows(dst, a, p0*lda+i0, lda, kb, 0, kb, mb, mr)
		return
	}
	// op(A)(i, p) = A[i*lda + p]: each panel is a transposed block of mr
	// rows of A.
	for q := 0; q < mb; q += mr {
		rows := min(mr, mb-q)
		d := dst[q*kb : q*kb+kb*mr]
		o := (i0+q)*lda + p0
		s := packGatherAsm(d, a, o, lda, kb, rows, mr)
		packGather(d[s*mr:], a, o+s, lda, kb-s, rows, mr)
	}
}

// packB copies the kb×nb block of op(B) whose top-left element is (p0, j0)
// into dst as ceil(nb/nr) panels of kb×nr: element (p, j) of the block is
// at dst[(j/nr)*kb*nr + p*nr + j%nr].
func packB[T float32 | float64](transB bool, b []T, ldb, p0, j0, kb, nb, nr int, dst []T) {
	if !transB {
		packBRows(b, ldb, p0, j0, kb, 0, kb, nb, nr, dst)
		return
	}
	for q := 0; q < nb; q += nr {
		packBPanel(b, ldb, p0, j0+q, kb, min(nr, nb-q), nr, dst[q*kb:q*kb+kb*nr])
	}
}

// packBRows packs steps r0 to r1 of packB's block for a B that is not
// transposed: op(B)(p, j) = B[p*ldb + j], so each step of every panel comes
// from one row of B.
func packBRows[T float32 | float64](b []T, ldb, p0, j0, kb, r0, r1, nb, nr int, dst []T) {
	packRows(dst, b, p0*ldb+j0, ldb, kb, r0, r1, nb, nr)
}

// packBPanel packs the panel of packB that holds cols columns of op(B)
// starting at column j0, for a transposed B: op(B)(p, j) = B[j*ldb + p], so
// each column of the panel is a contiguous row of B.
func packBPanel[T float32 | float64](b []T, ldb, p0, j0, kb, cols, nr int, d []T) {
	o := j0*ldb + p0
	s := packGatherAsm(d, b, o, ldb, kb, cols, nr)
	packGather(d[s*nr:], b, o+s, ldb, kb-s, cols, nr)
}

// packRows fills steps r0 to r1 of ceil(width/w) panels of steps×w at dst
// from rows of src: step p of the panels is the width elements at
// src[o+p*ld:], w to a panel, the last one padded with zeros.
func packRows[T float32 | float64](dst, src []T, o, ld, steps, r0, r1, width, w int) {
	full := width / w
	rest := width - full*w
	stride := steps * w
	for p := r0; p < r1; p++ {
		row := src[o+p*ld : o+p*ld+width]
		if !packSegsAsm(dst[p*w:], row, full, w, stride) {
			for q := range full {
				copy(dst[q*stride+p*w:q*stride+p*w+w], row[q*w:q*w+w])
			}
		}
		if rest > 0 {
			g := dst[full*stride+p*w : full*stride+p*w+w]
			copy(g, row[full*w:])
			clear(g[rest:])
		}
	}
}

// packGather fills d with kb groups of w elements, element r of group p
// being src[o+r*ld+p] for r < rows and zero beyond: it transposes a
// rows×kb block of src.
func packGather[T float32 | float64](d, src []T, o, ld, kb, rows, w int) {
	if kb == 0 {
		return
	}
	switch {
	case rows == 6 && w == 6:
		packGather6(d, src, o, ld, kb)
		return
	case rows == 4 && w == 4:
		packGather4(d, src, o, ld, kb)
		return
	}
	d = d[:kb*w]
	for r := range rows {
		s := src[o+r*ld : o+r*ld+kb]
		for p, v := range s {
			d[p*w+r] = v
		}
	}
	if rows < w {
		for p := range kb {
			clear(d[p*w+rows : p*w+w])
		}
	}
}

// packGather6 is packGather for six rows into groups of six, the A panels
// of the amd64 kernels: six loads and one six-element store per step.
func packGather6[T float32 | float64](d, src []T, o, ld, kb int) {
	r0 := src[o : o+kb]
	r1 := src[o+ld : o+ld+kb]
	r2 := src[o+2*ld : o+2*ld+kb]
	r3 := src[o+3*ld : o+3*ld+kb]
	r4 := src[o+4*ld : o+4*ld+kb]
	r5 := src[o+5*ld : o+5*ld+kb]
	d = d[:6*kb]
	for p := range r0 {
		g := (*[6]T)(d[6*p:])
		g[0], g[1], g[2], g[3], g[4], g[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
	}
}

// packGather4 is packGather for four rows into groups of four.
func packGather4[T float32 | float64](d, src []T, o, ld, kb int) {
	r0 := src[o : o+kb]
	r1 := src[o+ld : o+ld+kb]
	r2 := src[o+2*ld : o+2*ld+kb]
	r3 := src[o+3*ld : o+3*ld+kb]
	d = d[:4*kb]
	for p := range r0 {
		g := (*[4]T)(d[4*p:])
		g[0], g[1], g[2], g[3] = r0[p], r1[p], r2[p], r3[p]
	}
}
