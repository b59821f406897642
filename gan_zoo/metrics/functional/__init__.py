"""Pure metric functions (tensors in, numbers out); the stateful/CLI layer sits above."""
from .ddm import ddm, ddm_dense, ddm_relative, log_mean_kernel
from .fid import frechet_distance, kernel_inception_distance
from .inception_score import inception_score
from .modes import mode_coverage
from .w1 import w1, wasserstein1, wasserstein1_sinkhorn

__all__ = [
           "ddm",
           "ddm_dense",
           "ddm_relative",
           "frechet_distance",
           "inception_score",
           "kernel_inception_distance",
           "log_mean_kernel",
           "mode_coverage",
           "w1",
           "wasserstein1",
           "wasserstein1_sinkhorn",
]
