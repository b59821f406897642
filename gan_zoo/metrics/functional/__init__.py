"""Pure metric functions (tensors in, numbers out); the stateful/CLI layer sits above."""
from .fid import frechet_distance, kernel_inception_distance
from .modes import mode_coverage
from .w1 import wasserstein1

__all__ = ["wasserstein1", "mode_coverage", "frechet_distance", "kernel_inception_distance"]
