#!/usr/bin/python3
"""Generate testdata/golden/nn_layers.json: PyTorch reference values for the
layers of package nn (Linear, Sequential, the activation modules, Dropout in
its deterministic settings): each module's output for a fixed input and
fixed parameters, and the gradients of the input and of every parameter.

Reference: Debian python3-torch 1.13.1+dfsg (torch.__version__ "1.13.0a0"),
CPU, one thread. Rerun from the repository root with

    /usr/bin/python3 testdata/gen_nn_golden.py

The output is deterministic: each case draws its inputs, parameters and seed
from its own torch.Generator seeded with the CRC-32 of the case name.

The file follows the conventions of testdata/gen_tensor_golden.py (whose
Rand and enc this script imports): every float is a string
("inf", "-inf", "nan", "-0.0" survive JSON), values are stored in float64,
and the float32 run uses float32(x) of each stored value. Read by
nn/linear_test.go.

    {"generator", "torch_version", "cases": [case, ...]}
    case   = {"name", "module": spec, "x": tensor, "params": [param],
              "seed": tensor, "signed_zeros",
              "out":   {"float64": tensor, "float32": tensor},
              "grads": {"float64": {name: tensor}, "float32": {...}}}
    spec   = {"type", ...}: "Linear" with "in", "out", "bias"; "LeakyReLU"
             with "slope" (a string); "Softmax" and "LogSoftmax" with
             "axis"; "Dropout" with "p" (a string) and "training";
             "Sequential" with "layers": [spec]; "Identity", "ReLU",
             "Sigmoid", "Tanh", "GELU" with nothing else.
    param  = {"name", "shape", "data"}, in named_parameters() order, with
             PyTorch's dotted names ("weight", "0.bias"); the Go test
             checks that its NamedParams gives the same names in the same
             order, then copies the values in.
    tensor = {"shape": [int], "data": [string]}

* "seed" is the gradient of the output (grad_outputs); "grads" holds the
  gradient of sum(out * seed) with respect to "x" and to each parameter,
  under the parameter's name.
* "signed_zeros": the Go test also checks the sign of every zero of "out".

Before writing, the script checks every float32 result against float64
torch evaluated on the same float32 inputs, within a quarter of the
float32 tolerance of the Go test, so that a case does not depend on the
order of summation.
"""

import math
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_tensor_golden import Rand, enc, write_golden  # noqa: E402  (the shared format)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "nn_layers.json")

# Must agree with the float32 tolerance in nn/linear_test.go (relative, with
# an absolute floor of the same size times the largest magnitude).
F32_TOL = 1e-5

INF = math.inf
NAN = math.nan
F64 = torch.float64
F32 = torch.float32


# ---------------------------------------------------------------- modules

def build(spec):
    """The torch module for spec."""
    kind = spec["type"]
    if kind == "Linear":
        return nn.Linear(spec["in"], spec["out"], bias=spec["bias"])
    if kind == "Sequential":
        return nn.Sequential(*[build(s) for s in spec["layers"]])
    if kind == "LeakyReLU":
        return nn.LeakyReLU(float(spec["slope"]))
    if kind == "Softmax":
        return nn.Softmax(dim=spec["axis"])
    if kind == "LogSoftmax":
        return nn.LogSoftmax(dim=spec["axis"])
    if kind == "Dropout":
        m = nn.Dropout(float(spec["p"]))
        m.train(spec["training"])
        return m
    if kind == "GELU":
        return nn.GELU(approximate="none")
    return getattr(nn, kind)()


def linear(i, o, bias=True):
    return {"type": "Linear", "in": i, "out": o, "bias": bias}


def run(spec, x, params, seed, dtype):
    """out and grads of the module spec in dtype, with the float64 params
    and input rounded to dtype (out alone if seed is None)."""
    m = build(spec).to(dtype)
    with torch.no_grad():
        for name, p in m.named_parameters():
            p.copy_(params[name])
    x = x.to(dtype).requires_grad_()
    out = m(x)
    if seed is None:
        return out.detach(), None
    names = ["x"] + [n for n, _ in m.named_parameters()]
    leaves = [x] + [p for _, p in m.named_parameters()]
    gs = torch.autograd.grad(out, leaves, seed.to(dtype), allow_unused=True)
    grads = {}
    for n, leaf, g in zip(names, leaves, gs):
        # A dropped-out or unused input gets no gradient from torch; its
        # gradient is zero.
        grads[n] = torch.zeros_like(leaf) if g is None else g
    return out.detach(), {k: v.detach() for k, v in grads.items()}


# ---------------------------------------------------------------- cases

CASES = []
NAMES = set()


def tj(x):
    return {"shape": list(x.shape), "data": enc(x)}


def f32_close(got, ref, tol):
    """got (float32 result) against ref (float64 on the same inputs):
    |got - ref| <= tol*|ref| + tol*max|ref|, the Go test's comparison;
    non-finite values must match exactly."""
    r = ref.to(F32).to(F64).reshape(-1).tolist()
    finite = [abs(b) for b in r if math.isfinite(b)]
    floor = tol * max(finite, default=0.0)
    for a, b in zip(got.to(F64).reshape(-1).tolist(), r):
        if not math.isfinite(b):
            if not (a == b or (math.isnan(a) and math.isnan(b))):
                return False
        elif not abs(a - b) <= tol * abs(b) + floor:
            return False
    return True


