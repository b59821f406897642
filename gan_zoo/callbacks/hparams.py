"""A run's config in TensorBoard's HParams tab, beside its final metrics.

Each run folder gets a session-start record (its method, data, steps, seed and every config field the
method uses) when training starts, and a session-end record when it finishes. No "experiment" record is
written: TensorBoard then builds the table from all the runs under the folder it is pointed at (the union
of their hyperparameters, and every scalar tag as a metric column, each at its last logged value:
``metrics/w1`` etc. are written at the final generator step by ``training.train``), so runs of different
methods side by side each keep their own columns. (An experiment record would fix the columns to the first
run's: tensorboard/plugins/hparams/backend_context.py ``_find_experiment_tag``.)
"""
from __future__ import annotations

import dataclasses


def run_hparams(method: str, data: str, steps: int, seed: int, config, precision: str = "32-true",
                devices: int = 1, ema: float | None = None) -> dict:
    """The values of a run's HParams row: numbers as numbers, everything else as text."""
    used = set(config.used_fields()) if hasattr(config, "used_fields") else None
    out: dict = {"method": method, "data": data, "steps": int(steps), "seed": int(seed), "precision": precision,
                 "devices": int(devices), "ema": "off" if ema is None else float(ema)}
    for f in dataclasses.fields(config):
        if used is not None and f.name not in used:
            continue
        v = getattr(config, f.name)
        if isinstance(v, bool):
            v = str(v).lower()
        elif v is None or not isinstance(v, (int, float, str)):
            v = "none" if v is None else ",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
        out[f.name] = v
    return out


def write_session_start(writer, hparams: dict) -> None:
    """The run's row (``writer``: the run's torch SummaryWriter, the one its scalars go to)."""
    from torch.utils.tensorboard.summary import hparams as hparams_summaries

    _, start, _ = hparams_summaries(hparams, {})
    writer.file_writer.add_summary(start)
    writer.flush()


def write_session_end(log_dir) -> None:
    """The run's status in the table (success), written after its final metrics. Through a writer of its own
    on the run folder (as torch's ``add_hparams`` does): Lightning has closed the run's writer at the end of fit."""
    from torch.utils.tensorboard import SummaryWriter
    from torch.utils.tensorboard.summary import hparams as hparams_summaries

    _, _, end = hparams_summaries({}, {})
    with SummaryWriter(log_dir=str(log_dir)) as w:
        w.file_writer.add_summary(end)
