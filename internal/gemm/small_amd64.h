// Macros shared by tiny_amd64.s and small_amd64.s: four elements of a
// group that lie S bytes apart, moved between memory and one register
// (a ymm for float64, an xmm for float32). S3 holds 3*S. The operands of
// op(B) and C come with strides that vary from call to call, so the
// loops gather and scatter them element by element rather than assume
// contiguous rows.

// GATHER64 sets Y (whose low half is X) to the float64 at P, P+S, P+2*S
// and P+S3, using XT.
#define GATHER64(P, S, S3, X, Y, XT) \
	VMOVSD      (P), X;              \
	VMOVHPD     (P)(S*1), X, X;      \
	VMOVSD      (P)(S*2), XT;        \
	VMOVHPD     (P)(S3*1), XT, XT;   \
	VINSERTF128 $1, XT, Y, Y

// SCATTER64 stores the four float64 of Y (low half X) to P, P+S, P+2*S
// and P+S3, using XT.
#define SCATTER64(Y, X, P, S, S3, XT) \
	VMOVSD       X, (P);              \
	VMOVHPD      X, (P)(S*1);         \
	VEXTRACTF128 $1, Y, XT;           \
	VMOVSD       XT, (P)(S*2);        \
	VMOVHPD      XT, (P)(S3*1)

// GATHER32 sets X to the float32 at P, P+S, P+2*S and P+S3.
#define GATHER32(P, S, S3, X)              \
	VMOVSS    (P), X;                      \
	VINSERTPS $0x10, (P)(S*1), X, X;       \
	VINSERTPS $0x20, (P)(S*2), X, X;       \
	VINSERTPS $0x30, (P)(S3*1), X, X

// SCATTER32 stores the four float32 of X to P, P+S, P+2*S and P+S3.
#define SCATTER32(X, P, S, S3)         \
	VMOVSS     X, (P);                 \
	VEXTRACTPS $1, X, (P)(S*1);        \
	VEXTRACTPS $2, X, (P)(S*2);        \
	VEXTRACTPS $3, X, (P)(S3*1)
