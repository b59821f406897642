"""The shared loop every method stands on.

A method is a LightningModule with manual optimisation whose ``training_step`` holds its paper's
algorithm. This file holds only what is the same for all of them:

- the schedule: each ``training_step`` consumes one batch; the critic steps every batch and the
  generator every ``n_critic`` batches. "Steps" (the CLI's ``--steps``) count generator iterations,
  as the papers do; ``batches_seen`` counts batches.
- ``record`` of scalars with stable names (``loss/critic``, ``loss/generator`` ...), written to
  TensorBoard every ``log_every`` generator steps as the mean of the values recorded in that interval
  (summed on the device as they come): one host-device synchronisation per interval, none per step.
- the divergence guard: each batch's recorded scalars are copied into a device buffer (one op, no
  synchronisation) and the buffer is scanned at each log/checkpoint, stopping the run with the
  generator step where a NaN/Inf first appeared.
- exact resume: the batch counter and the RNG state travel in the checkpoint, and the data stream
  restarts at the batch the counter says.
- learning-rate schedules (``with_lr_schedule``): stepped after each generator step, saved in the
  checkpoint with the optimisers (exact on resume).
- ``sample(n)`` in data space, and ``log_prob`` where a model has one.
"""
from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

import lightning as L
import torch
from torch import nn

from ..configs.base import LR_SCHEDULES, MethodConfig
from ..data.info import DataInfo
from ..registry import GanZooError


class DivergenceError(GanZooError):
    """A loss became NaN/Inf; the message names the generator step."""


@contextlib.contextmanager
def frozen(module: nn.Module):
    """No weight gradients for ``module`` inside the block (the generator step does not train D)."""
    params = list(module.parameters())
    flags = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    try:
        yield module
    finally:
        for p, f in zip(params, flags):
            p.requires_grad_(f)


