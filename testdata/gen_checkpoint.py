#!/usr/bin/python3
"""Generate the PyTorch-written checkpoints that nn's and
internal/safetensors' tests load:

    testdata/golden/torch_mlp.safetensors     an MLP's state dict, float32
    testdata/golden/torch_mlp.json            its parameters, a fixed input
                                              and torch's outputs
    testdata/golden/torch_dtypes.safetensors  one tensor per dtype
    testdata/golden/torch_dtypes.json         their values as torch reads them

Reference: Debian python3-torch 1.13.1+dfsg (torch.__version__ "1.13.0a0"),
CPU. Rerun from the repository root with

    /usr/bin/python3 testdata/gen_checkpoint.py

The output is deterministic (fixed seeds, one thread).

Debian has no python3-safetensors, so the files are written by hand here,
byte for byte as safetensors.torch.save_file (safetensors 0.4) writes them:
an 8-byte little-endian header length; a compact JSON header with
"__metadata__" first and then the tensors sorted by dtype (widest first)
and name, in the same order as their data; the header padded with spaces
to a multiple of 8 bytes; then the data, row-major and little-endian.

The MLP is torch.nn.Sequential(Linear(3, 4), Tanh(), Linear(4, 2)), whose
state dict names are 0.weight, 0.bias, 2.weight, 2.bias. torch_mlp.json:

    {"generator", "torch_version",
     "params": {name: tensor},          # as stored, float32 values
     "input": tensor,                   # x, shape (5, 3), float32 values
     "out": {"float32": tensor,         # model(x) in float32
             "float64": tensor}}        # model.double()(x.double())

torch_dtypes.json: {"generator", "torch_version",
    "tensors": {name: {"dtype", "shape", "float64": [str], "float32": [str]}}}
where "float64" is t.double() and "float32" is t.float() (what a float32 and
a float64 load must give; absent for integer dtypes, which the Go loader
rejects).

tensor = {"shape": [int], "data": [str]}; every float is a string (Python
repr, "inf", "-inf", "nan") so that infinities and NaN survive JSON.
"""

import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")

DTYPES = {  # torch dtype -> (safetensors name, rank in the writer's sort)
    torch.float64: ("F64", 12),
    torch.float32: ("F32", 11),
    torch.int64: ("I64", 10),
    torch.bfloat16: ("BF16", 8),
    torch.float16: ("F16", 7),
}


def tensor_bytes(t):
    t = t.detach().contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.view(torch.int16)  # numpy has no bfloat16
    return t.numpy().tobytes()


def save_file(tensors, path, metadata=None):
    """safetensors.torch.save_file, by hand."""
    assert sys.byteorder == "little"
    order = sorted(tensors, key=lambda n: (-DTYPES[tensors[n].dtype][1], n))
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in order:
        t = tensors[name]
        b = tensor_bytes(t)
        header[name] = {
            "dtype": DTYPES[t.dtype][0],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(b)],
        }
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def enc(t):
    return [repr(float(v)) for v in t.detach().to(torch.float64).reshape(-1).tolist()]


def tjson(t):
    return {"shape": list(t.shape), "data": enc(t)}


def mlp():
    torch.manual_seed(20240601)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    x = torch.randn(5, 3)
    sd = model.state_dict()
    save_file(sd, os.path.join(GOLDEN, "torch_mlp.safetensors"), {"format": "pt"})
    with torch.no_grad():
        y32 = model(x)
        y64 = model.double()(x.double())
    return {
        "generator": "testdata/gen_checkpoint.py",
        "torch_version": torch.__version__,
        "params": {n: tjson(t) for n, t in sd.items()},
        "input": tjson(x),
        "out": {"float32": tjson(y32), "float64": tjson(y64)},
    }


def dtypes():
    inf, nan = float("inf"), float("nan")
    # Normals, the smallest normal, subnormals (2^-15, -3*2^-24, 2^-24) and specials.
    specials = [0.0, -0.0, 1.0, -2.5, 65504.0, 6.1035156e-05, 3.0517578125e-05,
                -1.7881393432617188e-07, 5.9604645e-08, inf, -inf, nan]
    tensors = {
        "f16": torch.tensor(specials, dtype=torch.float16).reshape(3, 4),
        # 3.0e38 and 1.0e-40 (a float32 subnormal) are representable in bfloat16.
        "bf16": torch.tensor([0.0, -0.0, 1.0, -2.5, 3.0e38, 1.0e-40, 0.1, inf, -inf, nan],
                             dtype=torch.bfloat16),
        # float64 values that float32 rounds, overflows or flushes.
        "f64": torch.tensor([[0.1, 1.0 / 3.0, -1e-310], [1e39, -1e39, 16777217.0]],
                            dtype=torch.float64),
        "f32_scalar": torch.tensor(0.1, dtype=torch.float32),
        "f32_empty": torch.zeros(0, 3, dtype=torch.float32),
        "i64": torch.tensor([1, -2, 3], dtype=torch.int64),
    }
    save_file(tensors, os.path.join(GOLDEN, "torch_dtypes.safetensors"), {"source": "gen_checkpoint.py"})
    out = {}
    for name, t in tensors.items():
        e = {"dtype": DTYPES[t.dtype][0], "shape": list(t.shape)}
        if t.is_floating_point():
            e["float64"] = enc(t.double())
            e["float32"] = enc(t.float())
        out[name] = e
    return {"generator": "testdata/gen_checkpoint.py", "torch_version": torch.__version__, "tensors": out}


def main():
    torch.set_num_threads(1)
    os.makedirs(GOLDEN, exist_ok=True)
    for name, content in (("torch_mlp.json", mlp()), ("torch_dtypes.json", dtypes())):
        with open(os.path.join(GOLDEN, name), "w") as f:
            json.dump(content, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
