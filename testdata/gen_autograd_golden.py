#!/usr/bin/python3
"""Generate testdata/golden/autograd_ops.json: PyTorch reference values for
the differentiable ops of package tensor (the Value API): each op's forward
value and the gradient of every input that requires one, plus a few
create-graph (higher-order) computations.

Reference: Debian python3-torch 1.13.1+dfsg (torch.__version__ "1.13.0a0"),
CPU. Rerun from the repository root with

    /usr/bin/python3 testdata/gen_autograd_golden.py

The output is deterministic: each group of cases draws its random inputs and
seeds from its own torch.Generator seeded with the CRC-32 of the group name.

The file follows the conventions of testdata/gen_tensor_golden.py, whose
helpers (Input, transposed, sliced, expanded, Rand, enc, f32_agrees) this
script imports: floats are strings ("inf", "-inf", "nan", "-0.0" survive),
inputs are a contiguous float64 base plus a "layout" of view transforms,
float32 inputs are float32(x) of the stored values. Read by
tensor/golden_autograd_test.go.

    {"generator", "torch_version", "cases": [case, ...],
     "create_graph": [cgcase, ...]}
    case   = {"name", "op", "params", "inputs": [input], "seed",
              "signed_zeros", "out": {"float64": tensor, "float32": tensor},
              "grads": {"float64": [tensor | null], "float32": [...]}}
    input  = tensor + {"requires_grad": bool}
    cgcase = {"name", "inputs": {name: tensor}, "want": {name: tensor}}

* "op" is the Go name of the Value op (Add, MaxKeepDim, LeakyReLU, ...);
  "params" its non-tensor arguments (ints as numbers, floats as strings:
  scalar, lo, hi, slope, beta, threshold, axis, axes, shape, ...).
* Each input is a leaf; one with a layout is a non-contiguous leaf (torch:
  the view, detached, then requires_grad_), and its gradient has the view's
  shape. Inputs with requires_grad false are constants (Const in Go).
* "seed" is the gradient of the output (torch.autograd.grad's grad_outputs),
  stored in float64 and rounded to float32 for the float32 run. It is left
  out for one-element outputs, whose implicit seed is 1 (so the Go test
  also exercises the implicit seed).
* "grads" has one entry per input: the gradient of sum(out * seed) with
  respect to that input, null for inputs that do not require a gradient.
* "signed_zeros": the forward value's zeros must have torch's sign.
* A few cases have no "float32" results: there torch's own float32 kernel
  is not accurate enough to judge Go's (GELU for x < 0, logsumexp of
  values near 1000).
* "create_graph" cases are float64 only; each name is a computation that
  the Go test spells out (see create_graph_cases below). "want" holds the
  first-order values too, to tell a wrong first derivative from a wrong
  second one.

Before writing, the script checks every float32 forward value and gradient
against float64 torch evaluated on the same float32 inputs and seed, within a
quarter of the float32 tolerance the Go test uses; a case that fails this is
ill-conditioned (cancellation) and would make the Go comparison depend on
the order of operations, so it is rejected. The same check bounds the
condition of the float64 results, which is what lets the Go test compare
float64 at 1e-12 / 1e-10.
"""

import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_tensor_golden import (  # noqa: E402  (the shared format)
    VIEW_OPS, Input, Rand, _f, enc, expanded, f32_agrees, sliced, t, transposed, write_golden)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "autograd_ops.json")

# Must agree with goldenAutogradTol in tensor/golden_autograd_test.go.
F32_TOL = 1e-6
F32_TOL_GRAD = 4e-6
F32_TOL_ACCUM = 1e-5
# Ops whose forward or backward sums many rounded terms (see
# goldenAutogradAccumulating in the Go test). A gradient also counts as
# accumulated when its input has fewer elements than the output: each input
# element then receives a sum of several contributions (broadcast operands,
# Expand, IndexSelect with repeated indices).
ACCUMULATING = {
    "Sum", "SumKeepDim", "Mean", "MeanKeepDim", "LogSumExp", "LogSumExpKeepDim",
    "SumTo", "Softmax", "LogSoftmax", "MatMul",
}

INF = math.inf
NAN = math.nan
F64 = torch.float64
F32 = torch.float32


# ---------------------------------------------------------------- the ops

def _axes(x, p):
    return tuple(p.get("axes", [])) or tuple(range(x.dim()))


def _reduce(fn, keepdim, full=None):
    """A reduction over p["axes"] (all axes when empty). full, if given, is
    the torch call for a full reduction without keepdim (torch.max(x))."""
    def op(x, p):
        x = x[0]
        if x.dim() == 0:
            return fn(x.reshape(1), (0,), False)
        if full is not None and not keepdim and not p.get("axes"):
            return full(x)
        return fn(x, _axes(x, p), keepdim)
    return op








