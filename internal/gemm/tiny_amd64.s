//go:build !purego

#include "textflag.h"
#include "small_amd64.h"

// The loops of shortK (tiny.go) with AVX, for the shapes of a narrow
// layer: rows4 when C's four columns are contiguous, and rows1 with k = 4
// on contiguous rows of op(A). A group of four elements of C is one
// register, four lanes of a ymm (float64) or an xmm (float32), and each
// lane is computed as the Go loops compute that element: a sum from +0 of
// op(A)(i, p)*op(B)(p, j) over p in order, each multiply and add rounded
// on its own (VMULPD and VADDPD, never a fused multiply-add), then alpha
// times that, plus beta*C when beta is not ±0. So the results agree with
// the Go loops to the bit, but for which payload a NaN keeps when two
// meet, which in Go depends on how the compiler orders the operands.
//
// Each function takes both element types, its size in bytes, and alpha
// and beta through a pointer, so that the generic Go code calls it
// directly with no wrapper for each type between them.
//
// Registers of both loops: Y4..Y7 hold op(B), Y9 zero, Y10 alpha, Y11
// beta, Y8 the sums of the current row or rows (the xmm halves for
// float32). Go's assembler takes VEX operands in reverse: VMULPD Y4, Y0,
// Y0 is Intel's vmulpd ymm0, ymm0, ymm4, that is Y0 = Y0 * Y4.

// FIRST64 sets S to 0 + A*B, A a float64 broadcast into T: the sum starts
// from +0 as the Go loops' do, which turns a first product of -0 into +0.
#define FIRST64(A, B, T, S)   \
	VBROADCASTSD A, T;        \
	VMULPD       B, T, T;     \
	VADDPD       T, Y9, S

// STEP64 adds A*B to S, A a float64 broadcast into T.
#define STEP64(A, B, T, S)    \
	VBROADCASTSD A, T;        \
	VMULPD       B, T, T;     \
	VADDPD       T, S, S

// SUM64_k sets S to the four sums of the row of op(A) at P (elements R9
// bytes apart, R11 = 3*R9) times op(B) in Y4..Y7, for k = 1 to 4.
#define SUM64_1(P, T, S) FIRST64((P), Y4, T, S)
#define SUM64_2(P, T, S) SUM64_1(P, T, S); STEP64((P)(R9*1), Y5, T, S)
#define SUM64_3(P, T, S) SUM64_2(P, T, S); STEP64((P)(R9*2), Y6, T, S)
#define SUM64_4(P, T, S) SUM64_3(P, T, S); STEP64((P)(R11*1), Y7, T, S)

// FIRST32, STEP32 and SUM32_k are the same for float32 in xmm registers.
#define FIRST32(A, B, T, S)   \
	VBROADCASTSS A, T;        \
	VMULPS       B, T, T;     \
	VADDPS       T, X9, S

#define STEP32(A, B, T, S)    \
	VBROADCASTSS A, T;        \
	VMULPS       B, T, T;     \
	VADDPS       T, S, S

#define SUM32_1(P, T, S) FIRST32((P), X4, T, S)
#define SUM32_2(P, T, S) SUM32_1(P, T, S); STEP32((P)(R9*1), X5, T, S)
#define SUM32_3(P, T, S) SUM32_2(P, T, S); STEP32((P)(R9*2), X6, T, S)
#define SUM32_4(P, T, S) SUM32_3(P, T, S); STEP32((P)(R11*1), X7, T, S)

// ROW4END stores the sums in V to C's row at DX, moves on to the next
// rows of op(A) and C and loops to L while rows are left.
#define ROW4END(MOV, V, L) \
	MOV  V, (DX);          \
	ADDQ R8, SI;           \
	ADDQ R10, DX;          \
	DECQ CX;               \
	JNZ  L

// PAIR4 computes two rows of C at a time, SI and DI = SI+R8 the rows of
// op(A), DX and DX+R10 those of C, with SUM (SUM64_k or SUM32_k) into V0
// and V1, and the last row alone when m (AX) is odd; CX counts the pairs.
// The loop is the rows' 6k instructions and seven more, where one row at
// a time took 3k and five.
#define PAIR4(SUM, MOV, T0, V0, T1, V1, L, LAST, DONE) \
	MOVQ CX, AX;                 \
	SHRQ $1, CX;                 \
	JZ   LAST;                   \
L:                               \
	SUM(SI, T0, V0);             \
	SUM(DI, T1, V1);             \
	MOV  V0, (DX);               \
	MOV  V1, (DX)(R10*1);        \
	LEAQ (SI)(R8*2), SI;         \
	LEAQ (DI)(R8*2), DI;         \
	LEAQ (DX)(R10*2), DX;        \
	DECQ CX;                     \
	JNZ  L;                      \
