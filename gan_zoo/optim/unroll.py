"""Differentiable optimiser steps for unrolled GANs (Metz et al. 2017; [S3] §1.5).

In ``optim/``, not ``losses/``: this is Adam written out as a differentiable function, the optimiser the
unrolled generator loss looks K steps ahead through; the loss itself is the plain GAN value.

Plain functions on dicts of tensors (name -> parameter), for use with ``torch.func.functional_call``.
``unroll`` takes K Adam steps of a loss starting from given parameters and optimiser state; with
``second_order=True`` every step's gradient is taken with ``create_graph=True`` so the final parameters are
differentiable functions of whatever the loss depended on (the generator's samples): the "missing term"
d theta_D^K / d theta_G of [S3] §1.5. With ``second_order=False`` the steps are constants, the usual bug
of reimplementations (kept for tests and comparison).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass
class AdamState:
    """Adam's moments and step count for each parameter name (torch.optim.Adam's exp_avg, exp_avg_sq, step)."""

    exp_avg: dict[str, torch.Tensor]
    exp_avg_sq: dict[str, torch.Tensor]
    step: int


def adam_state_from(optimizer: torch.optim.Optimizer, named: dict[str, torch.nn.Parameter]) -> AdamState:
    """A detached copy of a torch.optim.Adam's state for these parameters (zeros before its first step)."""
    m, v, step = {}, {}, 0
    for name, p in named.items():
        st = optimizer.state.get(p, {})
        if "exp_avg" in st:
            m[name], v[name] = st["exp_avg"].detach().clone(), st["exp_avg_sq"].detach().clone()
            step = int(st["step"])
        else:
            m[name], v[name] = torch.zeros_like(p), torch.zeros_like(p)
    return AdamState(m, v, step)


def _sqrt_safe(v: torch.Tensor) -> torch.Tensor:
    """sqrt(v) with gradient 0 (not inf * 0 = NaN) where v == 0, e.g. a parameter with no gradient yet."""
    pos = v > 0
    return torch.where(pos, v, torch.ones_like(v)).sqrt() * pos


def adam_step(params: dict[str, torch.Tensor], grads: dict[str, torch.Tensor], state: AdamState, lr: float,
              betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
    """One Adam step (Kingma & Ba Alg. 1, as torch.optim.Adam without weight decay), out of place.

    Returns (new_params, new_state); every operation is differentiable.
    """
    b1, b2 = betas
    t = state.step + 1
    bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
    new_p, new_m, new_v = {}, {}, {}
    for name, p in params.items():
        g = grads[name]
        m = b1 * state.exp_avg[name] + (1 - b1) * g
        v = b2 * state.exp_avg_sq[name] + (1 - b2) * g * g
        new_p[name] = p - (lr / bc1) * m / (_sqrt_safe(v) / bc2 ** 0.5 + eps)
        new_m[name], new_v[name] = m, v
    return new_p, AdamState(new_m, new_v, t)


def unroll(params: dict[str, torch.Tensor], loss_fn: Callable[[dict[str, torch.Tensor]], torch.Tensor], steps: int,
           state: AdamState, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
           second_order: bool = True,
           reduce_grads: Callable[[list[torch.Tensor]], list[torch.Tensor]] | None = None) -> dict[str, torch.Tensor]:
    """theta^K after ``steps`` Adam steps on ``loss_fn`` from ``params`` (theta^0 = params; K = 0 returns them).

    ``params`` must require grad. With ``second_order`` the result carries the graph of all K steps.
    ``reduce_grads`` (e.g. a differentiable mean over DDP ranks) maps each step's gradients before the
    Adam update, so that every rank unrolls the step the real (all-reduced) discriminator would take.
    """
    names = list(params)
    for _ in range(steps):
        loss = loss_fn(params)
        gs = torch.autograd.grad(loss, [params[n] for n in names], create_graph=second_order, allow_unused=True)
        gs = [torch.zeros_like(params[n]) if g is None else g for n, g in zip(names, gs)]
        if reduce_grads is not None:
            gs = reduce_grads(gs)
        grads = dict(zip(names, gs))
        if not second_order:
            grads = {n: g.detach() for n, g in grads.items()}
        params, state = adam_step(params, grads, state, lr, betas, eps)
        if not second_order:
            params = {n: p.detach().requires_grad_(True) for n, p in params.items()}
    return params
