package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// report prints the run as Markdown: the machine, the GEMM table, the
// training table and the targets.
func report(w io.Writer, info *runInfo, cs []*benchCase, cells map[cellKey]*cell) {
	fmt.Fprintln(w, "### Machine and run")
	fmt.Fprintln(w)
	machine(w, info)
	threads := info.opts.threads

	var verdicts []string
	if slices.ContainsFunc(cs, func(c *benchCase) bool { return c.gemm }) {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "### GEMM, C = A·B for square n×n matrices (GFLOP/s, higher is better)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| product | threads | chainrule | OpenBLAS via PyTorch | chainrule ÷ OpenBLAS | gonum | chainrule ÷ gonum | targets |")
		fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
		for i, c := range cs {
			if !c.gemm {
				continue
			}
			for _, t := range threads {
				cl := cells[cellKey{i, t}]
				gf := func(s []sample) float64 { return c.flops / median(secs(s)) / 1e9 }
				vsTorch := ratios(cl.torch, cl.chainrule) // time ratios are inverse speed ratios
				vsGonum := ratios(cl.gonum, cl.chainrule)
				v := checkTargets(c, t, map[string]float64{speedVsTorch: median(vsTorch), speedVsGonum: median(vsGonum)})
				verdicts = append(verdicts, prefix(c.label+", "+plural(t, "thread"), v)...)
				fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %s | %.1f | %s | %s |\n", c.label, t,
					gf(cl.chainrule), gf(cl.torch), ratioCell(vsTorch), gf(cl.gonum), ratioCell(vsGonum), strings.Join(v, "; "))
			}
		}
	}

	if slices.ContainsFunc(cs, func(c *benchCase) bool { return !c.gemm }) {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "### Training (time per step or per epoch, lower is better)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| workload | threads | chainrule | PyTorch | chainrule ÷ PyTorch | B/op | allocs/op | step's tensor bytes | B/op ÷ tensor bytes | targets |")
		fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
		for i, c := range cs {
			if c.gemm {
				continue
			}
			for _, t := range threads {
				cl := cells[cellKey{i, t}]
				timeRatio := ratios(cl.chainrule, cl.torch)
				bytes := median(field(cl.chainrule, func(s sample) float64 { return s.bytes }))
				allocs := median(field(cl.chainrule, func(s sample) float64 { return s.allocs }))
				share := bytes / float64(c.tensorBytes)
				v := checkTargets(c, t, map[string]float64{timeVsTorch: median(timeRatio), allocShare: share})
				verdicts = append(verdicts, prefix(c.label+", "+plural(t, "thread"), v)...)
				fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %.0f | %s | %.0f%% | %s |\n", c.label, t,
					formatSeconds(median(secs(cl.chainrule))), formatSeconds(median(secs(cl.torch))), ratioCell(timeRatio),
					formatBytes(bytes), allocs, formatBytes(float64(c.tensorBytes)), 100*share, strings.Join(v, "; "))
			}
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "B/op and allocs/op are chainrule's, per training step (for the epoch, averaged over its steps).")
		fmt.Fprintln(w, "The step's tensor bytes count parameters, gradients, optimiser state (Adam's two moments), the")
		fmt.Fprintln(w, "batch and its targets, and every activation with its gradient.")
	}

	if len(verdicts) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "### Targets")
		fmt.Fprintln(w)
		for _, v := range verdicts {
			fmt.Fprintln(w, "- "+v)
		}
	}
}

// checkTargets returns a verdict for each of c's targets that applies at
// the given thread count, from the measured values by kind.
func checkTargets(c *benchCase, threads int, got map[string]float64) []string {
	var out []string
	for _, tg := range c.targets {
		if tg.threads != 0 && tg.threads != threads {
			continue
		}
		v := got[tg.kind]
		var goal string
		var ok bool
		switch tg.kind {
		case speedVsTorch:
			goal, ok = fmt.Sprintf("≥ %.1f× OpenBLAS: %.2f×", tg.bound, v), v >= tg.bound
		case speedVsGonum:
			goal, ok = fmt.Sprintf("≥ %.0f× gonum: %.1f×", tg.bound, v), v >= tg.bound
		case timeVsTorch:
			if tg.bound < 1 {
				goal = fmt.Sprintf("≥ %.0f× faster than PyTorch: %.1f×", 1/tg.bound, 1/v)
			} else {
				goal = fmt.Sprintf("≤ %.1f× PyTorch's time: %.2f×", tg.bound, v)
			}
			ok = v <= tg.bound
		case allocShare:
			goal, ok = fmt.Sprintf("B/op < %.0f%% of tensor bytes: %.1f%%", 100*tg.bound, 100*v), v < tg.bound
		}
		if ok {
			out = append(out, "met ("+goal+")")
		} else {
			out = append(out, "**missed** ("+goal+")")
		}
	}
	return out
}

func prefix(p string, vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = p + ": " + v
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func secs(s []sample) []float64 { return field(s, func(s sample) float64 { return s.sec }) }

func field(s []sample, f func(sample) float64) []float64 {
	out := make([]float64, len(s))
	for i, x := range s {
		out[i] = f(x)
	}
	return out
}

// ratios returns num[r].sec / den[r].sec for each round r: the rounds'
// paired ratios, so that a load that slowed both sides in one round
// cancels out.
func ratios(num, den []sample) []float64 {
	out := make([]float64, min(len(num), len(den)))
	for i := range out {
		out[i] = num[i].sec / den[i].sec
	}
	return out
}

// ratioCell writes the median of rs with its range across rounds.
func ratioCell(rs []float64) string {
	if len(rs) == 1 {
		return fmt.Sprintf("%.2f", rs[0])
	}
	return fmt.Sprintf("%.2f (%.2f–%.2f)", median(rs), slices.Min(rs), slices.Max(rs))
}

func formatSeconds(s float64) string {
	switch {
	case s >= 1:
		return fmt.Sprintf("%.2f s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.2f ms", s*1e3)
	default:
		return fmt.Sprintf("%.1f µs", s*1e6)
	}
}

func formatBytes(b float64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	default:
		return fmt.Sprintf("%.0f B", b)
	}
}
