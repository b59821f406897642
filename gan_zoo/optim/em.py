"""The EM update of Mixflow's mixture weights ([S0] §4.2, eqs. 4.7-4.8). Pure functions.

This is an optimisation step, not a loss: the weights p(c=i) are not trained by gradient descent on the
likelihood but set from the batch posterior q(c=i | x) (the M-step), damped by lambda_c (``weight_lr``).
So it sits with the other update rules in ``optim/``, next to the differentiable Adam of ``unroll.py``;
the likelihood terms it complements are losses (``gan_zoo/losses/mixture.py``).
"""
from __future__ import annotations

import torch


def em_weights(posterior: torch.Tensor) -> torch.Tensor:
    """M-step for the weights ([S0] eq. 4.7): p(c=i) = (1/N) sum_n q(c=i | x_n). posterior: (N, T)."""
    return posterior.mean(0)


def damped_weight_update(previous: torch.Tensor, target: torch.Tensor, damping: float) -> torch.Tensor:
    """Eq. 4.8: p_t = p_{t-1} + lambda_c (p_t^EM - p_{t-1}); lambda_c = 1 is the plain EM update."""
    return previous + damping * (target - previous)


def em_weight_update(previous: torch.Tensor, posterior: torch.Tensor, damping: float) -> torch.Tensor:
    """Eqs. 4.7-4.8 together: the damped EM update of the mixture weights from a batch posterior."""
    return damped_weight_update(previous, em_weights(posterior), damping)
