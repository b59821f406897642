"""benchmarks/gpu_check.py: its CPU rehearsal (``--device cpu --quick``) and what the rehearsal found.

The GPU check itself needs a CUDA device; this runs the same code paths on the CPU with tiny nets and
checks the numbers it reports (no timing is asserted).
"""
from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def gpu_check():
    spec = importlib.util.spec_from_file_location("ganzoo_bench_gpu_check", ROOT / "benchmarks" / "gpu_check.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    yield mod
    # benchmarks/throughput.py registers its synthetic image set: take it out again, so the registry that
    # the later tests in this process see is the catalogue's (tests/test_registry.py checks that).
    from gan_zoo import registry

    registry.DATASETS.pop(mod.throughput.IMAGE_SET, None)


def test_quick_rehearsal_on_cpu_runs_every_method_and_checks_pass(gpu_check, tmp_path):
    from gan_zoo.registry import METHODS

    out = tmp_path / "gpu_check.json"
    rc = gpu_check.main(["--device", "cpu", "--quick", "--budget", "1e9", "--json", str(out)])
    res = json.loads(out.read_text())
    assert rc == 0, res.get("failed")
    assert res["failed"] == []

    rows = res["correctness"]
    assert {r["method"] for r in rows} == set(METHODS)
    assert all(r["status"] == "ok" for r in rows), [r for r in rows if r["status"] != "ok"]
    image = res["image_set"].split()[0]
    for r in rows:  # the checks that ran: finite losses, samples in range, a checkpoint that reloads
        assert r["checkpoint"] == "reloads on CPU" and r["logged"] > 0, r
    for m in gpu_check.QUICK_BF16:  # fp32 and bf16-mixed (wgan-gp on ring too), penalty kept in float32
        got = {(r["data"], r["precision"]) for r in rows if r["method"] == m}
        sets = ("ring", image) if m in gpu_check.QUICK_RING else (image,)
        assert got == {(d, p) for d in sets for p in ("32-true", "bf16-mixed")}
    assert {r["penalty_dtype"] for r in rows if r["method"] == "wgan-gp"} == {"float32"}
    assert {r["method"] for r in rows if r["data"] == image} == set(METHODS)

    # bf16 autocast keeps the gradient penalty in float32 and close to the fp32 value
    assert [r["status"] for r in res["penalty"]] == ["ok"] * 3
    assert all(r["dtype"] == "float32" and r["rel_err"] < 0.05 for r in res["penalty"])

    # our fixed-L Sinkhorn equals POT's on the same cost matrix
    for row in res["sinkhorn"]["rows"]:
        assert row["ours f64"]["rel_err"] < 1e-6 and row["ours f32"]["rel_err"] < 1e-3, row
    # chunked DDM = dense DDM
    assert res["ddm"]["status"] == "ok" and abs(res["ddm"]["value"] - res["ddm"]["dense_value"]) < 1e-6
    assert all(r["status"] == "ok" and r["images_per_s"] > 0 for r in res["embed"])

    # the throughput cells ran: fp32 and bf16, eager and compiled; WGAN-GP's critic stays eager compiled
    cells = res["throughput"]
    assert {(r["precision"], r["compile"]) for r in cells} == {
        (p, c) for p in ("32-true", "bf16-mixed") for c in ("eager", "aot_eager")}
    assert {r["setting"].split(" /")[0] for r in cells} == {"dcgan", "wgan-gp"}
    assert all(r["status"] == "ok" and r["shipped_it_s"] > 0 and r["hand_it_s"] > 0 for r in cells), cells
    assert {r["critic"] for r in cells if r["setting"].startswith("wgan-gp") and r["compile"] != "eager"} == {"eager"}


def test_sync_counter_attributes_syncs_to_generator_steps_and_logging_steps(gpu_check):
    class Counter(gpu_check.SyncCounter):
        def _set_mode(self, mode):  # no CUDA here; the mode only makes torch emit the warnings below
            self.mode = mode

    c = Counter(start=1, cuda=True)
    method = SimpleNamespace(generator_steps=0)
    syncs = {3: 2, 5: 1, 6: 4}  # steps 3 and 6 log (log_every 3), 6 is also the last
    for s in range(1, 7):
        for _ in range(syncs.get(s, 0)):
            warnings.warn("called a synchronizing CUDA operation", UserWarning)
        warnings.warn("an unrelated warning", UserWarning)
        method.generator_steps = s
        c.on_generator_step(None, method)
    c.stop()
    assert c.mode == "default"
    assert c.per_step == {2: 0, 3: 2, 4: 0, 5: 1, 6: 4}  # step 1 (set-up) is not counted
    split = c.split(log_every=3, last=6)
    assert split["syncs_other_steps"] == 1 and split["syncs_other_max"] == 1
    assert split["syncs_per_log_step"] == 3.0
    assert sum(split["sync_sources"].values()) == 7
    assert all(k.startswith("tests/test_gpu_check.py:") for k in split["sync_sources"])


def test_checkpoint_comparison_treats_nan_as_equal_and_dtype_as_different(gpu_check):
    import torch

    a = torch.tensor([1.0, float("nan")])
    assert gpu_check._same(a, a.clone())
    assert not gpu_check._same(a, torch.tensor([1.0, 2.0]))
    assert not gpu_check._same(a, a.double())


def test_the_last_picture_and_histogram_are_drawn_once(run_train, monkeypatch):
    """Found by profiling the rehearsal: with the last step a multiple of the picture period (train()'s
    default period is steps // 10), on_train_end drew that step's picture and histogram a second time."""
    from gan_zoo.callbacks import pictures

    drawn, histograms = [], []
    real_figure = pictures.points_figure
    monkeypatch.setattr(pictures, "points_figure", lambda m, *a, **k: drawn.append(m.generator_steps)
                        or real_figure(m, *a, **k))
    real_act = pictures.CriticHistograms.act
    monkeypatch.setattr(pictures.CriticHistograms, "act", lambda self, t, m: histograms.append(m.generator_steps)
                        or real_act(self, t, m))
    run_train("gan", steps=2, overrides={"batch_size": "16"}, picture_every=1)
    assert drawn == [1, 2] and histograms == [1, 2]
    run_train("gan", steps=3, overrides={"batch_size": "16"}, picture_every=2)
    assert drawn[2:] == [2, 3] and histograms[2:] == [2, 3]  # step 3 only at the end
