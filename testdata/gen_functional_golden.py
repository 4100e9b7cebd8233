#!/usr/bin/python3
"""Generate testdata/golden/functional.json: PyTorch reference values for the
functional transforms of package tensor (tensor/functional.go): Jacobians,
Hessians, Hessian-vector products, VJPs and JVPs of small functions, the full
Hessian of a small MLP loss, and a WGAN-GP gradient penalty differentiated
with respect to the critic's parameters.

Reference: Debian python3-torch 1.13.1+dfsg (torch.__version__ "1.13.0a0"),
with its functorch, CPU, float64 only. Rerun from the repository root with

    /usr/bin/python3 testdata/gen_functional_golden.py

The output is deterministic: each case draws its random inputs from its own
torch.Generator seeded with the CRC-32 of the case name. Read by
tensor/golden_functional_test.go.

    {"generator", "torch_version", "cases": [case, ...]}
    case   = {"name", "func", "inputs": {name: tensor}, "want": {name: tensor}}
    tensor = {"shape": [int], "data": [string], "layout": [transform]}

* "func" names a function that the Go test spells out with the Value ops
  (golden_functional_test.go, functionalGoldenFuncs); FUNCS below is its
  torch twin. Every function takes the input "x" and may read other inputs
  as constants ("A", "data_x", ...).
* Tensors follow testdata/gen_tensor_golden.py (whose Input, transposed and
  enc this script imports): floats as strings, inputs as a contiguous base
  plus an optional "layout" of view transforms (here "transpose", to give
  the transforms a non-contiguous primal).
* "want" holds what torch computed, under these keys; the Go test runs the
  transforms that the keys name:
    value     f(x)
    jacobian  d f(x) / d x, shape f(x).shape + x.shape
              (Go: Jacobian and JacobianFwd)
    grad      the gradient of a scalar f (Go: GradOf)
    hessian   shape x.shape + x.shape (Go: Hessian, Jacobian of GradOf)
    hvp       Hessian times the input "v" (Go: HVP)
    jvp       J times the input "t" (Go: JVP)
    vjp       the input "ct" times J (Go: VJP)
  The "two_args" case has a second primal "y" and keys vjp_x, vjp_y (for
  the cotangent "ct") and jvp (for tangents "t", "ty"). The
  "gradient_penalty" case has the penalty as "value" and its gradients with
  respect to the critic's parameters as grad_w1, grad_b1, grad_w2.

Every value is computed twice in torch, by different routes (reverse and
forward mode, torch.autograd.functional and functorch, or a formula), and
the script refuses to write a case where the two disagree by more than a
hundredth of the tolerance the Go test uses (1e-10 relative): such a case
would be ill-conditioned and would make the Go comparison depend on the
order of operations.
"""

import os
import sys
import zlib

import functorch
import torch
import torch.autograd.functional as AF
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_tensor_golden import Input, enc, transposed, write_golden  # noqa: E402  (the shared format)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "functional.json")
F64 = torch.float64

# Must agree with functionalGoldenTol in tensor/golden_functional_test.go.
GO_REL_TOL = 1e-10
AGREE_TOL = GO_REL_TOL / 100


class Rand:
    def __init__(self, name):
        self.g = torch.Generator().manual_seed(zlib.crc32(name.encode()))

    def uniform(self, lo, hi, *shape):
        return lo + (hi - lo) * torch.rand(shape, generator=self.g, dtype=F64)


def agree(what, a, b):
    """Two torch routes to the same tensor must agree closely."""
    a, b = a.detach(), b.detach()
    if a.shape != b.shape:
        sys.exit("%s: shapes %s and %s" % (what, list(a.shape), list(b.shape)))
    scale = max(1.0, float(b.abs().max())) if b.numel() else 1.0
    for x, y in zip(a.reshape(-1).tolist(), b.reshape(-1).tolist()):
        if not abs(x - y) <= AGREE_TOL * max(abs(y), 1e-3 * scale):
            sys.exit("%s: %r and %r disagree: ill-conditioned case" % (what, x, y))


def tensor_json(x):
    return {"shape": list(x.shape), "data": enc(x)}


# ---------------------------------------------------------------- functions
# Each takes x and the case's other inputs (constants) as keyword arguments.

def elementwise(x, **_):
    return torch.exp(x) * torch.tanh(x) + x ** 3


def elementwise_sum(x, **_):
    return elementwise(x).sum()


def matmul_tanh(x, A, **_):
    return torch.tanh(A @ x)


def matmul_tanh_sq_sum(x, A, **_):
    return (torch.tanh(A @ x) ** 2).sum()


def softmax_rows(x, **_):
    return torch.softmax(x, dim=1)


def softmax_vec(x, **_):
    return torch.softmax(x, dim=0)


