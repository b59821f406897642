"""Lipschitz constraints on a critic: the gradient penalty (WGAN-GP) and weight clipping (WGAN)."""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .adversarial import wasserstein_critic_loss


def interpolate(real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """x_hat = eps * x + (1 - eps) * x_tilde, eps ~ U[0, 1] per sample (Gulrajani et al. Alg. 1 line 6)."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(shape, device=real.device, dtype=real.dtype, generator=generator)
    return eps * real + (1 - eps) * fake


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], x_hat: torch.Tensor) -> torch.Tensor:
    """E[(||grad_x_hat f(x_hat)||_2 - 1)^2], without the weight lambda.

    The critic *adds* lambda times this to its loss (Gulrajani et al. Alg. 1 line 7:
    L = D(x_tilde) - D(x) + lambda * penalty, minimised). [S0]'s Algorithm 3 prints the data terms
    with the opposite sign; we follow the original paper. ``create_graph=True`` so the penalty is
    differentiated with respect to the critic's weights (second order).
    """
    x_hat = x_hat.detach().requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    norm = grad.flatten(1).norm(2, dim=1)
    return ((norm - 1.0) ** 2).mean()


@torch.no_grad()
def clip_weights_(module: nn.Module, c: float) -> None:
    """Clamp every parameter to [-c, c] in place (Arjovsky et al. Alg. 1 line 7)."""
    for p in module.parameters():
        p.clamp_(-c, c)


def wgan_gp_critic_terms(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                         fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(E f(fake) - E f(real), gradient penalty at random interpolates): the two terms of the WGAN-GP critic
    loss (Gulrajani et al. Alg. 1 lines 6-7, the standard sign: docs/sources.md [A1]). The caller
    minimises ``loss_w + lambda * penalty``; -loss_w is the Wasserstein estimate."""
    loss_w = wasserstein_critic_loss(critic(real), critic(fake))
    return loss_w, gradient_penalty(critic, interpolate(real, fake))
