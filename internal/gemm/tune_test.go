//go:build amd64 && !purego

package gemm

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func bestOf(reps int, flops float64, f func()) (best, med float64) {
	var rs []float64
	useCPU := os.Getenv("CPUTIME") != ""
	for range reps {
		// run for ~30ms
		n := 0
		t0 := time.Now()
		c0 := cpuNow()
		for time.Since(t0) < time.Duration(envInt("MS", 30))*time.Millisecond {
			f()
			n++
		}
		el := time.Since(t0).Seconds()
		if useCPU {
			el = (cpuNow() - c0).Seconds()
		}
		rs = append(rs, flops*float64(n)/el/1e9)
	}
	sort.Float64s(rs)
	return rs[len(rs)-1], rs[len(rs)/2]
}

func TestTuneKernel(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	kc := envInt("KC", 256)
	a := make([]float32, 6*kc+64)
	b := make([]float32, 16*kc+64)
	c := make([]float32, 6*16)
	bst, med := bestOf(20, 2*6*16*float64(kc)*100, func() {
		for range 100 {
			kernel6x16f32(kc, &a[0], &b[0], &c[0], 16, 1, 0)
		}
	})
	fmt.Printf("kernel f32 kc=%d best %.1f med %.1f\n", kc, bst, med)
	a64 := make([]float64, 6*kc+64)
	b64 := make([]float64, 8*kc+64)
	c64 := make([]float64, 6*8)
	bst, med = bestOf(20, 2*6*8*float64(kc)*100, func() {
		for range 100 {
			kernel6x8f64(kc, &a64[0], &b64[0], &c64[0], 8, 1, 0)
		}
	})
	fmt.Printf("kernel f64 kc=%d best %.1f med %.1f\n", kc, bst, med)
}

func tuneRun[T float32 | float64](ar *arch[T], sizes []int, threads int) {
	defer SetThreads(SetThreads(threads))
	for _, n := range sizes {
		rng := rand.New(rand.NewPCG(3, 4))
		x, y, c := randSlice[T](rng, n*n), randSlice[T](rng, n*n), make([]T, n*n)
		bst, med := bestOf(envInt("REPS", 15), 2*float64(n*n*n), func() { gemm(ar, false, false, n, n, n, 1, x, n, y, n, 0, c, n) })
		var z T
		fmt.Printf("%T th=%d n=%d mc=%d kc=%d nc=%d best %.1f med %.1f\n", z, threads, n, ar.mc, ar.kc, ar.nc, bst, med)
	}
}

func TestTune(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	var sizes []int
	for _, s := range strings.Split(os.Getenv("SIZES"), ",") {
		n, _ := strconv.Atoi(s)
		sizes = append(sizes, n)
	}
	th := envInt("TH", 1)
	if os.Getenv("F64") == "" {
		ar := *asmArch32
		ar.mc, ar.kc, ar.nc = envInt("MC", ar.mc), envInt("KC", ar.kc), envInt("NC", ar.nc)
		tuneRun(&ar, sizes, th)
	} else {
		ar := *asmArch64
		ar.mc, ar.kc, ar.nc = envInt("MC", ar.mc), envInt("KC", ar.kc), envInt("NC", ar.nc)
		tuneRun(&ar, sizes, th)
	}
}

func TestTunePack(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	const n = 512
	src := make([]float32, n*n)
	dst := alignedSlice[float32](256 * n)
	for _, tr := range []bool{false, true} {
		bst, _ := bestOf(10, 256*n, func() { packB(tr, src, n, 0, 0, 256, n, 16, dst) })
		fmt.Printf("packB f32 trans=%v: %.2f Gelem/s\n", tr, bst)
		bst, _ = bestOf(10, 256*144, func() { packA(tr, src, n, 0, 0, 144, 256, 6, dst) })
		fmt.Printf("packA f32 trans=%v: %.2f Gelem/s\n", tr, bst)
	}
	src64 := make([]float64, n*n)
	dst64 := alignedSlice[float64](256 * n)
	for _, tr := range []bool{false, true} {
		bst, _ := bestOf(10, 256*n, func() { packB(tr, src64, n, 0, 0, 256, n, 8, dst64) })
		fmt.Printf("packB f64 trans=%v: %.2f Gelem/s\n", tr, bst)
		bst, _ = bestOf(10, 256*72, func() { packA(tr, src64, n, 0, 0, 72, 256, 6, dst64) })
		fmt.Printf("packA f64 trans=%v: %.2f Gelem/s\n", tr, bst)
	}
}
