"""Callbacks. Those acting every N generator steps (and at train end) derive from
``GeneratorStepCallback`` (base.py) and implement ``act(trainer, method)``; the shared loop
(methods/base.py) calls their ``on_generator_step`` after each generator step."""
from .base import GeneratorStepCallback
from .checkpoint import PeriodicCheckpoint
from .ema import GeneratorEMA
from .metrics import PeriodicMetrics
from .pictures import CriticHistograms, NetHistograms, SamplePictures, data_grid, image_grid, points_figure
from .progress import StepProgress

__all__ = [
           "CriticHistograms",
           "GeneratorEMA",
           "GeneratorStepCallback",
           "NetHistograms",
           "PeriodicCheckpoint",
           "PeriodicMetrics",
           "SamplePictures",
           "StepProgress",
           "data_grid",
           "image_grid",
           "points_figure",
]