def log_softmax_cols(x, **_):
    return torch.log_softmax(x, dim=0)


def logsumexp_all(x, **_):
    return torch.logsumexp(x.reshape(-1), dim=0)


def logsumexp_rows(x, **_):
    return torch.logsumexp(x, dim=1)


def logsumexp_rows_sq_sum(x, **_):
    return (torch.logsumexp(x, dim=1) ** 2).sum()


def rosenbrock(x, **_):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def mlp_loss(x, data_x, data_y, **_):
    """2-3-1 tanh MLP, MSE, parameters flattened in PyTorch's layout:
    W1 (3, 2), b1 (3), W2 (1, 3), b2 (1)."""
    w1, b1 = x[0:6].reshape(3, 2), x[6:9]
    w2, b2 = x[9:12].reshape(1, 3), x[12:13]
    h = torch.tanh(F.linear(data_x, w1, b1))
    return ((F.linear(h, w2, b2) - data_y) ** 2).mean()


def two_args(x, y, **_):
    # y (3) broadcasts against x (2, 3).
    return x * torch.exp(y)


FUNCS = {f.__name__: f for f in [
    elementwise, elementwise_sum, matmul_tanh, matmul_tanh_sq_sum, softmax_rows, softmax_vec,
    log_softmax_cols, logsumexp_all, logsumexp_rows, logsumexp_rows_sq_sum, rosenbrock, mlp_loss,
]}

CASES = []


def add_case(name, func, inputs, want):
    if any(c["name"] == name for c in CASES):
        sys.exit("duplicate case " + name)
    CASES.append({
        "name": name,
        "func": func,
        "inputs": {k: (v.json() if isinstance(v, Input) else tensor_json(v)) for k, v in inputs.items()},
        "want": {k: tensor_json(v) for k, v in want.items()},
    })


def vector_case(name, func, x, consts=None):
    """A function R^n -> R^m: value, Jacobian (reverse and forward), a VJP
    and a JVP."""
    r = Rand(name)
    consts = consts or {}
    xin = x if isinstance(x, Input) else Input(x)
    xv = xin.build(F64)
    f = lambda z: FUNCS[func](z, **consts)  # noqa: E731
    y = f(xv)
    jac = AF.jacobian(f, xv)
    agree(name + " jacrev", functorch.jacrev(f)(xv), jac)
    agree(name + " jacfwd", functorch.jacfwd(f)(xv), jac)
    ct = r.uniform(-1, 1, *y.shape)
    tan = r.uniform(-1, 1, *xv.shape)
    _, vjp_fn = functorch.vjp(f, xv)
    (vjp,) = vjp_fn(ct)
    _, jvp = functorch.jvp(f, (xv,), (tan,))
    ny, nx = y.numel(), xv.numel()
    flat = jac.reshape(ny, nx)
    agree(name + " vjp", vjp.reshape(-1), ct.reshape(-1) @ flat)
    agree(name + " jvp", jvp.reshape(-1), flat @ tan.reshape(-1))
    add_case(name, func, dict(x=xin, ct=ct, t=tan, **consts),
             dict(value=y, jacobian=jac, vjp=vjp, jvp=jvp))


def scalar_case(name, func, x, consts=None):
    """A function R^n -> R: value, gradient, Hessian, a Hessian-vector
    product."""
    r = Rand(name)
    consts = consts or {}
    xin = x if isinstance(x, Input) else Input(x)
    xv = xin.build(F64)
    f = lambda z: FUNCS[func](z, **consts)  # noqa: E731
    y = f(xv)
    grad = functorch.grad(f)(xv)
    agree(name + " grad", grad, AF.jacobian(f, xv))
    hess = AF.hessian(f, xv)
    agree(name + " functorch.hessian", functorch.hessian(f)(xv), hess)
    agree(name + " jacrev(jacrev)", functorch.jacrev(functorch.jacrev(f))(xv), hess)
    v = r.uniform(-1, 1, *xv.shape)
    _, hvp = AF.hvp(f, xv, v)
    n = xv.numel()
    agree(name + " hvp", hvp.reshape(-1), hess.reshape(n, n) @ v.reshape(-1))
    add_case(name, func, dict(x=xin, v=v, **consts),
             dict(value=y, grad=grad, hessian=hess, hvp=hvp))


