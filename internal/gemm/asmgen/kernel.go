package main

// The micro-kernels compute one mr×nr tile of C = alpha*A*B + beta*C from
// packed panels: A as k groups of mr elements (one per row of the tile), B
// as k groups of nr elements (one per column). The tile's 6×2 vectors of
// accumulators live in Y4..Y15 for the whole k loop; Y0 and Y1 hold the
// current row of the B panel and Y2, Y3 take turns holding a broadcast
// element of A, so each element of B is loaded once per tile row group and
// each step issues 12 independent FMAs, enough to hide the FMA latency on
// both FMA pipes.

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The tile is mr rows by two vectors of 32 bytes.
const (
	mr     = 6
	vecs   = 2
	vbytes = 32
	unroll = 4
)

// kernel describes one element type's instructions.
type kernel struct {
	name   string
	elem   int // bytes per element
	typ    string
	bcast  func(...Op)
	fma    func(...Op)
	mul    func(...Op)
	mov    func(...Op)
	xor    func(...Op)
	ucomis func(mx, x Op)
}

func kernels() {
	gen(kernel{
		name: "kernel6x16f32", elem: 4, typ: "float32",
		bcast: VBROADCASTSS, fma: VFMADD231PS, mul: VMULPS, mov: VMOVUPS,
		xor: VXORPS, ucomis: VUCOMISS,
	})
	gen(kernel{
		name: "kernel6x8f64", elem: 8, typ: "float64",
		bcast: VBROADCASTSD, fma: VFMADD231PD, mul: VMULPD, mov: VMOVUPD,
		xor: VXORPD, ucomis: VUCOMISD,
	})
}

func gen(kr kernel) {
	nr := vecs * vbytes / kr.elem
	TEXT(kr.name, NOSPLIT, fmt.Sprintf("func(k int, a, b, c *%[1]s, ldc int, alpha, beta %[1]s)", kr.typ))
	Doc(fmt.Sprintf("%s sets the %dx%d tile at c (row stride ldc elements) to", kr.name, mr, nr),
		"alpha*A*B + beta*C, where A and B are packed panels of k steps;",
		"beta == 0 stores without reading C.")

	var (
		a, b, k, c, ldc, n = RAX, RBX, RCX, RDX, RSI, RDI
		bv                 = []VecPhysical{Y0, Y1}
		av                 = []VecPhysical{Y2, Y3}
		acc                = [mr][vecs]VecPhysical{
			{Y4, Y5}, {Y6, Y7}, {Y8, Y9}, {Y10, Y11}, {Y12, Y13}, {Y14, Y15},
		}
	)
	Load(Param("k"), k)
	Load(Param("a"), a)
	Load(Param("b"), b)
	Load(Param("c"), c)
	Load(Param("ldc"), ldc)
	if kr.elem == 4 {
		SHLQ(U8(2), ldc)
	} else {
		SHLQ(U8(3), ldc)
	}

	Comment("Touch the tile of C now so that its lines arrive during the k loop.")
	MOVQ(c, n)
	for range mr {
		PREFETCHT0(Mem{Base: n})
		PREFETCHT0(Mem{Base: n, Disp: vecs*vbytes - 1})
		ADDQ(ldc, n)
	}

	for i := range mr {
		for j := range vecs {
			kr.xor(acc[i][j], acc[i][j], acc[i][j])
		}
	}

	// step emits one rank-1 update from the panels at offset u steps.
	step := func(u int) {
		for j := range vecs {
			kr.mov(Mem{Base: b, Disp: (u*nr + j*vbytes/kr.elem) * kr.elem}, bv[j])
		}
		for i := range mr {
			x := av[i%2]
			kr.bcast(Mem{Base: a, Disp: (u*mr + i) * kr.elem}, x)
			for j := range vecs {
				kr.fma(bv[j], x, acc[i][j])
			}
		}
	}

	Comment(fmt.Sprintf("Main loop: %d steps per iteration.", unroll))
	MOVQ(k, n)
	SHRQ(U8(2), n)
	JZ(LabelRef(kr.name + "_tail"))
	Label(kr.name + "_loop")
	PREFETCHT0(Mem{Base: a, Disp: 8 * 64})
	for u := range unroll {
		step(u)
	}
	ADDQ(U32(unroll*mr*kr.elem), a)
	ADDQ(U32(unroll*nr*kr.elem), b)
	DECQ(n)
	JNZ(LabelRef(kr.name + "_loop"))

	Label(kr.name + "_tail")
	ANDQ(U8(unroll-1), k)
	JZ(LabelRef(kr.name + "_scale"))
	Label(kr.name + "_tailloop")
	step(0)
	ADDQ(U32(mr*kr.elem), a)
	ADDQ(U32(nr*kr.elem), b)
	DECQ(k)
	JNZ(LabelRef(kr.name + "_tailloop"))

	Label(kr.name + "_scale")
	alpha, _ := Param("alpha").Resolve()
	beta, _ := Param("beta").Resolve()
	kr.bcast(alpha.Addr, bv[0])
	kr.bcast(beta.Addr, bv[1])
	for i := range mr {
		for j := range vecs {
			kr.mul(bv[0], acc[i][j], acc[i][j])
		}
	}
	Comment("beta == 0 (but not NaN) overwrites C without reading it.")
	kr.xor(X2, X2, X2)
	kr.ucomis(X2, X1)
	JNE(LabelRef(kr.name + "_accumulate"))
	JPS(LabelRef(kr.name + "_accumulate"))
	for i := range mr {
		for j := range vecs {
			kr.mov(acc[i][j], Mem{Base: c, Disp: j * vbytes})
		}
		if i < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()

	Label(kr.name + "_accumulate")
	for i := range mr {
		for j := range vecs {
			kr.fma(Mem{Base: c, Disp: j * vbytes}, bv[1], acc[i][j])
			kr.mov(acc[i][j], Mem{Base: c, Disp: j * vbytes})
		}
		if i < mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}
