#!/usr/bin/env python3
"""PyTorch's torch.mm throughput on this machine, for docs/benchmarks.md.

Run with the Debian PyTorch (torch 1.13, BLAS = OpenBLAS 0.3.21, pthread
build) and OpenMP threads that do not spin:

    OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=passive /usr/bin/python3 bench_torch.py 1
    OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=passive /usr/bin/python3 bench_torch.py 2

torch.set_num_threads alone does not limit OpenBLAS's own thread pool (a
"one-thread" run without OPENBLAS_NUM_THREADS=1 uses both cores), hence the
variable. It prints one line per product in the format of
go test -bench BenchmarkGemm, GFLOP/s being the median of 20 timing windows
of at least 5 ms each. Compare with

    go test -run '^$' -bench 'BenchmarkGemm$' ./internal/gemm/

run in turn with this script, several times, on a machine that is otherwise
idle, and take medians.
"""
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
for dt in (torch.float32, torch.float64):
    for n in (64, 128, 256, 512, 1024):
        a = torch.rand(n, n, dtype=dt) * 2 - 1
        b = torch.rand(n, n, dtype=dt) * 2 - 1
        c = torch.empty(n, n, dtype=dt)
        for _ in range(3):
            torch.mm(a, b, out=c)
        rates = []
        for _ in range(20):
            t0 = time.perf_counter()
            runs = 0
            while True:
                torch.mm(a, b, out=c)
                runs += 1
                elapsed = time.perf_counter() - t0
                if elapsed >= 0.005:
                    break
            rates.append(2 * n**3 * runs / elapsed / 1e9)
        rates.sort()
        name = str(dt).removeprefix("torch.")
        print(f"torch.mm/{name}/threads={threads}/n={n}\t{rates[len(rates) // 2]:.1f} GFLOP/s", flush=True)
