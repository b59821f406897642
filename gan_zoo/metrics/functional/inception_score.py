"""Inception Score on class logits: IS = exp(E_x KL(p(y|x) || p(y))).

Salimans et al. 2016 ("Improved Techniques for Training GANs", §4) define the score; their released
code (openai/improved-gan, ``inception_score/model.py``, ``get_inception_score``) computes it over 10
consecutive splits ``preds[i * N // splits:(i + 1) * N // splits]`` in the samples' order, and returns
``np.mean(scores), np.std(scores)``: the population standard deviation over splits (ddof 0). This is
the one implementation: ``ganzoo eval is`` and the training callback both call it, so the same samples
give the same number. (torchmetrics' ``InceptionScore`` shuffles before splitting and reports the
unbiased std; it is not used.) The logits may come from Inception-v3 (the literature's number) or from
a dataset classifier.
"""
from __future__ import annotations

import torch

IS_SPLITS = 10  # Salimans et al. 2016, released code: splits=10
IS_STD = "population std over splits (ddof 0, as Salimans et al.'s np.std)"


def inception_score(logits: torch.Tensor, splits: int = IS_SPLITS) -> tuple[float, float]:
    """``(mean, std)`` of exp(E KL(p(y|x) || p(y))) over ``splits`` consecutive splits of ``logits`` (N, K).

    Split i is rows ``i * N // splits`` to ``(i + 1) * N // splits`` (Salimans et al.'s boundaries);
    std is the population std (ddof 0) over the splits.
    """
    if logits.dim() != 2:
        raise ValueError(f"expected logits of shape (N, K), got {tuple(logits.shape)}")
    n = logits.shape[0]
    if splits < 1 or n < splits:
        raise ValueError(f"need at least {splits} samples for {splits} splits, got {n}")
    log_p = logits.double().log_softmax(dim=1)
    scores = []
    for i in range(splits):
        lp = log_p[i * n // splits:(i + 1) * n // splits]
        log_py = torch.logsumexp(lp, dim=0) - torch.log(torch.tensor(float(lp.shape[0]), dtype=lp.dtype))
        kl = (lp.exp() * (lp - log_py)).sum(dim=1)  # KL(p(y|x) || p(y)) per sample
        scores.append(kl.mean().exp())
    s = torch.stack(scores)
    return float(s.mean()), float(s.std(correction=0))