OPS = {
    # elementwise, broadcasting
    "Add": lambda x, p: x[0] + x[1],
    "Sub": lambda x, p: x[0] - x[1],
    "Mul": lambda x, p: x[0] * x[1],
    "Div": lambda x, p: torch.div(x[0], x[1]),
    "Pow": lambda x, p: torch.pow(x[0], x[1]),
    "Maximum": lambda x, p: torch.maximum(x[0], x[1]),
    "Minimum": lambda x, p: torch.minimum(x[0], x[1]),
    "Where": lambda x, p: torch.where(x[0] != 0, x[1], x[2]),
    "AddScalar": lambda x, p: x[0] + _f(p, "scalar"),
    "MulScalar": lambda x, p: x[0] * _f(p, "scalar"),
    "PowScalar": lambda x, p: torch.pow(x[0], _f(p, "scalar")),
    # elementwise, unary
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
    "LeakyReLU": lambda x, p: F.leaky_relu(x[0], _f(p, "slope")),
    "GELU": lambda x, p: F.gelu(x[0]),
    "Softplus": lambda x, p: F.softplus(x[0], _f(p, "beta"), _f(p, "threshold")),
    "LogSigmoid": lambda x, p: F.logsigmoid(x[0]),
    "Clamp": lambda x, p: torch.clamp(x[0], _f(p, "lo"), _f(p, "hi")),
    "ClampMin": lambda x, p: torch.clamp(x[0], min=_f(p, "lo")),
    "ClampMax": lambda x, p: torch.clamp(x[0], max=_f(p, "hi")),
    "Square": lambda x, p: torch.square(x[0]),
    "Reciprocal": lambda x, p: torch.reciprocal(x[0]),
    # reductions and the softmax family
    "Sum": _reduce(lambda x, d, k: torch.sum(x, dim=d, keepdim=k), False),
    "SumKeepDim": _reduce(lambda x, d, k: torch.sum(x, dim=d, keepdim=k), True),
    "Mean": _reduce(lambda x, d, k: torch.mean(x, dim=d, keepdim=k), False),
    "MeanKeepDim": _reduce(lambda x, d, k: torch.mean(x, dim=d, keepdim=k), True),
    # Max/Min are torch.amax/amin; the full reduction is torch.max(x), whose
    # tie rule (split evenly) SEMANTICS.md 3.6 states for both.
    "Max": _reduce(lambda x, d, k: torch.amax(x, dim=d, keepdim=k), False, torch.max),
    "MaxKeepDim": _reduce(lambda x, d, k: torch.amax(x, dim=d, keepdim=k), True),
    "Min": _reduce(lambda x, d, k: torch.amin(x, dim=d, keepdim=k), False, torch.min),
    "MinKeepDim": _reduce(lambda x, d, k: torch.amin(x, dim=d, keepdim=k), True),
    "LogSumExp": _reduce(lambda x, d, k: torch.logsumexp(x, dim=d, keepdim=k), False),
    "LogSumExpKeepDim": _reduce(lambda x, d, k: torch.logsumexp(x, dim=d, keepdim=k), True),
    "SumTo": lambda x, p: x[0].sum_to_size(p["shape"]),
    "Softmax": lambda x, p: torch.softmax(x[0], p["axis"]),
    "LogSoftmax": lambda x, p: torch.log_softmax(x[0], p["axis"]),
    "MatMul": lambda x, p: torch.matmul(x[0], x[1]),
}
OPS.update(VIEW_OPS)  # shared with the kernel golden file


# ---------------------------------------------------------------- encoding

def tensor_json(x):
    return {"shape": list(x.shape), "data": enc(x)}


def leaf(inp, dtype, requires_grad):
    """The input as a leaf of dtype, keeping the layout's strides."""
    return inp.build(dtype).detach().requires_grad_(requires_grad)


def run(op, inputs, rg, seed, dtype, params):
    """Forward value and input gradients of op in dtype (inputs and seed
    are converted from their float64 values)."""
    xs = [leaf(i, dtype, r) for i, r in zip(inputs, rg)]
    out = OPS[op](xs, params)
    diff = [x for x, r in zip(xs, rg) if r]
    gs = torch.autograd.grad(out, diff, None if seed is None else seed.to(dtype), allow_unused=True)
    grads, k = [], 0
    for r in rg:
        if r:
            if gs[k] is None:
                raise ValueError("%s: torch returned no gradient for a used input" % op)
            grads.append(gs[k].detach())
            k += 1
        else:
            grads.append(None)
    return out.detach(), grads


def f32_check(name, what, got, ref, tol):
    if got.dtype != F32:
        raise ValueError("%s: %s has dtype %s" % (name, what, got.dtype))
    if not f32_agrees(got, ref, tol / 4):
        raise ValueError("%s: float32 %s %s is not within %g of float64 %s on the same "
                         "inputs; the case is ill-conditioned" % (name, what, got, tol / 4, ref))


CASES = []
NAMES = set()


