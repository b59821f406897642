"""The plain dispatch: the one place gan_zoo leans on Lightning internals.

On one device in fp32, with no profiler and nothing listening to the backward/optimizer hooks,
``manual_backward`` and ``opt.step()`` may go straight to torch: Lightning's dispatch through the strategy,
the precision plugin and the hooks then does nothing but costs more than a small model's step. Under DDP,
mixed precision or a profiler, or when a hook is overridden, ``plain_optimizers`` returns None and
Lightning's own path runs unchanged.

What it reads that is not Lightning's public API: ``trainer.fit_loop.epoch_loop.manual_optimization
.optim_step_progress`` (counted like LightningOptimizer does, so ``trainer.global_step`` stays right) and
``LightningModule._fabric``. Checked on lightning 2.6.x (pyproject bounds ``lightning>=2.6.6,<2.7``);
tests/test_dispatch.py trains the same run both ways and requires bitwise-equal parameters and equal
``global_step``. ``GANZOO_PLAIN_DISPATCH=0`` (or ``ENABLED = False``) turns it off.
"""
from __future__ import annotations

import os

import lightning as L
from lightning.pytorch.plugins.precision import Precision
from lightning.pytorch.profilers import PassThroughProfiler
from lightning.pytorch.strategies import SingleDeviceStrategy
from lightning.pytorch.utilities.model_helpers import is_overridden

ENABLED = os.environ.get("GANZOO_PLAIN_DISPATCH", "1") != "0"

# Hooks Lightning calls around each backward and optimizer step; if nothing overrides them, skipping
# the dispatch changes nothing.
STEP_HOOKS = ("on_before_backward", "on_after_backward", "on_before_optimizer_step")


class PlainOptimizer:
    """``opt.step()`` straight to torch, counted like LightningOptimizer (so ``trainer.global_step`` is right)."""

    __slots__ = ("optimizer", "progress")

    def __init__(self, optimizer, progress):
        self.optimizer, self.progress = optimizer, progress

    def step(self, closure=None):
        self.progress.increment_ready()
        out = self.optimizer.step(closure)
        self.progress.increment_completed()
        return out

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none=set_to_none)

    def __getattr__(self, name):
        return getattr(self.optimizer, name)


def plain_optimizers(module: L.LightningModule, trainer):
    """The module's optimizers wrapped for the plain dispatch (one, or a list), or None where it must not run."""
    plain = (
        ENABLED and trainer is not None and module._fabric is None
        and type(trainer.strategy) is SingleDeviceStrategy
        and type(trainer.precision_plugin) is Precision
        and isinstance(trainer.profiler, PassThroughProfiler)
        and not any(is_overridden(h, module, L.LightningModule) for h in STEP_HOOKS)
        and not any(is_overridden(h, cb, L.Callback) for cb in trainer.callbacks for h in STEP_HOOKS)
    )
    if not plain:
        return None
    progress = trainer.fit_loop.epoch_loop.manual_optimization.optim_step_progress
    opts = [PlainOptimizer(o, progress) for o in trainer.optimizers]
    return opts[0] if len(opts) == 1 else opts
