"""Mixture-weight updates and regularisers for Mixflow / PGAN (seed 000 §4.2). Pure functions."""
from __future__ import annotations

import torch


def em_weights(posterior: torch.Tensor) -> torch.Tensor:
    """M-step for the weights (seed 000 eq. 4.7): p(c=i) = (1/N) sum_n q(c=i | x_n). posterior: (N, T)."""
    return posterior.mean(0)


def damped_weight_update(previous: torch.Tensor, target: torch.Tensor, damping: float) -> torch.Tensor:
    """Eq. 4.8: p_t = p_{t-1} + lambda_c (p_t^EM - p_{t-1}); lambda_c = 1 is the plain EM update."""
    return previous + damping * (target - previous)


def em_weight_update(previous: torch.Tensor, posterior: torch.Tensor, damping: float) -> torch.Tensor:
    """Eqs. 4.7-4.8 together: the damped EM update of the mixture weights from a batch posterior."""
    return damped_weight_update(previous, em_weights(posterior), damping)


def entropic_regulariser(log_weights: torch.Tensor) -> torch.Tensor:
    """ER = -(1/T) sum_i log p(c=i) (seed 000 eq. 4.11); minimal (= log T) at uniform weights."""
    return -log_weights.mean()


def dominant_components(weights: torch.Tensor, mass: float = 0.9) -> int:
    """The fewest components whose weights add up to at least `mass`.

    Seed 000's "number of components with weight larger than 0.9" cannot count more than one
    ([AMBIG-17]); this is the notes' first reading (90 % of the cumulative weight)."""
    w, _ = torch.sort(weights.detach().float(), descending=True)
    return int((torch.cumsum(w, 0) < mass - 1e-6).sum()) + 1


def dominant_components_t(weights: torch.Tensor, mass: float = 0.9) -> torch.Tensor:
    """As `dominant_components`, as a device tensor (no host synchronisation, for per-step logging)."""
    w, _ = torch.sort(weights.detach().float(), descending=True)
    return (torch.cumsum(w, 0) < mass - 1e-6).sum() + 1
