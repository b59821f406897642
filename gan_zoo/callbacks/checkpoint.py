"""Checkpoints every N generator steps and at the end, written atomically to ``<run>/checkpoints/last.ckpt``.

A checkpoint is only written after the divergence guard has passed, so a run that diverges keeps
the last good one.
"""
from __future__ import annotations

import os
from pathlib import Path

import lightning as L


class PeriodicCheckpoint(L.Callback):
    def __init__(self, dirpath: str | Path, every: int = 1000):
        self.dirpath, self.every = Path(dirpath), every
        self.last_path: Path | None = None

    def on_generator_step(self, trainer, method) -> None:
        if method.generator_steps % self.every == 0:
            self.save(trainer, method)

    def on_train_end(self, trainer, method) -> None:
        self.save(trainer, method)

    def save(self, trainer, method) -> None:
        method.check_finite()
        final = self.dirpath / "last.ckpt"
        tmp = self.dirpath / f".last.ckpt.tmp{os.getpid()}"
        if trainer.global_rank == 0:
            self.dirpath.mkdir(parents=True, exist_ok=True)
        trainer.save_checkpoint(tmp)  # collective under DDP; rank 0 writes
        if trainer.global_rank == 0:
            os.replace(tmp, final)  # atomic: a reader sees the old or the new file, never half of one
        trainer.strategy.barrier()
        self.last_path = final
