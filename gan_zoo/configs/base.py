"""The fields every method's config has (each method's file here adds its paper's defaults, cited).

Config dataclasses import neither torch nor Lightning, so ``ganzoo list``, ``--help`` and argument
errors answer without loading them; the method modules in gan_zoo/methods/ import their config from here.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from ..registry import GanZooError

# The learning-rate schedules GenerativeMethod.with_lr_schedule knows (gan_zoo/methods/base.py).
LR_SCHEDULES = ("constant", "linear")


@dataclass
class MethodConfig:
    """Fields every method has. Subclasses set paper defaults and cite them."""

    batch_size: int = 64  # per rank: under DDP the effective batch is ranks x batch_size (lr unchanged)
    n_critic: int = 1  # critic (discriminator) steps per generator step
    z_dim: int = 100
    arch: str = "auto"  # auto | mlp | dcgan | resnet: auto picks by data shape
    width: int = 0  # 0: the architecture's own default width
    log_every: int = 50  # generator steps between scalar logs (and divergence checks)

    # Fields above that this method never reads (its nets or schedule do not use them): `--set` of one
    # is an error naming the fields it does use, rather than a run that silently ignores it (or, for
    # n_critic on a method with one optimiser step per batch, one that silently takes n_critic x more).
    unused: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def used_fields(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name not in cls.unused]

    @classmethod
    def for_data(cls, info) -> MethodConfig:
        """The paper defaults for this kind of data (``info``: a DataInfo; override where they differ)."""
        return cls()

    def implied(self, changed: frozenset[str]) -> MethodConfig:
        """This config after ``--set`` of the fields ``changed``, with the fields they imply (default: none)."""
        return self

    def validate(self) -> None:
        if self.batch_size < 1:
            raise GanZooError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.n_critic < 1:
            raise GanZooError(f"n_critic must be >= 1, got {self.n_critic}")
        if self.arch not in ("auto", "mlp", "dcgan", "resnet"):
            raise GanZooError(f"unknown arch '{self.arch}' (auto, mlp, dcgan, resnet)")
