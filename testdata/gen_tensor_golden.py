#!/usr/bin/python3
"""Generate testdata/golden/tensor_ops.json: PyTorch reference values for the
kernels of package tensor (forward values only, no autograd).

Reference: Debian python3-torch 1.13.1+dfsg (torch.__version__ "1.13.0a0"),
CPU. Rerun from the repository root with

    /usr/bin/python3 testdata/gen_tensor_golden.py

The output is deterministic: each group of cases (add, mul, sum, matmul, ...)
draws its random inputs from its own torch.Generator seeded with the CRC-32 of
the group name, so adding a case changes at most the later inputs of its group.

File format (read by tensor/golden_helpers_test.go):

    {"generator": ..., "torch_version": ..., "cases": [case, ...]}
    case   = {"name", "op", "params", "inputs": [tensor], "signed_zeros",
              "out": {"float64": tensor, "float32": tensor}}
    tensor = {"shape": [int], "data": [string], "layout": [transform]}

* "params", "layout" and "signed_zeros" are left out when empty or false.
* "op" is the Go method name (Add, SumKeepDim, MatMul, ...); "params" holds
  the op's non-tensor arguments (ints as JSON numbers, floats as strings).
* Every float is a string (Python repr, or "inf", "-inf", "nan") so that
  infinities, NaN and the sign of -0.0 survive JSON; Go parses them with
  strconv.ParseFloat.
* Inputs are stored once, in float64. The float32 run uses float32(x) of each
  stored value (round to nearest even, what both torch's .float() and Go's
  conversion do), so the Go test derives its float32 inputs the same way.
* An input is its contiguous base tensor plus "layout", a list of view
  transforms applied in order in both torch and Go to get a non-contiguous
  operand: {"kind": "transpose"} swaps the last two dims;
  {"kind": "slice", "axis", "start", "step"} keeps every step-th element
  from start to the end of axis; {"kind": "expand", "axis", "size"} expands
  a size-1 axis to size. Elements of a sliced base that the view skips are
  NaN, so a kernel that reads them produces a visible error.
* "signed_zeros": the Go test also checks the sign of every zero.
* Masks (Gt, ..., Ne) and ArgMax/ArgMin are stored as floats (1/0, indices)
  because the Go kernels return them in T.

Before writing, the script checks every float32 output against float64 torch
evaluated on the same float32 inputs (rounded to float32), within a quarter of
the float32 tolerance the Go test uses. A case that fails this is
ill-conditioned (cancellation, float32 underflow inside the kernel) and would
make the Go comparison depend on summation order, so it is rejected.
"""

import json
import math
import os
import sys
import zlib

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "tensor_ops.json")

# Must agree with the float32 tolerances in tensor/golden_test.go.
F32_TOL = 1e-6
F32_TOL_ACCUM = 1e-5
ACCUMULATING = {
    "Sum", "SumKeepDim", "Mean", "MeanKeepDim", "LogSumExp",
    "LogSumExpKeepDim", "SumTo", "Softmax", "LogSoftmax", "MatMul",
}

INF = math.inf
NAN = math.nan
F64 = torch.float64


# ---------------------------------------------------------------- the ops

def _dims(x, p):
    return tuple(p.get("axes", [])) or tuple(range(x.dim()))


def _reduce(fn, keepdim):
    def op(x, p):
        x = x[0]
        if x.dim() == 0:
            return fn(x.reshape(1), (0,), False)
        return fn(x, _dims(x, p), keepdim)
    return op


def _logsumexp(x, dims, keepdim):
    return torch.logsumexp(x, dim=dims, keepdim=keepdim)


def _squeeze(x, axes):
    if not axes:
        return x.squeeze()
    for a in sorted((a % x.dim() for a in axes), reverse=True):
        x = x.squeeze(a)
    return x


def _slice(x, p):
    idx = [slice(None)] * x.dim()
    idx[p["axis"]] = slice(p["start"], p["stop"], p["step"])
    return x[tuple(idx)]


def _f(p, key):
    return float(p[key])


def _mask(fn):
    return lambda x, p: fn(x[0], x[1]).to(x[0].dtype)


