"""What every ``ganzoo`` command file shares: the consoles, the exit status of a user error, the
``@friendly`` wrapper and ``--set`` parsing. ``main.py`` and each command group (``evaluate.py``, ...)
import from here, never from each other (no import cycle: any cli module can be imported first).
"""
from __future__ import annotations

import functools
import logging
import os
import warnings

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

EXIT_USER_ERROR = 2


def _quiet_libraries() -> None:
    os.environ.setdefault("PYTHONWARNINGS", "ignore")  # DDP child processes inherit this
    warnings.filterwarnings("ignore")
    import lightning.pytorch  # noqa: F401  (it sets its loggers to INFO on import: quiet them after)

    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _is_rank_zero() -> bool:
    from gan_zoo.launch import launched_as_rank_zero  # os.environ only: no torch on the error path

    return launched_as_rank_zero()


def friendly(fn):
    """Turn GanZooError (and Ctrl-C) into one line on stderr and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from gan_zoo.registry import GanZooError

        try:
            return fn(*args, **kwargs)
        except GanZooError as e:
            code = getattr(e, "exit_code", EXIT_USER_ERROR)
            # A signal's stop (exit 130/143) is not an error: its line says what was saved and how to resume.
            interrupted = getattr(e, "is_interruption", False)
            line = str(e) if interrupted else f"error: {e}"
            if not interrupted or _is_rank_zero():
                err_console.print(line, markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted", markup=False)
            raise typer.Exit(130) from None

    return wrapper


def parse_sets(items: list[str] | None) -> dict[str, str]:
    from gan_zoo.registry import GanZooError

    out = {}
    for item in items or []:
        if "=" not in item:
            raise GanZooError(f"--set expects key=value, got '{item}'")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out
