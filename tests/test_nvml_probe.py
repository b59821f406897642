"""The NVML probe Lightning turns on at import (PYTORCH_NVML_BASED_CUDA_CHECK=1) is turned off for a run that
sees no CUDA device: torch's Adam asks ``torch.cuda.is_available()`` at every step, and without an
initialised CUDA the probe reloads libnvidia-ml each time (gan_zoo.training.skip_nvml_probe_without_cuda)."""
from __future__ import annotations

import os

import pytest
import torch

from gan_zoo.training import skip_nvml_probe_without_cuda

VAR = "PYTORCH_NVML_BASED_CUDA_CHECK"


def test_switches_the_probe_off_without_a_device(monkeypatch):
    monkeypatch.setenv(VAR, "1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert skip_nvml_probe_without_cuda() is True
    assert os.environ[VAR] == "0"


def test_leaves_a_process_that_sees_a_gpu_as_lightning_set_it(monkeypatch):
    monkeypatch.setenv(VAR, "1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert skip_nvml_probe_without_cuda() is False
    assert os.environ[VAR] == "1"


@pytest.mark.parametrize("value", [None, "0"])
def test_leaves_a_users_own_choice(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(VAR, raising=False)
    else:
        monkeypatch.setenv(VAR, value)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert skip_nvml_probe_without_cuda() is False
    assert os.environ.get(VAR) == value


@pytest.mark.skipif(torch.cuda.is_available(), reason="the probe stays on where a GPU is visible")
def test_a_cpu_run_trains_with_the_probe_off(run_train, monkeypatch):
    import lightning  # noqa: F401  (sets the probe on at import; re-set it as a fresh process would have it)

    monkeypatch.setenv(VAR, "1")
    seen = []
    original = torch.optim.Adam.step

    def step(self, *a, **k):  # what torch's Adam sees at each step of the run
        seen.append(os.environ.get(VAR))
        return original(self, *a, **k)

    monkeypatch.setattr(torch.optim.Adam, "step", step)
    run_train("gan", data="ring", steps=3, checkpoint_every=10**9)
    assert seen and set(seen) == {"0"}
    assert not torch.cuda.is_available()  # and torch still answers that there is no GPU
