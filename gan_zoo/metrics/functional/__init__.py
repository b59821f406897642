"""Pure metric functions (tensors in, numbers out); the stateful/CLI layer sits above."""
from .w1 import wasserstein1

__all__ = ["wasserstein1"]
