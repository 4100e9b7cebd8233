// Command bench runs chainrule's workloads side by side with PyTorch's on
// the same machine and prints the ratios as Markdown tables for
// docs/benchmarks.md: GEMM (with gonum's pure-Go BLAS as a third column),
// the demo's 2-4-1 training step, MLP training steps and one MNIST epoch.
//
// It is a module of its own so that gonum never becomes a dependency of
// chainrule; run it from this directory:
//
//	cd cmd/bench && go run . [-quick] [-workloads gemm-f32,step-784-b64] [-rounds 5] [-threads 1,2]
//
// PyTorch runs in torch_bench.py under /usr/bin/python3 (Debian's torch
// with OpenBLAS), one process per round and thread count, fed one workload
// at a time, so that Go and PyTorch alternate on the machine: within a
// round each workload is measured once on each side, which side goes
// first alternating from one workload and round to the next. Every number
// printed is a median over the rounds; a ratio is the median of the
// rounds' paired ratios, with their range in brackets.
package main

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/chainrule/chainrule/internal/mnist"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	workloads  []string
	rounds     int
	threads    []int
	quick      bool
	budget     time.Duration
	sizes      []int
	python     string
	script     string
	mnistDir   string
	mnistLimit int
	optim      string
	maxBusy    float64
	maxWait    time.Duration
	cpuProfile string
	memProfile string
}

func parseFlags() (*options, error) {
	o := &options{}
	var workloads, threads, sizes string
	flag.StringVar(&workloads, "workloads", strings.Join(workloadNames, ","), "comma-separated workloads to run: "+strings.Join(workloadNames, ", "))
	flag.IntVar(&o.rounds, "rounds", 5, "rounds; each number printed is the median over them")
	flag.StringVar(&threads, "threads", "1,2", "comma-separated thread counts (GOMAXPROCS for Go, torch.set_num_threads and OPENBLAS_NUM_THREADS for PyTorch)")
	flag.BoolVar(&o.quick, "quick", false, "a smoke run: 3 rounds, a 0.2s budget, GEMM n = 128 and 512, an MNIST epoch of 6400 images (explicit flags win)")
	flag.DurationVar(&o.budget, "budget", 500*time.Millisecond, "time to spend on each measurement, after a quarter of it as warm-up")
	flag.StringVar(&sizes, "sizes", "64,128,256,512,1024", "comma-separated GEMM sizes n")
	flag.StringVar(&o.python, "python", "/usr/bin/python3", "the Python with Debian's torch")
	flag.StringVar(&o.script, "script", "", "path of torch_bench.py (default: beside this program's source)")
	flag.StringVar(&o.mnistDir, "mnist", "", "MNIST data directory (default: the GoMNIST module's, found with internal/mnist.Locate)")
	flag.StringVar(&o.optim, "optim", "sgd", "optimiser of the MLP steps: sgd (lr 0.1) or adam (lr 1e-3); the MNIST epoch always uses Adam, as cmd/demo does")
	flag.IntVar(&o.mnistLimit, "mnist-limit", 0, "images in the MNIST epoch (0: all 60000)")
	flag.Float64Var(&o.maxBusy, "maxbusy", 0, "before each round, wait until fewer than this many CPUs are busy with other work (0: do not wait)")
	flag.DurationVar(&o.maxWait, "maxwait", 10*time.Minute, "the longest to wait for -maxbusy")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the Go side to this file")
	flag.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile of the Go side to this file (recording every allocation, which slows the Go side)")
	flag.Parse()
	if flag.NArg() > 0 {
		return nil, fmt.Errorf("bench: unexpected arguments %q", flag.Args())
	}

	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		if !set["rounds"] {
			o.rounds = 3
		}
		if !set["budget"] {
			o.budget = 200 * time.Millisecond
		}
		if !set["sizes"] {
			sizes = "128,512"
		}
		if !set["mnist-limit"] {
			o.mnistLimit = 6400
		}
	}
	for w := range strings.SplitSeq(workloads, ",") {
		o.workloads = append(o.workloads, strings.TrimSpace(w))
	}
	var err error
	if o.threads, err = parseInts("threads", threads); err != nil {
		return nil, err
	}
	if o.sizes, err = parseInts("sizes", sizes); err != nil {
		return nil, err
	}
	if o.rounds < 1 {
		return nil, fmt.Errorf("bench: -rounds %d: need at least one", o.rounds)
	}
	if o.optim != "sgd" && o.optim != "adam" {
		return nil, fmt.Errorf("bench: -optim %q: want sgd or adam", o.optim)
	}
	if o.script == "" {
		o.script = defaultScript()
	}
	return o, nil
}

