//go:build !purego

#include "textflag.h"

// ReLU and its gradient with AVX, on whole ymm registers: eight float32 or
// four float64 elements a step. Each function returns the number of
// elements it did, the longest prefix of whole registers; the caller does
// the rest in Go. Go's assembler takes VEX operands in reverse: VMAXPS
// Y1, Y0, Y2 is Intel's vmaxps ymm2, ymm0, ymm1, that is Y2 = max(Y0, Y1).

DATA one32<>+0(SB)/4, $0x3f800000
GLOBL one32<>(SB), RODATA|NOPTR, $4
DATA one64<>+0(SB)/8, $0x3ff0000000000000
GLOBL one64<>(SB), RODATA|NOPTR, $8

// func reluAVX32(dst, x []float32) int
//
// MAXPS returns its second operand when either is NaN and when both are
// zeros of any sign, so max(0, x), x second, keeps NaN and -0 as they are.
TEXT ·reluAVX32(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ dst_len+8(FP), CX
	SHRQ $3, CX
	MOVQ CX, AX
	SHLQ $3, AX
	TESTQ CX, CX
	JZ   relu32done
	VXORPS Y0, Y0, Y0

relu32loop:
	VMOVUPS (SI), Y1
	VMAXPS  Y1, Y0, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     relu32loop
	VZEROUPPER

relu32done:
	MOVQ AX, ret+48(FP)
	RET

// func reluAVX64(dst, x []float64) int
TEXT ·reluAVX64(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ dst_len+8(FP), CX
	SHRQ $2, CX
	MOVQ CX, AX
	SHLQ $2, AX
	TESTQ CX, CX
	JZ   relu64done
	VXORPD Y0, Y0, Y0

relu64loop:
	VMOVUPD (SI), Y1
	VMAXPD  Y1, Y0, Y2
	VMOVUPD Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     relu64loop
	VZEROUPPER

relu64done:
	MOVQ AX, ret+48(FP)
	RET

// func reluGradAVX32(dst, g, out []float32) int
//
// The mask is out > 0, ordered (false for NaN), as bits: ANDed with 1.0 it
// is 1 or 0, and g times it is g or ±0, or NaN for a NaN or infinite g.
TEXT ·reluGradAVX32(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ g_base+24(FP), SI
	MOVQ out_base+48(FP), DX
	MOVQ dst_len+8(FP), CX
	SHRQ $3, CX
	MOVQ CX, AX
	SHLQ $3, AX
	TESTQ CX, CX
	JZ   grad32done
	VXORPS       Y0, Y0, Y0
	VBROADCASTSS one32<>(SB), Y3

grad32loop:
	VMOVUPS (DX), Y1
	VCMPPS  $0x1e, Y0, Y1, Y2 // GT_OQ: Y2 = Y1 > Y0
	VANDPS  Y3, Y2, Y2
	VMOVUPS (SI), Y4
	VMULPS  Y2, Y4, Y4
	VMOVUPS Y4, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     grad32loop
	VZEROUPPER

grad32done:
	MOVQ AX, ret+72(FP)
	RET

// func reluGradAVX64(dst, g, out []float64) int
TEXT ·reluGradAVX64(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ g_base+24(FP), SI
	MOVQ out_base+48(FP), DX
	MOVQ dst_len+8(FP), CX
	SHRQ $2, CX
	MOVQ CX, AX
	SHLQ $2, AX
	TESTQ CX, CX
	JZ   grad64done
	VXORPD       Y0, Y0, Y0
	VBROADCASTSD one64<>(SB), Y3

grad64loop:
	VMOVUPD (DX), Y1
	VCMPPD  $0x1e, Y0, Y1, Y2 // GT_OQ: Y2 = Y1 > Y0
	VANDPD  Y3, Y2, Y2
	VMOVUPD (SI), Y4
	VMULPD  Y2, Y4, Y4
	VMOVUPD Y4, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     grad64loop
	VZEROUPPER

grad64done:
	MOVQ AX, ret+72(FP)
	RET
