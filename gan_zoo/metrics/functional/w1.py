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