OPS = {
    # elementwise, broadcasting
    "Add": lambda x, p: x[0] + x[1],
    "Sub": lambda x, p: x[0] - x[1],
    "Mul": lambda x, p: x[0] * x[1],
    "Div": lambda x, p: torch.div(x[0], x[1]),
    "Pow": lambda x, p: torch.pow(x[0], x[1]),
    "Maximum": lambda x, p: torch.maximum(x[0], x[1]),
    "Minimum": lambda x, p: torch.minimum(x[0], x[1]),
    "AddScalar": lambda x, p: x[0] + _f(p, "scalar"),
    "MulScalar": lambda x, p: x[0] * _f(p, "scalar"),
    "DivScalar": lambda x, p: x[0] / _f(p, "scalar"),
    "PowScalar": lambda x, p: torch.pow(x[0], _f(p, "scalar")),
    "Neg": lambda x, p: torch.neg(x[0]),
    "Exp": lambda x, p: torch.exp(x[0]),
    "Log": lambda x, p: torch.log(x[0]),
    "Log1p": lambda x, p: torch.log1p(x[0]),
    "Sqrt": lambda x, p: torch.sqrt(x[0]),
    "Abs": lambda x, p: torch.abs(x[0]),
    "Sign": lambda x, p: torch.sign(x[0]),
    "Tanh": lambda x, p: torch.tanh(x[0]),
    "Sigmoid": lambda x, p: torch.sigmoid(x[0]),
    "ReLU": lambda x, p: torch.relu(x[0]),
    "Clamp": lambda x, p: torch.clamp(x[0], _f(p, "lo"), _f(p, "hi")),
    "Square": lambda x, p: torch.square(x[0]),
    "Reciprocal": lambda x, p: torch.reciprocal(x[0]),
    "Gt": _mask(torch.gt),
    "Ge": _mask(torch.ge),
    "Lt": _mask(torch.lt),
    "Le": _mask(torch.le),
    "Eq": _mask(torch.eq),
    "Ne": _mask(torch.ne),
    "Where": lambda x, p: torch.where(x[0] != 0, x[1], x[2]),
    # reductions
    "Sum": _reduce(lambda x, d, k: torch.sum(x, dim=d, keepdim=k), False),
    "SumKeepDim": _reduce(lambda x, d, k: torch.sum(x, dim=d, keepdim=k), True),
    "Mean": _reduce(lambda x, d, k: torch.mean(x, dim=d, keepdim=k), False),
    "MeanKeepDim": _reduce(lambda x, d, k: torch.mean(x, dim=d, keepdim=k), True),
    "Max": _reduce(lambda x, d, k: torch.amax(x, dim=d, keepdim=k), False),
    "MaxKeepDim": _reduce(lambda x, d, k: torch.amax(x, dim=d, keepdim=k), True),
    "Min": _reduce(lambda x, d, k: torch.amin(x, dim=d, keepdim=k), False),
    "MinKeepDim": _reduce(lambda x, d, k: torch.amin(x, dim=d, keepdim=k), True),
    "LogSumExp": _reduce(_logsumexp, False),
    "LogSumExpKeepDim": _reduce(_logsumexp, True),
    "ArgMax": lambda x, p: torch.argmax(x[0], p["axis"]).to(x[0].dtype),
    "ArgMin": lambda x, p: torch.argmin(x[0], p["axis"]).to(x[0].dtype),
    "SumTo": lambda x, p: x[0].sum_to_size(p["shape"]),
    "Softmax": lambda x, p: torch.softmax(x[0], p["axis"]),
    "LogSoftmax": lambda x, p: torch.log_softmax(x[0], p["axis"]),
    "MatMul": lambda x, p: torch.matmul(x[0], x[1]),
}

# The views and copies; gen_autograd_golden.py reuses them.
VIEW_OPS = {
    "Reshape": lambda x, p: x[0].reshape(p["shape"]),
    "View": lambda x, p: x[0].view(p["shape"]),
    "Flatten": lambda x, p: torch.flatten(x[0]),
    "Transpose": lambda x, p: x[0].transpose(*p["axes"]),
    "Permute": lambda x, p: x[0].permute(*p["axes"]),
    "T": lambda x, p: x[0].t(),
    "Slice": lambda x, p: _slice(x[0], p),
    "Select": lambda x, p: x[0].select(p["axis"], p["index"]),
    "IndexSelect": lambda x, p: torch.index_select(x[0], p["axis"], torch.tensor(p["indices"])),
    "Squeeze": lambda x, p: _squeeze(x[0], p.get("axes", [])),
    "Unsqueeze": lambda x, p: x[0].unsqueeze(p["axis"]),
    "Expand": lambda x, p: x[0].expand(p["shape"]),
    "BroadcastTo": lambda x, p: torch.broadcast_to(x[0], p["shape"]),
    "Contiguous": lambda x, p: x[0].contiguous(),
    "Concat": lambda x, p: torch.cat(x, p["axis"]),
    "Stack": lambda x, p: torch.stack(x, p["axis"]),
}
OPS.update(VIEW_OPS)


# ---------------------------------------------------------------- inputs

class Input:
    """A base tensor (float64, contiguous) and the layout applied to it."""

    def __init__(self, base, layout=()):
        self.base = base.to(F64).contiguous()
        self.layout = list(layout)

    def build(self, dtype):
        x = self.base.to(dtype)
        for l in self.layout:
            if l["kind"] == "transpose":
                x = x.transpose(-2, -1)
            elif l["kind"] == "slice":
                idx = [slice(None)] * x.dim()
                idx[l["axis"]] = slice(l["start"], None, l["step"])
                x = x[tuple(idx)]
            elif l["kind"] == "expand":
                shape = list(x.shape)
                shape[l["axis"]] = l["size"]
                x = x.expand(shape)
            else:
                raise ValueError(l)
        if self.layout and x.is_contiguous():
            raise ValueError("layout %s left the input contiguous" % self.layout)
        return x

    def json(self):
        d = {"shape": list(self.base.shape), "data": enc(self.base)}
        if self.layout:
            d["layout"] = self.layout
        return d


def t(values, *shape):
    """An explicit input (Python floats, may hold inf/nan/-0.0)."""
    x = torch.tensor(values, dtype=F64)
    return Input(x.reshape(shape) if shape else x)


