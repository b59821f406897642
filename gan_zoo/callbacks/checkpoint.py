"""Checkpoints every N generator steps, at the end, and on SIGINT/SIGTERM, to ``<run>/checkpoints/last.ckpt``.

Writing: a temporary file in the checkpoint folder itself (same file system, so the rename is atomic),
fsynced, renamed over ``last.ckpt``, then the folder fsynced (the rename survives a power cut). A reader
sees the old or the new checkpoint, never half of one; temporaries a killed run left behind are removed
when the next run on that folder starts.

Before each save every parameter, buffer and optimiser state tensor is checked for NaN/Inf (the loss
guard sees only the recorded losses: an infinite BatchNorm variance or Adam moment hides there), so a
run that diverges keeps its last good checkpoint.

Signals: SIGINT (Ctrl-C) and SIGTERM (``kill``, a scheduler's pre-emption) only set a flag; the run
stops at the end of the generator step in progress (after its ``n_critic`` critic steps), saves there
and ``train()`` raises ``Interrupted`` (exit 130 / 143 in the CLI). Stopping at a step boundary, never
inside a backward or an optimiser step, is what makes the saved state resume bit-exactly. A second
Ctrl-C stops at once, without a checkpoint. Under DDP the decision is all-reduced so every rank stops
at the same step.
"""
from __future__ import annotations

import errno
import os
import signal
import threading
from pathlib import Path

import torch

from ..registry import GanZooError
from .base import GeneratorStepCallback

TMP_PREFIX = ".last.ckpt.tmp"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(dirpath: Path) -> list[Path]:
    """Delete ``.last.ckpt.tmp<pid>`` files whose writer is no longer running (a killed run's leftovers)."""
    removed = []
    if not dirpath.is_dir():
        return removed
    for p in dirpath.glob(TMP_PREFIX + "*"):
        pid = p.name[len(TMP_PREFIX):]
        if not pid.isdigit() or int(pid) == os.getpid() or not _pid_alive(int(pid)):
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def _fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def nonfinite_state(method, optimizers) -> str | None:
    """The name of the first parameter, buffer or optimiser-state tensor holding a NaN/Inf, else None."""
    names = {id(p): k for k, p in method.named_parameters()}
    named = [(f"parameter {k}", v) for k, v in method.named_parameters()]
    named += [(f"buffer {k}", v) for k, v in method.named_buffers()]
    for i, opt in enumerate(optimizers):
        for p, st in opt.state.items():
            named += [(f"optimizer {i} state '{k}' of {names.get(id(p), 'a parameter')}", v) for k, v in st.items()]
    named = [(k, v) for k, v in named if torch.is_tensor(v) and v.is_floating_point() and v.numel()]
    if not named:
        return None
    # One synchronisation for all tensors: a flag per tensor, then the first bad name on the host.
    dev = named[0][1].device  # (Adam's step counters may sit on the CPU beside CUDA parameters)
    flags = torch.stack([(~torch.isfinite(v.detach()).all()).to(dev) for _, v in named])
    if not bool(flags.any()):
        return None
    return named[int(flags.nonzero()[0, 0])][0]


class PeriodicCheckpoint(GeneratorStepCallback):
    def __init__(self, dirpath: str | Path, every: int = 1000):
        super().__init__(every)
        self.dirpath = Path(dirpath)
        self.last_path: Path | None = None
        self.stop_signal: int | None = None  # the signal that stopped the run, if one did
        self._pending: int | None = None
        self._saved_at: int | None = None
        self._previous: dict = {}

    # ----- signals ------------------------------------------------------------------------
    def _on_signal(self, signum, frame) -> None:
        if self._pending is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now
        self._pending = signum

    def _install(self) -> None:
        # Installed at train start, after Lightning's own SIGTERM handler (which would raise at the
        # next batch end, inside a group of critic steps); restored when training ends.
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._on_signal)

    def _restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        self._previous = {}

    def setup(self, trainer, method, stage=None) -> None:
        if trainer.world_size > 1:
            # Rank 0 chose the run folder; a rank that torchrun, srun or another node started could not know
            # it, and names it in its own lines (the resume command, a dead peer's message).
            self.dirpath = Path(trainer.strategy.broadcast(str(self.dirpath), src=0))
        if trainer.global_rank == 0:
            remove_stale_temporaries(self.dirpath)

    def on_train_start(self, trainer, method) -> None:
        self._pending, self.stop_signal = None, None
        self._install()

    def on_exception(self, trainer, method, exception) -> None:
        self._restore()

    def teardown(self, trainer, method, stage=None) -> None:
        self._restore()

    # ----- when to save -------------------------------------------------------------------
    def _stop_requested(self, trainer) -> bool:
        mine = self._pending is not None
        if trainer.world_size > 1:  # one decision for all ranks: a signal to any rank stops them all
            return bool(trainer.strategy.reduce_boolean_decision(mine, all=False))
        return mine

    def on_generator_step(self, trainer, method) -> None:
        stop = self._stop_requested(trainer)
        if stop or self.due(method):
            self.save(trainer, method)
        if stop:
            self.stop_signal = self._pending if self._pending is not None else signal.SIGTERM
            trainer.should_stop = True

    def on_train_end(self, trainer, method) -> None:
        super().on_train_end(trainer, method)
        self._restore()

    def act(self, trainer, method) -> None:
        self.save(trainer, method)

    # ----- writing ------------------------------------------------------------------------
    def save(self, trainer, method) -> None:
        if self._saved_at == method.batches_seen and self.last_path is not None:
            return  # this very state is on disk already (the last step of a run is also a periodic one)
        method.check_finite()
        bad = nonfinite_state(method, trainer.optimizers)
        if trainer.world_size > 1:  # parameters agree across ranks, buffers need not: decide together
            bad_any = trainer.strategy.reduce_boolean_decision(bad is not None, all=False)
            bad = bad or ("a tensor on another rank" if bad_any else None)
        if bad is not None:
            from ..methods.base import DivergenceError

            kept = f"; the last good checkpoint {self.last_path or self.dirpath / 'last.ckpt'} is kept" \
                if (self.dirpath / "last.ckpt").exists() else ""
            raise DivergenceError(f"training diverged: {bad} is NaN/Inf at generator step "
                                  f"{method.generator_steps}{kept}")
        final = self.dirpath / "last.ckpt"
        tmp = self.dirpath / f"{TMP_PREFIX}{os.getpid()}"
        if trainer.global_rank == 0:
            self.dirpath.mkdir(parents=True, exist_ok=True)
        try:
            trainer.save_checkpoint(tmp)  # collective under DDP; rank 0 writes
            if trainer.global_rank == 0:
                _fsync_path(tmp)
                os.replace(tmp, final)  # atomic: a reader sees the old or the new file, never half of one
                _fsync_path(self.dirpath, directory=True)
        except OSError as e:
            if trainer.global_rank == 0:
                tmp.unlink(missing_ok=True)
            why = "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else (e.strerror or str(e))
            kept = (f"the previous checkpoint {final} is kept intact" if final.exists()
                    else "no checkpoint was kept")
            raise GanZooError(f"cannot write checkpoint {final} at generator step {method.generator_steps}: "
                              f"{why}; {kept}") from None
        trainer.strategy.barrier()
        self.last_path = final
        self._saved_at = method.batches_seen