LAST:                            \
	TESTQ $1, AX;                \
	JZ   DONE;                   \
	SUM(SI, T0, V0);             \
	MOV  V0, (DX);               \
	JMP  DONE

// func rows4AVX(m, k int, a unsafe.Pointer, ai, ap int, b unsafe.Pointer, bp, bj int, c unsafe.Pointer, ci, size int, ab unsafe.Pointer)
//
// rows4 for C(i, q) at c + i*ci + q*size: one register per row of C, m >= 1
// rows, 1 <= k <= 4, elements of size bytes (8 or 4), alpha and beta at ab
// and ab+size. With alpha 1 and beta 0, as in every product of a Linear
// layer, a loop for each k, two rows at a time (PAIR4): 3k + 3.5
// instructions a row, where the Go loop took 39 with k = 2. Otherwise one
// loop for every k, a row at a time, that also scales and reads C,
// skipping the steps past k by branches (the vector instructions leave
// the flags alone).
TEXT ·rows4AVX(SB), NOSPLIT, $0-96
	MOVQ m+0(FP), CX
	MOVQ k+8(FP), R13
	MOVQ a+16(FP), SI
	MOVQ ai+24(FP), R8
	MOVQ ap+32(FP), R9
	LEAQ (R9)(R9*2), R11
	MOVQ b+40(FP), DI
	MOVQ bp+48(FP), BX
	MOVQ bj+56(FP), AX
	LEAQ (AX)(AX*2), R12
	MOVQ c+64(FP), DX
	MOVQ ci+72(FP), R10
	CMPQ size+80(FP), $4
	JEQ  r4f32

	// float64. Row p of op(B) to Y4+p, for p < k.
	GATHER64(DI, AX, R12, X4, Y4, X12)
	CMPQ R13, $1
	JEQ  r4f64gathered
	ADDQ BX, DI
	GATHER64(DI, AX, R12, X5, Y5, X12)
	CMPQ R13, $2
	JEQ  r4f64gathered
	ADDQ BX, DI
	GATHER64(DI, AX, R12, X6, Y6, X12)
	CMPQ R13, $3
	JEQ  r4f64gathered
	ADDQ BX, DI
	GATHER64(DI, AX, R12, X7, Y7, X12)

r4f64gathered:
	MOVQ         ab+88(FP), DI
	VXORPD       Y9, Y9, Y9
	VBROADCASTSD (DI), Y10
	VBROADCASTSD 8(DI), Y11
	MOVQ         8(DI), AX
	SHLQ         $1, AX                  // AX = 0 when beta is +0 or -0
	MOVQ         (DI), BX
	MOVQ         $0x3ff0000000000000, DI // 1.0
	CMPQ         BX, DI
	JNE          r4f64general
	TESTQ        AX, AX
	JNZ          r4f64general
	LEAQ         (SI)(R8*1), DI
	CMPQ         R13, $2
	JLT          r4f64k1
	JEQ          r4f64k2
	CMPQ         R13, $3
	JEQ          r4f64k3

r4f64k4:
	PAIR4(SUM64_4, VMOVUPD, Y0, Y8, Y1, Y12, r4f64k4pair, r4f64k4last, r4f64done)

r4f64k3:
	PAIR4(SUM64_3, VMOVUPD, Y0, Y8, Y1, Y12, r4f64k3pair, r4f64k3last, r4f64done)

r4f64k2:
	PAIR4(SUM64_2, VMOVUPD, Y0, Y8, Y1, Y12, r4f64k2pair, r4f64k2last, r4f64done)

r4f64k1:
	PAIR4(SUM64_1, VMOVUPD, Y0, Y8, Y1, Y12, r4f64k1pair, r4f64k1last, r4f64done)

r4f64general:
	FIRST64((SI), Y4, Y0, Y8)
	CMPQ R13, $2
	JLT  r4f64summed
	STEP64((SI)(R9*1), Y5, Y0, Y8)
	JEQ  r4f64summed
	STEP64((SI)(R9*2), Y6, Y0, Y8)
	CMPQ R13, $3
	JEQ  r4f64summed
	STEP64((SI)(R11*1), Y7, Y0, Y8)

r4f64summed:
	VMULPD Y8, Y10, Y8
	TESTQ  AX, AX
	JZ     r4f64store
	VMULPD (DX), Y11, Y12
	VADDPD Y12, Y8, Y8

r4f64store:
	ROW4END(VMOVUPD, Y8, r4f64general)