def transposed(x):
    """x as the transpose of a contiguous base: same values, strided."""
    x = x.base if isinstance(x, Input) else x
    return Input(x.transpose(-2, -1).contiguous(), [{"kind": "transpose"}])


def sliced(x, axis, start=1):
    """x as every other element of a base twice as long along axis, whose
    skipped elements are NaN."""
    x = x.base if isinstance(x, Input) else x
    axis %= x.dim()
    shape = list(x.shape)
    shape[axis] = start + 2 * shape[axis]
    base = torch.full(shape, NAN, dtype=F64)
    idx = [slice(None)] * x.dim()
    idx[axis] = slice(start, None, 2)
    base[tuple(idx)] = x
    return Input(base, [{"kind": "slice", "axis": axis, "start": start, "step": 2}])


def expanded(base, axis, size):
    """base (size 1 along axis) expanded to size along axis (stride 0)."""
    base = base.base if isinstance(base, Input) else base
    return Input(base, [{"kind": "expand", "axis": axis, "size": size}])


class Rand:
    """Random inputs from a generator seeded by a group name."""

    def __init__(self, name):
        self.g = torch.Generator().manual_seed(zlib.crc32(name.encode()))

    def normal(self, *shape):
        return torch.randn(shape, generator=self.g, dtype=F64)

    def dyadic(self, *shape, scale=8):
        # Multiples of 1/scale: sums and products of a few of them are exact
        # in float32 and float64, so reductions and matmul do not depend on
        # summation order.
        return torch.round(self.normal(*shape) * scale) / scale

    def uniform(self, lo, hi, *shape):
        return lo + (hi - lo) * torch.rand(shape, generator=self.g, dtype=F64)

    def ints(self, lo, hi, *shape):
        return torch.randint(lo, hi, shape, generator=self.g).to(F64)


# ---------------------------------------------------------------- encoding

def enc(x):
    return [repr(float(v)) for v in x.detach().to(F64).reshape(-1).tolist()]


def out_json(x):
    return {"shape": list(x.shape), "data": enc(x)}


def f32_agrees(got, ref, tol):
    """got (float32 result) against ref (float64 on the same inputs)."""
    r = ref.to(torch.float32).to(F64)
    for a, b in zip(got.to(F64).reshape(-1).tolist(), r.reshape(-1).tolist()):
        if math.isnan(b) or math.isinf(b):
            if not (a == b or (math.isnan(a) and math.isnan(b))):
                return False
        elif b == 0:
            if abs(a) >= 1.1754943508222875e-38:  # float32 smallest normal
                return False
        elif not abs(a - b) <= tol * abs(b):
            return False
    return True


CASES = []
NAMES = set()


def case(name, op, inputs, signed_zeros=False, **params):
    if name in NAMES:
        raise ValueError("duplicate case " + name)
    NAMES.add(name)
    inputs = [i if isinstance(i, Input) else Input(i) for i in inputs]
    fn = OPS[op]
    out64 = fn([i.build(F64) for i in inputs], params)
    out32 = fn([i.build(torch.float32) for i in inputs], params)
    ref = fn([i.build(torch.float32).to(F64) for i in inputs], params)
    if out64.dtype != F64 or out32.dtype != torch.float32:
        raise ValueError("%s: result dtypes %s, %s" % (name, out64.dtype, out32.dtype))
    tol = F32_TOL_ACCUM if op in ACCUMULATING else F32_TOL
    if not f32_agrees(out32, ref, tol / 4):
        raise ValueError("%s: float32 result %s is not within %g of float64 %s on the "
                         "same inputs; the case is ill-conditioned" % (name, out32, tol / 4, ref))
    c = {"name": name, "op": op}
    if params:
        c["params"] = {k: (repr(float(v)) if isinstance(v, float) else v) for k, v in params.items()}
    c["inputs"] = [i.json() for i in inputs]
    if signed_zeros:
        c["signed_zeros"] = True
    c["out"] = {"float64": out_json(out64), "float32": out_json(out32)}
    CASES.append(c)


# ---------------------------------------------------------------- the cases

