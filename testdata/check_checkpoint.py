#!/usr/bin/python3
"""Check that PyTorch loads the checkpoints chainrule writes.

Reference: Debian python3-torch 1.13.1+dfsg (torch.__version__ "1.13.0a0"),
CPU. Run by hand from the repository root (it is not part of go test, which
never needs Python):

    go test ./nn -run TestExportForTorch -torch.export=/tmp/ckpt
    /usr/bin/python3 testdata/check_checkpoint.py /tmp/ckpt

For each of chainrule_mlp_f32 and chainrule_mlp_f64 in the directory, it
reads NAME.safetensors with a strict reader written here by hand (Debian has
no python3-safetensors; the checks follow the safetensors specification:
header length, UTF-8 JSON, known dtypes, data_offsets that tile the buffer
exactly, 8-byte aligned data), loads it with load_state_dict(strict=True)
into torch.nn.Sequential(Linear(3, 4), Tanh(), Linear(4, 2)) of the file's
dtype, runs the input stored in NAME.json, and compares with the outputs
chainrule computed (NAME.json's "output"). It prints one line per file and
exits non-zero on any failure.
"""

import json
import math
import os
import struct
import sys

import torch

DTYPES = {"F64": (torch.float64, 8), "F32": (torch.float32, 4),
          "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2), "I64": (torch.int64, 8)}
TOL = {torch.float32: 1e-6, torch.float64: 1e-12}


def load_file(path):
    """safetensors.torch.load_file, by hand, with the specification's checks."""
    with open(path, "rb") as f:
        b = f.read()
    if len(b) < 8:
        raise ValueError("file shorter than 8 bytes")
    (n,) = struct.unpack("<Q", b[:8])
    if n > 100_000_000 or 8 + n > len(b):
        raise ValueError(f"bad header length {n}")
    if (8 + n) % 8 != 0:
        raise ValueError(f"data not 8-byte aligned (header length {n})")
    if not b[8:8 + n].startswith(b"{"):
        raise ValueError("header does not start with '{'")
    header = json.loads(b[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    meta = header.pop("__metadata__", None)
    data = b[8 + n:]
    tensors, pos = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        dtype, size = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        numel = math.prod(info["shape"])
        if begin != pos or end - begin != numel * size:
            raise ValueError(f"{name}: data_offsets {begin, end} do not tile the buffer")
        raw = bytearray(data[begin:end])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"])
        pos = end
    if pos != len(data):
        raise ValueError(f"{len(data) - pos} bytes after the last tensor")
    return tensors, meta


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate keys in {keys}")
    return dict(pairs)


def check(directory, name):
    sd, meta = load_file(os.path.join(directory, name + ".safetensors"))
    with open(os.path.join(directory, name + ".json")) as f:
        ref = json.load(f)
    dtype = next(iter(sd.values())).dtype
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).to(dtype)
    model.load_state_dict(sd, strict=True)
    x = torch.tensor([float(v) for v in ref["input"]["data"]], dtype=dtype).reshape(ref["input"]["shape"])
    want = torch.tensor([float(v) for v in ref["output"]["data"]], dtype=torch.float64)
    with torch.no_grad():
        got = model(x).to(torch.float64).reshape(-1)
    err = (got - want).abs().max().item()
    ok = torch.allclose(got, want, rtol=TOL[dtype], atol=TOL[dtype])
    print(f"{name}: {'OK' if ok else 'MISMATCH'}: metadata {meta}, keys {list(sd)}, dtype {dtype}, "
          f"max |torch - chainrule| = {err:.3g}")
    return ok


def main():
    torch.set_num_threads(1)
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    results = [check(sys.argv[1], n) for n in ("chainrule_mlp_f32", "chainrule_mlp_f64")]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
