"""Progress over generator steps: a rich bar at a terminal, plain lines in a log (no per-step cost).

At a terminal the bar reads ``METHOD  300/2000  0:00:27 < 0:02:31  ━━━━  loss/critic=...``: the step
count and the time left come first, so a narrow terminal cuts the losses, never them. Without a terminal
(a cluster log, a pipe) or with ``--no-progress``, one plain line every ``every`` generator steps:
``step 300/2000  11.2 it/s  ETA 0:02:31  loss/critic=-0.1234 ...``, so a log is never empty for hours.
Shown scalars: ``loss/*`` and, for flows trained by likelihood, ``nll/*``.
"""
from __future__ import annotations

import sys
import time
from datetime import timedelta

import lightning as L

SHOWN = ("loss/", "nll/")


def shown_scalars(logged: dict) -> str:
    return "  ".join(f"{k}={v:.4g}" for k, v in logged.items() if k.startswith(SHOWN))


def _hms(seconds: float) -> str:
    return str(timedelta(seconds=int(max(seconds, 0))))


class StepProgress(L.Callback):
    """``mode``: "bar" (rich, refreshed every ``every`` steps), "lines" (plain text) or "auto" (bar at a terminal)."""

    def __init__(self, total: int, every: int = 10, mode: str = "auto", stream=None, line_every: int | None = None,
                 console=None):
        self.total, self.every, self.stream, self.console = total, every, stream, console
        self.line_every = line_every or every  # the interval when "auto" finds no terminal
        self.mode = mode
        self.progress = None
        self._t0 = self._s0 = None

    def _write(self, line: str) -> None:
        stream = self.stream or sys.stderr
        stream.write(line + "\n")
        stream.flush()

    def on_train_start(self, trainer, method) -> None:
        if trainer.global_rank != 0:
            return
        stream = self.stream or sys.stderr
        mode = self.mode
        if mode == "auto":
            mode = "bar" if getattr(stream, "isatty", lambda: False)() else "lines"
        if mode == "lines" and self.mode == "auto":
            self.every = self.line_every
        self._t0, self._s0 = time.perf_counter(), method.generator_steps
        if mode == "bar":
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.progress = Progress(TextColumn("[bold]{task.description}"), MofNCompleteColumn(),
                                     TimeElapsedColumn(), TextColumn("<"), TimeRemainingColumn(),
                                     BarColumn(bar_width=12), TextColumn("{task.fields[info]}"),
                                     console=self.console or Console(file=stream), transient=False)
            self.progress.start()
            self._name = f"{method.method_name}"
            self.task = self.progress.add_task(self._name, total=self.total,
                                               completed=method.generator_steps, info="")

    def _fit(self, info: str) -> str:
        """Cut the losses to what the terminal leaves after the fixed columns (rich would squeeze those)."""
        digits = len(str(self.total))
        fixed = len(self._name) + (2 * digits + 1) + 7 + 1 + 7 + 12 + 6 + 1  # name, M/N, elapsed, <, ETA, bar, gaps
        room = self.progress.console.width - fixed
        return info if len(info) <= room else info[: max(room - 1, 0)] + "…"

    def _line(self, method) -> str:
        step = method.generator_steps
        elapsed = time.perf_counter() - self._t0
        rate = (step - self._s0) / elapsed if elapsed > 0 else 0.0
        eta = (self.total - step) / rate if rate > 0 else 0.0
        info = shown_scalars(getattr(method, "last_logged", {}))
        return f"step {step}/{self.total}  {rate:.3g} it/s  ETA {_hms(eta)}  {info}".rstrip()

    def on_generator_step(self, trainer, method) -> None:
        if self._t0 is None or trainer.global_rank != 0:
            return
        step = method.generator_steps
        if step % self.every and step != self.total:
            return
        if self.progress is not None:
            self.progress.update(self.task, completed=step, info=self._fit(shown_scalars(getattr(method, "last_logged", {}))))
        else:
            self._write(self._line(method))

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