func parseInts(name, s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bench: -%s %q: want positive integers separated by commas", name, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// defaultScript finds torch_bench.py in the working directory or beside
// this file's source.
func defaultScript() string {
	const name = "torch_bench.py"
	if _, err := os.Stat(name); err == nil {
		return name
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), name)
	}
	return name
}

// A cell holds the rounds' samples of one case at one thread count.
type cell struct {
	chainrule, gonum, torch []sample
}

// cellKey names a cell: the case's index and the thread count.
type cellKey struct{ c, threads int }

// runInfo is what the report says about the run besides the numbers.
type runInfo struct {
	opts      *options
	torch     torchInfo
	loads     []string // 1-minute load averages at the start of each round and thread count
	busy      []string // CPUs busy with other work at the same moments
	code      string   // codeVersion at the start
	startLoad string
	endLoad   string
	started   time.Time
	elapsed   time.Duration
}

func run() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	c := &config{sizes: o.sizes, mnistLimit: o.mnistLimit, optim: o.optim}
	for _, w := range o.workloads {
		if w == "mnist-epoch" {
			if c.mnistDir = o.mnistDir; c.mnistDir == "" {
				if c.mnistDir, err = mnist.Locate(); err != nil {
					return err
				}
			}
			if c.mnist, err = loadMNIST(c.mnistDir); err != nil {
				return err
			}
		}
	}
	cs, err := cases(o.workloads, c)
	if err != nil {
		return err
	}

	if o.memProfile != "" {
		// Record every allocation: a training step makes hundreds of small
		// ones, which the default sampling rate would mostly miss. This
		// slows the Go side; profile in a run of its own.
		runtime.MemProfileRate = 1
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	info := &runInfo{opts: o, code: codeVersion(), startLoad: loadAvg(), started: time.Now()}
	cells := map[cellKey]*cell{}
	for r := range o.rounds {
		for _, t := range o.threads {
			info.busy = append(info.busy, fmt.Sprintf("%.1f", waitForQuiet(o.maxBusy, o.maxWait)))
			info.loads = append(info.loads, strings.Fields(loadAvg())[0])
			runtime.GOMAXPROCS(t)
			tp, err := startTorch(o.python, o.script, t)
			if err != nil {
				return err
			}
			info.torch = tp.info
			for i, bc := range cs {
				k := cellKey{i, t}
				if cells[k] == nil {
					cells[k] = &cell{}
				}
				if err := runCase(tp, bc, cells[k], o.budget, (r+i)%2 == 0); err != nil {
					tp.close()
					return fmt.Errorf("%s, %d threads: %w", bc.label, t, err)
				}
				last := len(cells[k].torch) - 1
				fmt.Fprintf(os.Stderr, "round %d/%d  threads %d  %-50s chainrule %s  torch %s\n", r+1, o.rounds, t, bc.label,
					formatSeconds(cells[k].chainrule[last].sec), formatSeconds(cells[k].torch[last].sec))
			}
			if err := tp.close(); err != nil {
				return fmt.Errorf("bench: torch_bench.py: %w", err)
			}
		}
	}
	info.endLoad = loadAvg()
	info.elapsed = time.Since(info.started)

	if o.memProfile != "" {
		if err := writeMemProfile(o.memProfile); err != nil {
			return err
		}
	}
	report(os.Stdout, info, cs, cells)
	return nil
}

// runCase measures bc once on each side, Go first if goFirst.
func runCase(tp *torchProc, bc *benchCase, cl *cell, budget time.Duration, goFirst bool) error {
	goSide := func() {
		a, g := bc.goRun(budget)
		cl.chainrule = append(cl.chainrule, a)
		cl.gonum = append(cl.gonum, g)
	}
	torchSide := func() error {
		req := maps.Clone(bc.torchReq)
		req["budget"] = budget.Seconds()
		s, err := tp.run(req)
		cl.torch = append(cl.torch, s)
		return err
	}
	if goFirst {
		goSide()
		return torchSide()
	}
	if err := torchSide(); err != nil {
		return err
	}
	goSide()
	return nil
}

func writeMemProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
