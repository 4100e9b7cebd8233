// Macros shared by this package's assembly. Each function is written once
// as a macro, with the instructions that differ between float32 and
// float64 (VMULPS or VMULPD, a shift of 3 or 2, ...) as its arguments,
// and its float32 and float64 forms are two TEXT blocks that read their
// arguments from the frame (where go vet checks the offsets, which it
// cannot inside a macro) and then expand it. Labels are local to a TEXT
// block, so each expansion has its own. The macros cannot hold comments:
// what they do is said above each.

// STEPS turns CX, a number of elements, into the number of whole steps of
// 2^SHIFT elements, sets AX to the elements those cover, and jumps to
// DONE when there is none.
#define STEPS(SHIFT, DONE) \
	SHRQ  $SHIFT, CX; \
	MOVQ  CX, AX; \
	SHLQ  $SHIFT, AX; \
	TESTQ CX, CX; \
	JZ    DONE