def elementwise_cases():
    r = Rand("add")
    case("add_same_shape", "Add", [r.normal(2, 3), r.normal(2, 3)])
    case("add_broadcast_row", "Add", [r.normal(2, 3), r.normal(3)])
    case("add_broadcast_col_keepdim", "Add", [r.normal(2, 3), r.normal(2, 1)])
    case("add_0d_left", "Add", [r.normal(), r.normal(2, 3)])
    case("add_0d_both", "Add", [r.normal(), r.normal()])
    case("add_rank_extend", "Add", [r.normal(1, 1, 2), r.normal(3, 1)])
    case("add_transposed", "Add", [transposed(r.normal(3, 4)), r.normal(3, 4)])
    case("add_transposed_both_broadcast", "Add", [transposed(r.normal(2, 3, 4)), transposed(r.normal(3, 4))])
    case("add_sliced", "Add", [sliced(r.normal(3, 4), 1), sliced(r.normal(3, 4), 0, start=0)])
    case("add_expanded", "Add", [expanded(r.normal(1, 4), 0, 3), r.normal(2, 1, 4)])
    case("add_inf_nan", "Add",
         [t([INF, -INF, INF, NAN, 1.0, -0.0, -0.0, 0.0]),
          t([-INF, -INF, 1.0, 2.0, NAN, -0.0, 0.0, -0.0])], signed_zeros=True)

    r = Rand("sub")
    case("sub_broadcast_both", "Sub", [r.normal(3, 1), r.normal(1, 4)])
    case("sub_0d_right", "Sub", [sliced(r.normal(2, 3), 0), r.normal()])
    case("sub_signed_zero", "Sub", [t([0.0, -0.0, 0.0, -0.0, INF]), t([0.0, 0.0, -0.0, -0.0, INF])],
         signed_zeros=True)

    r = Rand("mul")
    case("mul_broadcast_row", "Mul", [r.normal(2, 3), r.normal(3)])
    case("mul_scalar_tensor_0d", "Mul", [r.normal(2, 3), r.normal()])
    case("mul_rank_extend", "Mul", [r.normal(5, 1, 4, 1), r.normal(3, 1, 1)])
    case("mul_expanded", "Mul", [expanded(r.normal(2, 1), 1, 3), transposed(r.normal(2, 3))])
    case("mul_inf_zero", "Mul", [t([INF, -INF, -0.0, -0.0, 0.0, NAN]), t([0.0, 2.0, 1.0, -1.0, -3.0, 0.0])],
         signed_zeros=True)

    r = Rand("div")
    case("div_broadcast_col", "Div", [r.normal(2, 3), r.uniform(0.5, 2, 2, 1)])
    case("div_0d_divisor", "Div", [r.normal(2, 2), t(3.0)])
    case("div_0d_dividend", "Div", [t(1.0), r.uniform(0.5, 2, 3)])
    case("div_by_zero", "Div",
         [t([1.0, -1.0, 0.0, -0.0, 1.0, INF, 0.0]), t([0.0, 0.0, 0.0, 1.0, -0.0, INF, INF])],
         signed_zeros=True)

    r = Rand("pow")
    case("pow_tensor_tensor", "Pow", [r.uniform(0.5, 2, 2, 3), r.normal(2, 3)])
    case("pow_broadcast", "Pow", [r.uniform(0.5, 2, 3, 1), t([0.0, 1.0, 2.0, -1.5])])
    case("pow_transposed_base", "Pow", [transposed(r.uniform(0.5, 2, 2, 3)), t(2.5)])
    case("pow_edge", "Pow",
         [t([0.0, -2.0, -2.0, 0.0, -0.0, INF, NAN, 1.0, -INF, 2.0, 0.5, -1.0, -8.0, 4.0]),
          t([0.0, 3.0, 0.5, -1.0, -1.0, -1.0, 0.0, NAN, 3.0, INF, INF, INF, 1.0 / 3.0, -0.5])])

    r = Rand("maximum")
    case("maximum_broadcast", "Maximum", [r.dyadic(2, 3, scale=2), r.dyadic(3, scale=2)])
    case("maximum_nan_inf", "Maximum", [t([NAN, 1.0, -INF, INF, NAN]), t([1.0, NAN, 0.0, 0.0, NAN])])
    case("maximum_ties", "Maximum", [t([1.0, 2.0, -3.0]), t([1.0, 2.0, -3.0])])
    case("minimum_broadcast", "Minimum", [transposed(r.dyadic(2, 3, scale=2)), r.dyadic(2, 1, scale=2)])
    case("minimum_nan_inf", "Minimum", [t([NAN, 1.0, -INF, INF, NAN]), t([1.0, NAN, 0.0, 0.0, NAN])])
    case("minimum_0d", "Minimum", [r.normal(), r.normal(4)])


def scalar_cases():
    r = Rand("scalar")
    case("add_scalar", "AddScalar", [transposed(r.normal(2, 3))], scalar=0.5)
    case("add_scalar_0d", "AddScalar", [r.normal()], scalar=-2.25)
    case("add_scalar_inf", "AddScalar", [t([1.0, -INF, NAN])], scalar=INF)
    case("mul_scalar", "MulScalar", [sliced(r.normal(3, 2), 0)], scalar=-1.5)
    case("mul_scalar_signed_zero", "MulScalar", [t([0.0, -0.0, 2.0])], signed_zeros=True, scalar=-1.0)
    case("mul_scalar_zero_inf", "MulScalar", [t([INF, -INF, NAN, 3.0])], scalar=0.0)
    case("div_scalar", "DivScalar", [r.normal(2, 3)], scalar=4.0)
    case("div_scalar_zero", "DivScalar", [t([1.0, -1.0, 0.0, INF])], signed_zeros=True, scalar=0.0)
    case("div_scalar_neg_zero", "DivScalar", [t([1.0, -1.0, 2.0])], signed_zeros=True, scalar=-0.0)
    case("pow_scalar_2", "PowScalar", [r.normal(2, 3)], scalar=2.0)
    case("pow_scalar_3", "PowScalar", [expanded(r.normal(1, 3), 0, 2)], scalar=3.0)
    case("pow_scalar_half", "PowScalar", [t([4.0, 2.0, 0.0, -1.0, INF, NAN])], scalar=0.5)
    case("pow_scalar_neg_half", "PowScalar", [r.uniform(0.5, 3, 4)], scalar=-0.5)
    case("pow_scalar_2_5", "PowScalar", [r.uniform(0.5, 3, 2, 2)], scalar=2.5)
    case("pow_scalar_zero", "PowScalar", [t([0.0, -0.0, NAN, INF, -3.0])], scalar=0.0)
    case("pow_scalar_minus_one", "PowScalar", [t([0.0, -0.0, 2.0, -INF])], signed_zeros=True, scalar=-1.0)


