package gemm

import (
	"math/rand/v2"
	"testing"
)

// FuzzGemm checks every kernel this binary has against the naive loop on
// shapes, transposes, scalars and padding drawn from the fuzzer's input.
func FuzzGemm(f *testing.F) {
	f.Add(uint8(5), uint8(7), uint8(3), uint8(0), uint64(1))
	f.Add(uint8(17), uint8(33), uint8(40), uint8(0xff), uint64(2))
	f.Add(uint8(6), uint8(16), uint8(8), uint8(0x13), uint64(3))
	f.Fuzz(func(t *testing.T, m, n, k, flags uint8, seed uint64) {
		tc := gemmCase{
			transA: flags&1 != 0, transB: flags&2 != 0,
			m: int(m%40) + 1, n: int(n%40) + 1, k: int(k%70) + 1,
			alpha: []float64{1, -1, 0.5, 3}[flags>>2&3],
			beta:  []float64{0, 1, -2, 0.25}[flags>>4&3],
			pad:   int(flags >> 6),
		}
		rng := rand.New(rand.NewPCG(seed, 0))
		for _, ar := range arches[float32]() {
			runGemmCase(t, ar, rng, tc, 1e-6)
		}
		for _, ar := range arches[float64]() {
			runGemmCase(t, ar, rng, tc, 1e-13)
		}
	})
}
