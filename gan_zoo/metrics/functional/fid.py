"""Fréchet distance and kernel (inception) distance on feature tensors.

Pure functions of two feature matrices (N, D), so any extractor works (Inception-v3 pool3 features as
in the literature, or the logits of a dataset classifier).

FID (Heusel et al. 2017, eq. in §"Fréchet Inception Distance"):
    ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^{1/2})
The trace of the matrix square root is computed from the eigenvalues of S_a S_b, which are real and
non-negative for PSD S_a, S_b (their square roots summed equal Tr (S_a S_b)^{1/2}); this avoids scipy.

KID (Binkowski et al. 2018, "Demystifying MMD GANs", §2.3 / App. B): unbiased MMD^2 with the cubic
polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over ``subsets`` random subsets of
``subset_size`` from each set; defaults 100 subsets of 1000 as in torch-fidelity / torchmetrics.
"""
from __future__ import annotations

import torch

KID_SUBSETS = 100  # torchmetrics KernelInceptionDistance / torch-fidelity default
KID_SUBSET_SIZE = 1000  # same source


def mean_cov(f: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and unbiased (N - 1) covariance in float64, as numpy.cov in pytorch-fid."""
    f = f.double().flatten(1)
    mu = f.mean(0)
    d = f - mu
    cov = d.T @ d / max(f.shape[0] - 1, 1)
    return mu, cov


_mean_cov = mean_cov


def frechet_distance(feats_a: torch.Tensor, feats_b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N_a, D), (N_b, D)."""
    if feats_a.shape[0] < 2 or feats_b.shape[0] < 2:
        raise ValueError("the Fréchet distance needs at least 2 samples in each set")
    mu_a, s_a = mean_cov(feats_a)
    mu_b, s_b = mean_cov(feats_b)
    return frechet_distance_stats(mu_a, s_a, mu_b, s_b)


def frechet_distance_stats(mu_a: torch.Tensor, s_a: torch.Tensor, mu_b: torch.Tensor, s_b: torch.Tensor) -> float:
    """The same distance from precomputed means and covariances (reference statistics, ``ganzoo stats``)."""
    mu_a, s_a, mu_b, s_b = (t.double() for t in (mu_a, s_a, mu_b, s_b))
    eig = torch.linalg.eigvals(s_a @ s_b)
    tr_sqrt = eig.real.clamp_min(0).sqrt().sum()
    fd = (mu_a - mu_b).square().sum() + torch.trace(s_a) + torch.trace(s_b) - 2 * tr_sqrt
    return float(fd)


def _poly_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def kernel_inception_distance(
    feats_a: torch.Tensor,
    feats_b: torch.Tensor,
    subsets: int = KID_SUBSETS,
    subset_size: int = KID_SUBSET_SIZE,
    generator: torch.Generator | None = None,
) -> tuple[float, float]:
    """Unbiased MMD^2 (cubic polynomial kernel) averaged over random subsets: ``(mean, std)``."""
    a = feats_a.double().flatten(1)
    b = feats_b.double().flatten(1)
    m = min(subset_size, a.shape[0], b.shape[0])
    if m < 2:
        raise ValueError("KID needs at least 2 samples in each set")
    gen = generator if generator is not None else torch.Generator().manual_seed(0)
    vals = []
    for _ in range(subsets):
        x = a[torch.randperm(a.shape[0], generator=gen)[:m]]
        y = b[torch.randperm(b.shape[0], generator=gen)[:m]]
        kxx, kyy, kxy = _poly_kernel(x, x), _poly_kernel(y, y), _poly_kernel(x, y)
        off = m * (m - 1)
        mmd = (kxx.sum() - kxx.diagonal().sum()) / off + (kyy.sum() - kyy.diagonal().sum()) / off - 2 * kxy.mean()
        vals.append(mmd)
    v = torch.stack(vals)
    return float(v.mean()), float(v.std(unbiased=False)) if len(vals) > 1 else 0.0
