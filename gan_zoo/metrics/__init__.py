"""Metrics: a pure functional core (``functional/``) under thin wrappers; their names and summaries are in the registry's catalogue."""
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
