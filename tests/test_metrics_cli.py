"""``ganzoo eval`` / ``ganzoo classifier`` through typer's CliRunner: bad folders give one ``error:`` line
and exit 2; good folders give the same numbers as the functional core."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from gan_zoo_cli.main import app
from typer.testing import CliRunner

from gan_zoo.data import load_dataset
from gan_zoo.io import write_samples

runner = CliRunner()


def _invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def _one_error_line(res):
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    return lines[0]


def _png(path, size=(28, 28), mode="L"):
    from PIL import Image

    Image.fromarray(np.zeros(size + ((3,) if mode == "RGB" else ()), dtype=np.uint8), mode).save(path)


def test_bad_folders_give_one_error_line(tmp_path):
    assert "does not exist" in _one_error_line(_invoke("eval", "is", "--samples", tmp_path / "nope"))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "empty" in _one_error_line(_invoke("eval", "fid", "--samples", empty))
    junk = tmp_path / "junk"
    junk.mkdir()
    _png(junk / "a.png")
    (junk / "notes.txt").write_text("x")
    assert "non-image" in _one_error_line(_invoke("eval", "ddm", "--samples", junk, "--data", "digits"))
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    _png(mixed / "a.png")
    _png(mixed / "b.png", (32, 32), "RGB")
    assert "mixed" in _one_error_line(_invoke("eval", "is", "--samples", mixed, "--data", "digits"))
    few = tmp_path / "few"
    few.mkdir()
    for i in range(3):
        _png(few / f"{i}.png")
    assert "at least 10" in _one_error_line(_invoke("eval", "is", "--samples", few, "--data", "digits",
                                                    "--extractor", "classifier"))
    # no manifest and no --data
    assert "--data" in _one_error_line(_invoke("eval", "ddm", "--samples", few))
    # a classifier that is not there
    assert "classifier" in _one_error_line(_invoke("eval", "ddm", "--samples", few, "--data", "digits",
                                                   "--classifier", tmp_path / "none.ckpt"))


def test_inception_weights_absent_names_the_file_and_folder(tmp_path, monkeypatch):
    import torch.hub

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    folder = tmp_path / "s"
    write_samples(folder, torch.rand(12, 1, 28, 28) * 2 - 1, {"data": "digits"})
    line = _one_error_line(_invoke("eval", "is", "--samples", folder))
    assert "weights-inception-2015-12-05-6726825d.pth" in line and str(tmp_path / "hub" / "checkpoints") in line


def test_points_metrics_from_a_sample_folder(tmp_path):
    from gan_zoo.metrics.functional import mode_coverage, wasserstein1

    data = load_dataset("grid25")
    x, _ = data.sample(300, torch.Generator().manual_seed(11))
    folder = write_samples(tmp_path / "pts", x, {"data": "grid25"})
    res = _invoke("eval", "modes", "--samples", folder, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    want = mode_coverage(torch.from_numpy(np.load(folder / "points.npy")), data.centers, data.std)
    assert out["value"] == want["modes"] and out["hq_fraction"] == pytest.approx(want["hq_fraction"])
    assert out["protocol"]["n_sigma"] == 3.0 and out["better"] == "higher"
    res = _invoke("eval", "w1", "--samples", folder, "--json")
    out = json.loads(res.output)
    real, _ = data.sample(300, torch.Generator().manual_seed(0))
    assert out["value"] == pytest.approx(wasserstein1(torch.from_numpy(np.load(folder / "points.npy")), real))
    assert "ot.emd2" in out["protocol"]["solver"]
    # image metrics on points, and points metrics on images: one line each
    assert "images" in _one_error_line(_invoke("eval", "ddm", "--samples", folder))
    # nll needs a checkpoint in the manifest
    assert "checkpoint" in _one_error_line(_invoke("eval", "nll", "--samples", folder))


def test_ddm_and_is_from_a_folder_match_the_functional_core(tmp_path):
    """An (untrained, seeded) classifier checkpoint is enough to check the plumbing end to end."""
    from gan_zoo.metrics.classifier_io import load_classifier, save_classifier
    from gan_zoo.metrics.functional import ddm, inception_score
    from gan_zoo.nets.classifier import build_classifier

    torch.manual_seed(0)
    net = build_classifier("convnet4", (1, 28, 28), 10, width=4)
    ckpt = save_classifier(net, {"arch": "convnet4", "data": "digits", "shape": [1, 28, 28], "num_classes": 10,
                                 "kwargs": {"width": 4}}, tmp_path / "cls.ckpt")
    test, train = load_dataset("digits", "test"), load_dataset("digits", "train")
    folder = write_samples(tmp_path / "s", train.to_float(torch.arange(100)), {"data": "digits"})
    res = _invoke("eval", "ddm", "--samples", folder, "--classifier", ckpt, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    ext = load_classifier(ckpt)
    with torch.no_grad():
        t = ext(test.to_float())["logits"]
        g = ext(train.to_float(torch.arange(100)))["logits"]  # PNG round trip of uint8 images is lossless
    assert out["value"] == pytest.approx(ddm(t, g), rel=1e-5)
    assert out["better"] == "lower" and out["reference"]["name"] == "Training Set"
    assert out["reference"]["n_samples"] == 100 and "eq. 3.4" in out["protocol"]["equation"]
    res = _invoke("eval", "is", "--samples", folder, "--classifier", ckpt, "--extractor", "classifier", "--json",
                  "--no-reference")
    out = json.loads(res.output)
    assert out["value"] == pytest.approx(inception_score(g, 10)[0], rel=1e-5)  # ordered splits, one path
    assert out["std"] == pytest.approx(inception_score(g, 10)[1], rel=1e-5)
    assert out["protocol"]["splits"] == 10 and out["protocol"]["n_samples"] == 100
    # a 32 px folder against the 28 px digits classifier: one line
    big = write_samples(tmp_path / "big", torch.zeros(12, 3, 32, 32), {"data": "digits"})
    assert "32x32" in _one_error_line(_invoke("eval", "ddm", "--samples", big, "--classifier", ckpt))
