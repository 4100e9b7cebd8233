#!/usr/bin/python3
"""Generate testdata/golden/optim_traces.json: PyTorch reference values for
package nn/optim -- optimiser training traces, gradient clipping and
learning-rate schedules.

Reference: Debian python3-torch 1.13.1+dfsg (torch.__version__ "1.13.0a0"),
CPU, one thread. Rerun from the repository root with

    /usr/bin/python3 testdata/gen_optim_golden.py

The output is deterministic: the inputs come from a torch.Generator seeded
with the CRC-32 of "optim". Floats are strings (Python repr, or "inf",
"-inf", "nan") as in testdata/gen_tensor_golden.py, so that infinities and
NaN survive JSON; Go parses them with strconv.ParseFloat. Read by
nn/optim/golden_test.go.

    {"generator", "torch_version", "mlp": mlp, "traces": [trace, ...],
     "clip_norm": [clipcase, ...], "clip_value": [clipcase, ...],
     "schedules": [schedule, ...]}
    tensor   = {"shape": [int], "data": [string]}
    mlp      = {"x": tensor, "target": tensor,
                "init": {"W1": tensor, "b1": tensor, "W2": tensor, "b2": tensor}}
    trace    = {"name", "optimizer": "SGD" | "Adam" | "AdamW" | "RMSProp",
                "hidden": "relu" | "tanh", "loss": "bce" | "mse",
                "groups": [{"params": [name], "options": options}],
                "skip": {name: [step]},
                "float64": run, "float32": run}
    options  = the Go options fields of the optimiser, floats as strings:
               lr, momentum, dampening, weight_decay, nesterov, maximize
               (SGD); lr, betas, eps, weight_decay, amsgrad, maximize
               (Adam, AdamW); lr, alpha, eps, weight_decay, momentum,
               centered, maximize (RMSProp)
    run      = {"steps": [{"loss", "grads": {name: tensor | null},
                           "grad_norms": [string], "params": {name: tensor}}],
                "state": [{"name", "tensor"}]}

The model is the 2-4-1 perceptron

    y = sigmoid(hidden(x @ W1.T + b1) @ W2.T + b2)

with W1 (4,2), b1 (4), W2 (1,4), b2 (1), trained on one fixed batch x (8,2)
with 0/1 targets (8,1). The losses are written out from primitive ops, the
same ones the Go test uses (torch's BCELoss has a hand-written gradient and
clamps its logs; the plain formula keeps the two sides identical):

    bce = mean(-(t*log(y) + (1-t)*log1p(-y)))      mse = mean((y-t)**2)

Each of the 5 steps: zero_grad(set_to_none=True); loss; backward; set the
grads listed in "skip" for this step (0-based) to None; record loss, grads
(null for None), the L2 norm of each grad ("0.0" for None) and then, after
optimizer.step(), the parameters. "state" is optimizer.state_dict()['state']
after the last step, flattened to PyTorch-style names "state.<i>.<key>" with
i the parameter's position over the groups (momentum_buffer None entries
left out; step as a 0-d tensor). Every group lists its options in full.

The float32 run starts from float32(x) of the stored float64 inputs (round to
nearest even, as Go's conversion) and is computed by torch in float32.

    clipcase = {"name", "grads": [tensor | null], "max_norm", "norm_type",
                "error_if_nonfinite": bool, "total": string,
                "error": string (torch's message, when it raises),
                "clipped": [tensor | null]}   (clip_value: "clip_value",
                                               "clipped" only)
    schedule = {"name", "kind": "StepLR" | "CosineAnnealingLR" | "LinearLR",
                "args": {...}, "then": {"kind", "args"} (a second scheduler
                stepped after the first each epoch), "base_lrs": [string],
                "lrs": [[string per group] per epoch 0..N]}

Schedules run on an SGD with one parameter group per base learning rate;
"lrs"[0] is the rates right after construction (PyTorch's constructors
already take the epoch-0 step), then one row per scheduler.step().
"""

import json
import math
import os
import re
import zlib

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "optim_traces.json")
F64 = torch.float64
F32 = torch.float32
NAMES = ["W1", "b1", "W2", "b2"]
STEPS = 5


def enc(x):
    return [repr(float(v)) for v in x.detach().to(F64).reshape(-1).tolist()]


def tj(x):
    """The JSON form of a tensor (or null)."""
    if x is None:
        return None
    return {"shape": list(x.shape), "data": enc(x)}


