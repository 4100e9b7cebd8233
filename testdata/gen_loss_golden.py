#!/usr/bin/python3
"""Generate testdata/golden/nn_losses.json: PyTorch reference values for the
losses of package nn (MSE, L1, Huber, BCE, BCEWithLogits, NLL, CrossEntropy,
CrossEntropyProbs): each loss's value, the gradient of every input that
requires one, and for a few cases a Hessian-vector product (double
backward).

Reference: Debian python3-torch 1.13.1+dfsg (torch.__version__ "1.13.0a0"),
CPU. Rerun from the repository root with

    /usr/bin/python3 testdata/gen_loss_golden.py

The output is deterministic: each case draws its random inputs from its own
torch.Generator seeded with the CRC-32 of the case's group name.

Where torch 1.13 and 2.x differ, the reference is 2.x (SEMANTICS.md), built
here from torch 1.13 ops exactly as 2.x builds it:

* BCE: 2.x computes log(1-p) as log1p(-p); 1.13 as log(1 - p), which
  differs by up to 1e-7 relative for small p. The forward value is
  therefore the 2.x formula
      (t-1)*max(log1p(-p), -100) - t*max(log(p), -100), times w,
  evaluated with torch ops. The gradients of p and t are 1.13's
  hand-written kernels (F.binary_cross_entropy's backward), which 2.x keeps
  unchanged. Torch does not differentiate BCE's weight; its reference
  gradient is autograd of the formula above.
* BCEWithLogits: 2.x computes (1-t)*x - lw*logsigmoid(x), lw = (pw-1)*t+1,
  times w, and differentiates it with autograd (weight and pos_weight
  included); 1.13 used a max-shifted log-sum-exp form (less accurate where
  the loss is tiny) and a hand-written backward. The reference is the 2.x
  composite, evaluated with torch ops. The script asserts that 1.13's own
  F.binary_cross_entropy_with_logits agrees with it to 1e-6 where both are
  defined, so the two formulas cannot drift apart unnoticed.
* MSE, L1, Huber, NLL and cross-entropy (class-index and probability
  targets, label smoothing) are the same in both; their reference is the
  torch.nn.functional call itself.

File format (read by nn/loss_test.go). Floats are strings ("inf", "-inf",
"nan" survive JSON), as in testdata/gen_tensor_golden.py, whose helpers
(Rand, enc) this script imports.

    {"generator", "torch_version", "cases": [case, ...]}
    case   = {"name", "loss", "params", "inputs": {name: input}, "target",
              "seed", "out": {"float64": tensor, "float32": tensor},
              "grads": {"float64": {name: tensor}, "float32": {...}},
              "hvp": {"wrt", "v": tensor, "float64": tensor}}
    input  = {"shape", "data", "requires_grad"}
    tensor = {"shape", "data"}

* "loss" is the Go function name. Input names: MSE, L1, Huber: x, y; BCE:
  p, target, weight; BCEWithLogits: x, target, weight, pos_weight; NLL:
  logp, weight; CrossEntropy: logits, weight; CrossEntropyProbs: logits,
  probs, weight. For NLL and the cross-entropies "weight" is a constant
  tensor (CEOptions.Weight); elsewhere every input is a Value, constant
  unless "requires_grad".
* "params": "reduction" ("mean", "sum", "none"), "delta" and
  "label_smoothing" (float strings), "ignore_index" (int; absent means
  torch's default -100).
* "target" holds class indices for NLL and CrossEntropy.
* Inputs are stored in float64; the float32 run uses float32(x) of each
  stored value, as the Go test does.
* "seed" is the gradient of the output for ReduceNone (grad_outputs),
  stored in float64 and rounded to float32 for the float32 run; without it
  the output is a scalar and its seed is 1.
* "grads" has an entry for each input that requires a gradient.
* "hvp" (float64 only): with gx = d loss / d wrt (create_graph), the
  gradient d <gx, v> / d wrt: a Hessian-vector product, which checks the
  double backward of the fused losses.

Before writing, the script checks every float32 value and gradient against
float64 torch evaluated on the same float32 inputs and seed, within a
quarter of the float32 tolerance of the Go test (F32_TOL below, relative,
with an absolute floor of F32_TOL times the tensor's largest magnitude); a
case that fails is ill-conditioned in float32 and is rejected.
"""