def unary_cases():
    r = Rand("unary")
    case("neg", "Neg", [transposed(r.normal(2, 3))])
    case("neg_signed_zero", "Neg", [t([0.0, -0.0, INF, -INF, NAN, 1.5])], signed_zeros=True)
    case("exp", "Exp", [r.normal(2, 3)])
    case("exp_0d", "Exp", [r.normal()])
    case("exp_edge", "Exp", [t([1000.0, -1000.0, INF, -INF, NAN, 0.0, -0.0, 50.0, -50.0])])
    case("log", "Log", [sliced(r.uniform(0.1, 5, 2, 3), 1)])
    case("log_edge", "Log", [t([0.0, -0.0, -1.0, INF, -INF, NAN, 1.0])])
    case("log1p", "Log1p", [t([1e-10, -1e-10, 0.5, -0.5, 3.0, 1e-5])])
    case("log1p_edge", "Log1p", [t([-1.0, -2.0, INF, -0.0, 0.0, NAN])], signed_zeros=True)
    case("sqrt", "Sqrt", [r.uniform(0.01, 10, 3, 2)])
    case("sqrt_edge", "Sqrt", [t([0.0, -0.0, -1.0, INF, NAN, 4.0, -INF])], signed_zeros=True)
    case("abs", "Abs", [expanded(r.normal(3, 1), 1, 2)])
    case("abs_edge", "Abs", [t([-0.0, 0.0, -INF, INF, NAN, -2.5])], signed_zeros=True)
    case("sign", "Sign", [t([-2.0, 0.0, -0.0, 3.0, INF, -INF, 1e-300])])
    # torch.sign(nan) is 0 (1.13 and 2.x; pytorch/pytorch#41245 is open).
    case("sign_nan", "Sign", [t([NAN])])
    case("tanh", "Tanh", [r.normal(2, 3)])
    case("tanh_edge", "Tanh", [t([1000.0, -1000.0, INF, -INF, NAN, -0.0, 0.0, 20.0, 1e-9])], signed_zeros=True)
    case("sigmoid", "Sigmoid", [transposed(r.normal(2, 3))])
    case("sigmoid_edge", "Sigmoid", [t([1000.0, -1000.0, INF, -INF, NAN, 0.0, 30.0, -30.0])])
    case("relu", "ReLU", [r.normal(2, 3)])
    # relu(-0.0) is -0.0 in torch: relu is clamp_min(x, 0), which keeps x
    # when it is not below 0.
    case("relu_signed_zero", "ReLU", [t([-0.0, 0.0, -1.0, NAN, INF, -INF, 2.0])], signed_zeros=True)
    case("clamp", "Clamp", [sliced(r.normal(2, 4), 1)], lo=-0.5, hi=0.5)
    case("clamp_boundaries", "Clamp", [t([-0.5, 0.5, -0.5000001, 0.5000001, NAN, INF, -INF, -0.0])],
         signed_zeros=True, lo=-0.5, hi=0.5)
    case("clamp_one_sided", "Clamp", [t([-2.0, 0.0, 3.0, INF, -INF])], lo=-INF, hi=1.0)
    case("clamp_equal_bounds", "Clamp", [t([0.0, 1.0, 2.0])], lo=1.0, hi=1.0)
    # torch.clamp with min > max sets every element to max.
    case("clamp_lo_above_hi", "Clamp", [t([-1.0, 0.5, 2.0, NAN])], lo=1.0, hi=0.0)
    case("square", "Square", [r.normal(2, 2)])
    case("square_edge", "Square", [t([-0.0, INF, -INF, NAN, 1e200, -3.0])], signed_zeros=True)
    case("reciprocal", "Reciprocal", [r.uniform(0.5, 4, 3)])
    case("reciprocal_edge", "Reciprocal", [t([0.0, -0.0, INF, -INF, NAN, 2.0, -4.0])], signed_zeros=True)


