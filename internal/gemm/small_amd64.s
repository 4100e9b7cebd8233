//go:build !purego

#include "textflag.h"
#include "small_amd64.h"

// The loop of small (small.go) over long k with AVX, for an op(B) whose
// rows are contiguous: rowUnit, two rows of C at a time. A group of four
// columns of C is one register, four lanes of a ymm (float64) or an xmm
// (float32), that holds the group's four sums for the whole loop over k;
// each step broadcasts op(A)(i, p), multiplies it by op(B)'s group
// (VMULPD, never a fused multiply-add) and adds that to the sums, in
// order of p, from +0. Then alpha times the sums, plus beta*C unless beta
// is ±0. Each lane is the arithmetic of the Go loop for its element, so
// the two agree to the bit, but for which payload a NaN keeps when two
// meet, which in Go depends on how the compiler orders the operands.
//
// Two groups of a row, and two rows, are summed side by side: a sum over
// k is a chain of dependent additions, and each chain waits out the
// latency of every addition in it. The loop over k goes four steps at a
// time, op(A)'s elements and op(B)'s rows addressed from one pointer each
// with the stride and three times it: a step of one group of one row is
// its three instructions and a fraction of the loop's four or five.
//
// Registers of the loops: AX is the first of the rows of op(A), SI (that
// row) and DI (the next) walk op(A), R8 = ap, R9 = 3*ap; R10 walks op(B),
// R11 = bp, R12 = 3*bp; BX is op(B)'s next group, DX C's, R13 counts the
// groups left, CX the steps. Y0, Y1 hold the broadcasts, Y6 alpha, Y7
// beta, Y8 and Y9 the groups of the first row, Y10 and Y11 those of the
// second (the xmm halves for float32). Afterwards R9 = cj, R12 = 3*cj,
// and SI and DI walk the two rows of C.

// ACC64 adds beta (Y7) times the four float64 of C at P to Y.
#define ACC64(Y, P)                          \
	GATHER64(P, R9, R12, X0, Y0, X1);        \
	VMULPD Y0, Y7, Y0;                       \
	VADDPD Y0, Y, Y

// MADD64 adds A*B to Y, using T.
#define MADD64(A, B, T, Y) \
	VMULPD B, A, T;        \
	VADDPD T, Y, Y

// U64_2x2 adds the products of the float64 at A0 (first row) and A1
// (second row), broadcast, and the groups of op(B) at B0 and B1, to
// Y8..Y11.
#define U64_2x2(A0, A1, B0, B1)    \
	VBROADCASTSD A0, Y0;           \
	VBROADCASTSD A1, Y1;           \
	MADD64(Y0, B0, Y2, Y8);        \
	MADD64(Y0, B1, Y3, Y9);        \
	MADD64(Y1, B0, Y4, Y10);       \
	MADD64(Y1, B1, Y5, Y11)

// U64_2x1 is U64_2x2 for one group: Y8 and Y10.
#define U64_2x1(A0, A1, B0)        \
	VBROADCASTSD A0, Y0;           \
	VBROADCASTSD A1, Y1;           \
	MADD64(Y0, B0, Y2, Y8);        \
	MADD64(Y1, B0, Y4, Y10)

// U64_1x2 is U64_2x2 for one row: Y8 and Y9.
#define U64_1x2(A0, B0, B1)        \
	VBROADCASTSD A0, Y0;           \
	MADD64(Y0, B0, Y2, Y8);        \
	MADD64(Y0, B1, Y3, Y9)

// U64_1x1 is U64_2x2 for one row and one group: Y8.
#define U64_1x1(A0, B0)            \
	VBROADCASTSD A0, Y0;           \
	MADD64(Y0, B0, Y2, Y8)

// ACC32, MADD32 and U32_RxG are the same for float32 in xmm registers.
#define ACC32(X, P)                \
	GATHER32(P, R9, R12, X0);      \
	VMULPS X0, X7, X0;             \
	VADDPS X0, X, X

#define MADD32(A, B, T, X) \
	VMULPS B, A, T;        \
	VADDPS T, X, X

#define U32_2x2(A0, A1, B0, B1)    \
	VBROADCASTSS A0, X0;           \
	VBROADCASTSS A1, X1;           \
	MADD32(X0, B0, X2, X8);        \
	MADD32(X0, B1, X3, X9);        \
	MADD32(X1, B0, X4, X10);       \
	MADD32(X1, B1, X5, X11)

