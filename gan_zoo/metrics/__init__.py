"""Metrics: a pure functional core (``functional/``) under thin wrappers; registered by name."""
from ..registry import register_metric
from .functional import wasserstein1

register_metric("w1", "exact W1 between point sets (POT ot.emd2)")

__all__ = ["wasserstein1"]
