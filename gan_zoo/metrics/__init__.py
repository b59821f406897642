"""Metrics: a pure functional core (``functional/``) under thin wrappers; registered by name."""
from ..registry import register_metric
from .functional import (
                         ddm,
                         ddm_relative,
                         frechet_distance,
                         inception_score,
                         kernel_inception_distance,
                         mode_coverage,
                         w1,
                         wasserstein1,
                         wasserstein1_sinkhorn,
)

register_metric("w1", "W1 between point sets: exact (POT ot.emd2), Sinkhorn approximation for large n")
register_metric("is", "Inception Score exp(E KL(p(y|x)||p(y))), 10 splits (Inception-v3 or dataset classifier)")
register_metric("ddm", "Distribution Divergence Measure, Basart 2017 eq. 3.4 on classifier logits (lower is better)")
register_metric("fid", "Fréchet distance between feature Gaussians (Inception-v3 or classifier)")
register_metric("kid", "Kernel Inception Distance: unbiased cubic-kernel MMD^2 over subsets")
register_metric("nll", "exact negative log-likelihood of held-out data for models with log_prob")
register_metric("modes", "modes captured and high-quality fraction for Gaussian mixtures (VEEGAN §5.1)")

__all__ = [
                         "ddm",
                         "ddm_relative",
                         "frechet_distance",
                         "inception_score",
                         "kernel_inception_distance",
                         "mode_coverage",
                         "w1",
                         "wasserstein1",
                         "wasserstein1_sinkhorn",
]
