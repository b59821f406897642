"""Metrics during training, logged to TensorBoard under ``metrics/...`` at x = generator steps.

This callback only decides when (every ``every`` generator steps, rank 0) and where (the logger); what is
computed is ``gan_zoo/metrics/method_scores.py MethodScorer``'s (W1 / NLL / modes for points, classifier IS
and DDM for images), the same module whose ``final_metrics`` gives the run's numbers at train end.
"""
from __future__ import annotations

from ..metrics.method_scores import REFERENCE_N, MethodScorer
from .base import GeneratorStepCallback


class PeriodicMetrics(GeneratorStepCallback):
    def __init__(self, dataset, every: int = 500, n: int | None = None, classifier=None, n_reference: int = REFERENCE_N,
                 seed: int = 0, data_kwargs: dict | None = None):
        super().__init__(every)
        self.scorer = MethodScorer(dataset, n=n, classifier=classifier, n_reference=n_reference, seed=seed,
                                   data_kwargs=data_kwargs)
        self.last: dict = {}

    # ------------------------------------------------------------------ hooks
    at_train_end = False  # the run's final numbers are metrics.method_scores.final_metrics's

    def act(self, trainer, method) -> None:
        if trainer.global_rank == 0:
            self.evaluate(trainer, method)

    # Not named `log`: Lightning assigns `callback.log = lightning_module.log` on every callback at fit
    # start (callback_connector), which would shadow such a method.
    def evaluate(self, trainer, method) -> dict:
        values = self.compute(method)
        exp = getattr(trainer.logger, "experiment", None) if trainer.logger else None
        if exp is not None and hasattr(exp, "add_scalar"):
            for k, v in values.items():
                exp.add_scalar(f"metrics/{k}", v, method.generator_steps)
        self.last = values
        return values

    def compute(self, method) -> dict:
        return self.scorer.compute(method)
