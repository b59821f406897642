"""InfoGAN's variational lower bound on the mutual information (Chen et al. 2016 §5; [S3] §1.6).

    I(c; G(z, c)) >= L_I(G, Q) = E_{c ~ P(c), x ~ G(z, c)}[log Q(c | x)] + H(c)

with equality when Q(c | x) is the true posterior. One bound per code type, weighted by lambda
([P3]: lambda = 1 for both in the official MNIST launcher). Both D/Q and G *subtract*
lambda * L_I from their losses (IG-C ``infogan_trainer.py``).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


def categorical_log_likelihood(logits: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """E[log Q(c | x)] for a categorical code given as indices (N,) and Q's logits (N, K)."""
    return -F.cross_entropy(logits, codes)


def gaussian_log_likelihood(mean: torch.Tensor, codes: torch.Tensor,
                            log_std: torch.Tensor | None = None) -> torch.Tensor:
    """E[sum_j log N(c_j; mean_j, std_j^2)] for continuous codes (N, C); std = 1 when log_std is None
    (the official MNIST launcher's fixed-std Q, [P3])."""
    if log_std is None:
        log_std = torch.zeros_like(mean)
    z = (codes - mean) * torch.exp(-log_std)
    per_dim = -0.5 * z.pow(2) - log_std - 0.5 * LOG_2PI
    return per_dim.sum(1).mean()


def categorical_entropy(probs: torch.Tensor) -> torch.Tensor:
    """H(c) of a categorical prior (nats); log K for the uniform Cat(K)."""
    return -(torch.xlogy(probs, probs)).sum()


def uniform_entropy(low: float, high: float, dims: int) -> float:
    """Differential entropy of U(low, high)^dims (nats): dims * log(high - low)."""
    return dims * math.log(high - low)


def mutual_info_lower_bound(log_likelihood: torch.Tensor, prior_entropy: float | torch.Tensor) -> torch.Tensor:
    """L_I = E[log Q(c|x)] + H(c) (Chen et al. eq. 4/5). H(c) is a constant and carries no gradient."""
    return log_likelihood + prior_entropy


def info_loss(cat_logits: torch.Tensor | None, cat_codes: torch.Tensor | None,
              cont_mean: torch.Tensor | None, cont_codes: torch.Tensor | None,
              cont_log_std: torch.Tensor | None = None, lambda_cat: float = 1.0,
              lambda_cont: float = 1.0) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """-(lambda_cat * E log Q(c_cat|x) + lambda_cont * E log Q(c_cont|x)) and the bounds L_I per code type.

    The loss leaves out the constant entropies (no gradient); the returned bounds include them:
    ``mi/categorical`` tends to H(c) = log K when Q recovers the category (Chen et al. §7.1, Fig. 1).
    """
    loss, bounds = None, {}
    if cat_logits is not None:
        ll = categorical_log_likelihood(cat_logits, cat_codes)
        k = cat_logits.shape[1]
        bounds["mi/categorical"] = mutual_info_lower_bound(ll.detach(), math.log(k))
        loss = -lambda_cat * ll
    if cont_mean is not None:
        ll = gaussian_log_likelihood(cont_mean, cont_codes, cont_log_std)
        bounds["mi/continuous"] = mutual_info_lower_bound(ll.detach(), uniform_entropy(-1, 1, cont_mean.shape[1]))
        term = -lambda_cont * ll
        loss = term if loss is None else loss + term
    if loss is None:
        raise ValueError("info_loss needs at least one code type")
    return loss, bounds
