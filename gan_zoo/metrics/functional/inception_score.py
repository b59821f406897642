"""Inception Score on class logits: IS = exp(E_x KL(p(y|x) || p(y))).

Salimans et al. 2016 ("Improved Techniques for Training GANs", §4) define the score and compute it
over 10 splits of the samples (their released code; paper_defaults / seed 004 §4 leave the split count
to that paper). Per split, p(y) is the mean of p(y|x) over that split; the result is the mean and the
standard deviation over splits. We split with ``Tensor.chunk`` and report the unbiased std, exactly as
``torchmetrics.image.InceptionScore.compute`` does, so the two agree on the same logits (tested); the
logits may come from Inception-v3 (the literature's number) or from a dataset classifier.
"""
from __future__ import annotations

import torch

IS_SPLITS = 10  # Salimans et al. 2016, released code: 10 splits


def inception_score(logits: torch.Tensor, splits: int = IS_SPLITS) -> tuple[float, float]:
    """``(mean, std)`` of exp(E KL(p(y|x) || p(y))) over ``splits`` consecutive chunks of ``logits`` (N, K)."""
    if logits.dim() != 2:
        raise ValueError(f"expected logits of shape (N, K), got {tuple(logits.shape)}")
    if splits < 1 or logits.shape[0] < splits:
        raise ValueError(f"need at least {splits} samples for {splits} splits, got {logits.shape[0]}")
    log_p = logits.double().log_softmax(dim=1)
    scores = []
    for lp in log_p.chunk(splits, dim=0):
        log_py = torch.logsumexp(lp, dim=0) - torch.log(torch.tensor(float(lp.shape[0]), dtype=lp.dtype))
        kl = (lp.exp() * (lp - log_py)).sum(dim=1)  # KL(p(y|x) || p(y)) per sample
        scores.append(kl.mean().exp())
    s = torch.stack(scores)
    return float(s.mean()), float(s.std()) if len(scores) > 1 else 0.0
