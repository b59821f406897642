"""The shared loop every method stands on.

A method is a LightningModule with manual optimisation whose ``training_step`` holds its paper's
algorithm. This file holds only what is the same for all of them:

- the schedule: each ``training_step`` consumes one batch; the critic steps every batch and the
  generator every ``n_critic`` batches. "Steps" (the CLI's ``--steps``) count generator iterations,
  as the papers do; ``batches_seen`` counts batches.
- ``record`` of scalars with stable names (``loss/critic``, ``loss/generator`` ...), written to
  TensorBoard every ``log_every`` generator steps: one host-device synchronisation per interval,
  none per step.
- the divergence guard: non-finite recorded scalars are noted on the device each step and checked
  at each log/checkpoint, stopping the run with the generator step where it first happened.
- exact resume: the batch counter and the RNG state travel in the checkpoint, and the data stream
  restarts at the batch the counter says.
- ``sample(n)`` in data space, and ``log_prob`` where a model has one.
"""
from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Any

import lightning as L
import torch
from torch import nn

from ..data.datamodule import DataInfo
from ..registry import GanZooError


class DivergenceError(GanZooError):
    """A loss became NaN/Inf; the message names the generator step."""


@dataclass
class MethodConfig:
    """Fields every method has. Subclasses set paper defaults and cite them."""

    batch_size: int = 64
    n_critic: int = 1  # critic (discriminator) steps per generator step
    z_dim: int = 100
    arch: str = "auto"  # auto | mlp | dcgan | resnet: auto picks by data shape
    width: int = 0  # 0: the architecture's own default width
    log_every: int = 50  # generator steps between scalar logs (and divergence checks)

    @classmethod
    def for_data(cls, info: DataInfo) -> "MethodConfig":
        """The paper defaults for this kind of data (override in subclasses where they differ)."""
        return cls()

    def validate(self) -> None:
        if self.batch_size < 1:
            raise GanZooError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.n_critic < 1:
            raise GanZooError(f"n_critic must be >= 1, got {self.n_critic}")
        if self.arch not in ("auto", "mlp", "dcgan", "resnet"):
            raise GanZooError(f"unknown arch '{self.arch}' (auto, mlp, dcgan, resnet)")


@contextlib.contextmanager
def frozen(module: nn.Module):
    """No weight gradients for ``module`` inside the block (the generator step does not train D)."""
    flags = [p.requires_grad for p in module.parameters()]
    for p in module.parameters():
        p.requires_grad_(False)
    try:
        yield module
    finally:
        for p, f in zip(module.parameters(), flags):
            p.requires_grad_(f)


