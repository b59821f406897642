"""A rich progress bar over generator steps, refreshed at the logging interval (no per-step cost)."""
from __future__ import annotations

import lightning as L
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class StepProgress(L.Callback):
    def __init__(self, total: int, every: int = 10):
        self.total, self.every = total, every
        self.progress: Progress | None = None

    def on_train_start(self, trainer, method) -> None:
        if trainer.global_rank != 0:
            return
        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[info]}"))
        self.progress.start()
        self.task = self.progress.add_task(f"{method.method_name}", total=self.total,
                                           completed=method.generator_steps, info="")

    def on_generator_step(self, trainer, method) -> None:
        if self.progress is not None and method.generator_steps % self.every == 0:
            info = "  ".join(f"{k}={v:.4g}" for k, v in getattr(method, "last_logged", {}).items()
                             if k.startswith("loss/"))
            self.progress.update(self.task, completed=method.generator_steps, info=info)

    def _stop(self):
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def on_train_end(self, trainer, method) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=method.generator_steps)
        self._stop()

    def on_exception(self, trainer, method, exception) -> None:
        self._stop()
