"""Every kind of bad input we know of, in one table: one ``error:`` line, exit status 2, no traceback, and
nothing that was already on disk lost (no checkpoint changed, no half-written or empty folder left)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from gan_zoo_cli.main import app
from typer.testing import CliRunner

from gan_zoo.io import write_samples

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A finished 2-step wgan run, a sample folder of it, and the bad files the cases point at."""
    root = tmp_path_factory.mktemp("bad_input")
    res = runner.invoke(app, ["train", "wgan", "--steps", "2", "--no-progress", "--out", str(root / "runs")])
    assert res.exit_code == 0, res.output
    run = root / "runs" / "wgan" / "ring" / "version_0"
    ckpt = run / "checkpoints" / "last.ckpt"
    (root / "bad.ckpt").write_bytes(b"\x80\x04 this is not a checkpoint")
    (root / "cut.ckpt").write_bytes(ckpt.read_bytes()[:5000])
    blob = torch.load(ckpt, weights_only=False)
    blob["gan_zoo"]["config"]["width"] = 37  # the weights were built with the default width
    torch.save(blob, root / "mismatch.ckpt")
    (root / "a_file").write_text("not a folder")
    (root / "empty").mkdir()
    (root / "taken").mkdir()
    (root / "taken" / "keep.txt").write_text("precious")
    pts = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    write_samples(root / "good_points", torch.from_numpy(pts), {"data": "ring"})
    nan = pts.copy()
    nan[17, 1] = np.nan
    write_samples(root / "nan_points", torch.from_numpy(nan), {"data": "ring"})
    write_samples(root / "n_wrong", torch.from_numpy(pts), {"data": "ring"})
    m = json.loads((root / "n_wrong" / "manifest.json").read_text())
    (root / "n_wrong" / "manifest.json").write_text(json.dumps({**m, "n": 5000}))
    write_samples(root / "kind_wrong", torch.from_numpy(pts), {"data": "ring"})
    (root / "kind_wrong" / "manifest.json").write_text(json.dumps({**m, "kind": "images"}))
    write_samples(root / "shape_wrong", torch.from_numpy(pts), {"data": "ring"})
    (root / "shape_wrong" / "manifest.json").write_text(json.dumps({**m, "shape": [3]}))
    write_samples(root / "imgs", torch.rand(4, 1, 28, 28) * 2 - 1, {"data": "digits"})
    return root


