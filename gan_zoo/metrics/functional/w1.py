"""Exact W1 between two point sets (uniform weights) through POT's network simplex (ot.emd2)."""
from __future__ import annotations

import numpy as np
import torch


def wasserstein1(x: torch.Tensor, y: torch.Tensor) -> float:
    """W1 = min over couplings of sum P_ij ||x_i - y_j||_2, exact (ot.emd2 on the Euclidean cost)."""
    import ot

    a = x.detach().double().cpu().flatten(1).numpy()
    b = y.detach().double().cpu().flatten(1).numpy()
    cost = ot.dist(a, b, metric="euclidean")
    wa = np.full(len(a), 1.0 / len(a))
    wb = np.full(len(b), 1.0 / len(b))
    return float(ot.emd2(wa, wb, cost, numItermax=10_000_000))


SINKHORN_REG = 0.01  # entropic weight as a fraction of the mean ground cost (our choice; Cuturi 2013, §4)
EXACT_MAX_N = 5000  # above this many points per set, "auto" switches to Sinkhorn (exact EMD is O(n^3))


def wasserstein1_sinkhorn(x: torch.Tensor, y: torch.Tensor, reg: float = SINKHORN_REG) -> float:
    """Entropic approximation of W1 (Cuturi 2013) through POT's log-domain Sinkhorn (ot.sinkhorn2).

    ``reg`` is relative to the mean pairwise distance, so it is scale free; the transport cost of the
    entropic plan (not the regularised objective) is returned, which is >= W1 and tends to W1 as reg -> 0.
    """
    import ot

    a = x.detach().double().cpu().flatten(1)
    b = y.detach().double().cpu().flatten(1)
    cost = torch.cdist(a, b)
    scale = float(cost.mean())
    wa = torch.full((len(a),), 1.0 / len(a), dtype=torch.float64)
    wb = torch.full((len(b),), 1.0 / len(b), dtype=torch.float64)
    plan = ot.sinkhorn(wa, wb, cost / scale, reg, method="sinkhorn_log", numItermax=2000, stopThr=1e-7)
    return float((plan * cost).sum())


def w1(x: torch.Tensor, y: torch.Tensor, method: str = "auto") -> float:
    """``exact`` (ot.emd2), ``sinkhorn``, or ``auto`` (exact up to EXACT_MAX_N points per set)."""
    if method == "auto":
        method = "exact" if max(len(x), len(y)) <= EXACT_MAX_N else "sinkhorn"
    if method == "exact":
        return wasserstein1(x, y)
    if method == "sinkhorn":
        return wasserstein1_sinkhorn(x, y)
    raise ValueError(f"unknown W1 method '{method}' (exact, sinkhorn, auto)")
