#!/usr/bin/python3
"""The PyTorch side of cmd/bench: the same workloads, measured the same way.

The Go driver (main.go) starts this script once per round and thread count
and sends it one workload at a time, as a JSON line on stdin; the script
answers each with one JSON line on stdout. Go and PyTorch therefore take
turns on the machine, workload by workload, and the driver pairs their
times. Run it by hand to try one workload:

    echo '{"workload":"gemm","dtype":"float32","n":512,"budget":0.5}' |
        OMP_WAIT_POLICY=passive /usr/bin/python3 torch_bench.py --threads 2

Timing (kept identical to measure in main.go): warm up for a quarter of the
budget (at least one call), collect garbage, then call the workload until
the budget has passed and at least min_iters calls were made; the result is
the elapsed time divided by the number of calls.

Written for Debian's python3-torch 1.13 (OpenBLAS underneath), run with
/usr/bin/python3. The thread count is set with torch.set_num_threads and,
because this torch reaches OpenBLAS through the generic BLAS interface
(which torch.set_num_threads does not reach), with OPENBLAS_NUM_THREADS,
which the driver puts in the environment.
"""

import argparse
import gc
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch


def measure(fn, budget, min_iters):
    """Seconds per call of fn, as measure in main.go computes it."""
    warm_until = time.perf_counter() + budget / 4
    for _ in range(min_iters):
        fn()
    while time.perf_counter() < warm_until:
        fn()
    gc.collect()
    iters = 0
    start = time.perf_counter()
    while True:
        fn()
        iters += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget and iters >= min_iters:
            return elapsed / iters, iters


DTYPES = {"float32": torch.float32, "float64": torch.float64}


def gemm(req):
    """C = A @ B for square n×n matrices, into a preallocated C, as Gemm
    with beta = 0 does."""
    n, dtype = req["n"], DTYPES[req["dtype"]]
    g = torch.Generator().manual_seed(3)
    a = torch.rand(n, n, generator=g, dtype=dtype) * 2 - 1
    b = torch.rand(n, n, generator=g, dtype=dtype) * 2 - 1
    c = torch.empty(n, n, dtype=dtype)
    sec, iters = measure(lambda: torch.mm(a, b, out=c), req["budget"], 2)
    return {"seconds": sec, "iters": iters}


def mlp(dims, dtype):
    """Linear layers of the given widths with ReLU between them."""
    layers = []
    for i in range(len(dims) - 1):
        layers.append(torch.nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers).to(dtype)


def step_241(req):
    """The demo's walkthrough step: 100 points, 2-4-1 (ReLU, sigmoid), BCE,
    SGD lr 0.1, float64 as in cmd/demo."""
    torch.manual_seed(1)
    n = 100
    x = torch.randn(n, 2, dtype=torch.float64)
    y = (x.sum(1) > 0).to(torch.float64).reshape(n, 1)
    model = torch.nn.Sequential(mlp([2, 4, 1], torch.float64), torch.nn.Sigmoid())
    loss_fn = torch.nn.BCELoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    sec, iters = measure(step, req["budget"], 3)
    return {"seconds": sec, "iters": iters}


def optimizer(name, params):
    """Plain SGD with lr 0.1, or Adam with lr 1e-3, as newOptimizer in
    train.go makes them."""
    if name == "adam":
        return torch.optim.Adam(params, lr=1e-3)
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.1)
    raise ValueError(f"unknown optimiser {name!r}")


def step_mlp(req):
    """One training step of an MLP in float32: cross-entropy, SGD or Adam
    as req["optim"] says, a fixed random batch."""
    dims, batch = req["dims"], req["batch"]
    torch.manual_seed(1)
    x = torch.rand(batch, dims[0])
    y = torch.randint(0, dims[-1], (batch,))
    model = mlp(dims, torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = optimizer(req["optim"], model.parameters())

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    sec, iters = measure(step, req["budget"], 3)
    return {"seconds": sec, "iters": iters}


_mnist = None


def read_idx(path, magic):
    """An IDX file's dimensions and bytes, gzip-compressed or not."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    got, = struct.unpack(">I", data[:4])
    if got != magic:
        raise ValueError(f"{path}: magic {got:#010x}, want {magic:#010x}")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)


def mnist_train(data_dir):
    """The MNIST training set as (N, 784) float32 in [0, 1] and int64
    labels, read once per process."""
    global _mnist
    if _mnist is None:
        def find(base):
            for name in (base + ".gz", base):
                p = os.path.join(data_dir, name)
                if os.path.exists(p):
                    return p
            raise FileNotFoundError(os.path.join(data_dir, base + ".gz"))
        (n, rows, cols), pixels = read_idx(find("train-images-idx3-ubyte"), 0x803)
        (nl,), labels = read_idx(find("train-labels-idx1-ubyte"), 0x801)
        if nl != n:
            raise ValueError(f"{n} images but {nl} labels")
        x = torch.from_numpy(pixels.reshape(n, rows * cols).astype(np.float32) / 255)
        _mnist = (x, torch.from_numpy(labels.astype(np.int64)))
    return _mnist


def mnist_epoch(req):
    """One epoch of the demo's MNIST training: 784-256-128-10, ReLU,
    cross-entropy, Adam lr 1e-3, batch 64, shuffled, float32. Like the Go
    side it warms up with a few steps first and times the whole epoch,
    batch gathering included."""
    x_all, y_all = mnist_train(req["data"])
    n = req.get("limit") or x_all.shape[0]
    batch = req["batch"]
    torch.manual_seed(1)
    model = mlp([784, 256, 128, 10], torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = optimizer("adam", model.parameters())

    def step(idx):
        xb, yb = x_all.index_select(0, idx), y_all.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    perm = torch.randperm(n)
    for i in range(req["warmup"]):
        step(perm[i * batch:(i + 1) * batch])
    gc.collect()
    perm = torch.randperm(n)
    start = time.perf_counter()
    for b in range(0, n, batch):
        step(perm[b:b + batch])
    return {"seconds": time.perf_counter() - start, "iters": 1}


WORKLOADS = {"gemm": gemm, "step_241": step_241, "step_mlp": step_mlp, "mnist_epoch": mnist_epoch}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(True)
    info = {
        "ready": True,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "env": {k: os.environ.get(k, "") for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY")},
    }
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            resp = WORKLOADS[req["workload"]](req)
        except Exception as e:  # reported to the driver, which prints it
            resp = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(resp), flush=True)


if __name__ == "__main__":
    main()
