"""EBGAN losses as pure functions (Zhao, Mathieu & LeCun 2017; [S3] §1.8; [P2]).

The discriminator is an energy function D(x) >= 0 (an autoencoder's reconstruction error); both losses
are *minimised*:

    L_D(x, z) = D(x) + [m - D(G(z))]^+                      (EB-P eq. 1)
    L_G(z)    = D(G(z))  (+ lambda_PT * f_PT(S))             (EB-P eq. 2, §2.4)

f_PT is the "pulling-away term" on the encoder codes S of the generated batch (EB-P eq. 14).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def reconstruction_energy(x: torch.Tensor, reconstruction: torch.Tensor) -> torch.Tensor:
    """Per-sample Euclidean reconstruction error ||Dec(Enc(x)) - x||_2, shape (N,): EB-P eq. 13's D(x).

    The norm over all coordinates, not squared and not averaged: the margin m = 10 of EB-P §4.1 is a
    value of this norm (on a 28 x 28 digit, an RMS error of 10 / 28 = 0.36 per pixel). A per-pixel mean
    squared error put the margin at an RMS error of sqrt(10) = 3.2 per pixel, beyond the [-1, 1] range of
    the images, so the autoencoder had to reconstruct badly everywhere to reach it (issue 12).
    """
    return (reconstruction - x).flatten(1).norm(dim=1)


def hinge(fake_energy: torch.Tensor, margin: float) -> torch.Tensor:
    """[m - D(G(z))]^+ per sample: zero (with zero gradient) once the fake energy reaches the margin."""
    return F.relu(margin - fake_energy)


def ebgan_discriminator_loss(real_energy: torch.Tensor, fake_energy: torch.Tensor, margin: float) -> torch.Tensor:
    """E[D(x)] + E[m - D(G(z))]^+ (EB-P eq. 1): push real energy down, fake energy up to the margin."""
    return real_energy.mean() + hinge(fake_energy, margin).mean()


def pull_away_term(codes: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """f_PT(S) = 1/(N(N-1)) sum_i sum_{j != i} (S_i.S_j / (|S_i| |S_j|))^2  (EB-P eq. 14).

    The mean squared cosine similarity between distinct codes of a batch: 0 when the codes are mutually
    orthogonal, 1 (its maximum) when they all point the same way. Small batches (N < 2) give 0.
    """
    s = codes.flatten(1)
    n = s.shape[0]
    if n < 2:
        return s.new_zeros(())
    unit = s / s.norm(dim=1, keepdim=True).clamp_min(eps)
    cos2 = (unit @ unit.t()).pow(2)
    off_diagonal = cos2.sum() - cos2.diagonal().sum()
    return off_diagonal / (n * (n - 1))


def ebgan_generator_loss(fake_energy: torch.Tensor, codes: torch.Tensor | None = None,
                         pt_weight: float = 0.0) -> torch.Tensor:
    """E[D(G(z))] + lambda_PT * f_PT(codes)  (EB-P eq. 2 and §2.4, the "EBGAN-PT" generator loss)."""
    loss = fake_energy.mean()
    if codes is not None and pt_weight:
        loss = loss + pt_weight * pull_away_term(codes)
    return loss
