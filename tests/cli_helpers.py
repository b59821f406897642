"""What several CLI test files share: an in-process ``ganzoo`` call (Typer's CliRunner), the one-line error
check, and a tiny untrained digits classifier (the metric plumbing under test, not its quality)."""
from __future__ import annotations

from pathlib import Path

import torch
from gan_zoo_cli.main import app
from typer.testing import CliRunner

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_error_line(r) -> str:
    """Exit 2 and exactly one ``error: ...`` line; returns that line."""
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), r.output
    return lines[0]


def tiny_digits_classifier(tmp: Path) -> Path:
    """A seeded, untrained ConvNet4 (width 4) for ``digits``, saved as a gan_zoo classifier checkpoint."""
    from gan_zoo.metrics.classifier_io import save_classifier
    from gan_zoo.nets.classifier import build_classifier

    torch.manual_seed(0)
    net = build_classifier("convnet4", (1, 28, 28), 10, width=4)
    return save_classifier(net, {"arch": "convnet4", "data": "digits", "shape": [1, 28, 28], "num_classes": 10,
                                 "kwargs": {"width": 4}}, tmp / "cls.ckpt")