#define U32_2x1(A0, A1, B0)        \
	VBROADCASTSS A0, X0;           \
	VBROADCASTSS A1, X1;           \
	MADD32(X0, B0, X2, X8);        \
	MADD32(X1, B0, X4, X10)

#define U32_1x2(A0, B0, B1)        \
	VBROADCASTSS A0, X0;           \
	MADD32(X0, B0, X2, X8);        \
	MADD32(X0, B1, X3, X9)

#define U32_1x1(A0, B0)            \
	VBROADCASTSS A0, X0;           \
	MADD32(X0, B0, X2, X8)

// func unitAVX(m, n, k int, a unsafe.Pointer, ai, ap int, b unsafe.Pointer, bp int, c unsafe.Pointer, ci, cj, size int, ab unsafe.Pointer)
//
// unitAVX computes the first n&^3 columns of the m rows of C at c + i*ci
// + j*cj, from op(A)(i, p) at a + i*ai + p*ap and op(B)(p, j) at b + p*bp
// + j*size (rows contiguous), for m >= 1, n >= 4, k >= 1, elements of
// size bytes (8 or 4), alpha and beta at ab and ab+size: two rows at a
// time and the last alone if m is odd, each two groups of four columns
// at a time and the last alone if their number is odd. The frame holds
// the rows left and C's first row of them.
TEXT ·unitAVX(SB), NOSPLIT, $16-104
	MOVQ m+0(FP), CX
	MOVQ CX, rows-8(SP)
	MOVQ c+64(FP), DX
	MOVQ DX, crow-16(SP)
	MOVQ a+24(FP), AX
	MOVQ ap+40(FP), R8
	MOVQ bp+56(FP), R11
	MOVQ ab+96(FP), CX
	CMPQ size+88(FP), $4
	JEQ  uf32
	VBROADCASTSD (CX), Y6
	VBROADCASTSD 8(CX), Y7

uf64rows:
	MOVQ n+8(FP), R13
	SHRQ $2, R13
	MOVQ b+48(FP), BX
	MOVQ crow-16(SP), DX
	CMPQ rows-8(SP), $1
	JEQ  u1f64group

	// Two rows.
u2f64group:
	MOVQ AX, SI
	MOVQ ai+32(FP), DI
	ADDQ AX, DI
	MOVQ BX, R10
	LEAQ (R8)(R8*2), R9
	LEAQ (R11)(R11*2), R12
	MOVQ k+16(FP), CX
	CMPQ R13, $2
	JLT  u2f64one

	// Two rows, two groups.
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	SHRQ   $2, CX
	JZ     u2f64twoTail

u2f64twoLoop:
	U64_2x2((SI), (DI), (R10), 32(R10))
	U64_2x2((SI)(R8*1), (DI)(R8*1), (R10)(R11*1), 32(R10)(R11*1))
	U64_2x2((SI)(R8*2), (DI)(R8*2), (R10)(R11*2), 32(R10)(R11*2))
	U64_2x2((SI)(R9*1), (DI)(R9*1), (R10)(R12*1), 32(R10)(R12*1))
	LEAQ (SI)(R8*4), SI
	LEAQ (DI)(R8*4), DI
	LEAQ (R10)(R11*4), R10
	DECQ CX
	JNZ  u2f64twoLoop

u2f64twoTail:
	MOVQ k+16(FP), CX
	ANDQ $3, CX
	JZ   u2f64twoSums

u2f64twoTailLoop:
	U64_2x2((SI), (DI), (R10), 32(R10))
	ADDQ R8, SI
	ADDQ R8, DI
	ADDQ R11, R10
	DECQ CX
	JNZ  u2f64twoTailLoop

u2f64twoSums:
	MOVQ   cj+80(FP), R9
	LEAQ   (R9)(R9*2), R12
	MOVQ   DX, SI
	MOVQ   ci+72(FP), DI
	ADDQ   DX, DI
	VMULPD Y8, Y6, Y8
	VMULPD Y9, Y6, Y9
	VMULPD Y10, Y6, Y10
	VMULPD Y11, Y6, Y11
	MOVQ   ab+96(FP), CX
	MOVQ   8(CX), CX
	SHLQ   $1, CX                    // 0 when beta is +0 or -0
	JNZ    u2f64twoBeta
	SCATTER64(Y8, X8, SI, R9, R12, X0)
	SCATTER64(Y10, X10, DI, R9, R12, X0)
	LEAQ   (SI)(R9*4), SI
	LEAQ   (DI)(R9*4), DI
	SCATTER64(Y9, X9, SI, R9, R12, X0)
	SCATTER64(Y11, X11, DI, R9, R12, X0)
	JMP    u2f64twoNext

