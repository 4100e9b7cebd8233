//go:build !purego

#include "textflag.h"
#include "vec_amd64.h"

// ReLU and its gradient with AVX, on whole ymm registers: eight float32 or
// four float64 elements a step. Each function returns the number of
// elements it did, the longest prefix of whole registers; the caller does
// the rest in Go. Go's assembler takes VEX operands in reverse: VMAXPS
// Y1, Y0, Y2 is Intel's vmaxps ymm2, ymm0, ymm1, that is Y2 = max(Y0, Y1).

DATA one32<>+0(SB)/4, $0x3f800000
GLOBL one32<>(SB), RODATA|NOPTR, $4
DATA one64<>+0(SB)/8, $0x3ff0000000000000
GLOBL one64<>(SB), RODATA|NOPTR, $8

// RELU sets the CX elements at DI to max(0, x) of those at SI, a ymm of
// 2^SHIFT elements a step, with MAX (VMAXPS or VMAXPD), leaving in AX the
// number done. MAXPS returns its second operand when either is NaN and
// when both are zeros of any sign, so max(0, x), x second, keeps NaN and
// -0 as they are.
#define RELU(SHIFT, MAX) \
	STEPS(SHIFT, done); \
	VXORPS  Y0, Y0, Y0; \
loop: \
	VMOVUPS (SI), Y1; \
	MAX     Y1, Y0, Y2; \
	VMOVUPS Y2, (DI); \
	ADDQ    $32, SI; \
	ADDQ    $32, DI; \
	DECQ    CX; \
	JNZ     loop; \
	VZEROUPPER; \
done:

// func reluAVX32(dst, x []float32) int
TEXT ·reluAVX32(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ dst_len+8(FP), CX
	RELU(3, VMAXPS)
	MOVQ AX, ret+48(FP)
	RET

// func reluAVX64(dst, x []float64) int
TEXT ·reluAVX64(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ dst_len+8(FP), CX
	RELU(2, VMAXPD)
	MOVQ AX, ret+48(FP)
	RET

// RELUGRAD sets the CX elements at DI to g*m, g at SI and m = 1 where the
// result at DX is > 0 and 0 elsewhere, a ymm of 2^SHIFT elements a step,
// with the element type's BCAST of 1.0 from ONE, compare, and and
// multiply; it leaves in AX the number done. The mask is out > 0,
// ordered (false for NaN), as bits: ANDed with 1.0 it is 1 or 0, and g
// times it is g or ±0, or NaN for a NaN or infinite g.
#define RELUGRAD(SHIFT, BCAST, ONE, CMP, AND, MUL) \
	STEPS(SHIFT, done); \
	VXORPS  Y0, Y0, Y0; \
	BCAST   ONE, Y3; \
loop: \
	VMOVUPS (DX), Y1; \
	CMP     $0x1e, Y0, Y1, Y2; \
	AND     Y3, Y2, Y2; \
	VMOVUPS (SI), Y4; \
	MUL     Y2, Y4, Y4; \
	VMOVUPS Y4, (DI); \
	ADDQ    $32, SI; \
	ADDQ    $32, DX; \
	ADDQ    $32, DI; \
	DECQ    CX; \
	JNZ     loop; \
	VZEROUPPER; \
done:

// func reluGradAVX32(dst, g, out []float32) int
//
// The compare is GT_OQ (0x1e): Y2 = Y1 > Y0.
TEXT ·reluGradAVX32(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ g_base+24(FP), SI
	MOVQ out_base+48(FP), DX
	MOVQ dst_len+8(FP), CX
	RELUGRAD(3, VBROADCASTSS, one32<>(SB), VCMPPS, VANDPS, VMULPS)
	MOVQ AX, ret+72(FP)
	RET

// func reluGradAVX64(dst, g, out []float64) int
TEXT ·reluGradAVX64(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ g_base+24(FP), SI
	MOVQ out_base+48(FP), DX
	MOVQ dst_len+8(FP), CX
	RELUGRAD(2, VBROADCASTSD, one64<>(SB), VCMPPD, VANDPD, VMULPD)
	MOVQ AX, ret+72(FP)
	RET
