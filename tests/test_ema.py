"""EMA of the generator (Yazıcı et al. 2019): the closed form for a fixed weight sequence, updates on
generator steps only, exact across a resume, and ``ganzoo sample --ema``."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from gan_zoo_cli.main import app
from torch import nn
from typer.testing import CliRunner

from gan_zoo.callbacks.ema import CKPT_KEY, GeneratorEMA
from gan_zoo.registry import GanZooError
from gan_zoo.training import load_checkpoint_file, load_method


class _Fake(nn.Module):
    """What the callback touches: a generator (with a float parameter and an integer buffer) and the counter."""

    def __init__(self):
        super().__init__()
        self.generator = nn.Linear(3, 2).double()
        self.critic = nn.Linear(2, 1).double()
        self.generator.register_buffer("count", torch.zeros((), dtype=torch.long))
        self.generator_steps = 0


@pytest.mark.parametrize("decay,start", [(0.9, 0), (0.75, 3)])
def test_ema_equals_the_closed_form_for_a_fixed_weight_sequence(decay, start):
    torch.manual_seed(0)
    T = 12
    ws = [torch.randn(2, 3, dtype=torch.float64) for _ in range(T + 1)]  # w_0 (initial) .. w_T
    m = _Fake()
    critic_before = m.critic.weight.detach().clone()
    cb = GeneratorEMA(decay, start)
    with torch.no_grad():
        m.generator.weight.copy_(ws[0])
    cb.on_train_start(None, m)
    for t in range(1, T + 1):
        with torch.no_grad():
            m.generator.weight.copy_(ws[t])
            m.generator.count.fill_(t)
        m.generator_steps = t
        cb.on_generator_step(None, m)
    # EMA_T = beta^(T - s) w_s + sum_{t = s+1}^{T} (1 - beta) beta^(T - t) w_t
    closed = decay ** (T - start) * ws[start] + sum((1 - decay) * decay ** (T - t) * ws[t]
                                                    for t in range(start + 1, T + 1))
    torch.testing.assert_close(cb.state["weight"], closed, rtol=1e-12, atol=1e-12)
    assert cb.updates == T - start
    assert int(cb.state["count"]) == T  # integer buffers are copied, not averaged
    assert "critic.weight" not in cb.state and torch.equal(m.critic.weight, critic_before)  # the generator only
    # swapped() shows the average inside the block and restores the raw weights after
    with cb.swapped(m):
        torch.testing.assert_close(m.generator.weight.detach(), closed, rtol=1e-12, atol=1e-12)
    assert torch.equal(m.generator.weight.detach(), ws[T])


def _ema(path):
    return load_checkpoint_file(path)[CKPT_KEY]


def test_ema_moves_on_generator_steps_and_resumes_exactly(run_train, tmp_path):
    n = 4  # wgan: n_critic = 5, so Lightning's global_step is far ahead of the generator steps
    kw = dict(seed=2, ema=0.8, ema_start=1, overrides={"critic_boost": "0"} if _has_boost() else {})
    straight = run_train("wgan", steps=2 * n, out=tmp_path / "a", checkpoint_every=n, **kw)
    saved = _ema(straight.checkpoint)
    assert saved["updates"] == 2 * n - 1 and saved["decay"] == 0.8 and saved["start"] == 1
    assert straight.method.trainer.global_step > 2 * n  # critic steps counted there, not in the EMA
    half = run_train("wgan", steps=n, out=tmp_path / "b", **kw)
    resumed = run_train(None, steps=2 * n, resume=half.checkpoint)  # --ema comes back from the checkpoint
    again = _ema(resumed.checkpoint)
    assert again["updates"] == saved["updates"]
    for k in saved["state"]:
        assert torch.equal(saved["state"][k], again["state"][k]), k
    # the average is not the last weights, and load_method(ema=True) samples from it
    raw, avg = load_method(straight.checkpoint), load_method(straight.checkpoint, ema=True)
    g = dict(raw.generator.state_dict())
    assert any(not torch.equal(g[k], saved["state"][k]) for k in g)
    for k, v in avg.generator.state_dict().items():
        assert torch.equal(v, saved["state"][k]), k
    assert avg.ema["updates"] == 2 * n - 1
    assert list((straight.run_dir / "samples" / "ema").glob("step_*.png"))
    with pytest.raises(GanZooError, match="--ema"):
        run_train(None, steps=3 * n, resume=half.checkpoint, ema=0.5)


def _has_boost() -> bool:
    import dataclasses

    from gan_zoo.registry import method_entry

    return "critic_boost" in {f.name for f in dataclasses.fields(method_entry("wgan").config_cls)}


def test_cli_train_and_sample_with_ema(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["train", "gan", "--steps", "5", "--ema", "0.5", "--no-progress", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    run = tmp_path / "gan" / "ring" / "version_0"
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["ema"] == 0.5 and cfg["ema_start"] == 0
    for flag, out in ((["--ema"], "e"), ([], "raw")):
        r = runner.invoke(app, ["sample", str(run), "--n", "50", "--out", str(tmp_path / out), *flag])
        assert r.exit_code == 0, r.output
    e, raw = np.load(tmp_path / "e" / "points.npy"), np.load(tmp_path / "raw" / "points.npy")
    assert e.shape == raw.shape == (50, 2) and not np.allclose(e, raw)
    manifest = json.loads((tmp_path / "e" / "manifest.json").read_text())
    assert manifest["ema"]["decay"] == 0.5 and manifest["ema"]["updates"] == 5
    expected = load_method(run, ema=True).sample(50, torch.Generator().manual_seed(0)).numpy()
    np.testing.assert_allclose(e, expected, rtol=1e-6)
    # one line each: a run without EMA, a decay outside (0, 1)
    r = runner.invoke(app, ["train", "gan", "--steps", "2", "--no-progress", "--out", str(tmp_path / "plain")])
    plain = tmp_path / "plain" / "gan" / "ring" / "version_0"
    r = runner.invoke(app, ["sample", str(plain), "--ema", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "no EMA" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = runner.invoke(app, ["train", "gan", "--ema", "1.5", "--steps", "2", "--out", str(tmp_path / "y")])
    assert r.exit_code == 2 and "(0, 1)" in r.stderr
