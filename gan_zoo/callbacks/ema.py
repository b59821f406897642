"""An exponential moving average of the generator's weights (Yazıcı et al. 2019, "The Unusual
Effectiveness of Averaging in GAN Training", §3: theta_EMA^t = beta theta_EMA^(t-1) + (1 - beta) theta^t).

Only the generator is averaged (the critic keeps training on its raw weights), and the average moves
once per *generator* step: the shared loop calls ``on_generator_step`` after each one, whereas
Lightning's ``global_step`` also counts the ``n_critic`` critic steps. Lightning 2.6's
``WeightAveraging`` / ``EMAWeightAveraging`` average a deep copy of the whole LightningModule (critic
included), decide by ``trainer.global_step`` and swap the average into the module at the end of fit,
so neither restriction can be expressed with them; this small callback does both.

Until generator step ``start`` the average is a copy of the weights; from then on each generator step
applies the update above, so after step T > start:
    EMA_T = beta^(T - start) w_start + sum_{t = start+1}^{T} (1 - beta) beta^(T - t) w_t.
Floating-point parameters and buffers (batch-norm running statistics) are averaged; integer buffers
are copied. The average travels in the checkpoint (``checkpoint["gan_zoo_ema"]``), so a resumed run
continues it exactly and ``load_method(path, ema=True)`` / ``ganzoo sample --ema`` sample from it.
Every ``every`` generator steps (the picture period) it writes ``samples/ema/step_*.png`` and logs
``metrics_ema/...`` with the EMA weights swapped in.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import lightning as L
import torch
from torch import nn

from ..checkpoints import CKPT_KEY, generator_of  # noqa: F401  (CKPT_KEY: the checkpoint entry)
from ..registry import GanZooError

def check_ema(decay: float, start: int) -> None:
    if not 0.0 < decay < 1.0:
        raise GanZooError(f"--ema DECAY must be in (0, 1), e.g. 0.999; got {decay}")
    if start < 0:
        raise GanZooError(f"--ema-start must be >= 0, got {start}")


@contextlib.contextmanager
def weights_swapped(net: nn.Module, state: dict[str, torch.Tensor]):
    """``net`` with ``state`` loaded inside the block, its own weights restored after."""
    own = {k: v.detach().clone() for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    try:
        yield net
    finally:
        net.load_state_dict(own)


class GeneratorEMA(L.Callback):
    def __init__(self, decay: float, start: int = 0, every: int | None = None, run_dir: str | Path | None = None,
                 metrics=None):
        check_ema(decay, start)
        self.decay, self.start, self.every = float(decay), int(start), every
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.metrics = metrics  # a metrics.method_scores.MethodScorer: its compute() scores the EMA weights
        self.state: dict[str, torch.Tensor] | None = None
        self.updates = 0  # EMA updates applied (generator steps after `start`)
        self._written = None  # the step whose pictures are on disk

    # ------------------------------------------------------------------ the average
    @torch.no_grad()
    def _copy(self, method) -> None:
        self.state = {k: v.detach().clone() for k, v in generator_of(method).state_dict().items()}

    @torch.no_grad()
    def update(self, method) -> None:
        """After a generator step: copy (until ``start``) or theta_EMA <- beta theta_EMA + (1 - beta) theta."""
        if self.state is None or method.generator_steps <= self.start:
            self._copy(method)
            return
        for k, w in generator_of(method).state_dict().items():
            avg = self.state[k]
            if avg.is_floating_point():
                avg.mul_(self.decay).add_(w.detach(), alpha=1.0 - self.decay)
            else:
                avg.copy_(w)
        self.updates += 1

    def swapped(self, method):
        """The EMA weights in the method's generator inside the block."""
        return weights_swapped(generator_of(method), self.state)

    # ------------------------------------------------------------------ hooks
    def on_train_start(self, trainer, method) -> None:
        if self.state is None:  # a fresh run: step 0's weights (a resumed run restored its average)
            self._copy(method)

    def on_generator_step(self, trainer, method) -> None:
        self.update(method)
        if self.every and method.generator_steps % self.every == 0:
            self.write(trainer, method)

    def on_train_end(self, trainer, method) -> None:
        if self.every:
            self.write(trainer, method)

    def on_save_checkpoint(self, trainer, method, checkpoint: dict) -> None:
        checkpoint[CKPT_KEY] = {"decay": self.decay, "start": self.start, "updates": self.updates,
                                "state": {k: v.detach().cpu().clone() for k, v in self.state.items()}}

    def on_load_checkpoint(self, trainer, method, checkpoint: dict) -> None:
        saved = checkpoint.get(CKPT_KEY)
        if saved is None:
            return  # a run that had no EMA: it starts from the restored weights at on_train_start
        device = next(generator_of(method).parameters()).device
        self.state = {k: v.to(device).clone() for k, v in saved["state"].items()}
        self.updates = int(saved["updates"])

    # ------------------------------------------------------------------ pictures and metrics of the EMA
    @torch.no_grad()
    def write(self, trainer, method) -> None:
        if trainer is None or trainer.global_rank != 0 or self.state is None or self._written == method.generator_steps:
            return
        self._written = method.generator_steps
        from .pictures import write_samples_picture

        step = method.generator_steps
        exp = getattr(trainer.logger, "experiment", None) if trainer.logger else None
        with self.swapped(method):
            if self.run_dir is not None:
                folder = self.run_dir / "samples" / "ema"
                folder.mkdir(parents=True, exist_ok=True)
                write_samples_picture(method, trainer.datamodule.dataset, folder / f"step_{step:07d}.png", exp,
                                      "samples_ema", step, 1000,
                                      f"{method.method_name} EMA ({self.decay}), step {step}")
            if self.metrics is not None and exp is not None and hasattr(exp, "add_scalar"):
                for k, v in self.metrics.compute(method).items():
                    exp.add_scalar(f"metrics_ema/{k}", v, step)
