"""Mixture likelihood terms and regularisers for Mixflow / PGAN ([S0] §4.2). Pure functions.

The EM update of the mixture weights (eqs. 4.7-4.8) is an optimisation step, not a loss: it lives in
``gan_zoo/optim/em.py``.
"""
from __future__ import annotations

import torch


def entropic_regulariser(log_weights: torch.Tensor) -> torch.Tensor:
    """ER = -(1/T) sum_i log p(c=i) ([S0] eq. 4.11); minimal (= log T) at uniform weights."""
    return -log_weights.mean()


def dominant_components(weights: torch.Tensor, mass: float = 0.9) -> int:
    """The fewest components whose weights add up to at least `mass`.

    [S0]'s "number of components with weight larger than 0.9" cannot count more than one
    ([A17]); this is the notes' first reading (90 % of the cumulative weight)."""
    w, _ = torch.sort(weights.detach().float(), descending=True)
    return int((torch.cumsum(w, 0) < mass - 1e-6).sum()) + 1


def dominant_components_t(weights: torch.Tensor, mass: float = 0.9) -> torch.Tensor:
    """As `dominant_components`, as a device tensor (no host synchronisation, for per-step logging)."""
    w, _ = torch.sort(weights.detach().float(), descending=True)
    return (torch.cumsum(w, 0) < mass - 1e-6).sum() + 1


# ----- the mixture likelihood and its parts ([S0] eqs. 4.1-4.2, Alg. 6 lines 6-7) ----------------------
def mixture_nll(component_log_probs: torch.Tensor, log_weights: torch.Tensor) -> torch.Tensor:
    """-(1/N) sum_n log sum_i p(c=i) p(x_n | c=i) (eq. 4.2), from (N, T) log p(x|c=i) and (T,) log p(c=i)."""
    return -torch.logsumexp(component_log_probs + log_weights, 1).mean()


def split_mixture_nll(component_log_probs: torch.Tensor,
                      log_weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The mixture NLL twice, each with a gradient to one side only: (to the flows, to the weights).

    Alg. 6 line 6 trains the flows on -E f + lambda_ml NLL, line 7 the weights on the NLL alone (§4.4):
    the sum ``adv + ml_weight * flows + weights`` gives each its own gradient in one backward pass."""
    return (mixture_nll(component_log_probs, log_weights.detach()),
            mixture_nll(component_log_probs.detach(), log_weights))


def pretrain_nll(component_log_probs: torch.Tensor, log_weights: torch.Tensor, labels: torch.Tensor | None,
                 ) -> torch.Tensor:
    """[S0] §5.2's ML pre-training of a GAN+ML mixture: component i on the examples of class i when
    ``labels`` are given (one digit per component), else the mixture NLL with the weights held fixed."""
    if labels is not None:
        return -component_log_probs.gather(1, labels.view(-1, 1)).mean()
    return mixture_nll(component_log_probs, log_weights.detach())
