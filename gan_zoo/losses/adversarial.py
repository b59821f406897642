"""Adversarial losses as pure functions of discriminator outputs (logits / critic values).

All are *losses to minimise*; each comment names the equation it implements.

Half-precision scores are upcast to float32 first (float64 stays float64): under bf16 mixed precision the nets' outputs are bfloat16 (8-bit
mantissa), and the Wasserstein estimate E f(G(z)) - E f(x) is a small difference of two means that
rounds to 0 there (found by benchmarks/gpu_check.py: WGAN-GP's critic loss logged as exactly 0.0 in
bf16-mixed). The cast is a few values per sample, and autograd casts the gradient back.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _wide(t: torch.Tensor) -> torch.Tensor:
    return t.float() if t.dtype in (torch.float16, torch.bfloat16) else t


def gan_discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-(E log D(x) + E log(1 - D(G(z)))), Goodfellow et al. eq. 1 / [S0] eq. 2.3, D = sigmoid(logit).

    softplus(-l) = -log sigmoid(l) and softplus(l) = -log(1 - sigmoid(l)), stable for any logit.
    """
    return F.softplus(-_wide(real_logits)).mean() + F.softplus(_wide(fake_logits)).mean()


def gan_generator_loss(fake_logits: torch.Tensor, kind: str = "nonsaturating") -> torch.Tensor:
    """Generator loss on D(G(z)).

    minimax:       E log(1 - D(G(z)))     ([S0] eq. 2.4, Goodfellow Alg. 1)
    nonsaturating: -E log D(G(z))         (Goodfellow et al. §3: "maximize log D(G(z))" for strong early gradients)
    """
    fake_logits = _wide(fake_logits)
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    if kind == "nonsaturating":
        return F.softplus(-fake_logits).mean()
    raise ValueError(f"unknown GAN generator loss '{kind}' (minimax or nonsaturating)")


def wasserstein_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """-(E f(x) - E f(G(z))): the critic maximises the Kantorovich-Rubinstein dual ([S0] eq. 2.17)."""
    return _wide(fake_scores).mean() - _wide(real_scores).mean()


def wasserstein_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """-E f(G(z)) (Arjovsky et al. Alg. 1 line 10; Gulrajani et al. Alg. 1 line 12)."""
    return -_wide(fake_scores).mean()


# --- closed forms used by tests and by the docs (Goodfellow et al. Prop. 1, Thm. 1) ---

def optimal_discriminator(p_data: torch.Tensor, p_model: torch.Tensor) -> torch.Tensor:
    """D*(x) = p_d(x) / (p_d(x) + p_g(x))  ([S0] Prop. 2)."""
    return p_data / (p_data + p_model)


def gan_value(d: torch.Tensor, p_data: torch.Tensor, p_model: torch.Tensor) -> torch.Tensor:
    """V(D, G) = E_pd log D + E_pg log(1 - D) for discrete distributions on a common support."""
    return (p_data * torch.log(d)).sum() + (p_model * torch.log1p(-d)).sum()


def jensen_shannon(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    m = 0.5 * (p + q)

    def kl(a, b):
        mask = a > 0
        return (a[mask] * (a[mask] / b[mask]).log()).sum()

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


LOG4 = math.log(4.0)
