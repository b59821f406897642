"""Mode coverage and high-quality fraction for Gaussian mixtures (VEEGAN protocol).

Definition (VEEGAN, Srivastava et al. 2017, §5.1; [P1c]; the same counting as the
Unrolled GAN paper's mixture experiments): a sample is *high quality* when it lies within
``n_sigma`` standard deviations (3 for the 2-D sets) of its nearest mixture mean; a mode is
*captured* when it is the nearest mean of at least one high-quality sample. The VEEGAN code uses the
Euclidean distance to the nearest mean against ``3 * std`` ([P1c], "HQ threshold").
"""
from __future__ import annotations

import torch

N_SIGMA = 3.0  # VEEGAN §5.1 / [P1c]: "within 3 standard deviations" (2-D sets)


def mode_coverage(samples: torch.Tensor, centers: torch.Tensor, std: float, n_sigma: float = N_SIGMA) -> dict:
    """Return ``{"modes": int, "hq_fraction": float, "per_mode": LongTensor(K)}``.

    ``per_mode[k]`` counts the high-quality samples whose nearest mean is ``centers[k]``.
    """
    x = torch.as_tensor(samples).detach().double().flatten(1).cpu()
    c = torch.as_tensor(centers).detach().double().flatten(1).cpu()
    if x.ndim != 2 or c.ndim != 2 or x.shape[1] != c.shape[1]:
        raise ValueError(f"samples {tuple(x.shape)} and centers {tuple(c.shape)} must share the last dimension")
    k = c.shape[0]
    if x.shape[0] == 0:
        return {"modes": 0, "hq_fraction": 0.0, "per_mode": torch.zeros(k, dtype=torch.long)}
    dist = torch.cdist(x, c)  # (N, K) Euclidean
    nearest_d, nearest = dist.min(dim=1)
    hq = nearest_d <= n_sigma * float(std)
    per_mode = torch.bincount(nearest[hq], minlength=k)
    return {
        "modes": int((per_mode > 0).sum()),
        "hq_fraction": float(hq.double().mean()),
        "per_mode": per_mode,
    }