u2f64twoBeta:
	ACC64(Y8, SI)
	SCATTER64(Y8, X8, SI, R9, R12, X0)
	ACC64(Y10, DI)
	SCATTER64(Y10, X10, DI, R9, R12, X0)
	LEAQ (SI)(R9*4), SI
	LEAQ (DI)(R9*4), DI
	ACC64(Y9, SI)
	SCATTER64(Y9, X9, SI, R9, R12, X0)
	ACC64(Y11, DI)
	SCATTER64(Y11, X11, DI, R9, R12, X0)

u2f64twoNext:
	LEAQ (SI)(R9*4), DX
	ADDQ $64, BX
	SUBQ $2, R13
	JNZ  u2f64group
	JMP  u2f64next

	// Two rows, the last group when their number is odd.
u2f64one:
	VXORPD Y8, Y8, Y8
	VXORPD Y10, Y10, Y10
	SHRQ   $2, CX
	JZ     u2f64oneTail

u2f64oneLoop:
	U64_2x1((SI), (DI), (R10))
	U64_2x1((SI)(R8*1), (DI)(R8*1), (R10)(R11*1))
	U64_2x1((SI)(R8*2), (DI)(R8*2), (R10)(R11*2))
	U64_2x1((SI)(R9*1), (DI)(R9*1), (R10)(R12*1))
	LEAQ (SI)(R8*4), SI
	LEAQ (DI)(R8*4), DI
	LEAQ (R10)(R11*4), R10
	DECQ CX
	JNZ  u2f64oneLoop

u2f64oneTail:
	MOVQ k+16(FP), CX
	ANDQ $3, CX
	JZ   u2f64oneSums

u2f64oneTailLoop:
	U64_2x1((SI), (DI), (R10))
	ADDQ R8, SI
	ADDQ R8, DI
	ADDQ R11, R10
	DECQ CX
	JNZ  u2f64oneTailLoop

u2f64oneSums:
	MOVQ   cj+80(FP), R9
	LEAQ   (R9)(R9*2), R12
	MOVQ   DX, SI
	MOVQ   ci+72(FP), DI
	ADDQ   DX, DI
	VMULPD Y8, Y6, Y8
	VMULPD Y10, Y6, Y10
	MOVQ   ab+96(FP), CX
	MOVQ   8(CX), CX
	SHLQ   $1, CX
	JNZ    u2f64oneBeta
	SCATTER64(Y8, X8, SI, R9, R12, X0)
	SCATTER64(Y10, X10, DI, R9, R12, X0)
	JMP    u2f64next

u2f64oneBeta:
	ACC64(Y8, SI)
	SCATTER64(Y8, X8, SI, R9, R12, X0)
	ACC64(Y10, DI)
	SCATTER64(Y10, X10, DI, R9, R12, X0)

	// On to the next two rows, if any.
u2f64next:
	MOVQ ai+32(FP), CX
	LEAQ (AX)(CX*2), AX
	MOVQ ci+72(FP), CX
	SHLQ $1, CX
	ADDQ CX, crow-16(SP)
	SUBQ $2, rows-8(SP)
	JNZ  uf64rows
	VZEROUPPER
	RET

	// The last row, when m is odd.
u1f64group:
	MOVQ AX, SI
	MOVQ BX, R10
	LEAQ (R8)(R8*2), R9
	LEAQ (R11)(R11*2), R12
	MOVQ k+16(FP), CX
	CMPQ R13, $2
	JLT  u1f64one

	// One row, two groups.
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	SHRQ   $2, CX
	JZ     u1f64twoTail

u1f64twoLoop:
	U64_1x2((SI), (R10), 32(R10))
	U64_1x2((SI)(R8*1), (R10)(R11*1), 32(R10)(R11*1))
	U64_1x2((SI)(R8*2), (R10)(R11*2), 32(R10)(R11*2))
	U64_1x2((SI)(R9*1), (R10)(R12*1), 32(R10)(R12*1))
	LEAQ (SI)(R8*4), SI
	LEAQ (R10)(R11*4), R10
	DECQ CX
	JNZ  u1f64twoLoop

