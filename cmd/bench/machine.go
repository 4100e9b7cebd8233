package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// loadAvg returns the first three fields of /proc/loadavg, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// busyWindow is how long busyCPUs watches the machine.
const busyWindow = 2 * time.Second

// waitForQuiet waits, up to maxWait, until fewer than maxBusy CPUs are
// busy with other work (maxBusy 0: no waiting), and returns the last
// measurement. The machine is shared, and the other work on it shows in
// every number this command prints. The load average would not do: it
// lags by a minute and counts this program's own last round.
func waitForQuiet(maxBusy float64, maxWait time.Duration) float64 {
	deadline := time.Now().Add(maxWait)
	for {
		b := busyCPUs(busyWindow)
		if maxBusy <= 0 || b < maxBusy || time.Now().After(deadline) {
			return b
		}
		fmt.Fprintf(os.Stderr, "%.1f CPUs busy with other work (-maxbusy %g), waiting\n", b, maxBusy)
		time.Sleep(10 * time.Second)
	}
}

// busyCPUs returns how many CPUs were busy on average over the window,
// from /proc/stat (NaN if it cannot be read). Called while this program
// and its torch_bench.py are idle, that is the work of others.
func busyCPUs(window time.Duration) float64 {
	busy0, total0, err0 := cpuTimes()
	time.Sleep(window)
	busy1, total1, err1 := cpuTimes()
	if err0 != nil || err1 != nil || total1 <= total0 {
		return math.NaN()
	}
	return float64(busy1-busy0) / float64(total1-total0) * float64(runtime.NumCPU())
}

// cpuTimes returns the busy and total time of all CPUs, in clock ticks,
// from the first line of /proc/stat (user nice system idle iowait irq
// softirq steal ...; idle and iowait are not busy).
func cpuTimes() (busy, total uint64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("bench: /proc/stat: unexpected first line %q", line)
	}
	for i, s := range f[1:9] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("bench: /proc/stat: %w", err)
		}
		total += v
		if i != 3 && i != 4 {
			busy += v
		}
	}
	return busy, total, nil
}

// machine describes the CPU and the software as the report states it.
func machine(w io.Writer, info *runInfo) {
	model := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	openblas := "?"
	if out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", "libopenblas0-pthread").Output(); err == nil {
		openblas = "libopenblas0-pthread " + string(out)
	}
	fmt.Fprintf(w, "- CPU: %s, %d logical CPUs, %s/%s\n", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "- Go: %s; PyTorch: %s (Python %s, NumPy %s) over OpenBLAS (%s)\n", runtime.Version(), info.torch.Torch, info.torch.Python, info.torch.Numpy, openblas)
	fmt.Fprintf(w, "- Code: %s\n", info.code)
	fmt.Fprintf(w, "- Run: %s, %s, threads %v, budget %v per measurement, took %v\n",
		info.started.Format("2006-01-02 15:04 MST"), plural(info.opts.rounds, "round"), info.opts.threads, info.opts.budget, info.elapsed.Round(time.Second))
	fmt.Fprintf(w, "- Load average (1, 5, 15 min): %s at the start, %s at the end; 1-min at each round and thread count: %s\n",
		info.startLoad, info.endLoad, strings.Join(info.loads, ", "))
	fmt.Fprintf(w, "- CPUs busy with other work (over %v before each round and thread count, this program idle): %s\n",
		busyWindow, strings.Join(info.busy, ", "))
}

// codeVersion names the commit the Go side was built from, and whether the
// work tree had changes. It reads the working directory's repository, which
// is this program's when it is run as documented.
func codeVersion() string {
	rev, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "?"
	}
	v := "commit " + strings.TrimSpace(string(rev))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		v += fmt.Sprintf(" with uncommitted changes to %s", plural(strings.Count(string(st), "\n"), "file"))
	}
	return v
}
