"""The ``ganzoo`` CLI: list, train, sample, and one clear line for every bad input."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gan_zoo_cli.main import app
from typer.testing import CliRunner

runner = CliRunner()
GANZOO = Path(sys.executable).parent / "ganzoo"


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_one_line_error(result, *fragments: str) -> str:
    """Non-zero exit, exactly one stderr line starting 'error:', no traceback anywhere."""
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:"), lines[0]
    assert "Traceback" not in result.output
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def points_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli_runs")
    result = invoke("train", "wgan", "--steps", "3", "--no-progress", "--out", out)
    assert result.exit_code == 0, result.output
    run_dir = out / "wgan" / "ring" / "version_0"
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    return run_dir


def test_list_shows_registered_names():
    result = invoke("list")
    assert result.exit_code == 0, result.output
    for name in ("gan", "dcgan", "wgan", "wgan-gp", "ring", "digits", "mnist", "cifar10", "w1"):
        assert name in result.stdout


def test_list_method_shows_every_key_with_the_defaults_of_that_data():
    ring = invoke("list", "wgan-gp", "--data", "ring")
    assert ring.exit_code == 0, ring.output
    rows = {ln.split("│")[1].strip(): ln.split("│")[2].strip() for ln in ring.stdout.splitlines()
            if ln.startswith("│") and ln.split("│")[1].strip()}
    assert rows["n_critic"] == "5" and rows["gp_weight"] == "10.0"  # Gulrajani et al. Alg. 1
    assert rows["z_dim"] == "2"  # what a ring run uses, not the class default 100
    assert {"arch", "width", "log_every"} <= set(rows)
    digits = invoke("list", "wgan-gp", "--data", "digits", "--json")
    assert json.loads(digits.stdout)["config"]["z_dim"] == 100
    assert_one_line_error(invoke("list", "nope"), "unknown method 'nope'")
    assert_one_line_error(invoke("list", "gan", "--data", "nope"), "unknown dataset 'nope'")


def test_list_on_an_image_folder_shows_its_data_keys():
    # issue 16 items 2/4: `--set image_size` / `test_fraction` are keys of a run on a folder, so list shows them
    # with the values such a run uses (gan_zoo.training fills the same defaults into the run's data options).
    table = invoke("list", "dcgan", "--data", "imagefolder")
    assert table.exit_code == 0, table.output
    rows = {ln.split("│")[1].strip(): ln.split("│")[2].strip() for ln in table.stdout.splitlines()
            if ln.startswith("│") and ln.split("│")[1].strip()}
    assert rows["image_size"] == "64" and rows["test_fraction"] == "0.1"
    as_json = json.loads(invoke("list", "dcgan", "--data", "imagefolder", "--json").stdout)
    assert as_json["data_options"] == {"image_size": 64, "test_fraction": 0.1}
    assert json.loads(invoke("list", "dcgan", "--data", "digits", "--json").stdout)["data_options"] == {}


def test_train_writes_run(points_run):
    cfg = json.loads((points_run / "config.json").read_text())
    assert cfg["method"] == "wgan" and cfg["data"] == "ring" and cfg["steps"] == 3
    assert any((points_run / "samples").glob("step_*.png"))
    assert any(points_run.glob("events.out.tfevents*"))


def test_train_prints_result_table(tmp_path):
    result = invoke("train", "gan", "--steps", "2", "--no-progress", "--out", tmp_path, "--seed", "4",
                    "--set", "loss=minimax", "--batch-size", "16")
    assert result.exit_code == 0, result.output
    assert "w1" in result.stdout and "checkpoint" in result.stdout
    cfg = json.loads((tmp_path / "gan" / "ring" / "version_0" / "config.json").read_text())
    assert cfg["config"]["loss"] == "minimax" and cfg["config"]["batch_size"] == 16 and cfg["seed"] == 4


def test_sample_points(points_run, tmp_path):
    out = tmp_path / "samples"
    result = invoke("sample", points_run, "--n", "120", "--out", out, "--seed", "2", "--batch", "50")
    assert result.exit_code == 0, result.output
    pts = np.load(out / "points.npy")
    assert pts.shape == (120, 2) and np.isfinite(pts).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["method"] == "wgan" and manifest["data"] == "ring" and manifest["seed"] == 2
    assert manifest["n"] == 120 and manifest["kind"] == "points" and manifest["generator_steps"] == 3
    # Same seed, same samples (a checkpoint path works as well as a run folder).
    again = tmp_path / "again"
    assert invoke("sample", points_run / "checkpoints" / "last.ckpt", "--n", "120", "--out", again,
                  "--seed", "2", "--batch", "50").exit_code == 0
    assert np.array_equal(np.load(again / "points.npy"), pts)


def test_sample_images(tmp_path):
    result = invoke("train", "gan", "--data", "digits", "--steps", "1", "--batch-size", "8", "--set", "width=8",
                    "--no-progress", "--out", tmp_path / "runs")
    assert result.exit_code == 0, result.output
    out = tmp_path / "imgs"
    result = invoke("sample", tmp_path / "runs" / "gan" / "digits" / "version_0", "--n", "6", "--out", out)
    assert result.exit_code == 0, result.output
    from gan_zoo.io import read_samples

    x, manifest = read_samples(out)
    assert x.shape == (6, 1, 28, 28) and float(x.min()) >= -1 and float(x.max()) <= 1
    assert len(list(out.glob("*.png"))) == 6 and manifest["kind"] == "images" and manifest["data"] == "digits"


# ----- bad input: one line, non-zero exit ------------------------------------------------------

def test_unknown_method(tmp_path):
    assert_one_line_error(invoke("train", "nope", "--steps", "1", "--out", tmp_path), "unknown method 'nope'")
    assert not any(tmp_path.iterdir())  # nothing was created


def test_unknown_dataset(tmp_path):
    assert_one_line_error(invoke("train", "gan", "--data", "nope", "--out", tmp_path), "unknown dataset 'nope'")


def test_unknown_set_key(tmp_path):
    assert_one_line_error(invoke("train", "gan", "--set", "foo=1", "--out", tmp_path), "foo")


@pytest.mark.parametrize("item,fragment", [("lr=abc", "lr=abc"), ("n_critic=2.5", "n_critic"),
                                           ("lr", "key=value"), ("loss=hinge", "hinge"),
                                           ("batch_size=0", "batch_size")])
def test_bad_set_value(tmp_path, item, fragment):
    assert_one_line_error(invoke("train", "gan", "--set", item, "--out", tmp_path), fragment)


def test_missing_data_files(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    line = assert_one_line_error(invoke("train", "gan", "--data", "mnist", "--data-dir", empty,
                                        "--out", tmp_path / "runs"), "mnist")
    assert str(empty) in line and "idx3" in line


def test_corrupt_checkpoint_resume_and_sample(tmp_path, points_run):
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"\x80\x04 this is not a checkpoint")
    assert_one_line_error(invoke("train", "--resume", bad, "--steps", "5"), "bad.ckpt")
    assert_one_line_error(invoke("sample", bad, "--out", tmp_path / "s"), "bad.ckpt")
    # A truncated real checkpoint is just as corrupt.
    data = (points_run / "checkpoints" / "last.ckpt").read_bytes()
    cut = tmp_path / "cut.ckpt"
    cut.write_bytes(data[: len(data) // 2])
    assert_one_line_error(invoke("sample", cut, "--out", tmp_path / "s2"), "cut.ckpt")
    assert_one_line_error(invoke("train", "--resume", cut, "--steps", "5"), "cut.ckpt")
    assert_one_line_error(invoke("sample", tmp_path / "missing.ckpt", "--out", tmp_path / "s3"), "does not exist")
    assert not (tmp_path / "s").exists() and not (tmp_path / "s2").exists()


@pytest.mark.parametrize("steps", ["0", "-3"])
def test_nonpositive_steps(tmp_path, steps):
    assert_one_line_error(invoke("train", "gan", f"--steps={steps}", "--out", tmp_path), "--steps")


def test_nonpositive_sample_count(points_run, tmp_path):
    assert_one_line_error(invoke("sample", points_run, "--n", "0", "--out", tmp_path / "s"), "--n")


def test_sample_refuses_non_empty_out(points_run, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    assert_one_line_error(invoke("sample", points_run, "--n", "10", "--out", out), "already exists")
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]  # no temporary folder left behind


def test_resume_of_another_method(points_run):
    assert_one_line_error(invoke("train", "gan", "--resume", points_run, "--steps", "5"), "wgan")


# ----- the installed entry point, as a user runs it ------------------------------------------

def _ganzoo(*args, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="200")
    return subprocess.run([str(GANZOO), *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=600)


def test_entry_point_list():
    p = _ganzoo("list")
    assert p.returncode == 0, p.stderr
    assert "wgan-gp" in p.stdout and "digits" in p.stdout and p.stderr.strip() == ""


@pytest.mark.parametrize("args,fragment", [(("train", "gan", "--steps", "many"), "--steps"),
                                           (("frobnicate",), "frobnicate")])
def test_entry_point_usage_errors_are_one_line(args, fragment):
    p = _ganzoo(*args)
    assert p.returncode != 0
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and fragment in lines[0], p.stderr
    assert "Traceback" not in p.stderr + p.stdout


def test_entry_point_tiny_train(tmp_path):
    p = _ganzoo("train", "wgan-gp", "--steps", "2", "--no-progress", "--out", tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "wgan-gp" / "ring" / "version_0" / "checkpoints" / "last.ckpt").is_file()
    assert "Traceback" not in p.stderr