def fstr(v):
    return repr(float(v))


# ---------------------------------------------------------------- the model

def make_data():
    g = torch.Generator().manual_seed(zlib.crc32(b"optim"))
    x = torch.randn(8, 2, generator=g, dtype=F64)
    # XOR-like labels: not linearly separable, so the hidden layer matters.
    target = ((x[:, 0] * x[:, 1]) > 0).to(F64).reshape(8, 1)
    init = {
        "W1": torch.randn(4, 2, generator=g, dtype=F64) * 0.8,
        "b1": torch.randn(4, generator=g, dtype=F64) * 0.2,
        "W2": torch.randn(1, 4, generator=g, dtype=F64) * 0.8,
        "b2": torch.randn(1, generator=g, dtype=F64) * 0.2,
    }
    return x, target, init


def forward(params, x, t, hidden, loss):
    h = x @ params["W1"].T + params["b1"]
    h = torch.relu(h) if hidden == "relu" else torch.tanh(h)
    y = torch.sigmoid(h @ params["W2"].T + params["b2"])
    if loss == "bce":
        return (-(t * torch.log(y) + (1 - t) * torch.log1p(-y))).mean()
    return ((y - t) ** 2).mean()


TORCH_KEYS = {
    "SGD": ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"],
    "Adam": ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"],
    "AdamW": ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"],
    "RMSProp": ["lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"],
}
CLASSES = {
    "SGD": torch.optim.SGD,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
    "RMSProp": torch.optim.RMSprop,
}


def options_json(kind, group):
    out = {}
    for k in TORCH_KEYS[kind]:
        v = group[k]
        if isinstance(v, bool):
            out[k] = v
        elif isinstance(v, tuple):
            out[k] = [fstr(b) for b in v]
        else:
            out[k] = fstr(v)
    return out


def run(cfg, dtype, x64, t64, init64):
    x, t = x64.to(dtype), t64.to(dtype)
    params = {n: init64[n].to(dtype).clone().requires_grad_(True) for n in NAMES}
    groups = cfg.get("groups") or [{"params": NAMES}]
    torch_groups = []
    for g in groups:
        tg = {k: v for k, v in g.items() if k != "params"}
        tg["params"] = [params[n] for n in g["params"]]
        torch_groups.append(tg)
    opt = CLASSES[cfg["optimizer"]](torch_groups, **cfg["options"])
    steps = []
    for step in range(STEPS):
        opt.zero_grad(set_to_none=True)
        loss = forward(params, x, t, cfg["hidden"], cfg["loss"])
        loss.backward()
        for n, when in cfg.get("skip", {}).items():
            if step in when:
                params[n].grad = None
        rec = {
            "loss": fstr(loss.item()),
            "grads": {n: tj(params[n].grad) for n in NAMES},
            "grad_norms": [fstr(0.0 if params[n].grad is None else params[n].grad.norm().item()) for n in NAMES],
        }
        opt.step()
        rec["params"] = {n: tj(params[n]) for n in NAMES}
        steps.append(rec)
    state = []
    for i, st in sorted(opt.state_dict()["state"].items()):
        for key, v in st.items():
            if v is None:
                continue
            if not torch.is_tensor(v):
                v = torch.tensor(float(v))
            state.append({"name": "state.%d.%s" % (i, key), "tensor": tj(v)})
    group_json = [{"params": g["params"], "options": options_json(cfg["optimizer"], pg)}
                  for g, pg in zip(groups, opt.param_groups)]
    return {"steps": steps, "state": state}, group_json, opt


