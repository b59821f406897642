"""f-GAN divergences (Nowozin, Cseke & Tomioka 2016; [S3] §1.7, §3.4; [P6]).

D_f(P || Q) = sum/int q f(p / q), P = data, Q = model. Fenchel duality gives the variational bound

    D_f(P || Q) >= sup_T  E_P[T(x)] - E_Q[f*(T(x))],     tight at T*(x) = f'(p(x) / q(x)),

and the critic is written T = g_f(V) with an unconstrained V and an output activation g_f whose range
is dom f* (f-GAN eq. 7). Each row of ``DIVERGENCES`` holds f, f' (the T* column), g_f, f*, dom f*, and
f*(g_f(v)) written in a form that stays finite for every real v (what training uses).

Conjugates and domains: [P6] (each verified numerically there); activations: f-GAN
Table 6 as transcribed in [P6]. The seed's Table 5 has the Pearson/Neyman and
alpha D_f formulas swapped and JS off by a factor 2 ([N3] §1.7): nothing here uses that column; the
divergence is always sum q f(p/q) with the f below (so "js" is 2 JSD, and "gan" is 2 JSD - log 4).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

Fn = Callable[[torch.Tensor], torch.Tensor]
LOG2 = math.log(2.0)


@dataclass(frozen=True)
class FDivergence:
    name: str
    f: Fn  # generator function: convex, f(1) = 0
    f_prime: Fn  # f'(u): T*(x) = f'(p(x)/q(x)) (Table 5's T* column)
    activation: Fn  # g_f: R -> dom f*
    conjugate: Fn  # f*(t) = sup_u {u t - f(u)}, for t in dom f*
    conjugate_of_activation: Fn  # f*(g_f(v)), finite for every real v
    domain: str  # dom f*, in words
    in_domain: Callable[[torch.Tensor], torch.Tensor]  # elementwise: t in dom f*


def _xlogx(u: torch.Tensor) -> torch.Tensor:
    return torch.xlogy(u, u)


DIVERGENCES: dict[str, FDivergence] = {
    "kl": FDivergence(
        "kl", f=_xlogx, f_prime=lambda u: 1 + torch.log(u),
        activation=lambda v: v, conjugate=lambda t: torch.exp(t - 1),
        conjugate_of_activation=lambda v: torch.exp(v - 1),
        domain="R", in_domain=lambda t: torch.isfinite(t)),
    "reverse-kl": FDivergence(
        "reverse-kl", f=lambda u: -torch.log(u), f_prime=lambda u: -1 / u,
        activation=lambda v: -torch.exp(-v), conjugate=lambda t: -1 - torch.log(-t),
        conjugate_of_activation=lambda v: v - 1,  # -1 - log(exp(-v))
        domain="t < 0", in_domain=lambda t: t < 0),
    "pearson": FDivergence(
        "pearson", f=lambda u: (u - 1) ** 2, f_prime=lambda u: 2 * (u - 1),
        activation=lambda v: v, conjugate=lambda t: t * t / 4 + t,
        conjugate_of_activation=lambda v: v * v / 4 + v,
        domain="R", in_domain=lambda t: torch.isfinite(t)),
    "neyman": FDivergence(
        "neyman", f=lambda u: (1 - u) ** 2 / u, f_prime=lambda u: 1 - u.pow(-2),
        activation=lambda v: 1 - torch.exp(v), conjugate=lambda t: 2 - 2 * torch.sqrt(1 - t),
        conjugate_of_activation=lambda v: 2 - 2 * torch.exp(v / 2),  # sqrt(1 - (1 - e^v)) = e^{v/2}
        domain="t < 1", in_domain=lambda t: t < 1),
    "hellinger": FDivergence(
        "hellinger", f=lambda u: (torch.sqrt(u) - 1) ** 2, f_prime=lambda u: 1 - torch.rsqrt(u),
        activation=lambda v: 1 - torch.exp(-v), conjugate=lambda t: t / (1 - t),
        conjugate_of_activation=lambda v: torch.expm1(v),  # (1 - e^{-v}) / e^{-v}
        domain="t < 1", in_domain=lambda t: t < 1),
    "js": FDivergence(
        "js", f=lambda u: -(u + 1) * torch.log((1 + u) / 2) + _xlogx(u),
        f_prime=lambda u: torch.log(2 * u / (1 + u)),
        activation=lambda v: LOG2 - F.softplus(-v), conjugate=lambda t: -torch.log(2 - torch.exp(t)),
        conjugate_of_activation=lambda v: F.softplus(v) - LOG2,  # -log(2 - 2 sigmoid(v))
        domain="t < log 2", in_domain=lambda t: t < LOG2),
    "gan": FDivergence(
        "gan", f=lambda u: _xlogx(u) - (u + 1) * torch.log(u + 1), f_prime=lambda u: torch.log(u / (u + 1)),
        activation=lambda v: -F.softplus(-v), conjugate=lambda t: -torch.log(1 - torch.exp(t)),
        conjugate_of_activation=lambda v: F.softplus(v),  # -log(1 - sigmoid(v))
        domain="t < 0", in_domain=lambda t: t < 0),
    "tv": FDivergence(
        "tv", f=lambda u: 0.5 * (u - 1).abs(), f_prime=lambda u: 0.5 * torch.sign(u - 1),
        activation=lambda v: 0.5 * torch.tanh(v), conjugate=lambda t: t,
        conjugate_of_activation=lambda v: 0.5 * torch.tanh(v),
        domain="|t| <= 1/2", in_domain=lambda t: t.abs() <= 0.5),
}


def get_divergence(name: str) -> FDivergence:
    if name not in DIVERGENCES:
        raise KeyError(f"unknown f-divergence '{name}'; known: {', '.join(DIVERGENCES)}")
    return DIVERGENCES[name]


def f_divergence(p: torch.Tensor, q: torch.Tensor, div: FDivergence) -> torch.Tensor:
    """D_f(P || Q) = sum_x q(x) f(p(x) / q(x)) for discrete P, Q with q > 0 (direct, from f)."""
    return (q * div.f(p / q)).sum()


def variational_bound(t_on_p: torch.Tensor, t_on_q: torch.Tensor, div: FDivergence,
                      p_weights: torch.Tensor | None = None, q_weights: torch.Tensor | None = None) -> torch.Tensor:
    """E_P[T] - E_Q[f*(T)] for values T already in dom f* (weighted sums when weights are given)."""
    ep = t_on_p.mean() if p_weights is None else (p_weights * t_on_p).sum()
    fq = div.conjugate(t_on_q)
    eq = fq.mean() if q_weights is None else (q_weights * fq).sum()
    return ep - eq


def fgan_critic_loss(real_v: torch.Tensor, fake_v: torch.Tensor, div: FDivergence) -> torch.Tensor:
    """-(E_P[g_f(V(x))] - E_Q[f*(g_f(V(G(z))))]): the critic ascends the bound F of f-GAN eq. 7."""
    return -(div.activation(real_v).mean() - div.conjugate_of_activation(fake_v).mean())


def fgan_generator_loss(fake_v: torch.Tensor, div: FDivergence, kind: str = "nonsaturating") -> torch.Tensor:
    """Generator loss on V(G(z)).

    minimax (the saddle point of eq. 7, Alg. 1 line 4): minimise F, i.e. -E_Q[f*(g_f(V(G(z))))].
    nonsaturating (f-GAN §3.2, "in analogy to the GAN"): maximise E_Q[g_f(V(G(z)))] instead, which keeps
    strong gradients early in training; for the "gan" row these two are exactly the minimax and the
    non-saturating GAN generator losses.
    """
    if kind == "minimax":
        return -div.conjugate_of_activation(fake_v).mean()
    if kind == "nonsaturating":
        return -div.activation(fake_v).mean()
    raise ValueError(f"unknown generator loss '{kind}' (minimax or nonsaturating)")
