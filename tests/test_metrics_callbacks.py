"""PeriodicMetrics logs metrics/... at x = generator steps, every N steps, with the right values."""
from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from gan_zoo.callbacks.metrics import PeriodicMetrics
from gan_zoo.data import load_dataset


class _Recorder:
    def __init__(self):
        self.scalars = []

    def add_scalar(self, tag, value, step):
        self.scalars.append((tag, float(value), step))


class _PerfectSampler(torch.nn.Module):
    """Samples the data distribution itself and knows its exact log-density."""

    has_log_prob = True

    def __init__(self, data):
        super().__init__()
        self.data, self.generator_steps = data, 0
        self.register_buffer("_d", torch.zeros(()))

    @property
    def device(self):
        return self._d.device

    def sample(self, n, generator=None):
        return self.data.sample(n, generator)[0]

    def log_prob(self, x):
        return self.data.log_prob(x)


def test_points_metrics_are_logged_every_n_generator_steps():
    data = load_dataset("grid25")
    method = _PerfectSampler(data)
    exp = _Recorder()
    trainer = SimpleNamespace(global_rank=0, logger=SimpleNamespace(experiment=exp))
    cb = PeriodicMetrics(data, every=3, n=400)
    for step in range(1, 8):
        method.generator_steps = step
        cb.on_generator_step(trainer, method)
    steps = sorted({s for _, _, s in exp.scalars})
    assert steps == [3, 6]
    tags = {t for t, _, _ in exp.scalars}
    assert tags == {"metrics/w1", "metrics/nll", "metrics/modes", "metrics/hq_fraction"}
    last = cb.last
    assert last["modes"] == 25  # 400 samples of the true mixture hit all 25 modes
    assert last["hq_fraction"] > 0.97  # P(|N(0, I_2)| <= 3) = 1 - exp(-4.5) = 0.989
    # NLL of the true density on its own samples ~ its entropy: log(25) + log(2 pi e sigma^2)
    entropy = math.log(25) + math.log(2 * math.pi * math.e * data.std**2)
    assert last["nll"] == pytest.approx(entropy, abs=0.15)
    # A sampler collapsed onto one mode: 1 mode captured, and a W1 many times the perfect sampler's
    # (which is only the finite-sample noise of 400 points over 25 modes).
    collapsed = _PerfectSampler(data)
    collapsed.sample = lambda n, generator=None: data.centers[12] + data.std * torch.randn(n, 2, generator=generator)
    bad = cb.compute(collapsed)
    assert bad["modes"] == 1 and bad["w1"] > 4 * last["w1"]


def test_image_branch_is_silent_without_a_classifier(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_CLASSIFIERS", str(tmp_path / "none"))
    data = load_dataset("digits", "train")
    method = SimpleNamespace(generator_steps=5, device=torch.device("cpu"),
                             sample=lambda n, g=None: torch.zeros(n, 1, 28, 28))
    assert PeriodicMetrics(data, every=5).compute(method) == {}


def test_train_logs_metrics_to_tensorboard_at_generator_steps(run_train):
    """The wiring in training.train: a tiny run logs metrics/w1 and metrics/modes at the period."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    res = run_train("gan", data="ring", steps=4, picture_every=2, batch_size=32)
    acc = EventAccumulator(str(res.run_dir))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    assert {"metrics/w1", "metrics/modes", "metrics/hq_fraction"} <= set(tags)
    assert [e.step for e in acc.Scalars("metrics/modes")][:2] == [2, 4]
    assert all(e.value >= 0 for e in acc.Scalars("metrics/w1"))