def mask_cases():
    r = Rand("mask")
    a, b = r.ints(-1, 2, 2, 3), r.ints(-1, 2, 3)  # small ints, so ties occur
    nan_a = t([NAN, NAN, 1.0, -0.0, INF, -INF, 1.0])
    nan_b = t([NAN, 1.0, 1.0, 0.0, INF, INF, -INF])
    for op in ["Gt", "Ge", "Lt", "Le", "Eq", "Ne"]:
        low = op.lower()
        case(low + "_broadcast", op, [a, b])
        case(low + "_nan_inf_zero", op, [nan_a, nan_b])
    case("gt_0d", "Gt", [transposed(r.normal(3, 2)), t(0.0)])
    case("eq_expanded", "Eq", [expanded(r.ints(0, 2, 1, 3), 0, 2), r.ints(0, 2, 2, 1)])
    case("where_broadcast", "Where", [t([1.0, 0.0], 2, 1), r.normal(2, 3), r.normal()])
    case("where_nan_not_selected", "Where",
         [t([1.0, 0.0, 1.0, 0.0]), t([1.0, NAN, INF, 2.0]), t([NAN, 3.0, NAN, -INF])])
    # A NaN mask element counts as true (nonzero), as torch's mask != 0 does.
    case("where_nan_mask", "Where", [t([NAN, 0.0, -0.0]), t([1.0, 2.0, 3.0]), t([-1.0, -2.0, -3.0])])
    case("where_strided", "Where",
         [transposed(t([1.0, 0.0, 0.0, 1.0, 1.0, 0.0], 2, 3)), sliced(r.normal(2, 3), 0), r.normal(3)])


def reduction_cases():
    r = Rand("sum")
    x = r.dyadic(2, 3, 4)
    case("sum_all", "Sum", [x])
    case("sum_axis0", "Sum", [x], axes=[0])
    case("sum_axis_neg", "Sum", [x], axes=[-1])
    case("sum_axes_multi", "Sum", [x], axes=[0, 2])
    case("sum_keepdim", "SumKeepDim", [x], axes=[1])
    case("sum_keepdim_all", "SumKeepDim", [x])
    case("sum_keepdim_multi", "SumKeepDim", [x], axes=[-1, 0])
    case("sum_0d", "Sum", [r.normal()])
    case("sum_transposed", "Sum", [transposed(r.dyadic(3, 4))], axes=[1])
    case("sum_sliced", "Sum", [sliced(r.dyadic(3, 4), 1)], axes=[0])
    case("sum_expanded", "Sum", [expanded(r.dyadic(1, 4), 0, 3)], axes=[0])
    case("sum_inf_nan", "Sum", [t([INF, -INF, INF, 1.0, NAN, 1.0], 3, 2)], axes=[1])
    case("sum_empty_axis", "Sum", [Input(torch.zeros(0, 3, dtype=F64))], axes=[0])

    r = Rand("mean")
    x = r.dyadic(3, 4)
    case("mean_all", "Mean", [x])
    case("mean_axis", "Mean", [x], axes=[1])
    case("mean_keepdim", "MeanKeepDim", [r.dyadic(2, 3, 2)], axes=[0, 2])
    case("mean_0d", "Mean", [r.normal()])
    case("mean_transposed", "Mean", [transposed(r.dyadic(2, 3))], axes=[0])
    case("mean_inf", "Mean", [t([INF, 1.0, -INF, -INF], 2, 2)], axes=[1])

    r = Rand("max")
    x = r.normal(2, 3, 4)
    case("max_all", "Max", [x])
    case("max_axis", "Max", [x], axes=[1])
    case("max_axes_multi", "Max", [x], axes=[0, -1])
    case("max_keepdim", "MaxKeepDim", [x], axes=[2])
    case("max_0d", "Max", [r.normal()])
    case("max_transposed", "Max", [transposed(r.normal(3, 4))], axes=[0])
    case("max_nan", "Max", [t([1.0, NAN, 3.0, -INF, -INF, -INF, INF, NAN, 2.0], 3, 3)], axes=[1])
    case("max_all_nan", "Max", [t([1.0, NAN, 3.0])])
    case("max_ties", "Max", [t([1.0, 3.0, 3.0, 2.0])])
    case("min_all", "Min", [x])
    case("min_axis", "Min", [x], axes=[-2])
    case("min_keepdim", "MinKeepDim", [sliced(r.normal(3, 2), 0)], axes=[0])
    case("min_nan", "Min", [t([1.0, NAN, -3.0, INF, INF, INF, -INF, NAN, 2.0], 3, 3)], axes=[1])

    r = Rand("logsumexp")
    case("logsumexp_axis", "LogSumExp", [r.normal(2, 3) + 3], axes=[1])
    case("logsumexp_all", "LogSumExp", [r.normal(2, 3)])
    case("logsumexp_keepdim", "LogSumExpKeepDim", [r.normal(3, 2) - 2], axes=[0])
    case("logsumexp_0d", "LogSumExp", [t(2.5)])
    case("logsumexp_large", "LogSumExp", [t([1000.0, 1000.0, -1000.0, -1000.0, 1000.0, 0.0], 3, 2)], axes=[1])
    case("logsumexp_infinite", "LogSumExp", [t([-INF, -INF, INF, 1.0, -INF, 0.0], 3, 2)], axes=[1])
    case("logsumexp_transposed", "LogSumExp", [transposed(r.normal(3, 4) + 2)], axes=[-1])

    r = Rand("argmax")
    case("argmax_axis", "ArgMax", [r.normal(3, 4)], axis=1)
    case("argmax_axis0", "ArgMax", [transposed(r.normal(3, 4))], axis=0)
    case("argmax_ties_first", "ArgMax", [t([1.0, 3.0, 3.0, 2.0, 2.0, 0.0], 2, 3)], axis=1)
    case("argmax_nan", "ArgMax", [t([1.0, NAN, 3.0, NAN, INF, 2.0], 2, 3)], axis=1)
    case("argmax_0d", "ArgMax", [t(7.0)], axis=0)
    case("argmax_3d", "ArgMax", [r.normal(2, 3, 2)], axis=-2)
    case("argmin_axis", "ArgMin", [r.normal(3, 4)], axis=-1)
    case("argmin_ties_first", "ArgMin", [t([1.0, 0.0, 0.0, 2.0, 2.0, 5.0], 2, 3)], axis=1)
    case("argmin_nan", "ArgMin", [t([1.0, NAN, -3.0, -INF, NAN, 2.0], 2, 3)], axis=1)

    r = Rand("sumto")
    x = r.dyadic(2, 3)
    case("sum_to_row", "SumTo", [x], shape=[1, 3])
    case("sum_to_col", "SumTo", [x], shape=[2, 1])
    case("sum_to_drop_lead", "SumTo", [x], shape=[3])
    case("sum_to_same", "SumTo", [x], shape=[2, 3])
    case("sum_to_scalar", "SumTo", [x], shape=[])
    case("sum_to_3d", "SumTo", [r.dyadic(2, 3, 4)], shape=[3, 1])
    case("sum_to_strided", "SumTo", [transposed(r.dyadic(2, 3))], shape=[1, 3])


