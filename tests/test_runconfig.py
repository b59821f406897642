"""``ganzoo train --config FILE`` / ``--print-config``: runs from a file, the written config.json re-runs a
run bit for bit on CPU, flags typed on the command line override the file, unknown keys are one line."""
from __future__ import annotations

import json

import torch
import yaml
from gan_zoo_cli.main import app
from typer.testing import CliRunner

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_error_line(res, *fragments):
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    return lines[0]


def _state(run_dir):
    return torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)["state_dict"]


def test_yaml_file_runs_and_config_json_reruns_bit_identically(tmp_path):
    run = tmp_path / "run.yaml"
    run.write_text("method: wgan\ndata: ring\nsteps: 4\nseed: 7\nbatch_size: 32\n"
                   "config:\n  n_critic: 2\n  lr: 1e-3\n  log_every: 2\n")
    res = invoke("train", "--config", run, "--no-progress", "--out", tmp_path / "a")
    assert res.exit_code == 0, res.output
    first = tmp_path / "a" / "wgan" / "ring" / "version_0"
    written = json.loads((first / "config.json").read_text())
    assert (written["seed"], written["steps"], written["batch_size"]) == (7, 4, 32)
    assert written["config"]["n_critic"] == 2 and written["config"]["lr"] == 1e-3  # PyYAML's '1e-3' string parsed
    # the run's own config.json, into another folder: the same parameters bit for bit
    res = invoke("train", "--config", first / "config.json", "--no-progress", "--out", tmp_path / "b")
    assert res.exit_code == 0, res.output
    again = tmp_path / "b" / "wgan" / "ring" / "version_0"
    a, b = _state(first), _state(again)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert json.loads((again / "config.json").read_text())["config"] == written["config"]
    # a different seed typed on the command line overrides the file and changes the weights
    res = invoke("train", "--config", first / "config.json", "--seed", "8", "--no-progress", "--out", tmp_path / "c")
    assert res.exit_code == 0, res.output
    c = _state(tmp_path / "c" / "wgan" / "ring" / "version_0")
    assert any(not torch.equal(a[k], c[k]) for k in a)


def test_print_config_resolves_file_flags_and_sets_and_reads_back(tmp_path):
    run = tmp_path / "run.json"
    run.write_text(json.dumps({"method": "gan", "data": "ring", "steps": 50, "seed": 1,
                               "config": {"lr": 1e-3, "loss": "minimax"}}))
    res = invoke("train", "--config", run, "--print-config", "--steps", "9", "--set", "lr=5e-4", "--out", tmp_path)
    assert res.exit_code == 0, res.output
    doc = yaml.safe_load(res.stdout)
    assert doc["method"] == "gan" and doc["seed"] == 1 and doc["steps"] == 9  # flag > file
    assert doc["config"]["lr"] == 5e-4 and doc["config"]["loss"] == "minimax"  # --set > file > default
    assert doc["config"]["z_dim"] == 2 and doc["config"]["beta1"] == 0.5  # the paper defaults for points
    assert not list(tmp_path.glob("gan"))  # nothing trained
    # what --print-config prints is a run file: reading it back resolves to the same run
    printed = tmp_path / "printed.yaml"
    printed.write_text(res.stdout)
    again = invoke("train", "--config", printed, "--print-config")
    assert again.exit_code == 0 and yaml.safe_load(again.stdout) == doc
    # without a file: the command line's run, with every config field
    plain = yaml.safe_load(invoke("train", "wgan-gp", "--print-config").stdout)
    assert plain["config"]["n_critic"] == 5 and plain["steps"] == 2000 and plain["data"] == "ring"


def test_bad_files_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("method: gan\nstepz: 3\n")
    one_error_line(invoke("train", "--config", bad), "unknown key 'stepz'", "known: method, data, steps")
    bad.write_text("method: gan\nconfig:\n  lrr: 1\n")
    one_error_line(invoke("train", "--config", bad, "--print-config"), "unknown config field 'lrr'", "known:", "lr")
    bad.write_text("method: gan\nsteps: many\n")
    one_error_line(invoke("train", "--config", bad), "'steps' must be int")
    bad.write_text("method: [gan\n")
    one_error_line(invoke("train", "--config", bad), "not valid YAML")
    bad.write_text("- gan\n")
    one_error_line(invoke("train", "--config", bad), "mapping")
    one_error_line(invoke("train", "--config", tmp_path / "none.yaml"), "does not exist")
    (tmp_path / "nomethod.yaml").write_text("steps: 3\n")
    one_error_line(invoke("train", "--config", tmp_path / "nomethod.yaml"), "no method")
