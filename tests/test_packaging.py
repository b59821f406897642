"""Packaging and import hygiene: what a user of the installed package meets before any training."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

from gan_zoo.registry import GanZooError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("first", sorted(f"gan_zoo_cli.{p.stem}" for p in (ROOT / "cli").glob("*.py")
                                         if p.stem not in ("__init__", "__main__")))
def test_every_cli_module_imports_first(first):
    # A fresh interpreter each: an import cycle shows only when the "wrong" module is imported first.
    p = subprocess.run([sys.executable, "-c", f"import {first}"], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert p.returncode == 0, p.stderr[-2000:]


def test_cli_uses_public_names_of_typer_and_click_only():
    for path in (ROOT / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("typer", "click"):
                names = [f"{node.value.id}.{node.attr}"]
            for n in names:
                if n.split(".")[0] in ("typer", "click"):
                    assert not any(part.startswith("_") for part in n.split(".")), f"{path.name}: {n}"


def test_load_from_checkpoint_lightning_convention(run_train):
    from gan_zoo.methods.base import GenerativeMethod
    from gan_zoo.methods.gan import GAN
    from gan_zoo.methods.wgan_gp import WGANGP

    result = run_train("wgan-gp", steps=2, seed=1)
    m = WGANGP.load_from_checkpoint(result.checkpoint)
    assert isinstance(m, WGANGP) and m.generator_steps == 2 and not m.training
    g = torch.Generator().manual_seed(0)
    assert torch.equal(m.sample(8, g), result.method.sample(8, torch.Generator().manual_seed(0)))
    assert isinstance(GenerativeMethod.load_from_checkpoint(result.run_dir), WGANGP)  # any method, run folder too
    with pytest.raises(GanZooError, match=r"'wgan-gp' checkpoint, not 'gan'.*load_method"):
        GAN.load_from_checkpoint(result.checkpoint)
    with pytest.raises(GanZooError, match="carries its own config"):
        WGANGP.load_from_checkpoint(result.checkpoint, lr=1.0)


@pytest.mark.slow
def test_wheel_holds_every_package(tmp_path):
    """The built wheel holds every module of the source tree (a hand-kept list once left one out)."""
    p = subprocess.run(["uv", "build", "-q", "--wheel", "-o", str(tmp_path), str(ROOT)], capture_output=True,
                       text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    want = {str(f.relative_to(ROOT)) for f in (ROOT / "gan_zoo").rglob("*.py")}
    want |= {"gan_zoo_cli/" + str(f.relative_to(ROOT / "cli")) for f in (ROOT / "cli").rglob("*.py")}
    assert want - names == set()
    assert "gan_zoo/metrics/functional/__init__.py" in names