def softmax_cases():
    r = Rand("softmax")
    case("softmax_last", "Softmax", [r.normal(2, 3)], axis=-1)
    case("softmax_axis0", "Softmax", [r.normal(3, 2)], axis=0)
    case("softmax_known", "Softmax", [t([1.0, 2.0, 3.0])], axis=0)
    case("softmax_large_logits", "Softmax", [t([1000.0, 0.0, -1000.0, -1000.0, -1000.0, 1000.0], 2, 3)], axis=1)
    case("softmax_neg_inf", "Softmax", [t([-INF, -INF, 0.0, -INF], 2, 2)], axis=1)
    case("softmax_0d", "Softmax", [t(3.0)], axis=0)
    case("softmax_transposed", "Softmax", [transposed(r.normal(3, 4))], axis=-1)
    case("softmax_3d_middle", "Softmax", [r.normal(2, 3, 2)], axis=1)
    case("log_softmax_last", "LogSoftmax", [r.normal(2, 3)], axis=-1)
    case("log_softmax_axis0", "LogSoftmax", [sliced(r.normal(3, 2), 1)], axis=0)
    case("log_softmax_large_logits", "LogSoftmax", [t([1000.0, 0.0, -1000.0])], axis=0)
    case("log_softmax_neg_inf", "LogSoftmax", [t([-INF, 0.0, 1.0, -INF], 2, 2)], axis=1)
    case("log_softmax_0d", "LogSoftmax", [t(3.0)], axis=0)


def matmul_cases():
    r = Rand("matmul")
    d = r.dyadic
    case("matmul_mat_mat", "MatMul", [d(2, 3), d(3, 4)])
    case("matmul_vec_vec", "MatMul", [d(3), d(3)])
    case("matmul_mat_vec", "MatMul", [d(2, 3), d(3)])
    case("matmul_vec_mat", "MatMul", [d(3), d(3, 4)])
    case("matmul_batched", "MatMul", [d(2, 2, 3), d(2, 3, 2)])
    case("matmul_batched_broadcast", "MatMul", [d(5, 1, 2, 3), d(4, 3, 6)])
    case("matmul_batched_mat", "MatMul", [d(3, 2, 4), d(4, 2)])
    case("matmul_batched_vec", "MatMul", [d(2, 2, 3), d(3)])
    case("matmul_vec_batched", "MatMul", [d(3), d(2, 3, 4)])
    case("matmul_transposed_left", "MatMul", [transposed(d(2, 3)), d(3, 4)])
    case("matmul_transposed_both", "MatMul", [transposed(d(2, 3)), transposed(d(3, 4))])
    case("matmul_transposed_batched", "MatMul", [transposed(d(2, 3, 2)), transposed(d(2, 4))])
    case("matmul_sliced", "MatMul", [sliced(d(2, 3), 1), sliced(d(3, 2), 0)])
    case("matmul_expanded_batch", "MatMul", [expanded(d(1, 2, 3), 0, 3), d(3, 3, 1)])
    case("matmul_inf_nan", "MatMul", [t([1.0, INF, INF, 0.0], 2, 2), t([2.0, 3.0, 0.0, 1.0], 2, 2)])


