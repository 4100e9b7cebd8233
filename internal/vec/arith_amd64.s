//go:build !purego

#include "textflag.h"

// y += a*x with AVX, two ymm registers a step: sixteen float32 or eight
// float64 elements. Each function returns the number of elements it did;
// the caller does the rest in Go. The product is a VMULPS of its own, not
// an FMA, so each element rounds as the Go loop's y[i] += T(a*x[i]) does,
// and y is the first operand of the sum, as in the Go loop.

// func axpyAVX32(a float32, x, y []float32) int
TEXT ·axpyAVX32(SB), NOSPLIT, $0-64
	MOVQ y_len+40(FP), CX
	SHRQ $4, CX
	MOVQ CX, AX
	SHLQ $4, AX
	TESTQ CX, CX
	JZ   axpy32done
	VBROADCASTSS a+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI

axpy32loop:
	VMULPS  (SI), Y0, Y1
	VMULPS  32(SI), Y0, Y2
	VMOVUPS (DI), Y3
	VMOVUPS 32(DI), Y4
	VADDPS  Y1, Y3, Y3
	VADDPS  Y2, Y4, Y4
	VMOVUPS Y3, (DI)
	VMOVUPS Y4, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     axpy32loop
	VZEROUPPER

axpy32done:
	MOVQ AX, ret+56(FP)
	RET

// func axpyAVX64(a float64, x, y []float64) int
TEXT ·axpyAVX64(SB), NOSPLIT, $0-64
	MOVQ y_len+40(FP), CX
	SHRQ $3, CX
	MOVQ CX, AX
	SHLQ $3, AX
	TESTQ CX, CX
	JZ   axpy64done
	VBROADCASTSD a+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI

axpy64loop:
	VMULPD  (SI), Y0, Y1
	VMULPD  32(SI), Y0, Y2
	VMOVUPD (DI), Y3
	VMOVUPD 32(DI), Y4
	VADDPD  Y1, Y3, Y3
	VADDPD  Y2, Y4, Y4
	VMOVUPD Y3, (DI)
	VMOVUPD Y4, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     axpy64loop
	VZEROUPPER

axpy64done:
	MOVQ AX, ret+56(FP)
	RET

// dst = x + y with AVX, two ymm registers a step, x the first operand of
// the sum as in the Go loop.

// func addAVX32(dst, x, y []float32) int
TEXT ·addAVX32(SB), NOSPLIT, $0-80
	MOVQ dst_len+8(FP), CX
	SHRQ $4, CX
	MOVQ CX, AX
	SHLQ $4, AX
	TESTQ CX, CX
	JZ   add32done
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ y_base+48(FP), DX

add32loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VADDPS  (DX), Y0, Y0
	VADDPS  32(DX), Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	DECQ    CX
	JNZ     add32loop
	VZEROUPPER

add32done:
	MOVQ AX, ret+72(FP)
	RET

// func addAVX64(dst, x, y []float64) int
TEXT ·addAVX64(SB), NOSPLIT, $0-80
	MOVQ dst_len+8(FP), CX
	SHRQ $3, CX
	MOVQ CX, AX
	SHLQ $3, AX
	TESTQ CX, CX
	JZ   add64done
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ y_base+48(FP), DX

add64loop:
	VMOVUPD (SI), Y0
	VMOVUPD 32(SI), Y1
	VADDPD  (DX), Y0, Y0
	VADDPD  32(DX), Y1, Y1
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $64, DI
	DECQ    CX
	JNZ     add64loop
	VZEROUPPER

add64done:
	MOVQ AX, ret+72(FP)
	RET