def check_f32(name, what, got32, ref):
    if not f32_close(got32, ref, F32_TOL / 4):
        raise ValueError("%s: float32 %s disagrees with float64 torch on the same inputs"
                         % (name, what))


def case(name, spec, x, signed_zeros=False, param_scale=None):
    """Add a case: spec's module on input x (float64), with parameters drawn
    from N(0, param_scale²) (the module's own init scale if None) and a
    normal seed, all from the case's generator."""
    if name in NAMES:
        raise ValueError("duplicate case " + name)
    NAMES.add(name)
    r = Rand(name)
    shapes = [(n, tuple(p.shape)) for n, p in build(spec).named_parameters()]
    params = {}
    for n, s in shapes:
        scale = param_scale if param_scale is not None else 1 / math.sqrt(s[-1])
        params[n] = scale * r.normal(*s)
    with torch.no_grad():
        shape = run(spec, x, params, None, F64)[0].shape
    seed = r.normal(*shape)
    out64, grads64 = run(spec, x, params, seed, F64)
    out32, grads32 = run(spec, x, params, seed, F32)

    # float64 torch on the float32-rounded inputs, to judge float32 torch.
    p32 = {k: v.to(F32).to(F64) for k, v in params.items()}
    ref_out, ref_grads = run(spec, x.to(F32).to(F64), p32, seed.to(F32).to(F64), F64)
    check_f32(name, "out", out32, ref_out)
    for k in grads32:
        check_f32(name, "grad " + k, grads32[k], ref_grads[k])

    c = {"name": name, "module": spec, "x": tj(x),
         "params": [dict(name=n, **tj(params[n])) for n, _ in shapes],
         "seed": tj(seed)}
    if signed_zeros:
        c["signed_zeros"] = True
    c["out"] = {"float64": tj(out64), "float32": tj(out32)}
    c["grads"] = {"float64": {k: tj(v) for k, v in grads64.items()},
                  "float32": {k: tj(v) for k, v in grads32.items()}}
    CASES.append(c)


def linear_cases():
    r = Rand("linear inputs")
    case("linear_2d", linear(4, 3), r.normal(3, 4))
    case("linear_batched", linear(4, 3), r.normal(2, 3, 4))
    case("linear_no_bias", linear(5, 2, bias=False), r.normal(3, 5))
    case("linear_1d_input", linear(4, 3), r.normal(4))
    case("linear_one_feature", linear(1, 2), r.normal(3, 1))
    case("sequential_mlp",
         {"type": "Sequential",
          "layers": [linear(4, 5), {"type": "Tanh"}, linear(5, 2)]},
         r.normal(3, 4))
    case("sequential_nested",
         {"type": "Sequential",
          "layers": [{"type": "Sequential",
                      "layers": [linear(3, 4), {"type": "ReLU"}]},
                     {"type": "Identity"}, linear(4, 2, bias=False),
                     {"type": "LogSoftmax", "axis": -1}]},
         r.normal(2, 3))


def activation_cases():
    r = Rand("activation inputs")
    # Zeros (relu'(0) = 0, leaky_relu'(0) = slope), -0.0 (relu keeps the
    # sign), and values up to ±3 (GELU's float32 left tail is not accurate
    # enough further out).
    x = torch.tensor([[-3.0, -1.5, -0.0, 0.0],
                      [0.25, 1.0, 2.5, -0.75],
                      [0.5, -2.0, 3.0, 1.25]], dtype=F64)
    for kind in ["Identity", "ReLU", "Sigmoid", "Tanh", "GELU"]:
        case("act_" + kind.lower(), {"type": kind}, x, signed_zeros=kind in ("Identity", "ReLU"))
    case("act_leakyrelu", {"type": "LeakyReLU", "slope": "0.1"}, x)
    case("act_leakyrelu_default_slope", {"type": "LeakyReLU", "slope": "0.01"}, x)
    y = r.normal(2, 3, 4)
    case("act_softmax_last", {"type": "Softmax", "axis": -1}, y)
    case("act_softmax_axis1", {"type": "Softmax", "axis": 1}, y)
    case("act_logsoftmax_last", {"type": "LogSoftmax", "axis": -1}, y)
    case("act_logsoftmax_axis0", {"type": "LogSoftmax", "axis": 0}, y)


def dropout_cases():
    r = Rand("dropout inputs")
    x = r.normal(3, 4)
    case("dropout_eval", {"type": "Dropout", "p": "0.5", "training": False}, x)
    case("dropout_train_p0", {"type": "Dropout", "p": "0.0", "training": True}, x)
    # p = 1 multiplies by zero: -x*0 is -0.0, inf*0 and nan*0 are nan.
    z = torch.tensor([[1.5, -2.0, 0.0, INF], [-INF, NAN, -0.0, 0.25]], dtype=F64)
    case("dropout_train_p1", {"type": "Dropout", "p": "1.0", "training": True}, z,
         signed_zeros=True)


def main():
    torch.set_num_threads(1)
    linear_cases()
    activation_cases()
    dropout_cases()
    write_golden(OUT, "testdata/gen_nn_golden.py",
                 torch.__version__ + " (Debian python3-torch 1.13.1+dfsg, CPU)",
                 ("cases", CASES))
    print("wrote %d cases to %s" % (len(CASES), os.path.relpath(OUT)))


if __name__ == "__main__":
    main()
