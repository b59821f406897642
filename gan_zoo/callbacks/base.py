"""The one contract of the callbacks that act on generator steps.

Lightning calls a callback's ``on_train_batch_end`` before the module's, so a callback reading
``method.generator_steps`` there would see the count before the step. The shared loop
(methods/base.py ``on_train_batch_end``) calls ``on_generator_step(trainer, method)`` of every callback
that has one, after its counter has moved; ``GeneratorStepCallback`` turns that into "every N generator
steps, and once more at the end of training", so a callback only says what it does (``act``).
"""
from __future__ import annotations

import lightning as L


class GeneratorStepCallback(L.Callback):
    """Calls ``act(trainer, method)`` every ``every`` generator steps and, if ``at_train_end``, at train end."""

    at_train_end = True

    def __init__(self, every: int):
        self.every = max(int(every), 1)
        self._acted_at: int | None = None  # the generator step of the last act

    def due(self, method) -> bool:
        """True on the generator steps this callback acts on (counted from the start of the run)."""
        return method.generator_steps % self.every == 0

    def on_generator_step(self, trainer, method) -> None:
        if self.due(method):
            self._acted_at = method.generator_steps
            self.act(trainer, method)

    def on_train_end(self, trainer, method) -> None:
        # Not twice for one step: the last step is usually a due one (train() picks every = steps // 10),
        # and nothing changes between it and the end (found by benchmarks/gpu_check.py's profile: the last
        # picture and histogram were drawn twice).
        if self.at_train_end and getattr(self, "_acted_at", None) != method.generator_steps:
            self.act(trainer, method)

    def act(self, trainer, method) -> None:
        raise NotImplementedError
