//go:build !purego

#include "textflag.h"
#include "vec_amd64.h"

// The row kernels of Linear's bias (rows.go) with AVX. Each addition has
// the operands in the order of the Go loops (y + b, sum + element), so
// that even a NaN's payload comes out the same.

// ADDROWS adds b (at SI, DX elements) to each row of y (at DI, R8
// elements). For len(b) a multiple of 4 it takes four columns of each row
// at a time in C0 and C1 (ymm for float64, xmm for float32), CSTEP bytes;
// for len(b) = 1, b[0] broadcast (BCAST) over a ymm of 2^SHIFT rows at a
// time. ADD is VADDPS or VADDPD. It leaves in AX the number of elements of
// y it did: all of them, the whole registers, or none for another width.
#define ADDROWS(SHIFT, BCAST, ADD, C0, C1, CSTEP) \
	CMPQ    DX, $1; \
	JEQ     bcast; \
	TESTQ   $3, DX; \
	JNZ     none; \
	MOVQ    R8, AX; \
row: \
	TESTQ   R8, R8; \
	JZ      done; \
	MOVQ    SI, R9; \
	MOVQ    DX, CX; \
col: \
	VMOVUPS (R9), C0; \
	VMOVUPS (DI), C1; \
	ADD     C0, C1, C1; \
	VMOVUPS C1, (DI); \
	ADDQ    $CSTEP, R9; \
	ADDQ    $CSTEP, DI; \
	SUBQ    $4, CX; \
	JNZ     col; \
	SUBQ    DX, R8; \
	JMP     row; \
bcast: \
	BCAST   (SI), Y0; \
	MOVQ    R8, CX; \
	STEPS(SHIFT, done); \
bloop: \
	VMOVUPS (DI), Y1; \
	ADD     Y0, Y1, Y1; \
	VMOVUPS Y1, (DI); \
	ADDQ    $32, DI; \
	DECQ    CX; \
	JNZ     bloop; \
	JMP     done; \
none: \
	XORQ    AX, AX; \
done: \
	VZEROUPPER

// func addRows64AVX(y, b []float64) int
TEXT ·addRows64AVX(SB), NOSPLIT, $0-56
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), R8
	MOVQ b_base+24(FP), SI
	MOVQ b_len+32(FP), DX
	ADDROWS(2, VBROADCASTSD, VADDPD, Y0, Y1, 32)
	MOVQ AX, ret+48(FP)
	RET

// func addRows32AVX(y, b []float32) int
TEXT ·addRows32AVX(SB), NOSPLIT, $0-56
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), R8
	MOVQ b_base+24(FP), SI
	MOVQ b_len+32(FP), DX
	ADDROWS(3, VBROADCASTSS, VADDPS, X0, X1, 16)
	MOVQ AX, ret+48(FP)
	RET

// SUMROWS sets d (at DI, R10 elements) to the column sums of g (at SI, AX
// elements), for len(d) a multiple of 4: four column sums in a ymm
// register, float64, from +0, adding the rows in order. LOAD reads four
// elements of a row as float64 (VMOVUPD, or VCVTPS2PD, which widens
// float32), and OUT turns the sums into the register S (VMOVUPD into
// Y1, or VCVTPD2PSY into X1, which rounds to float32 to nearest, ties to
// even, as the Go loop's T(s) does) that is stored; 2^SIZE is the element
// size and GSTEP the bytes of four elements. It leaves AX = 1, or 0,
// having done nothing, for another width.
#define SUMROWS(SIZE, LOAD, OUT, S, GSTEP) \
	TESTQ   R10, R10; \
	JZ      no; \
	TESTQ   $3, R10; \
	JNZ     no; \
	XORQ    DX, DX; \
	DIVQ    R10; \
	MOVQ    AX, R11; \
	MOVQ    R10, R12; \
	SHLQ    $SIZE, R12; \
	XORQ    R13, R13; \
grp: \
	VXORPD  Y0, Y0, Y0; \
	LEAQ    (SI)(R13*1), R9; \
	MOVQ    R11, CX; \
	TESTQ   CX, CX; \
	JZ      store; \
row: \
	LOAD    (R9), Y1; \
	VADDPD  Y1, Y0, Y0; \
	ADDQ    R12, R9; \
	DECQ    CX; \
	JNZ     row; \
store: \
	OUT     Y0, S; \
	VMOVUPS S, (DI)(R13*1); \
	ADDQ    $GSTEP, R13; \
	CMPQ    R13, R12; \
	JLT     grp; \
	VZEROUPPER; \
	MOVQ    $1, AX; \
	JMP     done; \
no: \
	XORQ    AX, AX; \
done:

// func sumRows64AVX(d, g []float64) bool
TEXT ·sumRows64AVX(SB), NOSPLIT, $0-49
	MOVQ d_base+0(FP), DI
	MOVQ d_len+8(FP), R10
	MOVQ g_base+24(FP), SI
	MOVQ g_len+32(FP), AX
	SUMROWS(3, VMOVUPD, VMOVUPD, Y1, 32)
	MOVB AX, ret+48(FP)
	RET

// func sumRows32AVX(d, g []float32) bool
TEXT ·sumRows32AVX(SB), NOSPLIT, $0-49
	MOVQ d_base+0(FP), DI
	MOVQ d_len+8(FP), R10
	MOVQ g_base+24(FP), SI
	MOVQ g_len+32(FP), AX
	SUMROWS(2, VCVTPS2PD, VCVTPD2PSY, X1, 16)
	MOVB AX, ret+48(FP)
	RET
