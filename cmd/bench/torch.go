package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
)

// torchProc is a running torch_bench.py: one per round and thread count,
// driven one workload at a time so that Go and PyTorch take turns.
type torchProc struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	info torchInfo
}

// torchInfo is the line torch_bench.py prints when it is ready.
type torchInfo struct {
	Torch   string            `json:"torch"`
	Numpy   string            `json:"numpy"`
	Python  string            `json:"python"`
	Threads int               `json:"threads"`
	Env     map[string]string `json:"env"`
}

// torchEnv is the environment of a torch_bench.py with the given number of
// threads. OPENBLAS_NUM_THREADS is needed because Debian's torch calls
// OpenBLAS through the generic BLAS interface, which torch.set_num_threads
// does not reach; OMP_WAIT_POLICY=passive keeps torch's OpenMP workers and
// OpenBLAS's from spinning against each other on two cores.
func torchEnv(threads int) []string {
	n := strconv.Itoa(threads)
	return append(os.Environ(),
		"OMP_NUM_THREADS="+n,
		"OPENBLAS_NUM_THREADS="+n,
		"MKL_NUM_THREADS="+n,
		"OMP_WAIT_POLICY=passive",
	)
}

// startTorch starts script under python with the given number of threads
// and waits until it has imported torch.
func startTorch(python, script string, threads int) (*torchProc, error) {
	cmd := exec.Command(python, script, "--threads", strconv.Itoa(threads))
	cmd.Env = torchEnv(threads)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting %s %s: %w", python, script, err)
	}
	p := &torchProc{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	line, err := p.readLine()
	if err == nil {
		err = json.Unmarshal(line, &p.info)
	}
	if err != nil {
		p.close()
		return nil, fmt.Errorf("bench: %s did not start: %w", script, err)
	}
	return p, nil
}

func (p *torchProc) readLine() ([]byte, error) {
	if !p.out.Scan() {
		if err := p.out.Err(); err != nil {
			return nil, err
		}
		return nil, io.ErrUnexpectedEOF
	}
	return p.out.Bytes(), nil
}

// run sends one request and returns the script's measurement.
func (p *torchProc) run(req map[string]any) (sample, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return sample{}, err
	}
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		return sample{}, fmt.Errorf("bench: torch_bench.py: %w", err)
	}
	line, err := p.readLine()
	if err != nil {
		return sample{}, fmt.Errorf("bench: torch_bench.py: %w", err)
	}
	var resp struct {
		Seconds float64 `json:"seconds"`
		Iters   int     `json:"iters"`
		Error   string  `json:"error"`
	}
	if err := json.Unmarshal(line, &resp); err != nil {
		return sample{}, fmt.Errorf("bench: torch_bench.py answered %q: %w", line, err)
	}
	if resp.Error != "" {
		return sample{}, errors.New("bench: torch_bench.py: " + resp.Error)
	}
	return sample{sec: resp.Seconds, iters: resp.Iters}, nil
}

// close ends the script by closing its input and waits for it.
func (p *torchProc) close() error {
	p.in.Close()
	return p.cmd.Wait()
}