def case(r, name, op, inputs, rg=None, seed=None, signed_zeros=False, float64_only=False,
         dyadic_seed=False, **params):
    """Add a case. r draws the seed when the output has more than one
    element and seed is None (multiples of 1/8 if dyadic_seed); rg lists which inputs require a gradient
    (default: all). float64_only leaves out the float32 results, for inputs
    where torch's float32 kernel is itself inaccurate (GELU's left tail)."""
    if name in NAMES:
        raise ValueError("duplicate case " + name)
    NAMES.add(name)
    inputs = [i if isinstance(i, Input) else Input(i) for i in inputs]
    rg = [True] * len(inputs) if rg is None else list(rg)
    if len(rg) != len(inputs) or not any(rg):
        raise ValueError("%s: bad requires_grad list %s" % (name, rg))
    shape = OPS[op]([i.build(F64) for i in inputs], params).shape
    if seed is None and shape.numel() != 1:
        seed = r.dyadic(*shape) if dyadic_seed else r.normal(*shape)
    elif isinstance(seed, Input):
        seed = seed.base
    out64, g64 = run(op, inputs, rg, seed, F64, params)
    out32, g32 = run(op, inputs, rg, seed, F32, params)
    # float64 on the float32-rounded inputs and seed: the reference that
    # the float32 results are checked against.
    rounded = [Input(i.base.to(F32).to(F64), i.layout) for i in inputs]
    rseed = None if seed is None else seed.to(F32).to(F64)
    ref_out, ref_g = run(op, rounded, rg, rseed, F64, params)

    accum = op in ACCUMULATING
    if not float64_only:
        f32_check(name, "output", out32, ref_out, F32_TOL_ACCUM if accum else F32_TOL)
        for k, (g, ref) in enumerate(zip(g32, ref_g)):
            if g is None:
                continue
            acc = accum or g.numel() < out64.numel()
            f32_check(name, "gradient %d" % k, g, ref, F32_TOL_ACCUM if acc else F32_TOL_GRAD)

    c = {"name": name, "op": op}
    if params:
        c["params"] = {k: (repr(float(v)) if isinstance(v, float) else v) for k, v in params.items()}
    c["inputs"] = []
    for i, req in zip(inputs, rg):
        d = i.json()
        d["requires_grad"] = req
        c["inputs"].append(d)
    if seed is not None:
        c["seed"] = tensor_json(seed)
    if signed_zeros:
        c["signed_zeros"] = True
    c["out"] = {"float64": tensor_json(out64)}
    c["grads"] = {"float64": [None if g is None else tensor_json(g) for g in g64]}
    if not float64_only:
        c["out"]["float32"] = tensor_json(out32)
        c["grads"]["float32"] = [None if g is None else tensor_json(g) for g in g32]
    CASES.append(c)


# ---------------------------------------------------------------- the cases

