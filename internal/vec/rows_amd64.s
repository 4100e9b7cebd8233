//go:build !purego

#include "textflag.h"

// The row kernels of Linear's bias (rows.go) with AVX. Each addition has
// the operands in the order of the Go loops (y + b, sum + element), so
// that even a NaN's payload comes out the same.

// func addRows64AVX(y, b []float64) int
//
// For len(b) a multiple of 4, a ymm register per four columns of each row;
// for len(b) = 1, b[0] broadcast over four rows at a time. It returns the
// number of elements of y it did: all of them, the whole groups of four,
// or none for another width.
TEXT ·addRows64AVX(SB), NOSPLIT, $0-56
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), R8
	MOVQ b_base+24(FP), SI
	MOVQ b_len+32(FP), DX
	CMPQ DX, $1
	JEQ  add64bcast
	TESTQ $3, DX
	JNZ  add64none
	MOVQ R8, AX

add64row:
	TESTQ R8, R8
	JZ    add64done
	MOVQ  SI, R9
	MOVQ  DX, CX

add64col:
	VMOVUPD (R9), Y0
	VMOVUPD (DI), Y1
	VADDPD  Y0, Y1, Y1
	VMOVUPD Y1, (DI)
	ADDQ    $32, R9
	ADDQ    $32, DI
	SUBQ    $4, CX
	JNZ     add64col
	SUBQ    DX, R8
	JMP     add64row

add64bcast:
	VBROADCASTSD (SI), Y0
	MOVQ R8, CX
	SHRQ $2, CX
	MOVQ CX, AX
	SHLQ $2, AX
	TESTQ CX, CX
	JZ   add64done

add64loop:
	VMOVUPD (DI), Y1
	VADDPD  Y0, Y1, Y1
	VMOVUPD Y1, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     add64loop
	JMP     add64done

add64none:
	XORQ AX, AX

add64done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// func addRows32AVX(y, b []float32) int
//
// addRows64 for float32: an xmm register per four columns, or b[0]
// broadcast over eight rows at a time.
TEXT ·addRows32AVX(SB), NOSPLIT, $0-56
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), R8
	MOVQ b_base+24(FP), SI
	MOVQ b_len+32(FP), DX
	CMPQ DX, $1
	JEQ  add32bcast
	TESTQ $3, DX
	JNZ  add32none
	MOVQ R8, AX

add32row:
	TESTQ R8, R8
	JZ    add32done
	MOVQ  SI, R9
	MOVQ  DX, CX

add32col:
	VMOVUPS (R9), X0
	VMOVUPS (DI), X1
	VADDPS  X0, X1, X1
	VMOVUPS X1, (DI)
	ADDQ    $16, R9
	ADDQ    $16, DI
	SUBQ    $4, CX
	JNZ     add32col
	SUBQ    DX, R8
	JMP     add32row

add32bcast:
	VBROADCASTSS (SI), Y0
	MOVQ R8, CX
	SHRQ $3, CX
	MOVQ CX, AX
	SHLQ $3, AX
	TESTQ CX, CX
	JZ   add32done

add32loop:
	VMOVUPS (DI), Y1
	VADDPS  Y0, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     add32loop
	JMP     add32done

add32none:
	XORQ AX, AX

add32done:
	VZEROUPPER
	MOVQ AX, ret+48(FP)
	RET

// func sumRows64AVX(d, g []float64) bool
//
// For len(d) a multiple of 4: four column sums in a ymm register, from +0,
// adding the rows in order. It reports false, doing nothing, for another
// width.
TEXT ·sumRows64AVX(SB), NOSPLIT, $0-49
	MOVQ  d_base+0(FP), DI
	MOVQ  d_len+8(FP), R10
	MOVQ  g_base+24(FP), SI
	MOVQ  g_len+32(FP), AX
	TESTQ R10, R10
	JZ    sum64no
	TESTQ $3, R10
	JNZ   sum64no
	XORQ  DX, DX
	DIVQ  R10 // AX = rows
	MOVQ  AX, R11
	MOVQ  R10, R12
	SHLQ  $3, R12 // bytes per row, and of d
	XORQ  R13, R13

sum64grp:
	VXORPD Y0, Y0, Y0
	LEAQ   (SI)(R13*1), R9
	MOVQ   R11, CX
	TESTQ  CX, CX
	JZ     sum64store

sum64row:
	VADDPD (R9), Y0, Y0
	ADDQ   R12, R9
	DECQ   CX
	JNZ    sum64row

sum64store:
	VMOVUPD Y0, (DI)(R13*1)
	ADDQ    $32, R13
	CMPQ    R13, R12
	JLT     sum64grp
	VZEROUPPER
	MOVB    $1, ret+48(FP)
	RET

sum64no:
	MOVB $0, ret+48(FP)
	RET

// func sumRows32AVX(d, g []float32) bool
//
// sumRows64 for float32 elements: each group of four is widened to
// float64 before it is added, and the sums are rounded to float32 at the
// end, as the Go loop's T(s) rounds them (to nearest, ties to even).
TEXT ·sumRows32AVX(SB), NOSPLIT, $0-49
	MOVQ  d_base+0(FP), DI
	MOVQ  d_len+8(FP), R10
	MOVQ  g_base+24(FP), SI
	MOVQ  g_len+32(FP), AX
	TESTQ R10, R10
	JZ    sum32no
	TESTQ $3, R10
	JNZ   sum32no
	XORQ  DX, DX
	DIVQ  R10 // AX = rows
	MOVQ  AX, R11
	MOVQ  R10, R12
	SHLQ  $2, R12 // bytes per row, and of d
	XORQ  R13, R13

sum32grp:
	VXORPD Y0, Y0, Y0
	LEAQ   (SI)(R13*1), R9
	MOVQ   R11, CX
	TESTQ  CX, CX
	JZ     sum32store

sum32row:
	VCVTPS2PD (R9), Y1
	VADDPD    Y1, Y0, Y0
	ADDQ      R12, R9
	DECQ      CX
	JNZ       sum32row

sum32store:
	VCVTPD2PSY Y0, X1
	VMOVUPS    X1, (DI)(R13*1)
	ADDQ       $16, R13
	CMPQ       R13, R12
	JLT        sum32grp
	VZEROUPPER
	MOVB       $1, ret+48(FP)
	RET

sum32no:
	MOVB $0, ret+48(FP)
	RET