TRACES = [
    dict(name="sgd", optimizer="SGD", hidden="relu", loss="bce", options=dict(lr=0.5)),
    dict(name="sgd_momentum", optimizer="SGD", hidden="tanh", loss="mse",
         options=dict(lr=0.3, momentum=0.9)),
    dict(name="sgd_dampening_weight_decay", optimizer="SGD", hidden="relu", loss="bce",
         options=dict(lr=0.3, momentum=0.8, dampening=0.3, weight_decay=0.05)),
    dict(name="sgd_nesterov", optimizer="SGD", hidden="tanh", loss="bce",
         options=dict(lr=0.2, momentum=0.9, nesterov=True, weight_decay=0.01)),
    dict(name="sgd_maximize", optimizer="SGD", hidden="relu", loss="mse",
         options=dict(lr=0.1, momentum=0.5, maximize=True)),
    dict(name="sgd_groups_skip", optimizer="SGD", hidden="tanh", loss="bce",
         options=dict(lr=0.1, weight_decay=0.01),
         groups=[dict(params=["W1", "W2"], lr=0.3, momentum=0.9),
                 dict(params=["b1", "b2"])],
         skip={"W1": [0, 2], "b2": [3]}),
    dict(name="adam", optimizer="Adam", hidden="relu", loss="bce", options=dict(lr=0.05)),
    dict(name="adam_weight_decay", optimizer="Adam", hidden="tanh", loss="bce",
         options=dict(lr=0.05, weight_decay=0.1)),
    dict(name="adamw", optimizer="AdamW", hidden="relu", loss="mse",
         options=dict(lr=0.05, weight_decay=0.1)),
    dict(name="amsgrad", optimizer="Adam", hidden="tanh", loss="bce",
         options=dict(lr=0.05, betas=(0.9, 0.5), amsgrad=True)),
    dict(name="adamw_amsgrad_maximize", optimizer="AdamW", hidden="relu", loss="mse",
         options=dict(lr=0.02, betas=(0.8, 0.6), eps=1e-6, weight_decay=0.2, amsgrad=True, maximize=True)),
    dict(name="adam_groups_skip", optimizer="Adam", hidden="tanh", loss="mse",
         options=dict(lr=0.05),
         groups=[dict(params=["W1", "W2"], amsgrad=True, betas=(0.9, 0.6)),
                 dict(params=["b1", "b2"], lr=0.01, betas=(0.5, 0.9), weight_decay=0.1)],
         skip={"b2": [1, 3]}),
    dict(name="rmsprop", optimizer="RMSProp", hidden="relu", loss="bce", options=dict(lr=0.01)),
    dict(name="rmsprop_centered_momentum", optimizer="RMSProp", hidden="tanh", loss="mse",
         options=dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    dict(name="rmsprop_maximize", optimizer="RMSProp", hidden="relu", loss="bce",
         options=dict(lr=0.005, alpha=0.8, eps=1e-6, maximize=True)),
]


def traces(x, t, init):
    out = []
    for cfg in TRACES:
        r64, groups, opt = run(cfg, F64, x, t, init)
        r32, _, _ = run(cfg, F32, x, t, init)
        if cfg.get("options", {}).get("amsgrad") or any(g.get("amsgrad") for g in cfg.get("groups", [])):
            # The case must exercise the running maximum: somewhere the
            # maximum must exceed the current second moment.
            assert any((s["max_exp_avg_sq"] > s["exp_avg_sq"]).any() for s in opt.state.values()
                       if "max_exp_avg_sq" in s), cfg["name"]
        tr = {"name": cfg["name"], "optimizer": cfg["optimizer"], "hidden": cfg["hidden"],
              "loss": cfg["loss"], "groups": groups}
        if "skip" in cfg:
            tr["skip"] = cfg["skip"]
        tr["float64"] = r64
        tr["float32"] = r32
        out.append(tr)
    return out


# ---------------------------------------------------------------- clipping

def t64(*values):
    return torch.tensor(values, dtype=F64)


CLIP_NORM = [
    ("l2_semantics_example", [t64(3, 4), t64(0, 0, 12)], 1.0, 2.0, False),
    ("inf_norm", [t64(3, -4)], 1.0, math.inf, False),
    ("l1_norm", [t64(3, -4)], 1.0, 1.0, False),
    ("below_max_unchanged", [t64(3, -4)], 10.0, 2.0, False),
    ("p3_norm", [t64(0.5, -1.5, 2.0, 0.25, -0.75, 1.0).reshape(2, 3), t64(-2.5, 0.125, 3, 1)], 0.5, 3.0, False),
    ("nil_grad_ignored", [None, t64(1, 2, 2)], 1.0, 2.0, False),
    ("all_nil", [None], 1.0, 2.0, False),
    ("nonfinite_error", [t64(math.inf, 1)], 1.0, 2.0, True),
    ("nonfinite_error_inf_norm", [t64(math.nan, 1)], 1.0, math.inf, True),
    ("nan_without_error", [t64(math.nan, 1), t64(2, 3)], 1.0, 2.0, False),
    ("inf_without_error", [t64(math.inf, 1)], 1.0, 2.0, False),
]


def clip_norm_cases():
    out = []
    for name, grads, max_norm, norm_type, err in CLIP_NORM:
        ps = []
        for g in grads:
            p = torch.zeros(3 if g is None else g.shape, dtype=F64, requires_grad=True)
            p.grad = None if g is None else g.clone()
            ps.append(p)
        c = {"name": name, "grads": [tj(g) for g in grads], "max_norm": fstr(max_norm),
             "norm_type": fstr(norm_type), "error_if_nonfinite": err}
        try:
            total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type, err)
            c["total"] = fstr(total.item())
        except RuntimeError as e:
            c["error"] = str(e)
        c["clipped"] = [tj(p.grad) for p in ps]
        out.append(c)
    return out