u1f64twoTail:
	MOVQ k+16(FP), CX
	ANDQ $3, CX
	JZ   u1f64twoSums

u1f64twoTailLoop:
	U64_1x2((SI), (R10), 32(R10))
	ADDQ R8, SI
	ADDQ R11, R10
	DECQ CX
	JNZ  u1f64twoTailLoop

u1f64twoSums:
	MOVQ   cj+80(FP), R9
	LEAQ   (R9)(R9*2), R12
	MOVQ   DX, SI
	VMULPD Y8, Y6, Y8
	VMULPD Y9, Y6, Y9
	MOVQ   ab+96(FP), CX
	MOVQ   8(CX), CX
	SHLQ   $1, CX
	JNZ    u1f64twoBeta
	SCATTER64(Y8, X8, SI, R9, R12, X0)
	LEAQ   (SI)(R9*4), SI
	SCATTER64(Y9, X9, SI, R9, R12, X0)
	JMP    u1f64twoNext

u1f64twoBeta:
	ACC64(Y8, SI)
	SCATTER64(Y8, X8, SI, R9, R12, X0)
	LEAQ (SI)(R9*4), SI
	ACC64(Y9, SI)
	SCATTER64(Y9, X9, SI, R9, R12, X0)

u1f64twoNext:
	LEAQ (SI)(R9*4), DX
	ADDQ $64, BX
	SUBQ $2, R13
	JNZ  u1f64group
	VZEROUPPER
	RET

	// One row, one group.
u1f64one:
	VXORPD Y8, Y8, Y8
	SHRQ   $2, CX
	JZ     u1f64oneTail

u1f64oneLoop:
	U64_1x1((SI), (R10))
	U64_1x1((SI)(R8*1), (R10)(R11*1))
	U64_1x1((SI)(R8*2), (R10)(R11*2))
	U64_1x1((SI)(R9*1), (R10)(R12*1))
	LEAQ (SI)(R8*4), SI
	LEAQ (R10)(R11*4), R10
	DECQ CX
	JNZ  u1f64oneLoop

u1f64oneTail:
	MOVQ k+16(FP), CX
	ANDQ $3, CX
	JZ   u1f64oneSums

u1f64oneTailLoop:
	U64_1x1((SI), (R10))
	ADDQ R8, SI
	ADDQ R11, R10
	DECQ CX
	JNZ  u1f64oneTailLoop

u1f64oneSums:
	MOVQ   cj+80(FP), R9
	LEAQ   (R9)(R9*2), R12
	VMULPD Y8, Y6, Y8
	MOVQ   ab+96(FP), CX
	MOVQ   8(CX), CX
	SHLQ   $1, CX
	JNZ    u1f64oneBeta
	SCATTER64(Y8, X8, DX, R9, R12, X0)
	VZEROUPPER
	RET

u1f64oneBeta:
	ACC64(Y8, DX)
	SCATTER64(Y8, X8, DX, R9, R12, X0)
	VZEROUPPER
	RET

	// float32: the same in xmm registers.
uf32:
	VBROADCASTSS (CX), X6
	VBROADCASTSS 4(CX), X7

uf32rows:
	MOVQ n+8(FP), R13
	SHRQ $2, R13
	MOVQ b+48(FP), BX
	MOVQ crow-16(SP), DX
	CMPQ rows-8(SP), $1
	JEQ  u1f32group

	// Two rows.
u2f32group:
	MOVQ AX, SI
	MOVQ ai+32(FP), DI
	ADDQ AX, DI
	MOVQ BX, R10
	LEAQ (R8)(R8*2), R9
	LEAQ (R11)(R11*2), R12
	MOVQ k+16(FP), CX
	CMPQ R13, $2
	JLT  u2f32one

	// Two rows, two groups.
	VXORPS X8, X8, X8
	VXORPS X9, X9, X9
	VXORPS X10, X10, X10
	VXORPS X11, X11, X11
	SHRQ   $2, CX
	JZ     u2f32twoTail

