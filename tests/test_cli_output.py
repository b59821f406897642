"""What a person sees (issue 16 item 1): at 80 columns and in a log, step/ETA before the losses, full paths."""
from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace

import pytest
from gan_zoo_cli.main import app
from rich.console import Console
from typer.testing import CliRunner

from gan_zoo.callbacks.progress import StepProgress

runner = CliRunner()
COLS80 = {"COLUMNS": "80", "LINES": "40"}


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env=COLS80)


def test_train_log_at_80_columns(tmp_path):
    """A deep --out: paths are printed whole on their own lines; a non-terminal gets plain periodic lines."""
    out = tmp_path / "a_rather_long_folder_name_for_the_runs_of_this_project" / "and_one_more_level_of_it"
    r = invoke("train", "wgan", "--steps", "120", "--out", out, "--set", "log_every=10")
    assert r.exit_code == 0, r.output
    run_dir = out.absolute() / "wgan" / "ring" / "version_0"
    ckpt = run_dir / "checkpoints" / "last.ckpt"
    assert len(str(ckpt)) > 80  # the case a table cell would cut
    # The start of the run: the folder in full and the effective run (method, data, steps, overrides).
    err = r.stderr.splitlines()
    assert f"run folder: {run_dir}" in err
    assert any(ln.startswith("wgan on ring: 120 generator steps") and "log_every=10" in ln for ln in err)
    # CliRunner is not a terminal: plain lines, step count and ETA before the losses.
    steps = [ln for ln in err if ln.startswith("step ")]
    assert [int(re.match(r"step (\d+)/120", ln).group(1)) for ln in steps] == list(range(10, 121, 10))
    for ln in steps:
        assert re.match(r"step \d+/120  [\d.e+]+ it/s  ETA \d+:\d\d:\d\d  loss/critic=", ln), ln
    # The result: every path whole, on its own line, no ellipsis anywhere.
    lines = r.stdout.splitlines()
    assert f"checkpoint:   {ckpt}" in lines and ckpt.is_file()
    assert f"run folder:   {run_dir}" in lines
    assert "…" not in r.stdout and "…" not in r.stderr  # (the bar may cut losses; plain lines never)


def test_train_json_and_no_progress(tmp_path):
    r = invoke("train", "nice", "--steps", "20", "--out", tmp_path, "--set", "log_every=10", "--no-progress",
               "--json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout)
    assert result["method"] == "nice" and result["generator_steps"] == 20
    assert result["checkpoint"].startswith(str(tmp_path.absolute())) and "nll" in result["metrics"]
    # Flows trained by likelihood show their nll/* beside (here: instead of) the losses.
    steps = [ln for ln in r.stderr.splitlines() if ln.startswith("step ")]
    assert len(steps) == 2 and all("nll/train=" in ln for ln in steps), r.stderr


def _bar_line(logged: dict) -> str:
    buf = io.StringIO()
    bar = StepProgress(2000, every=100, mode="bar", console=Console(file=buf, width=80, force_terminal=True))
    trainer = SimpleNamespace(global_rank=0)
    method = SimpleNamespace(method_name="wgan-gp", generator_steps=0, last_logged={})
    bar.on_train_start(trainer, method)
    method.generator_steps, method.last_logged = 300, logged
    bar.on_generator_step(trainer, method)
    bar.on_train_end(trainer, method)
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", buf.getvalue()).replace("\r", "\n").splitlines()[-1]


def test_bar_puts_step_count_and_eta_before_the_losses():
    line = _bar_line({"loss/critic": -0.123456, "loss/generator": 1.23456, "penalty/gradient": 0.5})
    assert len(line.rstrip()) <= 80
    assert re.search(r"wgan-gp\s+300/2000\s+\d:\d\d:\d\d\s+<\s+(\d:\d\d:\d\d|-:--:--)", line), line
    assert line.index("300/2000") < line.index("loss/critic=-0.1235")  # too long: the losses are cut, not the count
    assert line.rstrip().endswith("…") and "penalty/gradient" not in line
    # Flows trained by likelihood: nll/* in the bar.
    assert "nll/train=2.5" in _bar_line({"penalty/gradient": 0.5, "nll/train": 2.5})


def test_version_and_every_help_has_an_example():
    r = invoke("--version")
    assert r.exit_code == 0 and re.match(r"ganzoo \(gan_zoo\) \d+\.\d+", r.stdout)
    for cmd in (["train"], ["sample"], ["list"], ["eval", "fid"], ["eval", "kid"], ["eval", "is"], ["eval", "ddm"],
                ["eval", "w1"], ["eval", "modes"], ["eval", "nll"], ["classifier", "train"], ["compare"], ["stats"],
                ["eval"], ["classifier"]):
        h = invoke(*cmd, "--help")
        assert h.exit_code == 0, (cmd, h.output)
        assert "Example: ganzoo " + " ".join(cmd) in " ".join(h.stdout.split()), cmd
    assert "--install-completion" in invoke("--help").stdout


@pytest.mark.parametrize("args", [("list",), ("list", "infogan", "--data", "digits")])
def test_list_fits_80_columns(args):
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    assert max(len(ln) for ln in r.stdout.splitlines()) <= 80
    assert "…" not in r.stdout


def test_eval_json_names_its_source_and_bad_subset_size(tmp_path):
    r = invoke("train", "wgan", "--steps", "2", "--out", tmp_path / "runs")
    assert r.exit_code == 0, r.output
    run_dir = (tmp_path / "runs" / "wgan" / "ring" / "version_0").absolute()
    s = invoke("sample", run_dir, "--n", "300", "--out", tmp_path / "s", "--json")
    assert s.exit_code == 0, s.output
    manifest = json.loads(s.stdout)
    assert manifest["checkpoint"] == str(run_dir / "checkpoints" / "last.ckpt")  # absolute: works from anywhere
    e = invoke("eval", "w1", "--samples", tmp_path / "s", "--json")
    assert e.exit_code == 0, e.output
    src = json.loads(e.stdout)["source"]
    assert src["method"] == "wgan" and src["run"] == str(run_dir) and src["checkpoint"] == manifest["checkpoint"]
    k = invoke("eval", "kid", "--samples", tmp_path / "s", "--subset-size", "0")
    assert k.exit_code == 2 and k.stderr.strip().startswith("error: --subset-size") and len(k.stderr.splitlines()) == 1


def test_mixture_picture_colours_legend_and_aspect():
    import matplotlib.colors as mcolors
    import torch

    from gan_zoo.callbacks.pictures import points_figure

    method = SimpleNamespace(num_components=3,
                             sample_components=lambda n, g: (torch.randn(n, 2, generator=g), torch.arange(n) % 3),
                             has_log_prob=False, critic=None, device="cpu")
    fig = points_figure(method, torch.randn(200, 2) * 3, n=200)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["data", "component 0", "component 1", "component 2"]
    colours = [mcolors.to_hex(c.get_facecolor()[0]) for c in ax.collections]
    assert colours[0] == mcolors.to_hex("tab:blue") and mcolors.to_hex("tab:blue") not in colours[1:]
    assert len(set(colours)) == 4 and ax.get_aspect() == 1.0