class GenerativeMethod(L.LightningModule):
    """Base class: schedule, logging, divergence guard, checkpoint state, ``sample``."""

    method_name = "base"
    has_log_prob = False

    def __init__(self, config: MethodConfig, data_info: DataInfo):
        super().__init__()
        self.automatic_optimization = False
        self.config = config
        self.data_info = data_info
        self.batches_seen = 0
        self.max_generator_steps: int | None = None
        self.seed = 0
        self._scalars: dict[str, torch.Tensor] = {}
        self._first_bad_step: torch.Tensor | None = None
        self._bad_names: torch.Tensor | None = None
        self._restored_rng = False

    # ----- schedule -------------------------------------------------------------------------
    @property
    def n_critic(self) -> int:
        return self.config.n_critic

    @property
    def generator_steps(self) -> int:
        """Generator iterations completed (the papers' and the CLI's "steps")."""
        return self.batches_seen // self.n_critic

    def is_generator_turn(self) -> bool:
        """True on the batch that ends a group of n_critic critic steps: the generator steps then."""
        return (self.batches_seen + 1) % self.n_critic == 0

    # ----- data space ----------------------------------------------------------------------
    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        if generator is None:
            return torch.randn(n, self.config.z_dim, device=self.device)
        return torch.randn(n, self.config.z_dim, generator=generator).to(self.device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, **condition) -> torch.Tensor:
        """n samples in data space (images in [-1, 1], points as (n, 2)), generator in eval mode."""
        net = self.generator
        was = net.training
        net.eval()
        try:
            return net(self.noise(n, generator))
        finally:
            net.train(was)

    log_prob = None  # methods with an exact density override this with a method

    # ----- logging and the divergence guard ------------------------------------------------
    def record(self, scalars: dict[str, torch.Tensor]) -> None:
        """Keep this step's scalars (as device tensors; nothing is synchronised here)."""
        for k, v in scalars.items():
            self._scalars[k] = v.detach() if torch.is_tensor(v) else torch.as_tensor(v, device=self.device)

    def _note_nonfinite(self) -> None:
        if not self._scalars:
            return
        vals = torch.stack([v.float().reshape(()) for v in self._scalars.values()])
        bad = ~torch.isfinite(vals)
        if self._first_bad_step is None:
            self._first_bad_step = torch.full((), -1, dtype=torch.long, device=vals.device)
            self._bad_names = torch.zeros(len(vals), dtype=torch.bool, device=vals.device)
        if self._bad_names.shape != bad.shape:  # a new scalar name appeared
            grown = torch.zeros(len(vals), dtype=torch.bool, device=vals.device)
            grown[: len(self._bad_names)] = self._bad_names
            self._bad_names = grown
        first = (self._first_bad_step < 0) & bad.any()
        self._first_bad_step = torch.where(first, self.generator_steps, self._first_bad_step)
        self._bad_names |= bad & first

    def check_finite(self) -> None:
        """Raise DivergenceError if any recorded scalar has been NaN/Inf (one synchronisation)."""
        if self._first_bad_step is None:
            return
        step = int(self._first_bad_step)
        if step >= 0:
            names = [k for k, b in zip(self._scalars, self._bad_names.tolist()) if b]
            raise DivergenceError(
                f"training diverged: {', '.join(names) or 'a loss'} became NaN/Inf at generator step {step}"
            )

    def log_scalars(self) -> dict[str, float]:
        """Write the latest scalars to TensorBoard at x = generator steps; returns them as floats."""
        if not self._scalars:
            return {}
        names = list(self._scalars)
        values = torch.stack([self._scalars[k].float().reshape(()) for k in names]).tolist()
        out = dict(zip(names, values))
        logger = self.logger
        if logger is not None and self.global_rank == 0:
            exp = logger.experiment
            if hasattr(exp, "add_scalar"):
                for k, v in out.items():
                    exp.add_scalar(k, v, self.generator_steps)
        self.last_logged = out
        return out

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        self._note_nonfinite()
        self.batches_seen += 1
        if self.batches_seen % self.n_critic:
            return
        step = self.generator_steps
        done = self.max_generator_steps is not None and step >= self.max_generator_steps
        if step % self.config.log_every == 0 or done:
            self.check_finite()
            self.log_scalars()
        # Callbacks that act every N generator steps (pictures, checkpoints, progress) run here,
        # after the counter has moved: Lightning calls callbacks' on_train_batch_end before ours.
        for cb in self.trainer.callbacks:
            hook = getattr(cb, "on_generator_step", None)
            if hook is not None:
                hook(self.trainer, self)
        if done:
            self.trainer.should_stop = True

    # ----- checkpoint state ----------------------------------------------------------------
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        state = {
            "method": self.method_name,
            "config": dataclasses.asdict(self.config),
            "data_info": dataclasses.asdict(self.data_info),
            "batches_seen": self.batches_seen,
            "seed": self.seed,
            "rng_cpu": torch.get_rng_state(),
        }
        if torch.cuda.is_available() and self.device.type == "cuda":
            state["rng_cuda"] = torch.cuda.get_rng_state(self.device)
        checkpoint["gan_zoo"] = state

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        state = checkpoint["gan_zoo"]
        self.batches_seen = int(state["batches_seen"])
        self.seed = int(state.get("seed", 0))
        torch.set_rng_state(state["rng_cpu"])
        if "rng_cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state(state["rng_cuda"], torch.cuda.current_device())
        self._restored_rng = True

    def on_train_start(self) -> None:
        # Under DDP every rank must draw its own noise: seed_everything gave them the same stream.
        # (Parameters stay identical: DDP broadcasts rank 0's at start and all-reduces gradients.)
        if self.trainer.world_size > 1:
            from ..data.datamodule import _mix

            torch.manual_seed(_mix(self.seed, self.global_rank, self.batches_seen))
