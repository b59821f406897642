"""Shared test setup: quiet Lightning, and a helper that trains a tiny run into a temporary folder."""
from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

import pytest
import torch

# Child processes (the CLI subprocess tests, DDP workers) inherit these.
os.environ.setdefault("PYTHONWARNINGS", "ignore")
# Tiny models: one intra-op thread is as fast, and far faster when the cores are shared.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("GANZOO_DATA", str(Path(__file__).parent / "_no_data_here"))  # never the user's cache
os.environ.setdefault("GANZOO_HOME", str(Path(__file__).parent / "_no_home_here"))  # nor the user's classifiers

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning",
                 "lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero"):
        logging.getLogger(name).setLevel(logging.ERROR)


_quiet()
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _quiet_each_test():
    # Importing lightning (lazily, inside a test) resets its loggers to INFO: quiet them again.
    _quiet()
    yield


@pytest.fixture
def run_train(tmp_path):
    """``run_train(method, **kw)``: ``gan_zoo.training.train`` into ``tmp_path/runs``, quietly.

    Pictures are drawn once at the end only (matplotlib is the slow part of a tiny run).
    """
    from gan_zoo.training import train

    def _run(method, **kw):
        kw.setdefault("out", tmp_path / "runs")
        kw.setdefault("progress", False)
        kw.setdefault("picture_every", 10**9)
        _quiet()
        return train(method=method, **kw)

    return _run