@contextlib.contextmanager
def evaluating(module: nn.Module):
    """``module`` in eval mode inside the block (batch norm on running statistics), its mode restored after."""
    was = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was)


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
        self.data_dir: str | None = None  # the run's --data-dir (absolute), saved in checkpoints
        self.data_options: dict = {}  # the data set's --set options (imagefolder: image_size, test_fraction)
        self._scalars: dict[str, torch.Tensor] = {}  # the latest value of each name (the guard's row)
        self._interval: dict[str, tuple[torch.Tensor, int]] = {}  # name -> (sum, count) since the last log
        # Divergence guard: rows of recorded scalars, one per batch since the last check.
        self._guard_buf: torch.Tensor | None = None
        self._guard_names: list[str] = []
        self._guard_rows = 0
        self._guard_start = 0  # batches_seen of row 0
        self._restored_rng = False
        self._generator_hooks = (None, [])
        self._schedulers = (None, [])
        self._position_cache = (0, 0, 0)  # (batches, generator steps, critic steps in the group)

    # ----- schedule -------------------------------------------------------------------------
    @property
    def n_critic(self) -> int:
        return self.config.n_critic

    def critic_steps(self, generator_step: int) -> int:
        """Critic steps (batches) before generator step ``generator_step`` (counted from 0).

        ``n_critic`` for every step here; a method whose paper varies it (WGAN's official schedule)
        overrides this. It must depend on the step only, so that a checkpoint's batch counter says
        where in the schedule the run is.
        """
        return self.n_critic

    def schedule_position(self, batches: int | None = None) -> tuple[int, int]:
        """(generator steps completed, critic steps done in the current group) after ``batches`` batches."""
        b = self.batches_seen if batches is None else batches
        if type(self).critic_steps is GenerativeMethod.critic_steps:
            return divmod(b, self.n_critic)
        # A varying schedule: walk it (cached: the loop asks about the next batch each time).
        b0, g, k = self._position_cache if self._position_cache[0] <= b else (0, 0, 0)
        while b0 < b:
            b0, k = b0 + 1, k + 1
            if k == self.critic_steps(g):
                g, k = g + 1, 0
        self._position_cache = (b, g, k)
        return g, k

    @property
    def generator_steps(self) -> int:
        """Generator iterations completed (the papers' and the CLI's "steps")."""
        return self.schedule_position()[0]

    def is_generator_turn(self) -> bool:
        """True on the batch that ends a group of critic steps: the generator steps then."""
        g, k = self.schedule_position()
        return k + 1 == self.critic_steps(g)

    def check_run(self, steps: int) -> None:
        """Called by ``train`` with the run's length in generator steps before anything is written: a method
        whose config depends on it resolves or checks it here (GanZooError for a value that cannot work)."""

    def is_log_step(self) -> bool:
        """True on a batch whose generator step will be logged: compute costly diagnostics only then."""
        s = self.generator_steps + 1
        return s % self.config.log_every == 0 or s == self.max_generator_steps

    # ----- learning-rate schedules ------------------------------------------------------------
    LR_SCHEDULES = LR_SCHEDULES  # gan_zoo/configs/base.py (configs check the name)

    def with_lr_schedule(self, optimizers, schedule: str):
        """``configure_optimizers``' return value: ``optimizers`` with one schedule each.

        ``constant``: no schedule. ``linear``: lr x max(0, 1 - t / T), t = generator steps done, T = the
        run's ``--steps`` (Gulrajani et al. App. F; igul222/improved_wgan_training gan_cifar_resnet.py
        ``decay = max(0, 1 - iteration / ITERS)`` on both optimisers). The shared loop steps every
        schedule after each generator step; Lightning saves their state in the checkpoint and restores it
        on resume, so a resumed run continues the same decay (resume with the same ``--steps``).
        """
        optimizers = list(optimizers)
        if schedule == "constant":
            return optimizers
        if schedule != "linear":
            raise GanZooError(f"unknown lr schedule '{schedule}' ({', '.join(self.LR_SCHEDULES)})")
        total = self.max_generator_steps

        def factor(t: int) -> float:
            return 1.0 if not total else max(0.0, 1.0 - t / total)

        return optimizers, [torch.optim.lr_scheduler.LambdaLR(o, factor) for o in optimizers]

    # ----- data space ----------------------------------------------------------------------
    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        if generator is None:
            return torch.randn(n, self.config.z_dim, device=self.device)
        return torch.randn(n, self.config.z_dim, generator=generator).to(self.device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, **condition) -> torch.Tensor:
        """n samples in data space (images in [-1, 1], points as (n, 2)), generator in eval mode."""
        net = self.generator
        with evaluating(net):
            return net(self.noise(n, generator))

    log_prob = None  # methods with an exact density override this with a method (interface.Density)

    @torch.no_grad()
    def critic_values(self, x: torch.Tensor) -> torch.Tensor | None:
        """The adversary's value f(x) at data-space points, in eval mode (the pictures draw it as a surface;
        interface.CriticSurface). Default: ``self.critic`` when the method has one data-space module of that
        name; None otherwise (no critic, a latent-space one, or several: PGAN's). Override to say otherwise."""
        critic = getattr(self, "critic", None)
        if not isinstance(critic, nn.Module) or isinstance(critic, nn.ModuleList):
            return None
        with evaluating(critic):
            return critic(x)

    def train_data(self):
        """The training set: the running trainer's (the one in memory), else loaded by name (a method
        loaded from a checkpoint, sampling outside training)."""
        trainer = getattr(self, "_trainer", None)
        dm = getattr(trainer, "datamodule", None) if trainer is not None else None
        if dm is not None and getattr(dm, "dataset", None) is not None:
            return dm.dataset
        from ..data import load_dataset

        return load_dataset(self.data_info.name, "train")

    # ----- logging and the divergence guard ------------------------------------------------
    def record(self, scalars: dict[str, torch.Tensor]) -> None:
        """Keep this step's scalars (as device tensors; nothing is synchronised here) and add them to the
        interval's sums: the logged value is the mean over every time a name was recorded since the last
        log (each critic step for ``loss/critic``, each generator step for ``loss/generator``), not the
        last batch's value, so a curve with one point per interval does not hide the noise of 50 steps."""
        interval = self._interval
        for k, v in scalars.items():
            if torch.is_tensor(v):
                v = v.detach()
                if v.dim():
                    v = v.reshape(())
            else:
                v = torch.as_tensor(v, dtype=torch.float32, device=self.device)
            self._scalars[k] = v
            acc = interval.get(k)
            # float32 sums (half-precision losses upcast); a copy, so a tensor changed in place later
            # (a buffer, a parameter's view) does not change the sum.
            interval[k] = (v.float().clone(), 1) if acc is None else (acc[0] + v.float(), acc[1] + 1)

    # At most this many batches between two scans of the guard buffer (a scan is one synchronisation).
    GUARD_ROWS = 4096

    def _note_nonfinite(self) -> None:
        """Copy this batch's scalars into the guard buffer: one device op, no synchronisation."""
        scalars = self._scalars
        if not scalars:
            return
        if len(scalars) != len(self._guard_names) or self._guard_rows == len(self._guard_buf):
            # A new scalar name appeared or the buffer is full: scan what it holds, start a new one.
            self.check_finite()
            self._guard_names = list(scalars)
            rows = min(self.n_critic * self.config.log_every + 1, self.GUARD_ROWS)
            device = next(iter(scalars.values())).device
            self._guard_buf = torch.empty(rows, len(scalars), dtype=torch.float32, device=device)
            self._guard_start = self.batches_seen
        torch.stack(list(scalars.values()), out=self._guard_buf[self._guard_rows])
        self._guard_rows += 1

    def check_finite(self) -> None:
        """Raise DivergenceError if a recorded scalar has been NaN/Inf since the last check (one synchronisation).

        Under DDP the decision is shared (an all-reduce at the same batch on every rank), so all ranks stop
        together instead of one raising while the others wait in their next collective."""
        n = self._guard_rows
        trainer = self._trainer
        shared = trainer is not None and trainer.world_size > 1 and self._guard_buf is not None
        if n or shared:
            bad = ~torch.isfinite(self._guard_buf[:n]) if n else torch.zeros(0, 0, dtype=torch.bool)
            bad_rows = bad.any(1)
            local = bool(bad_rows.any())
            if shared and trainer.strategy.reduce_boolean_decision(local, all=False) and not local:
                raise DivergenceError("training diverged: a loss became NaN/Inf on another rank at generator "
                                      f"step {self.generator_steps + 1} or before")
            if local:
                i = int(bad_rows.nonzero()[0, 0])
                names = [k for k, b in zip(self._guard_names, bad[i].tolist()) if b]
                # The step in progress, counted from 1 (generator_steps counts the completed ones): a run
                # with checkpoints every step keeps step s - 1 and reports step s.
                step = self.schedule_position(self._guard_start + i)[0] + 1
                raise DivergenceError(
                    f"training diverged: {', '.join(names) or 'a loss'} became NaN/Inf at generator step {step}"
                )
        self._guard_rows = 0
        self._guard_start = self.batches_seen

    def log_scalars(self) -> dict[str, float]:
        """Write each scalar's mean over the interval since the last log to TensorBoard at x = generator
        steps (one synchronisation); returns them as floats and starts the next interval."""
        interval = self._interval
        if not interval:
            return {}
        names = list(interval)
        values = torch.stack([interval[k][0] / interval[k][1] for k in names]).tolist()
        self._interval = {}
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
        step, in_group = self.schedule_position()
        if in_group:
            return
        # Learning-rate schedules move with generator steps (Gulrajani et al.'s decay counts generator
        # iterations), before the hooks below, so a checkpoint written now holds the schedule at `step`.
        trainer = self.trainer
        if self._schedulers[0] is not trainer:
            scheds = self.lr_schedulers()
            self._schedulers = (trainer, [] if scheds is None else scheds if isinstance(scheds, list) else [scheds])
        for sched in self._schedulers[1]:
            sched.step()
        done = self.max_generator_steps is not None and step >= self.max_generator_steps
        if step % self.config.log_every == 0 or done:
            self.check_finite()
            self.log_scalars()
        # Callbacks that act every N generator steps (pictures, checkpoints, progress) run here,
        # after the counter has moved: Lightning calls callbacks' on_train_batch_end before ours.
        if self._generator_hooks[0] is not trainer:
            self._generator_hooks = (trainer, [cb.on_generator_step for cb in trainer.callbacks
                                               if hasattr(cb, "on_generator_step")])
        for hook in self._generator_hooks[1]:
            hook(trainer, self)
        if done:
            self.trainer.should_stop = True

    # ----- checkpoint state ----------------------------------------------------------------
    @classmethod
    def load_from_checkpoint(cls, checkpoint_path, map_location=None, **kwargs):
        """``WGANGP.load_from_checkpoint(path)``, Lightning's convention, for a gan_zoo checkpoint.

        Lightning's own loader would call ``cls(**hyper_parameters)``; a gan_zoo checkpoint instead stores
        the method name, its config and the data description, and ``gan_zoo.training.load_method`` rebuilds
        the method from them (the same call ``ganzoo sample`` makes). Returned in eval mode.
        """
        from ..checkpoints import load_checkpoint_file, load_method

        if kwargs:
            raise GanZooError(f"{cls.__name__}.load_from_checkpoint: a gan_zoo checkpoint carries its own "
                              f"config; unexpected {', '.join(sorted(kwargs))} (use --set when training)")
        name = load_checkpoint_file(checkpoint_path)["gan_zoo"]["method"]
        if cls is not GenerativeMethod and name != cls.method_name:
            raise GanZooError(f"{checkpoint_path} is a '{name}' checkpoint, not '{cls.method_name}': load it with "
                              f"gan_zoo.training.load_method(path)")
        device = map_location if isinstance(map_location, (str, torch.device)) else "cpu"
        return load_method(checkpoint_path, map_location=device)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        state = {
            "method": self.method_name,
            "config": dataclasses.asdict(self.config),
            "data_info": dataclasses.asdict(self.data_info),
            "batches_seen": self.batches_seen,
            "generator_steps": self.generator_steps,  # (informative: resume recounts from batches_seen)
            "steps": self.max_generator_steps,  # the run's own length: --resume without --steps continues to it
            "seed": self.seed,
            "data_dir": self.data_dir,  # where the run's data files were (absolute), for resume and eval
            "data_options": dict(getattr(self, "data_options", None) or {}),  # imagefolder: image_size, test_fraction
            "rng_cpu": torch.get_rng_state(),
        }
        if torch.cuda.is_available() and self.device.type == "cuda":
            state["rng_cuda"] = torch.cuda.get_rng_state(self.device)
        trainer = self._trainer
        if trainer is not None and trainer.world_size > 1:
            # Every rank draws its own noise, so every rank's generator state is saved (rank 0 writes the
            # file; the others' states reach it by an all-gather: on_save_checkpoint runs on every rank).
            state["rng_cpu_per_rank"] = self._gather_state(torch.get_rng_state())
            if "rng_cuda" in state:
                state["rng_cuda_per_rank"] = self._gather_state(state["rng_cuda"])
        checkpoint["gan_zoo"] = state

    def _gather_state(self, t: torch.Tensor) -> torch.Tensor:
        """(world_size, n) uint8: each rank's RNG state, by ``LightningModule.all_gather`` (on the device
        the backend needs: NCCL gathers CUDA tensors only)."""
        return self.all_gather(t.to(self.device)).cpu()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        state = checkpoint["gan_zoo"]
        self.batches_seen = int(state["batches_seen"])
        self.seed = int(state.get("seed", 0))
        torch.set_rng_state(state["rng_cpu"])
        if "rng_cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state(state["rng_cuda"], torch.cuda.current_device())
        self._restored_rng = True
        self._rank_rng = (state.get("rng_cpu_per_rank"), state.get("rng_cuda_per_rank"))

    def on_train_start(self) -> None:
        # Under DDP every rank must draw its own noise: seed_everything gave them the same stream.
        # (Parameters stay identical: DDP broadcasts rank 0's at start and all-reduces gradients.)
        if self.trainer.world_size > 1:
            from ..data.datamodule import mix_seed

            cpu, cuda = getattr(self, "_rank_rng", (None, None))
            r = self.global_rank
            if cpu is not None and len(cpu) == self.trainer.world_size:
                # A resumed DDP run: each rank continues its own saved stream (exact resume).
                torch.set_rng_state(cpu[r].clone())
                if cuda is not None and torch.cuda.is_available() and self.device.type == "cuda":
                    torch.cuda.set_rng_state(cuda[r].clone(), self.device)
            else:  # a fresh run (or a resume on another number of ranks): a stream per (seed, rank, batch)
                torch.manual_seed(mix_seed(self.seed, r, self.batches_seen))