r4f64done:
	VZEROUPPER
	RET

	// float32: the same in xmm registers.
r4f32:
	GATHER32(DI, AX, R12, X4)
	CMPQ R13, $1
	JEQ  r4f32gathered
	ADDQ BX, DI
	GATHER32(DI, AX, R12, X5)
	CMPQ R13, $2
	JEQ  r4f32gathered
	ADDQ BX, DI
	GATHER32(DI, AX, R12, X6)
	CMPQ R13, $3
	JEQ  r4f32gathered
	ADDQ BX, DI
	GATHER32(DI, AX, R12, X7)

r4f32gathered:
	MOVQ         ab+88(FP), DI
	VXORPS       X9, X9, X9
	VBROADCASTSS (DI), X10
	VBROADCASTSS 4(DI), X11
	MOVL         4(DI), AX
	SHLL         $1, AX            // AX = 0 when beta is +0 or -0
	CMPL         (DI), $0x3f800000 // 1.0
	JNE          r4f32general
	TESTL        AX, AX
	JNZ          r4f32general
	LEAQ         (SI)(R8*1), DI
	CMPQ         R13, $2
	JLT          r4f32k1
	JEQ          r4f32k2
	CMPQ         R13, $3
	JEQ          r4f32k3

r4f32k4:
	PAIR4(SUM32_4, VMOVUPS, X0, X8, X1, X12, r4f32k4pair, r4f32k4last, r4f32done)

r4f32k3:
	PAIR4(SUM32_3, VMOVUPS, X0, X8, X1, X12, r4f32k3pair, r4f32k3last, r4f32done)

r4f32k2:
	PAIR4(SUM32_2, VMOVUPS, X0, X8, X1, X12, r4f32k2pair, r4f32k2last, r4f32done)

r4f32k1:
	PAIR4(SUM32_1, VMOVUPS, X0, X8, X1, X12, r4f32k1pair, r4f32k1last, r4f32done)

r4f32general:
	FIRST32((SI), X4, X0, X8)
	CMPQ R13, $2
	JLT  r4f32summed
	STEP32((SI)(R9*1), X5, X0, X8)
	JEQ  r4f32summed
	STEP32((SI)(R9*2), X6, X0, X8)
	CMPQ R13, $3
	JEQ  r4f32summed
	STEP32((SI)(R11*1), X7, X0, X8)

r4f32summed:
	VMULPS X8, X10, X8
	TESTL  AX, AX
	JZ     r4f32store
	VMULPS (DX), X11, X12
	VADDPS X12, X8, X8

r4f32store:
	ROW4END(VMOVUPS, X8, r4f32general)

r4f32done:
	VZEROUPPER
	RET

// ROWS1SUM64 sets Y8 to the sums of the four rows of op(A) at SI, SI+R8,
// SI+2*R8 and SI+R9 (R9 = 3*R8), each four contiguous float64, times the
// column of op(B) in Y4: the products of a row, one per lane, are
// transposed so that lane i holds row i's product p in the register for
// p, and added from +0 in order of p.
#define ROWS1SUM64                                        \
	VMULPD     (SI), Y4, Y0;                              \
	VMULPD     (SI)(R8*1), Y4, Y1;                        \
	VMULPD     (SI)(R8*2), Y4, Y2;                        \
	VMULPD     (SI)(R9*1), Y4, Y3;                        \
	VUNPCKLPD  Y1, Y0, Y5;  /* r0p0 r1p0 | r0p2 r1p2 */   \
	VUNPCKHPD  Y1, Y0, Y6;  /* r0p1 r1p1 | r0p3 r1p3 */   \
	VUNPCKLPD  Y3, Y2, Y7;  /* r2p0 r3p0 | r2p2 r3p2 */   \
	VUNPCKHPD  Y3, Y2, Y13; /* r2p1 r3p1 | r2p3 r3p3 */   \
	VPERM2F128 $0x20, Y7, Y5, Y0;  /* p0 of rows 0-3 */   \
	VPERM2F128 $0x20, Y13, Y6, Y1; /* p1 */               \
	VPERM2F128 $0x31, Y7, Y5, Y2;  /* p2 */               \
	VPERM2F128 $0x31, Y13, Y6, Y3; /* p3 */               \
	VADDPD     Y0, Y9, Y8;                                \
	VADDPD     Y1, Y8, Y8;                                \
	VADDPD     Y2, Y8, Y8;                                \
	VADDPD     Y3, Y8, Y8