T = "train"
# (id, argv with {root}, {run}, {ckpt} placeholders, a fragment the error line must hold)
CASES = [
    ("unknown-method", [T, "nope"], "unknown method 'nope'"),
    ("unknown-dataset", [T, "gan", "--data", "nope"], "unknown dataset 'nope'"),
    ("unknown-set-key", [T, "gan", "--set", "foo=1"], "unknown --set key 'foo'"),
    ("set-not-key-value", [T, "gan", "--set", "lr"], "key=value"),
    ("set-wrong-type", [T, "gan", "--set", "lr=abc"], "lr=abc"),
    ("set-float-for-int", [T, "gan", "--set", "n_critic=2.5"], "n_critic"),
    ("set-unknown-choice", [T, "gan", "--set", "loss=hinge"], "hinge"),
    ("set-batch-size-0", [T, "gan", "--set", "batch_size=0"], "batch_size"),
    ("set-negative-lr", [T, "gan", "--set", "lr=-1"], "learning rate"),
    ("set-nan-lr", [T, "gan", "--set", "lr=nan"], "lr=nan"),
    ("set-inf-lr", [T, "wgan-gp", "--set", "lr=inf"], "learning rate"),
    ("set-beta1-2", [T, "gan", "--set", "beta1=2"], "beta1"),
    ("set-negative-width", [T, "gan", "--set", "width=-3"], "width"),
    ("set-log-every-0", [T, "gan", "--set", "log_every=0"], "log_every"),
    ("set-z-dim-0", [T, "gan", "--set", "z_dim=0"], "z_dim"),
    ("steps-0", [T, "gan", "--steps", "0"], "--steps"),
    ("steps-negative", [T, "gan", "--steps=-3"], "--steps"),
    ("steps-not-a-number", [T, "gan", "--steps", "many"], "--steps"),
    ("batch-size-0", [T, "gan", "--batch-size", "0"], "--batch-size"),
    ("seed-negative", [T, "gan", "--seed=-1"], "--seed"),
    ("precision-bogus", [T, "gan", "--precision", "bogus"], "--precision bogus"),
    ("nodes-0", [T, "gan", "--nodes", "0"], "--nodes"),
    ("accelerator-bogus", [T, "gan", "--accelerator", "tpu9"], "accelerator"),
    ("out-under-a-file", [T, "gan", "--steps", "1", "--out", "{root}/a_file/runs"], "a_file"),
    ("data-files-missing", [T, "gan", "--data", "mnist", "--data-dir", "{root}/empty"], "idx3"),
    ("resume-missing", [T, "--resume", "{root}/nothing.ckpt"], "does not exist"),
    ("resume-corrupt", [T, "--resume", "{root}/bad.ckpt"], "bad.ckpt"),
    ("resume-truncated", [T, "--resume", "{root}/cut.ckpt"], "cut.ckpt"),
    ("resume-other-method", [T, "gan", "--resume", "{run}"], "'wgan' run, not 'gan'"),
    ("resume-config-vs-weights", [T, "--resume", "{root}/mismatch.ckpt", "--steps", "4"], "does not match its weights"),
    ("resume-fewer-steps", [T, "--resume", "{ckpt}", "--steps", "1"], "fewer"),
    ("resume-changed-lr", [T, "--resume", "{ckpt}", "--steps", "4", "--set", "lr=0.1"], "differs"),
    ("resume-changed-data", [T, "--resume", "{ckpt}", "--steps", "4", "--data", "grid25"], "--data grid25"),
    ("resume-changed-seed", [T, "--resume", "{ckpt}", "--steps", "4", "--seed", "9"], "--seed 9"),
    ("resume-changed-batch", [T, "--resume", "{ckpt}", "--steps", "4", "--batch-size", "7"], "--batch-size=7"),
    ("sample-n-0", ["sample", "{run}", "--n", "0", "--out", "{root}/s"], "--n"),
    ("sample-batch-0", ["sample", "{run}", "--batch", "0", "--out", "{root}/s"], "--batch"),
    ("sample-seed-negative", ["sample", "{run}", "--seed=-1", "--out", "{root}/s"], "--seed"),
    ("sample-out-taken", ["sample", "{run}", "--out", "{root}/taken"], "already exists"),
    ("sample-out-under-file", ["sample", "{run}", "--out", "{root}/a_file/s"], "is a file"),
    ("sample-corrupt", ["sample", "{root}/bad.ckpt", "--out", "{root}/s"], "bad.ckpt"),
    ("sample-config-vs-weights", ["sample", "{root}/mismatch.ckpt", "--out", "{root}/s"], "does not match its weights"),
    ("sample-labels-not-modnet", ["sample", "{run}", "--labels", "all", "--out", "{root}/s"], "modnet"),
    ("eval-missing-folder", ["eval", "w1", "--samples", "{root}/nope"], "does not exist"),
    ("eval-empty-folder", ["eval", "w1", "--samples", "{root}/empty"], "empty"),
    ("eval-nan-points", ["eval", "w1", "--samples", "{root}/nan_points"], "NaN/Inf"),
    ("eval-manifest-n", ["eval", "w1", "--samples", "{root}/n_wrong"], "n = 5000"),
    ("eval-manifest-kind", ["eval", "w1", "--samples", "{root}/kind_wrong"], "says images"),
    ("eval-manifest-shape", ["eval", "modes", "--samples", "{root}/shape_wrong"], "shape (3,)"),
    ("eval-w1-on-images", ["eval", "w1", "--samples", "{root}/imgs"], "points"),
    ("eval-unknown-data", ["eval", "w1", "--samples", "{root}/good_points", "--data", "nope"], "unknown dataset"),
    ("eval-nll-no-checkpoint", ["eval", "nll", "--samples", "{root}/good_points"], "checkpoint"),
    ("no-such-command", ["frobnicate"], "frobnicate"),
]
if not torch.cuda.is_available():
    CASES.append(("gpus-without-gpu", [T, "gan", "--gpus", "1"], "no GPU"))


def _snapshot(root):
    """Every file under root with its bytes (the run, its checkpoint, the folders the cases point at)."""
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("argv,fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_loses_nothing(world, tmp_path, argv, fragment):
    run = world / "runs" / "wgan" / "ring" / "version_0"
    subs = {"{root}": str(world), "{run}": str(run), "{ckpt}": str(run / "checkpoints" / "last.ckpt")}
    args = []
    for a in argv:
        for k, v in subs.items():
            a = a.replace(k, v)
        args.append(a)
    if args[0] == T and "--out" not in args and "--resume" not in args:
        args += ["--out", str(tmp_path / "runs")]
    before = _snapshot(world)
    res = runner.invoke(app, args)
    from gan_zoo_cli.main import main  # noqa: F401  (the console script's parser errors are checked below)

    if res.exit_code != 2 and res.exception is not None and not isinstance(res.exception, SystemExit):
        # Parser errors surface as exceptions under CliRunner(standalone_mode=True) only as exit 2.
        raise res.exception
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    if args[0] in ("frobnicate",) or fragment == "--steps" and "many" in args:
        # Usage errors: typer's own box under CliRunner; the console script prints one line (test_cli.py)
        assert "Traceback" not in res.output
        return
    assert len(lines) == 1 and lines[0].startswith("error:"), res.stderr
    assert fragment in lines[0], (fragment, lines[0])
    assert "Traceback" not in res.output
    assert _snapshot(world) == before  # nothing already written was changed or removed
    assert not list(tmp_path.rglob("version_*")), "a failed run left a version folder"
    assert not [p for p in world.rglob(".*") if p.name.startswith((".s.", ".last.ckpt.tmp"))], "temporaries left"


def test_the_table_is_long_enough():
    assert len(CASES) >= 30