def clip_value_cases():
    out = []
    for name, grads, v in [
        ("clamp", [t64(-3, 0.5, 2), t64(1, -0.2)], 1.0),
        ("nil_grad_ignored", [None, t64(-0.7, 0.3, 4)], 0.5),
        ("zero", [t64(-1, 2)], 0.0),
    ]:
        ps = []
        for g in grads:
            p = torch.zeros(3 if g is None else g.shape, dtype=F64, requires_grad=True)
            p.grad = None if g is None else g.clone()
            ps.append(p)
        torch.nn.utils.clip_grad_value_(ps, v)
        out.append({"name": name, "grads": [tj(g) for g in grads], "clip_value": fstr(v),
                    "clipped": [tj(p.grad) for p in ps]})
    return out


# ---------------------------------------------------------------- schedules

SCHED = {
    "StepLR": torch.optim.lr_scheduler.StepLR,
    "CosineAnnealingLR": torch.optim.lr_scheduler.CosineAnnealingLR,
    "LinearLR": torch.optim.lr_scheduler.LinearLR,
}

SCHEDULES = [
    ("step_3_gamma_0.1", "StepLR", dict(step_size=3, gamma=0.1), None, 12),
    ("step_2_gamma_0.9", "StepLR", dict(step_size=2, gamma=0.9), None, 10),
    ("cosine_5_eta_0.001", "CosineAnnealingLR", dict(T_max=5, eta_min=0.001), None, 22),
    ("cosine_3", "CosineAnnealingLR", dict(T_max=3, eta_min=0.0), None, 10),
    ("linear_warmup", "LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=4), None, 8),
    ("linear_defaults", "LinearLR", dict(start_factor=1.0 / 3, end_factor=1.0, total_iters=5), None, 8),
    ("linear_decay", "LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=3), None, 6),
    ("warmup_then_cosine", "LinearLR", dict(start_factor=0.1, end_factor=1.0, total_iters=3),
     ("CosineAnnealingLR", dict(T_max=6, eta_min=0.0)), 10),
]


def schedule_cases():
    out = []
    base = [0.1, 0.01]
    for name, kind, args, then, epochs in SCHEDULES:
        groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in base]
        opt = torch.optim.SGD(groups, lr=base[0])
        scheds = [SCHED[kind](opt, **args)]
        if then:
            scheds.append(SCHED[then[0]](opt, **then[1]))
        lrs = [[fstr(g["lr"]) for g in opt.param_groups]]
        for _ in range(epochs):
            opt.step()
            for s in scheds:
                s.step()
            lrs.append([fstr(g["lr"]) for g in opt.param_groups])
        c = {"name": name, "kind": kind, "args": {k: (v if isinstance(v, int) else fstr(v)) for k, v in args.items()}}
        if then:
            c["then"] = {"kind": then[0], "args": {k: (v if isinstance(v, int) else fstr(v)) for k, v in then[1].items()}}
        c["base_lrs"] = [fstr(b) for b in base]
        c["lrs"] = lrs
        out.append(c)
    return out


def main():
    torch.set_num_threads(1)
    x, t, init = make_data()
    doc = {
        "generator": "testdata/gen_optim_golden.py",
        "torch_version": torch.__version__,
        "mlp": {"x": tj(x), "target": tj(t), "init": {n: tj(init[n]) for n in NAMES}},
        "traces": traces(x, t, init),
        "clip_norm": clip_norm_cases(),
        "clip_value": clip_value_cases(),
        "schedules": schedule_cases(),
    }
    # One line per list of scalars (tensor data, shapes), one line per key
    # elsewhere: readable diffs at a third of the size.
    text = json.dumps(doc, indent=1)
    text = re.sub(r'\[\n\s*((?:(?:"[^"\n]*"|-?\d+),?\n\s*)+)\]',
                  lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
        f.write("\n")


if __name__ == "__main__":
    main()