import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_tensor_golden import Rand, enc, write_golden  # noqa: E402  (the shared format)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "nn_losses.json")

# Must agree with lossTol32 in nn/loss_test.go.
F32_TOL = 2e-6

F64 = torch.float64
F32 = torch.float32

CE_LOSSES = {"NLL", "CrossEntropy", "CrossEntropyProbs"}


# ---------------------------------------------------------------- the losses

def _red(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def bce_2x(p, target, weight, reduction):
    """BCE's forward value as torch 2.x computes it (log1p(-p))."""
    loss = (target - 1) * torch.clamp(torch.log1p(-p), min=-100) - target * torch.clamp(torch.log(p), min=-100)
    if weight is not None:
        loss = loss * weight
    return _red(loss, reduction)


def bce_with_logits_2x(x, target, weight, pos_weight, reduction):
    """torch 2.x's binary_cross_entropy_with_logits, as a composite."""
    ls = F.logsigmoid(x)
    if pos_weight is not None:
        ls = ls * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * x - ls
    if weight is not None:
        loss = loss * weight
    return _red(loss, reduction)


def _classes(x, target):
    """Class indices as torch takes them: a 0-d tensor for a (C) input."""
    return torch.tensor(target[0] if x.dim() == 1 else target)


def run(loss, ins, target, params):
    """The loss on inputs ins (name -> tensor, leaves): (out, grad_fn) where
    grad_fn(out, seed, names) returns torch's reference gradients."""
    red = params.get("reduction", "mean")
    if loss == "MSE":
        return F.mse_loss(ins["x"], ins["y"], reduction=red), None
    if loss == "L1":
        return F.l1_loss(ins["x"], ins["y"], reduction=red), None
    if loss == "Huber":
        return F.huber_loss(ins["x"], ins["y"], reduction=red, delta=float(params["delta"])), None
    if loss == "BCE":
        return bce_2x(ins["p"], ins["target"], ins.get("weight"), red), bce_grads
    if loss == "BCEWithLogits":
        return bce_with_logits_2x(ins["x"], ins["target"], ins.get("weight"), ins.get("pos_weight"), red), None
    kw = {"reduction": red}
    if "weight" in ins:
        kw["weight"] = ins["weight"]
    if "ignore_index" in params:
        kw["ignore_index"] = params["ignore_index"]
    if loss == "NLL":
        return F.nll_loss(ins["logp"], _classes(ins["logp"], target), **kw), None
    if "label_smoothing" in params:
        kw["label_smoothing"] = float(params["label_smoothing"])
    if loss == "CrossEntropy":
        return F.cross_entropy(ins["logits"], _classes(ins["logits"], target), **kw), None
    if loss == "CrossEntropyProbs":
        return F.cross_entropy(ins["logits"], ins["probs"], **kw), None
    raise ValueError(loss)


def bce_grads(ins, params, seed, names):
    """BCE's reference gradients: p and target through torch's hand-written
    kernels (F.binary_cross_entropy), weight through autograd of the 2.x
    formula (torch does not differentiate it)."""
    red = params.get("reduction", "mean")
    p, t, w = ins["p"], ins["target"], ins.get("weight")
    out = {}
    kernel = [n for n in names if n in ("p", "target")]
    if kernel:
        w0 = None if w is None else w.detach()
        o = F.binary_cross_entropy(p, t, weight=w0, reduction=red)
        gs = torch.autograd.grad(o, [ins[n] for n in kernel], seed)
        out.update(zip(kernel, gs))
    if "weight" in names:
        o = bce_2x(p.detach(), t.detach(), w, red)
        (out["weight"],) = torch.autograd.grad(o, [w], seed)
    return out


# ---------------------------------------------------------------- cases

CASES = []
NAMES = set()


def tensor_json(x):
    return {"shape": list(x.shape), "data": enc(x)}


def f32_close(got, ref):
    """got (torch float32) against ref (torch float64 on the same float32
    inputs) within F32_TOL/4, relative, with an absolute floor scaled by the
    largest finite magnitude of ref."""
    got = got.detach().to(F64).reshape(-1).tolist()
    ref = ref.detach().to(F32).to(F64).reshape(-1).tolist()
    finite = [abs(v) for v in ref if math.isfinite(v)]
    floor = max(finite, default=0.0)
    tol = F32_TOL / 4
    for a, b in zip(got, ref):
        if math.isnan(b) or math.isinf(b):
            if not (a == b or (math.isnan(a) and math.isnan(b))):
                return False
        elif not abs(a - b) <= tol * max(abs(b), floor):
            return False
    return True


def evaluate(loss, inputs, rg, target, params, seed, dtype):
    """Loss value and gradients at inputs (float64 tensors) rounded to dtype."""
    ins = {}
    for k, v in inputs.items():
        x = v.to(dtype)
        if k in rg:
            x.requires_grad_()
        ins[k] = x
    out, grad_fn = run(loss, ins, target, params)
    s = None if seed is None else seed.to(dtype)
    names = [k for k in inputs if k in rg]
    if grad_fn is not None:
        grads = grad_fn(ins, params, s, names)
    else:
        grads = dict(zip(names, torch.autograd.grad(out, [ins[n] for n in names], s)))
    return out.detach(), grads


def case(name, loss, inputs, requires_grad, target=None, hvp=None, **params):
    """Add a case. inputs: name -> float64 tensor; requires_grad: the names
    of the inputs to differentiate; hvp: the name of the input of a
    Hessian-vector product."""
    if name in NAMES:
        raise ValueError("duplicate case " + name)
    NAMES.add(name)
    r = Rand(name)
    inputs = {k: v.to(F64) for k, v in inputs.items()}
    rg = set(requires_grad)
    if loss in CE_LOSSES and "weight" in rg:
        raise ValueError(name + ": class weights are constants")
    seed = None
    if params.get("reduction") == "none":
        shape = run(loss, dict(inputs), target, params)[0].shape
        seed = r.normal(*shape)
    out64, grads64 = evaluate(loss, inputs, rg, target, params, seed, F64)
    out32, grads32 = evaluate(loss, inputs, rg, target, params, seed, F32)
    in32 = {k: v.to(F32).to(F64) for k, v in inputs.items()}
    seed32 = None if seed is None else seed.to(F32).to(F64)
    ref_out, ref_grads = evaluate(loss, in32, rg, target, params, seed32, F64)
    if not f32_close(out32, ref_out):
        raise ValueError("%s: float32 value %s is not within %g of float64 %s on the same inputs"
                         % (name, out32, F32_TOL / 4, ref_out))
    for k in grads32:
        if not f32_close(grads32[k], ref_grads[k]):
            raise ValueError("%s: float32 gradient of %s\n%s\nis not within %g of float64\n%s"
                             % (name, k, grads32[k], F32_TOL / 4, ref_grads[k]))
    c = {"name": name, "loss": loss}
    if params:
        c["params"] = {k: (repr(float(v)) if isinstance(v, float) else v) for k, v in params.items()}
    c["inputs"] = {}
    for k, v in inputs.items():
        d = tensor_json(v)
        if k in rg:
            d["requires_grad"] = True
        c["inputs"][k] = d
    if target is not None:
        c["target"] = list(target)
    if seed is not None:
        c["seed"] = tensor_json(seed)
    c["out"] = {"float64": tensor_json(out64), "float32": tensor_json(out32)}
    c["grads"] = {"float64": {k: tensor_json(v) for k, v in grads64.items()},
                  "float32": {k: tensor_json(v) for k, v in grads32.items()}}
    if hvp is not None:
        c["hvp"] = hessian_vector(name, loss, inputs, rg, target, params, seed, hvp, r)
    CASES.append(c)


def hessian_vector(name, loss, inputs, rg, target, params, seed, wrt, r):
    """torch's double backward: d <d loss/d wrt, v> / d wrt for a random v."""
    ins = {}
    for k, v in inputs.items():
        x = v.clone()
        if k in rg:
            x.requires_grad_()
        ins[k] = x
    if loss == "BCE":
        # torch's BCE double backward is its own formula (eps placed
        # differently); differentiate the hand-written kernel instead.
        raise ValueError(name + ": no BCE hvp reference")
    out, _ = run(loss, ins, target, params)
    (gx,) = torch.autograd.grad(out, [ins[wrt]], seed, create_graph=True)
    v = r.normal(*gx.shape)
    (hv,) = torch.autograd.grad((gx * v).sum(), [ins[wrt]])
    return {"wrt": wrt, "v": tensor_json(v), "float64": tensor_json(hv)}


def t(values, *shape):
    x = torch.tensor(values, dtype=F64)
    return x.reshape(shape) if shape else x


# ---------------------------------------------------------------- groups

def regression_cases():
    r = Rand("regression")
    x, y = r.normal(3, 4), r.normal(3, 4)
    for red in ("mean", "sum", "none"):
        case("mse_" + red, "MSE", {"x": x, "y": y}, ["x", "y"], reduction=red)
    case("mse_scalar", "MSE", {"x": t(1.5), "y": t(-0.25)}, ["x"], reduction="mean")
    # Equal elements: L1's gradient there is 0 (sign(0)).
    x1 = t([0.5, -1.0, 2.0, 3.0, -0.25, 0.0], 2, 3)
    y1 = t([0.5, 1.0, -2.0, 3.0, 0.75, 0.0], 2, 3)
    for red in ("mean", "sum", "none"):
        case("l1_" + red, "L1", {"x": x1, "y": y1}, ["x", "y"], reduction=red)
    # |x - y| below, at and above delta; 0 and large differences.
    xh = t([0.0, 0.3, 1.0, -1.0, 2.5, -7.0, 1e3, 0.5])
    yh = t([0.0, 0.0, 0.0, 0.0, 0.5, 1.0, -1e3, 1.5])
    for red in ("mean", "sum", "none"):
        case("huber_" + red, "Huber", {"x": xh, "y": yh}, ["x", "y"], reduction=red, delta=1.0)
    case("huber_delta_half", "Huber", {"x": r.normal(2, 5), "y": r.normal(2, 5)}, ["x"],
         reduction="mean", delta=0.5)


def bce_cases():
    r = Rand("bce")
    p, tt = r.uniform(0.05, 0.95, 3, 4), r.uniform(0, 1, 3, 4)
    for red in ("mean", "sum", "none"):
        case("bce_" + red, "BCE", {"p": p, "target": tt}, ["p"], reduction=red)
    # SEMANTICS.md 3.2: p = 0 with t = 1 costs 100 and has gradient -1/eps.
    case("bce_clamped_log", "BCE",
         {"p": t([0.0, 1.0, 0.0, 1.0, 0.5, 1e-10, 1 - 1e-7]),
          "target": t([1.0, 0.0, 0.0, 1.0, 0.5, 0.0, 1.0])}, ["p"], reduction="none")
    case("bce_clamped_log_mean", "BCE",
         {"p": t([0.0, 1.0, 0.25]), "target": t([1.0, 0.0, 0.75])}, ["p"], reduction="mean")
    # Weight (C) broadcast over (N, C); the weight's own gradient too.
    case("bce_weight_broadcast", "BCE",
         {"p": r.uniform(0.05, 0.95, 4, 3), "target": r.uniform(0, 1, 4, 3),
          "weight": r.uniform(0.5, 2, 3)}, ["p", "weight"], reduction="sum")
    case("bce_weight_full_mean", "BCE",
         {"p": r.uniform(0.05, 0.95, 2, 3), "target": r.uniform(0, 1, 2, 3),
          "weight": r.uniform(0.5, 2, 2, 3)}, ["p", "weight"], reduction="mean")
    # p away from 0.5, where -logit(p) cancels in float32.
    case("bce_target_grad", "BCE", {"p": r.uniform(0.05, 0.4, 5), "target": r.uniform(0, 1, 5)},
         ["p", "target"], reduction="mean")


def bce_with_logits_cases():
    r = Rand("bce_with_logits")
    x, tt = r.normal(3, 4) * 3, r.uniform(0, 1, 3, 4)
    for red in ("mean", "sum", "none"):
        case("bce_logits_" + red, "BCEWithLogits", {"x": x, "target": tt}, ["x"], reduction=red)
    # Logits of ±1000 and ±40: exact losses and gradients, never NaN.
    case("bce_logits_extreme", "BCEWithLogits",
         {"x": t([1000.0, -1000.0, 1000.0, -1000.0, 40.0, -40.0, 0.0, 20.0]),
          "target": t([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.5, 0.25])}, ["x"], reduction="none")
    case("bce_logits_extreme_sum", "BCEWithLogits",
         {"x": t([1000.0, -1000.0, 1000.0, -1000.0, 40.0, -40.0]),
          "target": t([1.0, 0.0, 0.0, 1.0, 0.0, 1.0])}, ["x"], reduction="sum")
    # pos_weight (C) along the last dimension, weight (N, 1); all four
    # inputs differentiated.
    case("bce_logits_pos_weight", "BCEWithLogits",
         {"x": r.normal(4, 3) * 2, "target": r.uniform(0, 1, 4, 3),
          "weight": r.uniform(0.5, 2, 4, 1), "pos_weight": r.uniform(0.5, 3, 3)},
         ["x", "target", "weight", "pos_weight"], reduction="mean", hvp="x")
    case("bce_logits_pos_weight_none", "BCEWithLogits",
         {"x": r.normal(2, 3) * 2, "target": r.uniform(0, 1, 2, 3),
          "pos_weight": r.uniform(0.5, 3, 3)}, ["x"], reduction="none")
    case("bce_logits_target_grad", "BCEWithLogits",
         {"x": r.normal(5) * 2, "target": r.uniform(0, 1, 5)}, ["x", "target"], reduction="sum",
         hvp="x")


def nll_cases():
    r = Rand("nll")
    logp = torch.log_softmax(r.normal(5, 4), 1)
    y = [2, 0, -100, 3, 1]
    w = r.uniform(0.5, 2, 4)
    for red in ("mean", "sum", "none"):
        case("nll_" + red, "NLL", {"logp": logp}, ["logp"], target=y, reduction=red)
        case("nll_weight_" + red, "NLL", {"logp": logp, "weight": w}, ["logp"], target=y, reduction=red)
    case("nll_1d", "NLL", {"logp": torch.log_softmax(r.normal(4), 0)}, ["logp"], target=[1],
         reduction="mean")
    case("nll_ignore_custom", "NLL", {"logp": logp}, ["logp"], target=[2, 0, 1, 3, 1],
         reduction="mean", ignore_index=1)
    case("nll_all_ignored", "NLL", {"logp": logp[:2]}, ["logp"], target=[-100, -100], reduction="mean")


def cross_entropy_cases():
    r = Rand("cross_entropy")
    x = r.normal(5, 4) * 2
    y = [2, 0, 1, 3, 1]
    w = r.uniform(0.5, 2, 4)
    for red in ("mean", "sum", "none"):
        case("ce_" + red, "CrossEntropy", {"logits": x}, ["logits"], target=y, reduction=red)
        case("ce_weight_" + red, "CrossEntropy", {"logits": x, "weight": w}, ["logits"],
             target=y, reduction=red)
    yi = [2, -100, 1, -100, 3]
    case("ce_ignore", "CrossEntropy", {"logits": x}, ["logits"], target=yi, reduction="mean")
    case("ce_ignore_weight", "CrossEntropy", {"logits": x, "weight": w}, ["logits"], target=yi,
         reduction="mean")
    case("ce_ignore_custom", "CrossEntropy", {"logits": x}, ["logits"], target=y, reduction="mean",
         ignore_index=1)
    case("ce_all_ignored", "CrossEntropy", {"logits": x[:3]}, ["logits"], target=[-100] * 3,
         reduction="mean")
    case("ce_all_ignored_sum", "CrossEntropy", {"logits": x[:3]}, ["logits"], target=[-100] * 3,
         reduction="sum")
    # SEMANTICS.md 3.4: label smoothing, with class weights inside the
    # smoothing term and the nll's normaliser.
    for red in ("mean", "sum", "none"):
        case("ce_smoothing_" + red, "CrossEntropy", {"logits": x}, ["logits"], target=y,
             reduction=red, label_smoothing=0.1)
    case("ce_smoothing_weight", "CrossEntropy", {"logits": x, "weight": w}, ["logits"], target=y,
         reduction="mean", label_smoothing=0.2, hvp="logits")
    case("ce_smoothing_ignore", "CrossEntropy", {"logits": x}, ["logits"], target=yi,
         reduction="mean", label_smoothing=0.3)
    case("ce_smoothing_ignore_weight", "CrossEntropy", {"logits": x, "weight": w}, ["logits"],
         target=yi, reduction="mean", label_smoothing=0.3)
    case("ce_smoothing_one", "CrossEntropy", {"logits": x, "weight": w}, ["logits"], target=y,
         reduction="sum", label_smoothing=1.0)
    # Logits of ±1000: log-softmax subtracts the max, nothing overflows.
    xe = t([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0], [0.0, 0.0, 1000.0], [5.0, -1000.0, 5.0]])
    case("ce_extreme", "CrossEntropy", {"logits": xe}, ["logits"], target=[0, 2, 0, 1],
         reduction="none")
    case("ce_extreme_smoothing", "CrossEntropy", {"logits": xe}, ["logits"], target=[0, 2, 0, 1],
         reduction="mean", label_smoothing=0.1)
    # One sample of shape (C).
    x1 = r.normal(5)
    case("ce_1d", "CrossEntropy", {"logits": x1}, ["logits"], target=[3], reduction="mean")
    case("ce_1d_none", "CrossEntropy", {"logits": x1, "weight": r.uniform(0.5, 2, 5)}, ["logits"],
         target=[1], reduction="none", label_smoothing=0.1)
    case("ce_double", "CrossEntropy", {"logits": r.normal(3, 4)}, ["logits"], target=[1, 3, 0],
         reduction="mean", hvp="logits")


