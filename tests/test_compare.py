"""``ganzoo compare``, tiny: two methods x two seeds on points, the table is mean ± std of the runs' own
numbers, which equal the metrics recomputed from the saved checkpoints; run folders give the same table."""
from __future__ import annotations

import json
import math

import torch
from gan_zoo_cli.main import app
from typer.testing import CliRunner

from gan_zoo.compare import SAMPLE_SEED, Scorer, mean_std, read_scalars
from gan_zoo.metrics.functional import wasserstein1
from gan_zoo.training import load_method

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_compare_two_methods_two_seeds_on_points(tmp_path):
    out = tmp_path / "cmp"
    res = invoke("compare", "gan", "nice", "--data", "ring", "--steps", "2", "--seeds", "2", "--n", "300",
                 "--set", "hidden=8", "--set", "depth=1", "--set", "test_size=64", "--out", out)
    assert res.exit_code == 0, res.output
    results = json.loads((out / "results.json").read_text())
    runs = results["runs"]
    assert [(r["method"], r["seed"]) for r in runs] == [("gan", 0), ("gan", 1), ("nice", 0), ("nice", 1)]
    assert results["metrics"] == ["w1", "modes", "nll"]
    # Each run's W1 is the exact W1 of its checkpoint's samples (sampling seed 0) to the scorer's data sample.
    scorer = Scorer("ring", "points", ["w1"], n=300)
    for r in runs:
        m = load_method(r["run_dir"])
        x = m.sample(300, torch.Generator().manual_seed(SAMPLE_SEED))
        assert math.isclose(r["values"]["w1"], wasserstein1(x, scorer.real), rel_tol=1e-9), r
        assert ("nll" in r["values"]) == (r["method"] == "nice")  # only the flow has a likelihood
        assert r["steps"] == 2
    # the seeds differ, so the std is a real spread; the table shows mean ± sample std
    w = [r["values"]["w1"] for r in runs if r["method"] == "gan"]
    assert w[0] != w[1]
    mu, sd = mean_std(w)
    assert math.isclose(sd, abs(w[0] - w[1]) / math.sqrt(2), rel_tol=1e-12)
    report = (out / "report.md").read_text()
    gan_row = next(ln for ln in report.splitlines() if ln.startswith("| gan |"))
    assert f"{mu:.4g} ± {sd:.2g}" in gan_row and gan_row.rstrip().endswith("| - |")  # no NLL for a GAN
    assert "Protocol:" in report and "samples per run: 300" in report and "ddof 1" in report
    assert "W1" in res.output and "± " in res.output
    assert (out / "samples.png").stat().st_size > 0
    curve = out / "curve_metrics_w1.png"
    assert curve.exists() and f"({curve.name})" in report
    assert read_scalars(runs[0]["run_dir"])["metrics/w1"]  # the curves come from these TensorBoard scalars

    # the same runs given as folders: the same table rows
    again = invoke("compare", *[r["run_dir"] for r in runs], "--n", "300", "--out", tmp_path / "cmp2",
                   "--no-progress")
    assert again.exit_code == 0, again.output
    rows = [ln for ln in report.splitlines() if ln.startswith("| gan |") or ln.startswith("| nice |")]
    rows2 = [ln for ln in (tmp_path / "cmp2" / "report.md").read_text().splitlines()
             if ln.startswith("| gan |") or ln.startswith("| nice |")]
    assert rows == rows2


def test_compare_bad_input_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("GANZOO_CLASSIFIERS", str(tmp_path / "no_classifiers"))
    for args, fragment in ((["gan", "--metrics", "fid"], "'fid' is for images"),
                           (["nope"], "unknown method 'nope'"),
                           (["gan", "--set", "bogus=1"], "no compared method has a config field 'bogus'"),
                           (["gan", "--data", "grid25", "--seeds", "0", "--steps", "1"], "--seeds must be >= 1"),
                           (["gan", str(tmp_path)], "mix of run folders and method names")):
        res = invoke("compare", *args, "--out", tmp_path / "o", "--no-progress")
        assert res.exit_code == 2, res.output
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], res.stderr
    # image metrics need the extractor before any training starts: no classifier here, nothing trained
    res = invoke("compare", "gan", "--data", "digits", "--metrics", "ddm", "--out", tmp_path / "o2")
    assert res.exit_code == 2 and "classifier train --data digits" in res.stderr
    assert not (tmp_path / "o2").exists()
