"""The progress bar of long metric passes (embedding thousands of images): rich, on stderr, transient.

stderr so that stdout stays clean for ``--json``; transient so that nothing of it is left in a log once it
is done. Split from ``extractors.py``: it is presentation, not measurement.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def count_bar(description: str | None, total: int) -> Iterator[Callable[[int], None]]:
    """Yields ``advance(n)``; ``description=None`` shows nothing (``advance`` does nothing)."""
    if not description:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   transient=True, console=Console(stderr=True))  # stdout stays clean for --json
    task = bar.add_task(description, total=total)
    bar.start()
    try:
        yield lambda n: bar.advance(task, n)
    finally:
        bar.stop()
