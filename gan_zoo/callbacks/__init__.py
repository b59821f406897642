"""Callbacks. Those acting every N generator steps implement ``on_generator_step(trainer, method)``,
which the shared loop (methods/base.py) calls after each generator step."""
from .checkpoint import PeriodicCheckpoint
from .ema import GeneratorEMA
from .metrics import PeriodicMetrics
from .pictures import CriticHistograms, SamplePictures, image_grid, points_figure
from .progress import StepProgress

__all__ = [
           "CriticHistograms",
           "GeneratorEMA",
           "PeriodicCheckpoint",
           "PeriodicMetrics",
           "SamplePictures",
           "StepProgress",
           "image_grid",
           "points_figure",
]