u2f32twoLoop:
	U32_2x2((SI), (DI), (R10), 16(R10))
	U32_2x2((SI)(R8*1), (DI)(R8*1), (R10)(R11*1), 16(R10)(R11*1))
	U32_2x2((SI)(R8*2), (DI)(R8*2), (R10)(R11*2), 16(R10)(R11*2))
	U32_2x2((SI)(R9*1), (DI)(R9*1), (R10)(R12*1), 16(R10)(R12*1))
	LEAQ (SI)(R8*4), SI
	LEAQ (DI)(R8*4), DI
	LEAQ (R10)(R11*4), R10
	DECQ CX
	JNZ  u2f32twoLoop

u2f32twoTail:
	MOVQ k+16(FP), CX
	ANDQ $3, CX
	JZ   u2f32twoSums

u2f32twoTailLoop:
	U32_2x2((SI), (DI), (R10), 16(R10))
	ADDQ R8, SI
	ADDQ R8, DI
	ADDQ R11, R10
	DECQ CX
	JNZ  u2f32twoTailLoop

u2f32twoSums:
	MOVQ   cj+80(FP), R9
	LEAQ   (R9)(R9*2), R12
	MOVQ   DX, SI
	MOVQ   ci+72(FP), DI
	ADDQ   DX, DI
	VMULPS X8, X6, X8
	VMULPS X9, X6, X9
	VMULPS X10, X6, X10
	VMULPS X11, X6, X11
	MOVQ   ab+96(FP), CX
	MOVL   4(CX), CX
	SHLL   $1, CX                    // 0 when beta is +0 or -0
	JNZ    u2f32twoBeta
	SCATTER32(X8, SI, R9, R12)
	SCATTER32(X10, DI, R9, R12)
	LEAQ   (SI)(R9*4), SI
	LEAQ   (DI)(R9*4), DI
	SCATTER32(X9, SI, R9, R12)
	SCATTER32(X11, DI, R9, R12)
	JMP    u2f32twoNext

u2f32twoBeta:
	ACC32(X8, SI)
	SCATTER32(X8, SI, R9, R12)
	ACC32(X10, DI)
	SCATTER32(X10, DI, R9, R12)
	LEAQ (SI)(R9*4), SI
	LEAQ (DI)(R9*4), DI
	ACC32(X9, SI)
	SCATTER32(X9, SI, R9, R12)
	ACC32(X11, DI)
	SCATTER32(X11, DI, R9, R12)

u2f32twoNext:
	LEAQ (SI)(R9*4), DX
	ADDQ $32, BX
	SUBQ $2, R13
	JNZ  u2f32group
	JMP  u2f32next

	// Two rows, the last group when their number is odd.
u2f32one:
	VXORPS X8, X8, X8
	VXORPS X10, X10, X10
	SHRQ   $2, CX
	JZ     u2f32oneTail

u2f32oneLoop:
	U32_2x1((SI), (DI), (R10))
	U32_2x1((SI)(R8*1), (DI)(R8*1), (R10)(R11*1))
	U32_2x1((SI)(R8*2), (DI)(R8*2), (R10)(R11*2))
	U32_2x1((SI)(R9*1), (DI)(R9*1), (R10)(R12*1))
	LEAQ (SI)(R8*4), SI
	LEAQ (DI)(R8*4), DI
	LEAQ (R10)(R11*4), R10
	DECQ CX
	JNZ  u2f32oneLoop

u2f32oneTail:
	MOVQ k+16(FP), CX
	ANDQ $3, CX
	JZ   u2f32oneSums

u2f32oneTailLoop:
	U32_2x1((SI), (DI), (R10))
	ADDQ R8, SI
	ADDQ R8, DI
	ADDQ R11, R10
	DECQ CX
	JNZ  u2f32oneTailLoop

u2f32oneSums:
	MOVQ   cj+80(FP), R9
	LEAQ   (R9)(R9*2), R12
	MOVQ   DX, SI
	MOVQ   ci+72(FP), DI
	ADDQ   DX, DI
	VMULPS X8, X6, X8
	VMULPS X10, X6, X10
	MOVQ   ab+96(FP), CX
	MOVL   4(CX), CX
	SHLL   $1, CX
	JNZ    u2f32oneBeta
	SCATTER32(X8, SI, R9, R12)
	SCATTER32(X10, DI, R9, R12)
	JMP    u2f32next