// ROWS1SUM32 is ROWS1SUM64 for float32 in xmm registers.
#define ROWS1SUM32                                        \
	VMULPS    (SI), X4, X0;                               \
	VMULPS    (SI)(R8*1), X4, X1;                         \
	VMULPS    (SI)(R8*2), X4, X2;                         \
	VMULPS    (SI)(R9*1), X4, X3;                         \
	VUNPCKLPS X1, X0, X5;  /* r0p0 r1p0 r0p1 r1p1 */      \
	VUNPCKHPS X1, X0, X6;  /* r0p2 r1p2 r0p3 r1p3 */      \
	VUNPCKLPS X3, X2, X7;  /* r2p0 r3p0 r2p1 r3p1 */      \
	VUNPCKHPS X3, X2, X13; /* r2p2 r3p2 r2p3 r3p3 */      \
	VMOVLHPS  X7, X5, X0;  /* p0 of rows 0-3 */           \
	VMOVHLPS  X5, X7, X1;  /* p1 */                       \
	VMOVLHPS  X13, X6, X2; /* p2 */                       \
	VMOVHLPS  X6, X13, X3; /* p3 */                       \
	VADDPS    X0, X9, X8;                                 \
	VADDPS    X1, X8, X8;                                 \
	VADDPS    X2, X8, X8;                                 \
	VADDPS    X3, X8, X8

// ROWS1END stores the sums in V to C's four rows at DX (G bytes), moves on
// to the next four rows of op(A) and C and loops to L while rows are left.
#define ROWS1END(MOV, V, G, L) \
	MOV  V, (DX);              \
	LEAQ (SI)(R8*4), SI;       \
	ADDQ $G, DX;               \
	DECQ CX;                   \
	JNZ  L

// func rows1AVX(m int, a unsafe.Pointer, ai int, b unsafe.Pointer, bp int, c unsafe.Pointer, size int, ab unsafe.Pointer)
//
// rows1 for k = 4, the rows of op(A) contiguous (ap = size) and C a
// contiguous column (ci = size), four rows at a time: m is a positive
// multiple of 4. Four rows are 21 instructions with alpha 1 and beta 0,
// where the Go loop took about 22 a row.
TEXT ·rows1AVX(SB), NOSPLIT, $0-64
	MOVQ m+0(FP), CX
	SHRQ $2, CX
	MOVQ a+8(FP), SI
	MOVQ ai+16(FP), R8
	LEAQ (R8)(R8*2), R9
	MOVQ b+24(FP), DI
	MOVQ bp+32(FP), BX
	LEAQ (BX)(BX*2), R12
	MOVQ c+40(FP), DX
	CMPQ size+48(FP), $4
	JEQ  r1f32

	GATHER64(DI, BX, R12, X4, Y4, X5)
	MOVQ         ab+56(FP), DI
	VXORPD       Y9, Y9, Y9
	VBROADCASTSD (DI), Y10
	VBROADCASTSD 8(DI), Y11
	MOVQ         8(DI), AX
	SHLQ         $1, AX                  // AX = 0 when beta is +0 or -0
	MOVQ         (DI), BX
	MOVQ         $0x3ff0000000000000, DI // 1.0
	CMPQ         BX, DI
	JNE          r1f64general
	TESTQ        AX, AX
	JNZ          r1f64general

r1f64loop:
	ROWS1SUM64
	ROWS1END(VMOVUPD, Y8, 32, r1f64loop)
	VZEROUPPER
	RET

r1f64general:
	ROWS1SUM64
	VMULPD Y8, Y10, Y8
	TESTQ  AX, AX
	JZ     r1f64store
	VMULPD (DX), Y11, Y12
	VADDPD Y12, Y8, Y8

r1f64store:
	ROWS1END(VMOVUPD, Y8, 32, r1f64general)
	VZEROUPPER
	RET

r1f32:
	GATHER32(DI, BX, R12, X4)
	MOVQ         ab+56(FP), DI
	VXORPS       X9, X9, X9
	VBROADCASTSS (DI), X10
	VBROADCASTSS 4(DI), X11
	MOVL         4(DI), AX
	SHLL         $1, AX            // AX = 0 when beta is +0 or -0
	CMPL         (DI), $0x3f800000 // 1.0
	JNE          r1f32general
	TESTL        AX, AX
	JNZ          r1f32general

r1f32loop:
	ROWS1SUM32
	ROWS1END(VMOVUPS, X8, 16, r1f32loop)
	VZEROUPPER
	RET

r1f32general:
	ROWS1SUM32
	VMULPS X8, X10, X8
	TESTL  AX, AX
	JZ     r1f32store
	VMULPS (DX), X11, X12
	VADDPS X12, X8, X8

r1f32store:
	ROWS1END(VMOVUPS, X8, 16, r1f32general)
	VZEROUPPER
	RET
