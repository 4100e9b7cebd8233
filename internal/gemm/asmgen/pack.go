package main

// The packing loops move panels of A and B into the order the micro-kernels
// read them (see internal/gemm/pack.go for the layouts). Each takes byte
// pointers and a leading dimension in bytes, so one loop serves every caller
// that moves the same number of bytes; the Go side checks bounds before it
// calls them.
//
// copySegsN scatters one row of a matrix, N bytes at a time, to the same
// step of consecutive panels (stride bytes apart): it packs B panels from
// rows of B and A panels from rows of a transposed A, reading each source
// row from start to end so the hardware prefetcher can follow it.
//
// gatherRxS transposes a block of R rows, ld bytes apart, into groups of R
// elements of S bits, one group per column: A panels of A and B panels of a
// transposed B. It moves 8 (float32) or 4 (float64) columns per iteration
// through an in-register transpose, so the caller hands it a multiple of
// that many columns and finishes the rest itself.

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// prefetchAhead is how far ahead along each row the gathers prefetch.
const prefetchAhead = 256

func packs() {
	copySegs(24)
	copySegs(48)
	copySegs(64)
	gather32(6)
	gather32(16)
	gather64(6)
	gather64(8)
}

// copySegs emits copySegs<width>(dst, src *byte, segs, stride int).
func copySegs(width int) {
	name := fmt.Sprintf("copySegs%d", width)
	TEXT(name, NOSPLIT, "func(dst, src *byte, segs, stride int)")
	Doc(fmt.Sprintf("%s copies segs consecutive runs of %d bytes from src to dst, dst+stride, dst+2*stride, ...", name, width))
	dst, src, n, stride := RDI, RSI, RCX, RDX
	Load(Param("dst"), dst)
	Load(Param("src"), src)
	Load(Param("segs"), n)
	Load(Param("stride"), stride)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	switch width {
	case 24:
		VMOVUPS(Mem{Base: src}, X0)
		VMOVSD(Mem{Base: src, Disp: 16}, X1)
		VMOVUPS(X0, Mem{Base: dst})
		VMOVSD(X1, Mem{Base: dst, Disp: 16})
	case 48:
		VMOVUPS(Mem{Base: src}, Y0)
		VMOVUPS(Mem{Base: src, Disp: 32}, X1)
		VMOVUPS(Y0, Mem{Base: dst})
		VMOVUPS(X1, Mem{Base: dst, Disp: 32})
	case 64:
		VMOVUPS(Mem{Base: src}, Y0)
		VMOVUPS(Mem{Base: src, Disp: 32}, Y1)
		VMOVUPS(Y0, Mem{Base: dst})
		VMOVUPS(Y1, Mem{Base: dst, Disp: 32})
	}
	ADDQ(U32(width), src)
	ADDQ(stride, dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// rowAddrs loads the gather arguments and returns the address of each of
// rows rows: bases src, src+4*ld, src+8*ld, ... each with offsets 0, ld,
// 2*ld and 3*ld.
func rowAddrs(rows int) (dst, n GPPhysical, addr []Mem, bases []GPPhysical) {
	dst, n = RDI, RCX
	src, ld, ld3 := RSI, RDX, R8
	Load(Param("dst"), dst)
	Load(Param("src"), src)
	Load(Param("cols"), n)
	Load(Param("ld"), ld)
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	bases = []GPPhysical{src, R9, R10, R11}[:(rows+3)/4]
	for i := 1; i < len(bases); i++ {
		LEAQ(Mem{Base: bases[i-1], Index: ld, Scale: 4}, bases[i])
	}
	for r := range rows {
		b := bases[r/4]
		switch r % 4 {
		case 0:
			addr = append(addr, Mem{Base: b})
		case 1:
			addr = append(addr, Mem{Base: b, Index: ld, Scale: 1})
		case 2:
			addr = append(addr, Mem{Base: b, Index: ld, Scale: 2})
		case 3:
			addr = append(addr, Mem{Base: b, Index: ld3, Scale: 1})
		}
	}
	return dst, n, addr, bases
}

// transpose8x8 transposes the 8×8 float32 block whose rows are in in
// (registers among Y0..Y7; a row may repeat) and leaves column p in Y(8+p).
func transpose8x8(in [8]VecPhysical) {
	t := []VecPhysical{Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}
	for i := 0; i < 8; i += 2 {
		VUNPCKLPS(in[i+1], in[i], t[i])   // r_i0 r_j0 r_i1 r_j1 | r_i4 r_j4 r_i5 r_j5
		VUNPCKHPS(in[i+1], in[i], t[i+1]) // r_i2 r_j2 r_i3 r_j3 | r_i6 r_j6 r_i7 r_j7
	}
	u := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7}
	for h := range 2 { // rows 0-3, rows 4-7
		a, b := t[4*h], t[4*h+2]
		c, d := t[4*h+1], t[4*h+3]
		VSHUFPS(U8(0x44), b, a, u[4*h])   // columns 0 | 4
		VSHUFPS(U8(0xEE), b, a, u[4*h+1]) // columns 1 | 5
		VSHUFPS(U8(0x44), d, c, u[4*h+2]) // columns 2 | 6
		VSHUFPS(U8(0xEE), d, c, u[4*h+3]) // columns 3 | 7
	}
	for p := range 4 {
		VPERM2F128(U8(0x20), u[4+p], u[p], t[p])   // column p
		VPERM2F128(U8(0x31), u[4+p], u[p], t[4+p]) // column p+4
	}
}

// gather32 emits gather<rows>x32(dst, src *byte, cols, ld int) for rows 6
// or 16, cols a multiple of 8.
func gather32(rows int) {
	name := fmt.Sprintf("gather%dx32", rows)
	TEXT(name, NOSPLIT, "func(dst, src *byte, cols, ld int)")
	Doc(fmt.Sprintf("%s stores column j of the %dxcols float32 block at src (rows ld bytes apart)", name, rows),
		fmt.Sprintf("as the %d floats at dst[%d*j:]; cols must be a multiple of 8.", rows, rows*4))
	dst, n, addr, bases := rowAddrs(rows)
	group := rows * 4
	SHRQ(U8(3), n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	for _, a := range addr {
		a.Disp += prefetchAhead
		PREFETCHT0(a)
	}
	for h := 0; h < rows; h += 8 {
		var in [8]VecPhysical
		for r := range 8 {
			if h+r < rows {
				in[r] = []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7}[r]
				VMOVUPS(addr[h+r], in[r])
			} else {
				in[r] = in[r-1] // rows past the block: any register will do
			}
		}
		transpose8x8(in)
		out := []VecPhysical{Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15}
		for p := range 8 {
			if rows >= h+8 {
				VMOVUPS(out[p], Mem{Base: dst, Disp: p*group + h*4})
				continue
			}
			// A group of six: each 32-byte store spills 8 bytes into the
			// next group, which the next store overwrites; the last one is
			// split so nothing is written past the block.
			if p < 7 {
				VMOVUPS(out[p], Mem{Base: dst, Disp: p * group})
				continue
			}
			VMOVUPS(out[p].AsX(), Mem{Base: dst, Disp: p * group})
			VEXTRACTF128(U8(1), out[p], X0)
			VMOVSD(X0, Mem{Base: dst, Disp: p*group + 16})
		}
	}
	for _, b := range bases {
		ADDQ(U8(32), b)
	}
	ADDQ(U32(8*group), dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// gather64 emits gather<rows>x64(dst, src *byte, cols, ld int) for rows 6
// or 8, cols a multiple of 4.
func gather64(rows int) {
	name := fmt.Sprintf("gather%dx64", rows)
	TEXT(name, NOSPLIT, "func(dst, src *byte, cols, ld int)")
	Doc(fmt.Sprintf("%s stores column j of the %dxcols float64 block at src (rows ld bytes apart)", name, rows),
		fmt.Sprintf("as the %d doubles at dst[%d*j:]; cols must be a multiple of 4.", rows, rows*8))
	dst, n, addr, bases := rowAddrs(rows)
	group := rows * 8
	SHRQ(U8(2), n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	for _, a := range addr {
		a.Disp += prefetchAhead
		PREFETCHT0(a)
	}
	// Rows 0-3: a 4×4 transpose, column p to the first 32 bytes of group p.
	for r := range 4 {
		VMOVUPD(addr[r], []VecPhysical{Y0, Y1, Y2, Y3}[r])
	}
	VUNPCKLPD(Y1, Y0, Y8)  // r00 r10 | r02 r12
	VUNPCKHPD(Y1, Y0, Y9)  // r01 r11 | r03 r13
	VUNPCKLPD(Y3, Y2, Y10) // r20 r30 | r22 r32
	VUNPCKHPD(Y3, Y2, Y11) // r21 r31 | r23 r33
	VPERM2F128(U8(0x20), Y10, Y8, Y0)
	VPERM2F128(U8(0x20), Y11, Y9, Y1)
	VPERM2F128(U8(0x31), Y10, Y8, Y2)
	VPERM2F128(U8(0x31), Y11, Y9, Y3)
	for p, y := range []VecPhysical{Y0, Y1, Y2, Y3} {
		VMOVUPD(y, Mem{Base: dst, Disp: p * group})
	}
	if rows == 8 {
		// Rows 4-7 the same way, to the last 32 bytes of each group.
		for r := range 4 {
			VMOVUPD(addr[4+r], []VecPhysical{Y4, Y5, Y6, Y7}[r])
		}
		VUNPCKLPD(Y5, Y4, Y12)
		VUNPCKHPD(Y5, Y4, Y13)
		VUNPCKLPD(Y7, Y6, Y14)
		VUNPCKHPD(Y7, Y6, Y15)
		VPERM2F128(U8(0x20), Y14, Y12, Y4)
		VPERM2F128(U8(0x20), Y15, Y13, Y5)
		VPERM2F128(U8(0x31), Y14, Y12, Y6)
		VPERM2F128(U8(0x31), Y15, Y13, Y7)
		for p, y := range []VecPhysical{Y4, Y5, Y6, Y7} {
			VMOVUPD(y, Mem{Base: dst, Disp: p*group + 32})
		}
	} else {
		// Rows 4-5: pairs, to the last 16 bytes of each group.
		VMOVUPD(addr[4], Y4)
		VMOVUPD(addr[5], Y5)
		VUNPCKLPD(Y5, Y4, Y12) // r40 r50 | r42 r52
		VUNPCKHPD(Y5, Y4, Y13) // r41 r51 | r43 r53
		VMOVUPD(X12, Mem{Base: dst, Disp: 0*group + 32})
		VMOVUPD(X13, Mem{Base: dst, Disp: 1*group + 32})
		VEXTRACTF128(U8(1), Y12, Mem{Base: dst, Disp: 2*group + 32})
		VEXTRACTF128(U8(1), Y13, Mem{Base: dst, Disp: 3*group + 32})
	}
	for _, b := range bases {
		ADDQ(U8(32), b)
	}
	ADDQ(U32(4*group), dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
