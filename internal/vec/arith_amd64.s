//go:build !purego

#include "textflag.h"
#include "vec_amd64.h"

// y += a*x and dst = x + y with AVX, two ymm registers a step: sixteen
// float32 or eight float64 elements. Each function returns the number of
// elements it did; the caller does the rest in Go. The operands of each
// addition are in the Go loop's order (y first, x first), so that even a
// NaN's payload comes out the same.

// AXPY adds a*x, a broadcast in Y0, to the CX elements of y at DI, x at
// SI, 2^SHIFT elements a step, leaving in AX the number done. The product
// is a MUL (VMULPS or VMULPD) of its own, not an FMA, so each element
// rounds as the Go loop's y[i] += T(a*x[i]) does.
#define AXPY(SHIFT, MUL, ADD) \
	STEPS(SHIFT, done); \
loop: \
	MUL     (SI), Y0, Y1; \
	MUL     32(SI), Y0, Y2; \
	VMOVUPS (DI), Y3; \
	VMOVUPS 32(DI), Y4; \
	ADD     Y1, Y3, Y3; \
	ADD     Y2, Y4, Y4; \
	VMOVUPS Y3, (DI); \
	VMOVUPS Y4, 32(DI); \
	ADDQ    $64, SI; \
	ADDQ    $64, DI; \
	DECQ    CX; \
	JNZ     loop; \
done: \
	VZEROUPPER

// func axpyAVX32(a float32, x, y []float32) int
TEXT ·axpyAVX32(SB), NOSPLIT, $0-64
	MOVQ         y_len+40(FP), CX
	VBROADCASTSS a+0(FP), Y0
	MOVQ         x_base+8(FP), SI
	MOVQ         y_base+32(FP), DI
	AXPY(4, VMULPS, VADDPS)
	MOVQ         AX, ret+56(FP)
	RET

// func axpyAVX64(a float64, x, y []float64) int
TEXT ·axpyAVX64(SB), NOSPLIT, $0-64
	MOVQ         y_len+40(FP), CX
	VBROADCASTSD a+0(FP), Y0
	MOVQ         x_base+8(FP), SI
	MOVQ         y_base+32(FP), DI
	AXPY(3, VMULPD, VADDPD)
	MOVQ         AX, ret+56(FP)
	RET

// ADDV sets the CX elements at DI to x + y, x at SI and y at DX, 2^SHIFT
// elements a step, with ADD (VADDPS or VADDPD), leaving in AX the number
// done.
#define ADDV(SHIFT, ADD) \
	STEPS(SHIFT, done); \
loop: \
	VMOVUPS (SI), Y0; \
	VMOVUPS 32(SI), Y1; \
	ADD     (DX), Y0, Y0; \
	ADD     32(DX), Y1, Y1; \
	VMOVUPS Y0, (DI); \
	VMOVUPS Y1, 32(DI); \
	ADDQ    $64, SI; \
	ADDQ    $64, DX; \
	ADDQ    $64, DI; \
	DECQ    CX; \
	JNZ     loop; \
	VZEROUPPER; \
done:

// func addAVX32(dst, x, y []float32) int
TEXT ·addAVX32(SB), NOSPLIT, $0-80
	MOVQ dst_len+8(FP), CX
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ y_base+48(FP), DX
	ADDV(4, VADDPS)
	MOVQ AX, ret+72(FP)
	RET

// func addAVX64(dst, x, y []float64) int
TEXT ·addAVX64(SB), NOSPLIT, $0-80
	MOVQ dst_len+8(FP), CX
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ y_base+48(FP), DX
	ADDV(3, VADDPD)
	MOVQ AX, ret+72(FP)
	RET