u2f32oneBeta:
	ACC32(X8, SI)
	SCATTER32(X8, SI, R9, R12)
	ACC32(X10, DI)
	SCATTER32(X10, DI, R9, R12)

	// On to the next two rows, if any.
u2f32next:
	MOVQ ai+32(FP), CX
	LEAQ (AX)(CX*2), AX
	MOVQ ci+72(FP), CX
	SHLQ $1, CX
	ADDQ CX, crow-16(SP)
	SUBQ $2, rows-8(SP)
	JNZ  uf32rows
	VZEROUPPER
	RET

	// The last row, when m is odd.
u1f32group:
	MOVQ AX, SI
	MOVQ BX, R10
	LEAQ (R8)(R8*2), R9
	LEAQ (R11)(R11*2), R12
	MOVQ k+16(FP), CX
	CMPQ R13, $2
	JLT  u1f32one

	// One row, two groups.
	VXORPS X8, X8, X8
	VXORPS X9, X9, X9
	SHRQ   $2, CX
	JZ     u1f32twoTail

u1f32twoLoop:
	U32_1x2((SI), (R10), 16(R10))
	U32_1x2((SI)(R8*1), (R10)(R11*1), 16(R10)(R11*1))
	U32_1x2((SI)(R8*2), (R10)(R11*2), 16(R10)(R11*2))
	U32_1x2((SI)(R9*1), (R10)(R12*1), 16(R10)(R12*1))
	LEAQ (SI)(R8*4), SI
	LEAQ (R10)(R11*4), R10
	DECQ CX
	JNZ  u1f32twoLoop

u1f32twoTail:
	MOVQ k+16(FP), CX
	ANDQ $3, CX
	JZ   u1f32twoSums

u1f32twoTailLoop:
	U32_1x2((SI), (R10), 16(R10))
	ADDQ R8, SI
	ADDQ R11, R10
	DECQ CX
	JNZ  u1f32twoTailLoop

u1f32twoSums:
	MOVQ   cj+80(FP), R9
	LEAQ   (R9)(R9*2), R12
	MOVQ   DX, SI
	VMULPS X8, X6, X8
	VMULPS X9, X6, X9
	MOVQ   ab+96(FP), CX
	MOVL   4(CX), CX
	SHLL   $1, CX
	JNZ    u1f32twoBeta
	SCATTER32(X8, SI, R9, R12)
	LEAQ   (SI)(R9*4), SI
	SCATTER32(X9, SI, R9, R12)
	JMP    u1f32twoNext

u1f32twoBeta:
	ACC32(X8, SI)
	SCATTER32(X8, SI, R9, R12)
	LEAQ (SI)(R9*4), SI
	ACC32(X9, SI)
	SCATTER32(X9, SI, R9, R12)

u1f32twoNext:
	LEAQ (SI)(R9*4), DX
	ADDQ $32, BX
	SUBQ $2, R13
	JNZ  u1f32group
	VZEROUPPER
	RET

	// One row, one group.
u1f32one:
	VXORPS X8, X8, X8
	SHRQ   $2, CX
	JZ     u1f32oneTail

u1f32oneLoop:
	U32_1x1((SI), (R10))
	U32_1x1((SI)(R8*1), (R10)(R11*1))
	U32_1x1((SI)(R8*2), (R10)(R11*2))
	U32_1x1((SI)(R9*1), (R10)(R12*1))
	LEAQ (SI)(R8*4), SI
	LEAQ (R10)(R11*4), R10
	DECQ CX
	JNZ  u1f32oneLoop

u1f32oneTail:
	MOVQ k+16(FP), CX
	ANDQ $3, CX
	JZ   u1f32oneSums

u1f32oneTailLoop:
	U32_1x1((SI), (R10))
	ADDQ R8, SI
	ADDQ R11, R10
	DECQ CX
	JNZ  u1f32oneTailLoop

u1f32oneSums:
	MOVQ   cj+80(FP), R9
	LEAQ   (R9)(R9*2), R12
	VMULPS X8, X6, X8
	MOVQ   ab+96(FP), CX
	MOVL   4(CX), CX
	SHLL   $1, CX
	JNZ    u1f32oneBeta
	SCATTER32(X8, DX, R9, R12)
	VZEROUPPER
	RET

u1f32oneBeta:
	ACC32(X8, DX)
	SCATTER32(X8, DX, R9, R12)
	VZEROUPPER
	RET
