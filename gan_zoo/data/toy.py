"""Toy 2-D data sets, each with its mode centres and, where one exists, its exact log-density.

`ring`, `ring8` and `grid25` are Gaussian mixtures (exact ``log_prob``); `swissroll` has none.
"""
from __future__ import annotations

import math

import torch

from ..registry import register_dataset


class GaussianMixture2D:
    """Equal-weight mixture of isotropic 2-D Gaussians: exact sampling and log-density."""

    kind = "points"

    def __init__(self, name: str, centers: torch.Tensor, std: float):
        self.name = name
        self.centers = centers.to(torch.float32)
        self.std = float(std)
        self.num_classes = len(centers)

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        labels = torch.randint(len(self.centers), (n,), generator=generator)
        noise = torch.randn(n, 2, generator=generator)
        return self.centers[labels] + self.std * noise, labels

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) = logsumexp_k [log N(x; mu_k, std^2 I)] - log K, per point."""
        mu = self.centers.to(x)
        sq = ((x[:, None, :] - mu[None]) ** 2).sum(-1)
        log_comp = -0.5 * sq / self.std**2 - math.log(2 * math.pi * self.std**2)
        return torch.logsumexp(log_comp, dim=1) - math.log(len(mu))

    def entropy_nats(self, n: int = 200_000, seed: int = 0) -> float:
        """Monte-Carlo differential entropy: the NLL per point of the true density (a floor for NLL)."""
        x, _ = self.sample(n, torch.Generator().manual_seed(seed))
        return float(-self.log_prob(x.double()).mean())


def _ring_centers(k: int, radius: float) -> torch.Tensor:
    # Angles 2*pi*j/k for j = 0..k-1: k distinct modes (the Unrolled GAN notebook's
    # np.linspace(0, 2*pi, 8) repeats the first mode, [P1a]).
    ang = torch.arange(k, dtype=torch.float64) * (2 * math.pi / k)
    return torch.stack([radius * torch.cos(ang), radius * torch.sin(ang)], 1).float()


@register_dataset("ring", "points", "6 Gaussians on a circle of radius 5, variance 0.1 (seed 000 §5.1.1)",
                  embedded=True)
def ring(**_) -> GaussianMixture2D:
    # [S0] §5.1.1: "6 components ... equally spaced on a circle of radius 5 ... diagonal 0.1".
    return GaussianMixture2D("ring", _ring_centers(6, 5.0), std=math.sqrt(0.1))


@register_dataset("ring8", "points", "8 Gaussians on a unit circle, std 0.01 (Unrolled GAN MoG, Metz et al. 2017)",
                  embedded=True)
def ring8(**_) -> GaussianMixture2D:
    # Metz et al. 2017 §3.1, radius 1.0 and std 0.01 from the official notebook ([P1a]).
    return GaussianMixture2D("ring8", _ring_centers(8, 1.0), std=0.01)


@register_dataset("grid25", "points", "25 Gaussians on {-4,-2,0,2,4}^2, std 0.05 (VEEGAN, Srivastava et al. 2017)",
                  embedded=True)
def grid25(**_) -> GaussianMixture2D:
    # VEEGAN notebook `create_distribution`: means (i, j), i, j in {-4,-2,0,2,4}, std 0.05 ([P1c]).
    g = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
    centers = torch.cartesian_prod(g, g)
    return GaussianMixture2D("grid25", centers, std=0.05)


class SwissRoll2D:
    """[S0] §5.1.2's "modified Swiss roll with more spirals".

    The thesis gives no parameters ([A11] in the notes). Ours: t = 1.5*pi*(1 + 3u), u ~ U(0, 1),
    i.e. 2.25 turns instead of the classic 1.5, point (t cos t, t sin t) * 0.5 plus N(0, 0.25^2) noise,
    which puts it on the same scale as `ring` (radius up to ~9.4). No closed-form density.
    """

    kind = "points"
    name = "swissroll"
    num_classes = 0
    centers = None
    std = None
    log_prob = None

    def sample(self, n: int, generator: torch.Generator | None = None):
        u = torch.rand(n, generator=generator)
        t = 1.5 * math.pi * (1 + 3 * u)
        x = 0.5 * torch.stack([t * torch.cos(t), t * torch.sin(t)], 1)
        return x + 0.25 * torch.randn(n, 2, generator=generator), torch.zeros(n, dtype=torch.long)


@register_dataset("swissroll", "points", "modified Swiss roll, 2.25 turns (seed 000 §5.1.2)", embedded=True)
def swissroll(**_) -> SwissRoll2D:
    return SwissRoll2D()