def view_cases():
    r = Rand("views")
    x = r.normal(2, 3, 4)
    case("reshape", "Reshape", [x], shape=[4, 6])
    case("reshape_transposed", "Reshape", [transposed(r.normal(2, 3))], shape=[6])
    case("reshape_infer", "Reshape", [x], shape=[-1, 4])
    case("reshape_to_0d", "Reshape", [r.normal(1, 1)], shape=[])
    case("reshape_from_0d", "Reshape", [r.normal()], shape=[1, 1, 1])
    case("view", "View", [r.normal(6)], shape=[2, 3])
    case("flatten", "Flatten", [x])
    case("flatten_transposed", "Flatten", [transposed(r.normal(2, 3))])
    case("transpose", "Transpose", [x], axes=[0, 2])
    case("transpose_negative", "Transpose", [x], axes=[-1, -2])
    case("permute", "Permute", [x], axes=[2, 0, 1])
    case("permute_strided", "Permute", [transposed(r.normal(2, 3, 4))], axes=[1, 2, 0])
    case("t", "T", [r.normal(2, 3)])
    case("t_1d", "T", [r.normal(3)])
    case("slice_step", "Slice", [r.normal(5, 4)], axis=0, start=1, stop=5, step=2)
    case("slice_last_axis", "Slice", [r.normal(3, 7)], axis=-1, start=0, stop=7, step=3)
    case("slice_unit_step", "Slice", [transposed(r.normal(4, 3))], axis=1, start=1, stop=3, step=1)
    case("slice_negative_start", "Slice", [r.normal(5, 2)], axis=0, start=-3, stop=5, step=2)
    case("slice_stop_past_end", "Slice", [r.normal(2, 5)], axis=1, start=1, stop=10, step=2)
    case("slice_empty", "Slice", [r.normal(2, 3)], axis=1, start=2, stop=2, step=1)
    case("select", "Select", [x], axis=1, index=2)
    case("select_first_axis", "Select", [transposed(r.normal(3, 2))], axis=0, index=1)
    case("select_negative_index", "Select", [r.normal(2, 3)], axis=-1, index=-1)
    case("select_to_0d", "Select", [r.normal(3)], axis=0, index=0)
    case("index_select_rows", "IndexSelect", [r.normal(4, 3)], axis=0, indices=[3, 0, 0, 2])
    case("index_select_cols", "IndexSelect", [transposed(r.normal(3, 4))], axis=-1, indices=[2, 1])
    y = r.normal(1, 3, 1, 2)
    case("squeeze_all", "Squeeze", [y])
    case("squeeze_axis", "Squeeze", [y], axes=[0])
    case("squeeze_negative_axis", "Squeeze", [y], axes=[-2])
    case("squeeze_non_unit_axis", "Squeeze", [y], axes=[1])
    case("squeeze_to_0d", "Squeeze", [r.normal(1, 1)])
    case("unsqueeze_front", "Unsqueeze", [r.normal(2, 3)], axis=0)
    case("unsqueeze_back", "Unsqueeze", [r.normal(2, 3)], axis=-1)
    case("unsqueeze_middle", "Unsqueeze", [transposed(r.normal(3, 2))], axis=1)
    case("unsqueeze_0d", "Unsqueeze", [r.normal()], axis=0)
    case("expand", "Expand", [r.normal(3, 1)], shape=[3, 4])
    case("expand_new_dims", "Expand", [r.normal(3)], shape=[2, 2, 3])
    case("expand_keep", "Expand", [r.normal(3, 1)], shape=[-1, 2])
    case("expand_0d", "Expand", [r.normal()], shape=[2, 2])
    case("broadcast_to", "BroadcastTo", [r.normal(1, 3)], shape=[2, 3])
    case("broadcast_to_rank_extend", "BroadcastTo", [r.normal(2, 1)], shape=[3, 2, 2])
    case("contiguous_transposed", "Contiguous", [transposed(r.normal(2, 3))])
    case("contiguous_expanded", "Contiguous", [expanded(r.normal(1, 3), 0, 2)])
    case("concat_axis0", "Concat", [r.normal(2, 3), r.normal(1, 3)], axis=0)
    case("concat_last_strided", "Concat", [r.normal(2, 1), transposed(r.normal(2, 3)), r.normal(2, 2)], axis=-1)
    case("concat_single", "Concat", [r.normal(2, 2)], axis=1)
    case("stack_axis0", "Stack", [r.normal(2, 3), r.normal(2, 3)], axis=0)
    case("stack_axis1", "Stack", [r.normal(2, 3), transposed(r.normal(2, 3)), r.normal(2, 3)], axis=1)
    case("stack_last", "Stack", [r.normal(2), r.normal(2)], axis=-1)
    case("stack_0d", "Stack", [t(1.0), t(-2.0)], axis=0)


def write_golden(out, generator, torch_version, *sections):
    """Writes a golden file: generator, torch version, then each (key, cases)
    section, one case per line so that diffs of a regeneration stay readable.
    Every generator of testdata/golden writes through it."""
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write('{"generator": %s,\n "torch_version": %s,\n' % (json.dumps(generator), json.dumps(torch_version)))
        for i, (key, cases) in enumerate(sections):
            f.write((' "%s": [\n' if i == 0 else '\n ],\n "%s": [\n') % key)
            f.write(",\n".join("  " + json.dumps(c, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")


def main():
    elementwise_cases()
    scalar_cases()
    unary_cases()
    mask_cases()
    reduction_cases()
    softmax_cases()
    matmul_cases()
    view_cases()
    missing = set(OPS) - {c["op"] for c in CASES}
    if missing:
        sys.exit("ops without a case: %s" % sorted(missing))
    write_golden(OUT, "testdata/gen_tensor_golden.py",
                 torch.__version__ + " (Debian python3-torch 1.13.1+dfsg, CPU)",
                 ("cases", CASES))
    print("wrote %d cases to %s" % (len(CASES), os.path.relpath(OUT)))


if __name__ == "__main__":
    main()