def binary_cases():
    # The broadcast cases are SEMANTICS.md 2.2's worked examples (same names,
    # random values): each operand's gradient is summed back to its shape.
    r = Rand("add")
    case(r, "add_same_shape", "Add", [r.normal(2, 3), r.normal(2, 3)])
    case(r, "add_broadcast_row", "Add", [r.normal(2, 3), r.normal(3)])
    case(r, "add_broadcast_col_keepdim", "Add", [r.normal(2, 3), r.normal(2, 1)])
    case(r, "add_0d_left", "Add", [r.normal(), r.normal(2, 3)])
    case(r, "add_const_right", "Add", [r.normal(2, 3), r.normal(3)], rg=[True, False])
    case(r, "add_transposed", "Add", [transposed(r.normal(3, 4)), r.normal(3, 4)])
    case(r, "add_sliced_broadcast", "Add", [sliced(r.normal(3, 4), 1), sliced(r.normal(1, 4), 1, start=0)])
    case(r, "add_expanded", "Add", [expanded(r.normal(1, 4), 0, 3), r.normal(2, 1, 4)])
    # SEMANTICS.md 2.2's exact example: grad_b = G.sum(0) = [5, 7, 9].
    case(r, "add_broadcast_row_worked", "Add",
         [t([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3), t([10.0, 20.0, 30.0])],
         seed=t([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3))

    r = Rand("sub")
    case(r, "sub_same_shape", "Sub", [r.normal(2, 3), r.normal(2, 3)])
    case(r, "sub_broadcast_both", "Sub", [r.normal(3, 1), r.normal(1, 4)])
    case(r, "sub_0d_right", "Sub", [sliced(r.normal(2, 3), 0), r.normal()])
    case(r, "sub_const_left", "Sub", [r.normal(2, 3), r.normal(2, 3)], rg=[False, True])

    r = Rand("mul")
    case(r, "mul_same_shape", "Mul", [r.normal(2, 3), r.normal(2, 3)])
    case(r, "mul_broadcast_row", "Mul", [r.normal(2, 3), r.normal(3)])
    case(r, "mul_broadcast_col", "Mul", [r.normal(2, 3), r.normal(2, 1)])
    case(r, "mul_scalar_tensor_0d", "Mul", [r.normal(2, 3), r.normal()])
    case(r, "mul_rank_extend", "Mul", [r.normal(5, 1, 4, 1), r.normal(3, 1, 1)])
    case(r, "mul_expanded_transposed", "Mul", [expanded(r.normal(2, 1), 1, 3), transposed(r.normal(2, 3))])
    case(r, "mul_const_right", "Mul", [r.normal(3, 2), r.normal(3, 2)], rg=[True, False])
    # SEMANTICS.md 2.2: grad_s = sum(G*a) = 91 for a = G = [[1,2,3],[4,5,6]].
    case(r, "mul_scalar_tensor_0d_worked", "Mul",
         [t([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3), t(2.0)], rg=[False, True],
         seed=t([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3))

    r = Rand("div")
    case(r, "div_same_shape", "Div", [r.normal(2, 3), r.uniform(0.5, 2, 2, 3)])
    case(r, "div_broadcast_col", "Div", [r.normal(2, 3), r.uniform(0.5, 2, 2, 1)])
    case(r, "div_0d_dividend", "Div", [r.normal(), r.uniform(-2, -0.5, 3)])
    case(r, "div_transposed_const_divisor", "Div", [transposed(r.normal(3, 2)), r.uniform(0.5, 2, 2)],
         rg=[True, False])
    # SEMANTICS.md 3.6: 1/0 = inf with d/dx = inf and d/dy = -inf; 0/0 is NaN
    # with NaN gradients; -1/0 = -inf.
    case(r, "div_by_zero", "Div", [t([1.0, 0.0, -1.0, 2.0]), t([0.0, 0.0, 0.0, 4.0])],
         seed=t([1.0, 1.0, 1.0, 1.0]))

    r = Rand("pow")
    case(r, "pow_tensor_tensor", "Pow", [r.uniform(0.5, 2, 2, 3), r.normal(2, 3)])
    case(r, "pow_broadcast_exponent", "Pow", [r.uniform(0.5, 2, 3, 1), t([0.5, 1.0, 2.0, -1.5])])
    case(r, "pow_transposed_base_0d_exponent", "Pow", [transposed(r.uniform(0.5, 2, 2, 3)), t(2.5)])
    case(r, "pow_const_exponent", "Pow", [r.uniform(0.5, 2, 4), r.normal(4)], rg=[True, False])
    case(r, "pow_const_base", "Pow", [r.uniform(0.5, 2, 4), r.normal(4)], rg=[False, True])
    # SEMANTICS.md 3.6 pow masks: x**y at x = 0 has d/dy = 0 where y >= 0;
    # d/dx is y*x**(y-1) (0 for y = 2, inf for y = 0.5). At y = 0 and
    # x = 0 d/dx is 0 (the exponent-0 mask), not 0 * 0**-1 = NaN.
    case(r, "pow_zero_base_masks", "Pow", [t([0.0, 0.0, 0.0, 2.0]), t([2.0, 0.5, 3.0, 0.0])],
         seed=t([1.0, 1.0, 1.0, 1.0]))
    case(r, "pow_zero_base_zero_exponent", "Pow", [t([0.0, 0.0]), t([0.0, 0.0])],
         seed=t([1.0, 1.0]))
    # Negative base: d/dy is NaN (log of a negative number), d/dx finite.
    case(r, "pow_negative_base", "Pow", [t([-2.0, -0.5]), t([2.0, 3.0])], seed=t([1.0, 1.0]))

    r = Rand("maximum")
    case(r, "maximum", "Maximum", [r.normal(2, 3), r.normal(2, 3)])
    case(r, "maximum_broadcast", "Maximum", [r.dyadic(2, 3, scale=2), r.dyadic(3, scale=2)])
    # Ties split the gradient 1/2, 1/2 (SEMANTICS.md 3.6).
    case(r, "maximum_ties", "Maximum", [t([1.0, 2.0, -3.0]), t([1.0, 2.0, -3.0])], seed=t([1.0, 1.0, 1.0]))
    case(r, "minimum", "Minimum", [transposed(r.normal(2, 3)), r.normal(2, 3)])
    case(r, "minimum_ties_broadcast", "Minimum", [t([1.0, 0.0, 2.0, 2.0], 2, 2), t([2.0, 0.0])])
    case(r, "minimum_const", "Minimum", [r.normal(4), r.normal(4)], rg=[False, True])

    r = Rand("where")
    case(r, "where", "Where", [t([1.0, 0.0, 0.0, 1.0, 1.0, 0.0], 2, 3), r.normal(2, 3), r.normal(2, 3)],
         rg=[False, True, True])
    case(r, "where_broadcast", "Where", [t([1.0, 0.0], 2, 1), r.normal(2, 3), r.normal()],
         rg=[False, True, True])
    case(r, "where_strided", "Where",
         [transposed(t([1.0, 0.0, 0.0, 1.0, 1.0, 0.0], 2, 3)), sliced(r.normal(2, 3), 0), r.normal(3)],
         rg=[False, True, True])


def scalar_cases():
    r = Rand("scalar")
    case(r, "add_scalar", "AddScalar", [transposed(r.normal(2, 3))], scalar=0.5)
    case(r, "add_scalar_0d", "AddScalar", [r.normal()], scalar=-2.25)
    case(r, "mul_scalar", "MulScalar", [sliced(r.normal(3, 2), 0)], scalar=-1.5)
    case(r, "pow_scalar_2", "PowScalar", [r.normal(2, 3)], scalar=2.0)
    case(r, "pow_scalar_3_expanded", "PowScalar", [expanded(r.normal(1, 3), 0, 2)], scalar=3.0)
    case(r, "pow_scalar_neg_half", "PowScalar", [r.uniform(0.5, 3, 4)], scalar=-0.5)
    case(r, "pow_scalar_2_5", "PowScalar", [r.uniform(0.5, 3, 2, 2)], scalar=2.5)
    # SEMANTICS.md 3.6: x**0.5 at 0 has gradient inf; x**0 has gradient 0
    # everywhere (the exponent-0 mask), also at 0; x**2 at 0 has gradient 0.
    case(r, "pow_scalar_half_at_zero", "PowScalar", [t([0.0, 4.0, 1.0])], seed=t([1.0, 1.0, 1.0]),
         scalar=0.5)
    case(r, "pow_scalar_zero_at_zero", "PowScalar", [t([0.0, -2.0, 3.0])], seed=t([1.0, 1.0, 1.0]),
         scalar=0.0)
    case(r, "pow_scalar_2_at_zero", "PowScalar", [t([0.0, -0.0, 3.0])], seed=t([1.0, 1.0, 1.0]),
         scalar=2.0)
    case(r, "pow_scalar_minus_one_at_zero", "PowScalar", [t([0.0, 2.0])], seed=t([1.0, 1.0]),
         scalar=-1.0)


def unary_cases():
    r = Rand("unary")
    case(r, "neg", "Neg", [transposed(r.normal(2, 3))])
    case(r, "exp", "Exp", [r.normal(2, 3)])
    case(r, "exp_0d", "Exp", [r.normal()])
    case(r, "exp_overflow", "Exp", [t([1000.0, -1000.0, 0.0])], seed=t([1.0, 1.0, 1.0]))
    case(r, "log", "Log", [sliced(r.uniform(0.1, 5, 2, 3), 1)])
    # SEMANTICS.md 3.6: log(0) = -inf with gradient +inf; log(-1) = NaN with
    # gradient -1 (1/x, not NaN).
    case(r, "log_at_zero", "Log", [t([0.0, -1.0, 2.0])], seed=t([1.0, 1.0, 1.0]))
    case(r, "log1p", "Log1p", [r.uniform(-0.5, 3, 2, 3)])
    case(r, "log1p_at_minus_one", "Log1p", [t([-1.0, 1e-10, 0.0])], seed=t([1.0, 1.0, 1.0]))
    case(r, "sqrt", "Sqrt", [r.uniform(0.01, 10, 3, 2)])
    # SEMANTICS.md 3.6: sqrt'(0) = +inf, sqrt(-1) is NaN with gradient NaN.
    case(r, "sqrt_at_zero", "Sqrt", [t([0.0, 4.0, -1.0])], seed=t([1.0, 1.0, 1.0]))
    case(r, "abs", "Abs", [expanded(r.normal(3, 1), 1, 2)])
    # abs'(0) = abs'(-0.0) = 0.
    case(r, "abs_with_zero", "Abs", [t([0.0, -0.0, -2.0, 3.0])], seed=t([1.0, 1.0, 1.0, 1.0]))
    # sign has gradient 0 everywhere.
    case(r, "sign", "Sign", [t([-2.0, 0.0, 3.0, -0.5])])
    case(r, "tanh", "Tanh", [r.normal(2, 3)])
    case(r, "tanh_saturated", "Tanh", [t([1000.0, -1000.0, 20.0])], seed=t([1.0, 1.0, 1.0]))
    case(r, "sigmoid", "Sigmoid", [transposed(r.normal(2, 3))])
    case(r, "sigmoid_saturated", "Sigmoid", [t([1000.0, -1000.0, -800.0, -2.0])],
         seed=t([1.0, 1.0, 1.0, 1.0]))
    case(r, "relu", "ReLU", [r.normal(2, 3)])
    # relu'(0) = 0 (SEMANTICS.md 3.6), unlike clamp's closed interval.
    case(r, "relu_with_zero", "ReLU", [t([0.0, -0.0, -1.0, 2.0])], seed=t([1.0, 1.0, 1.0, 1.0]))
    case(r, "leaky_relu", "LeakyReLU", [r.normal(2, 3)], slope=0.01)
    # leaky_relu'(0) = slope.
    case(r, "leaky_relu_with_zero", "LeakyReLU", [t([0.0, -2.0, 3.0])], seed=t([1.0, 1.0, 1.0]),
         slope=0.1)
    # torch's float32 GELU loses up to 3e-4 relative for negative x (1 + erf
    # cancels; Go evaluates in float64 and rounds), so the float32 case
    # keeps to x > 0 and negative inputs are checked in float64 only.
    case(r, "gelu", "GELU", [r.uniform(0.2, 3, 2, 3)])
    case(r, "gelu_negative", "GELU", [r.normal(2, 3) * 2], float64_only=True)
    case(r, "gelu_tails", "GELU", [t([0.0, -10.0, 10.0, -3.0, -1.5])], seed=t([1.0, 1.0, 1.0, 1.0, 1.0]),
         float64_only=True)
    case(r, "softplus", "Softplus", [r.normal(2, 3) * 3], beta=1.0, threshold=20.0)
    case(r, "softplus_beta", "Softplus", [sliced(r.normal(2, 3), 1)], beta=2.0, threshold=5.0)
    # SEMANTICS.md 3.1: softplus(800) = 800 in the linear regime, gradient 1.
    case(r, "softplus_threshold", "Softplus", [t([800.0, 19.5, 20.5, -800.0])],
         seed=t([1.0, 1.0, 1.0, 1.0]), beta=1.0, threshold=20.0)
    case(r, "log_sigmoid", "LogSigmoid", [r.normal(2, 3) * 3])
    # logsigmoid(-800) = -800, gradient 1; logsigmoid(800) = 0, gradient 0.
    case(r, "log_sigmoid_extreme", "LogSigmoid", [t([-800.0, 800.0, 0.0])], seed=t([1.0, 1.0, 1.0]))
    case(r, "clamp", "Clamp", [sliced(r.normal(2, 4), 1)], lo=-0.5, hi=0.5)
    # clamp passes the gradient at both boundaries (closed interval).
    case(r, "clamp_boundaries", "Clamp", [t([-0.5, 0.5, -0.75, 0.75, 0.0])],
         seed=t([1.0, 1.0, 1.0, 1.0, 1.0]), lo=-0.5, hi=0.5)
    case(r, "clamp_equal_bounds", "Clamp", [t([0.0, 1.0, 2.0])], seed=t([1.0, 1.0, 1.0]), lo=1.0, hi=1.0)
    # clamp(min=0) at 0 passes the gradient, unlike relu.
    case(r, "clamp_min_boundary", "ClampMin", [t([0.0, -1.0, 1.0])], seed=t([1.0, 1.0, 1.0]), lo=0.0)
    case(r, "clamp_max_boundary", "ClampMax", [t([1.0, 2.0, -1.0])], seed=t([1.0, 1.0, 1.0]), hi=1.0)
    case(r, "square", "Square", [r.normal(2, 2)])
    case(r, "reciprocal", "Reciprocal", [r.uniform(0.5, 4, 3)])
    case(r, "reciprocal_at_zero", "Reciprocal", [t([0.0, -2.0])], seed=t([1.0, 1.0]))


def reduction_cases():
    r = Rand("sum")
    x = r.dyadic(2, 3, 4)
    case(r, "sum_all", "Sum", [x])
    case(r, "sum_axis0", "Sum", [x], axes=[0])
    case(r, "sum_axes_multi", "Sum", [x], axes=[0, 2])
    case(r, "sum_keepdim", "SumKeepDim", [x], axes=[1])
    case(r, "sum_keepdim_all", "SumKeepDim", [x])
    case(r, "sum_0d", "Sum", [r.normal()])
    case(r, "sum_transposed", "Sum", [transposed(r.dyadic(3, 4))], axes=[1])
    case(r, "sum_sliced", "Sum", [sliced(r.dyadic(3, 4), 1)], axes=[-2])

    r = Rand("mean")
    case(r, "mean_all", "Mean", [r.dyadic(3, 4)])
    case(r, "mean_axis", "Mean", [r.dyadic(3, 4)], axes=[1])
    case(r, "mean_keepdim", "MeanKeepDim", [r.dyadic(2, 3, 2)], axes=[0, 2])
    case(r, "mean_transposed", "Mean", [transposed(r.dyadic(2, 3))], axes=[0])

    r = Rand("max")
    case(r, "max_all", "Max", [r.normal(2, 3, 4)])
    case(r, "max_axis", "Max", [r.normal(2, 3, 4)], axes=[1])
    case(r, "max_keepdim", "MaxKeepDim", [transposed(r.normal(3, 4))], axes=[0])
    # Full max with ties splits the gradient evenly: [1,3,3,2] -> [0,.5,.5,0].
    case(r, "max_all_ties", "Max", [t([1.0, 3.0, 3.0, 2.0])])
    # amax over a dim with ties: split evenly within each reduced slice.
    case(r, "amax_dim_ties", "Max", [t([1.0, 3.0, 3.0, 2.0, 2.0, 0.0], 2, 3)], seed=t([1.0, 1.0]), axes=[1])
    case(r, "amax_dims_ties_keepdim", "MaxKeepDim", [t([1.0, 2.0, 2.0, 2.0, 0.0, 1.0], 3, 2)], axes=[0, 1])
    case(r, "min_all", "Min", [r.normal(2, 3)])
    case(r, "min_axis", "Min", [sliced(r.normal(3, 2), 0)], axes=[-1])
    case(r, "amin_dim_ties", "MinKeepDim", [t([1.0, 1.0, 1.0, 0.0, 2.0, 0.0], 2, 3)], axes=[1])
    case(r, "min_all_ties", "Min", [t([-1.0, 4.0, -1.0, -1.0])])

    r = Rand("logsumexp")
    case(r, "logsumexp_axis", "LogSumExp", [r.normal(2, 3) + 3], axes=[1])
    case(r, "logsumexp_all", "LogSumExp", [r.normal(2, 3)])
    case(r, "logsumexp_keepdim", "LogSumExpKeepDim", [r.normal(3, 2) - 2], axes=[0])
    case(r, "logsumexp_transposed", "LogSumExp", [transposed(r.normal(3, 4) + 2)], axes=[-1])
    # SEMANTICS.md 3.1: logsumexp([1000, 1000]) = 1000 + log 2; torch's
    # gradient is 0.5000000000000275 (exp(x - out)), hence a relative bound.
    # float64 only: in float32 the rounding of out (an ulp of 1000 is 6e-5)
    # moves exp(x - out) by 3e-5, so torch's float32 gradient cannot judge.
    case(r, "logsumexp_large", "LogSumExp", [t([1000.0, 1000.0])], float64_only=True)
    case(r, "logsumexp_large_rows", "LogSumExp", [t([1000.0, 1000.0, -1000.0, -1000.0, 1000.0, 0.0], 3, 2)],
         float64_only=True, axes=[1])

    r = Rand("softmax")
    case(r, "softmax_last", "Softmax", [r.normal(2, 3)], axis=-1)
    case(r, "softmax_axis0", "Softmax", [r.normal(3, 2)], axis=0)
    case(r, "softmax_transposed", "Softmax", [transposed(r.normal(3, 4))], axis=-1)
    case(r, "softmax_3d_middle", "Softmax", [r.normal(2, 3, 2)], axis=1)
    case(r, "softmax_large_logits", "Softmax", [t([1000.0, 0.0, -1000.0, 2.0, 1.0, 1000.0], 2, 3)], axis=1)
    case(r, "log_softmax_last", "LogSoftmax", [r.normal(2, 3)], axis=-1)
    case(r, "log_softmax_axis0", "LogSoftmax", [sliced(r.normal(3, 2), 1)], axis=0)
    # SEMANTICS.md 3.1: log_softmax([1000, 0, -1000]) = [0, -1000, -2000].
    case(r, "log_softmax_large_logits", "LogSoftmax", [t([1000.0, 0.0, -1000.0])], axis=0)

    r = Rand("sumto")
    case(r, "sum_to_row", "SumTo", [r.dyadic(2, 3)], shape=[1, 3])
    case(r, "sum_to_drop_lead", "SumTo", [r.dyadic(2, 3)], shape=[3])
    case(r, "sum_to_3d", "SumTo", [r.dyadic(2, 3, 4)], shape=[3, 1])
    case(r, "sum_to_strided", "SumTo", [transposed(r.dyadic(2, 3))], shape=[1, 3])


def matmul_cases():
    # Inputs and seeds are multiples of 1/8, as in gen_tensor_golden.py, so
    # that the float32 sums (forward and both gradients) are exact or
    # nearly so and do not depend on the order of summation.
    r = Rand("matmul")
    d = r.dyadic

    def mm(name, inputs, **kw):
        case(r, name, "MatMul", inputs, dyadic_seed=True, **kw)

    mm("matmul_mat_mat", [d(2, 3), d(3, 4)])
    mm("matmul_vec_vec", [d(3), d(3)])
    mm("matmul_mat_vec", [d(2, 3), d(3)])
    mm("matmul_vec_mat", [d(3), d(3, 4)])
    mm("matmul_batched", [d(2, 2, 3), d(2, 3, 2)])
    mm("matmul_batched_broadcast", [d(5, 1, 2, 3), d(4, 3, 6)])
    mm("matmul_batched_mat", [d(3, 2, 4), d(4, 2)])
    mm("matmul_batched_vec", [d(2, 2, 3), d(3)])
    mm("matmul_vec_batched", [d(3), d(2, 3, 4)])
    mm("matmul_transposed_both", [transposed(d(2, 3)), transposed(d(3, 4))])
    mm("matmul_sliced", [sliced(d(2, 3), 1), sliced(d(3, 2), 0)])
    mm("matmul_expanded_batch", [expanded(d(1, 2, 3), 0, 3), d(3, 3, 1)])
    mm("matmul_const_left", [d(2, 3), d(3, 2)], rg=[False, True])
    mm("matmul_const_right", [d(4, 3), transposed(d(3, 2))], rg=[True, False])
    # Random (not dyadic) values in float64 only: the general case, where
    # float32 sums would depend on their order.
    mm("matmul_batched_broadcast_normal", [r.normal(5, 1, 2, 3), r.normal(4, 3, 6)], float64_only=True)


def view_cases():
    r = Rand("views")
    x = r.normal(2, 3, 4)
    case(r, "reshape", "Reshape", [x], shape=[4, 6])
    case(r, "reshape_transposed", "Reshape", [transposed(r.normal(2, 3))], shape=[6])
    case(r, "reshape_infer", "Reshape", [x], shape=[-1, 4])
    case(r, "reshape_to_0d", "Reshape", [r.normal(1, 1)], shape=[])
    case(r, "view", "View", [r.normal(6)], shape=[2, 3])
    case(r, "flatten_transposed", "Flatten", [transposed(r.normal(2, 3))])
    case(r, "transpose", "Transpose", [x], axes=[0, 2])
    case(r, "permute", "Permute", [transposed(r.normal(2, 3, 4))], axes=[1, 2, 0])
    case(r, "t", "T", [r.normal(2, 3)])
    case(r, "slice_step", "Slice", [r.normal(5, 4)], axis=0, start=1, stop=5, step=2)
    case(r, "slice_last_axis_strided", "Slice", [transposed(r.normal(3, 7))], axis=-1, start=0, stop=7, step=3)
    case(r, "slice_negative_start", "Slice", [r.normal(5, 2)], axis=0, start=-3, stop=5, step=2)
    case(r, "select", "Select", [x], axis=1, index=2)
    case(r, "select_negative_index", "Select", [transposed(r.normal(3, 2))], axis=-1, index=-1)
    case(r, "select_to_0d", "Select", [r.normal(3)], axis=0, index=1)
    # Repeated indices: their gradients add up (index_add).
    case(r, "index_select_repeated", "IndexSelect", [r.normal(4, 3)], axis=0, indices=[3, 0, 0, 2, 0])
    case(r, "index_select_cols", "IndexSelect", [transposed(r.normal(3, 4))], axis=-1, indices=[2, 1])
    y = r.normal(1, 3, 1, 2)
    case(r, "squeeze_all", "Squeeze", [y])
    case(r, "squeeze_axis", "Squeeze", [y], axes=[-2])
    case(r, "unsqueeze_middle", "Unsqueeze", [transposed(r.normal(3, 2))], axis=1)
    case(r, "unsqueeze_0d", "Unsqueeze", [r.normal()], axis=0)
    # Expanded dimensions sum their gradients: x.expand(3,2) of [1,2] with
    # seed ones gives [3,3] (SEMANTICS.md 2.2).
    case(r, "expand_worked", "Expand", [t([1.0, 2.0])], seed=t([1.0] * 6, 3, 2), shape=[3, 2])
    case(r, "expand_keep", "Expand", [r.normal(3, 1)], shape=[-1, 4])
    case(r, "expand_new_dims", "Expand", [r.normal(3)], shape=[2, 2, 3])
    case(r, "broadcast_to", "BroadcastTo", [r.normal(2, 1)], shape=[3, 2, 2])
    case(r, "contiguous_transposed", "Contiguous", [transposed(r.normal(2, 3))])
    case(r, "concat_axis0", "Concat", [r.normal(2, 3), r.normal(1, 3)], axis=0)
    case(r, "concat_last_strided_const", "Concat",
         [r.normal(2, 1), transposed(r.normal(2, 3)), r.normal(2, 2)], rg=[True, False, True], axis=-1)
    case(r, "stack_axis1", "Stack", [r.normal(2, 3), transposed(r.normal(2, 3)), r.normal(2, 3)], axis=1)
    case(r, "stack_0d", "Stack", [t(1.0), t(-2.0)], axis=0)


# ---------------------------------------------------------------- create graph

CREATE_GRAPH = []


def cg_case(name, inputs, want):
    if name in NAMES:
        raise ValueError("duplicate case " + name)
    NAMES.add(name)
    for k, v in list(inputs.items()) + list(want.items()):
        if v.dtype != F64:
            raise ValueError("%s: %s has dtype %s" % (name, k, v.dtype))
        if not torch.isfinite(v).all():
            raise ValueError("%s: %s is not finite" % (name, k))
    CREATE_GRAPH.append({
        "name": name,
        "inputs": {k: tensor_json(v.detach()) for k, v in inputs.items()},
        "want": {k: tensor_json(v.detach()) for k, v in want.items()},
    })


def grad(out, inputs, seed=None, create=False):
    return torch.autograd.grad(out, inputs, seed, create_graph=create)


def mlp_hvp(name, loss_fn):
    """Hessian-vector product of a 3-4-1 MLP loss (SEMANTICS.md 1.6):
    g = grad(loss, params, create_graph=True), hv = grad(sum_i <g_i, v_i>,
    params). Linear layers store weights (out, in), as torch's nn.Linear."""
    r = Rand(name)
    x, y = r.normal(5, 3), r.uniform(0.1, 0.9, 5, 1)
    shapes = {"w1": (4, 3), "b1": (4,), "w2": (1, 4), "b2": (1,)}
    params = {k: (0.7 * r.normal(*s)).requires_grad_() for k, s in shapes.items()}
    vs = {"v_" + k: r.normal(*s) for k, s in shapes.items()}
    names = list(shapes)
    h = torch.tanh(x @ params["w1"].t() + params["b1"])
    z = h @ params["w2"].t() + params["b2"]
    loss = loss_fn(z, y)
    gs = grad(loss, [params[k] for k in names], create=True)
    dot = sum((g * vs["v_" + k]).sum() for g, k in zip(gs, names))
    hvs = grad(dot, [params[k] for k in names])
    inputs = {"x": x, "y": y}
    inputs.update({k: params[k] for k in names})
    inputs.update(vs)
    want = {"loss": loss}
    want.update({"g_" + k: g for k, g in zip(names, gs)})
    want.update({"hv_" + k: hv for k, hv in zip(names, hvs)})
    cg_case(name, inputs, want)


def double_backward(name, fn, in_shape, w_shape):
    """y = fn(x); g = grad(sum(y*w), x, create_graph=True);
    gg = grad(sum(g*u), x) for fixed w, u."""
    r = Rand(name)
    x = r.normal(*in_shape).requires_grad_()
    w, u = r.normal(*w_shape), r.normal(*in_shape)
    y = fn(x)
    (g,) = grad((y * w).sum(), [x], create=True)
    (gg,) = grad((g * u).sum(), [x])
    cg_case(name, {"x": x, "w": w, "u": u}, {"y": y, "g": g, "gg": gg})


def create_graph_cases():
    # MSE loss: mean((z - y)^2).
    mlp_hvp("hvp_mlp_tanh_mse", lambda z, y: ((z - y) ** 2).mean())
    # BCE on a sigmoid output, spelled out so that Go builds the same graph:
    # -mean(y log p + (1 - y) log(1 - p)).
    mlp_hvp("hvp_mlp_sigmoid_bce",
            lambda z, y: -(y * torch.log(torch.sigmoid(z))
                           + (1 - y) * torch.log(1 - torch.sigmoid(z))).mean())
    double_backward("double_backward_softmax", lambda x: torch.softmax(x, 1), (3, 4), (3, 4))
    double_backward("double_backward_log_softmax", lambda x: torch.log_softmax(x, 1), (3, 4), (3, 4))
    double_backward("double_backward_logsumexp", lambda x: torch.logsumexp(x, 1), (3, 4), (3,))

    # Third derivative of x**3: 3x², 6x, 6, each by differentiating the sum
    # of the previous gradient with create_graph.
    x = torch.tensor([-1.5, 0.5, 2.0, 3.0], dtype=F64, requires_grad=True)
    (g1,) = grad((x ** 3).sum(), [x], create=True)
    (g2,) = grad(g1.sum(), [x], create=True)
    (g3,) = grad(g2.sum(), [x])
    cg_case("third_derivative_cube", {"x": x}, {"g1": g1, "g2": g2, "g3": g3})


def main():
    binary_cases()
    scalar_cases()
    unary_cases()
    reduction_cases()
    matmul_cases()
    view_cases()
    create_graph_cases()
    missing = set(OPS) - {c["op"] for c in CASES}
    if missing:
        sys.exit("ops without a case: %s" % sorted(missing))
    write_golden(OUT, "testdata/gen_autograd_golden.py",
                 torch.__version__ + " (Debian python3-torch 1.13.1+dfsg, CPU)",
                 ("cases", CASES), ("create_graph", CREATE_GRAPH))
    print("wrote %d cases and %d create-graph cases to %s"
          % (len(CASES), len(CREATE_GRAPH), os.path.relpath(OUT)))


if __name__ == "__main__":
    main()