def cross_entropy_probs_cases():
    r = Rand("cross_entropy_probs")
    x = r.normal(3, 4) * 2
    q = torch.softmax(r.normal(3, 4), 1)
    w = r.uniform(0.5, 2, 4)
    for red in ("mean", "sum", "none"):
        case("ce_probs_" + red, "CrossEntropyProbs", {"logits": x, "probs": q}, ["logits", "probs"],
             reduction=red)
    case("ce_probs_weight", "CrossEntropyProbs", {"logits": x, "probs": q, "weight": w},
         ["logits", "probs"], reduction="mean")
    case("ce_probs_smoothing", "CrossEntropyProbs", {"logits": x, "probs": q, "weight": w},
         ["logits", "probs"], reduction="mean", label_smoothing=0.2, hvp="logits")
    case("ce_probs_1d", "CrossEntropyProbs", {"logits": r.normal(4), "probs": torch.softmax(r.normal(4), 0)},
         ["logits"], reduction="mean")


def main():
    torch.set_num_threads(1)
    regression_cases()
    bce_cases()
    bce_with_logits_cases()
    nll_cases()
    cross_entropy_cases()
    cross_entropy_probs_cases()
    check_bce_with_logits_113()
    write_golden(OUT, "testdata/gen_loss_golden.py",
                 torch.__version__ + " (Debian python3-torch 1.13.1+dfsg, CPU)",
                 ("cases", CASES))
    print("wrote %d cases to %s" % (len(CASES), os.path.relpath(OUT)))


def check_bce_with_logits_113():
    """The 2.x composite and 1.13's kernel agree (values and x-gradients)
    on every BCEWithLogits case, to 1e-6 relative (absolute below 1e-6)."""
    for c in CASES:
        if c["loss"] != "BCEWithLogits":
            continue
        ins = {k: torch.tensor([float(v) for v in d["data"]], dtype=F64).reshape(d["shape"])
               for k, d in c["inputs"].items()}
        red = c["params"]["reduction"]
        x = ins["x"].clone().requires_grad_()
        a = bce_with_logits_2x(x, ins["target"], ins.get("weight"), ins.get("pos_weight"), red)
        b = F.binary_cross_entropy_with_logits(x, ins["target"], weight=ins.get("weight"),
                                               pos_weight=ins.get("pos_weight"), reduction=red)
        ga = torch.autograd.grad(a.sum(), [x])[0]
        gb = torch.autograd.grad(b.sum(), [x])[0]
        for u, v in ((a, b), (ga, gb)):
            if not torch.allclose(u, v, rtol=1e-6, atol=1e-6):
                raise ValueError("%s: 2.x composite %s and 1.13 kernel %s disagree" % (c["name"], u, v))


if __name__ == "__main__":
    main()