def two_args_case():
    name = "two_args"
    r = Rand(name)
    x, y = r.uniform(-1, 1, 2, 3), r.uniform(-1, 1, 3)
    ct, tx, ty = r.uniform(-1, 1, 2, 3), r.uniform(-1, 1, 2, 3), r.uniform(-1, 1, 3)
    out, vjp_fn = functorch.vjp(two_args, x, y)
    vx, vy = vjp_fn(ct)
    _, jvp = functorch.jvp(two_args, (x, y), (tx, ty))
    # The formulas: d/dx = exp(y), d/dy = x·exp(y).
    agree(name + " vjp_x", vx, ct * torch.exp(y))
    agree(name + " vjp_y", vy, (ct * x * torch.exp(y)).sum(0))
    agree(name + " jvp", jvp, tx * torch.exp(y) + x * torch.exp(y) * ty)
    add_case(name, name, dict(x=x, y=y, ct=ct, t=tx, ty=ty),
             dict(value=out, vjp_x=vx, vjp_y=vy, jvp=jvp))


def critic(w1, b1, w2, x):
    """D(x) = tanh(x W1ᵀ + b1) w2, one score per row of x."""
    return torch.tanh(x @ w1.T + b1) @ w2


def gradient_penalty_case():
    """WGAN-GP: mean((‖∇x̂ D(x̂)‖ - 1)²) at x̂ = ε·real + (1-ε)·fake,
    differentiated with respect to the critic's parameters."""
    name = "gradient_penalty"
    r = Rand(name)
    real, fake, eps = r.uniform(-1, 1, 5, 3), r.uniform(-1, 1, 5, 3), r.uniform(0, 1, 5, 1)
    params = [r.uniform(-1, 1, 4, 3), r.uniform(-1, 1, 4), r.uniform(-1, 1, 4)]

    def penalty(w1, b1, w2):
        xhat = (eps * real + (1 - eps) * fake).requires_grad_()
        (g,) = torch.autograd.grad(critic(w1, b1, w2, xhat).sum(), xhat, create_graph=True)
        return ((g.pow(2).sum(1).sqrt() - 1) ** 2).mean()

    ws = [p.clone().requires_grad_() for p in params]
    value = penalty(*ws)
    grads = torch.autograd.grad(value, ws)

    def penalty_functorch(w1, b1, w2):
        xhat = eps * real + (1 - eps) * fake
        g = functorch.grad(lambda z: critic(w1, b1, w2, z).sum())(xhat)
        return ((g.pow(2).sum(1).sqrt() - 1) ** 2).mean()

    for what, a, b in zip(["w1", "b1", "w2"], functorch.grad(penalty_functorch, argnums=(0, 1, 2))(*params), grads):
        agree(name + " grad_" + what, a, b)
    add_case(name, name, dict(w1=params[0], b1=params[1], w2=params[2], real=real, fake=fake, eps=eps),
             dict(value=value, grad_w1=grads[0], grad_b1=grads[1], grad_w2=grads[2]))


def main():
    r = Rand("inputs")
    vector_case("elementwise", "elementwise", r.uniform(-1, 1, 2, 3))
    vector_case("elementwise_transposed", "elementwise", transposed(r.uniform(-1, 1, 3, 2)))
    vector_case("matmul_tanh", "matmul_tanh", transposed(r.uniform(-1, 1, 4, 2)),
                dict(A=r.uniform(-1, 1, 3, 4)))
    vector_case("softmax_rows", "softmax_rows", r.uniform(-2, 2, 2, 3))
    vector_case("softmax_vec", "softmax_vec", r.uniform(-2, 2, 4))
    vector_case("log_softmax_cols", "log_softmax_cols", transposed(r.uniform(-2, 2, 3, 2)))
    vector_case("logsumexp_rows", "logsumexp_rows", r.uniform(-2, 2, 2, 3))
    scalar_case("elementwise_sum", "elementwise_sum", r.uniform(-1, 1, 2, 3))
    scalar_case("matmul_tanh_sq_sum", "matmul_tanh_sq_sum", r.uniform(-1, 1, 4, 2),
                dict(A=r.uniform(-1, 1, 3, 4)))
    scalar_case("logsumexp_all", "logsumexp_all", r.uniform(-2, 2, 5))
    scalar_case("logsumexp_rows_sq_sum", "logsumexp_rows_sq_sum", transposed(r.uniform(-2, 2, 3, 2)))
    scalar_case("rosenbrock", "rosenbrock", r.uniform(-1.5, 1.5, 4))
    scalar_case("mlp_loss", "mlp_loss", r.uniform(-1, 1, 13),
                dict(data_x=r.uniform(-1, 1, 4, 2), data_y=r.uniform(-1, 1, 4, 1)))
    two_args_case()
    gradient_penalty_case()
    write_golden(OUT, "testdata/gen_functional_golden.py",
                 torch.__version__ + " (Debian python3-torch 1.13.1+dfsg, functorch, CPU)",
                 ("cases", CASES))
    print("wrote %d cases to %s" % (len(CASES), os.path.relpath(OUT)))


if __name__ == "__main__":
    main()
