"""Dataset-classifier checkpoints: where they live, and saving / loading them as ``ClassifierExtractor``s.

A checkpoint is ``{"gan_zoo_classifier": meta, "state_dict": ...}``; ``meta`` (arch, data, shape,
num_classes, net kwargs, test accuracy, ...) rebuilds the net through ``gan_zoo.nets.classifier`` and is
copied into every number measured with it. Split from ``extractors.py`` (what the net computes) because this
is file I/O with its own error messages; the training loop is ``classifier_training.py``.
"""
from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from ..registry import GanZooError
from .extractors import ClassifierExtractor


def ganzoo_home() -> Path:
    """``$GANZOO_HOME``, default ``~/.cache/gan_zoo``: what gan_zoo keeps for every run, whatever the current
    folder (classifiers here; data files in ``$GANZOO_DATA``, default ``~/.cache/gan_zoo/data``, the same tree).

    Not ``runs/`` (train's --out default): that is relative to where a command is typed, so an ``eval ddm``
    typed elsewhere would not find the classifier (issue 16); a user cache, as torch hub's ``~/.cache/torch``
    and the XDG convention have, is found from anywhere.
    """
    return Path(os.environ.get("GANZOO_HOME") or Path.home() / ".cache" / "gan_zoo").expanduser().absolute()


def classifier_root() -> Path:
    """Where classifiers live by default: ``$GANZOO_CLASSIFIERS`` if set, else ``$GANZOO_HOME/classifiers``."""
    env = os.environ.get("GANZOO_CLASSIFIERS")
    return Path(env).expanduser().absolute() if env else ganzoo_home() / "classifiers"


CLASSIFIER_FILE = "classifier.ckpt"


def classifier_path_under(out: str | Path, data: str) -> Path:
    """``ganzoo classifier train --out OUT``: ``OUT/classifiers/<data>/classifier.ckpt`` (``--out`` is a folder,
    as for ``ganzoo train``, whose runs go to ``OUT/METHOD/DATA/version_N``)."""
    return Path(out).expanduser().absolute() / "classifiers" / data / CLASSIFIER_FILE


def default_classifier_path(data: str) -> Path:
    """Where ``ganzoo classifier train --data D`` saves without ``--out``, and where evaluation looks last."""
    return classifier_root() / data / CLASSIFIER_FILE


def run_classifier_path(checkpoint: str | Path | None, data: str | None) -> Path | None:
    """The classifier filed beside a run: a checkpoint ``OUT/METHOD/DATA/version_N/checkpoints/x.ckpt``
    has ``OUT/classifiers/DATA/classifier.ckpt`` (what ``classifier train --out OUT`` writes), if it exists."""
    if not checkpoint or not data:
        return None
    parents = Path(checkpoint).parents
    if len(parents) < 5:
        return None
    p = parents[4] / "classifiers" / parents[2].name / CLASSIFIER_FILE
    return p if p.is_file() else None


def classifier_candidates(data: str) -> list[Path]:
    """Where a classifier for ``data`` is looked for by name, in order: ``$GANZOO_CLASSIFIERS`` /
    ``$GANZOO_HOME/classifiers/<data>/``, then ``./runs/classifiers/<data>/`` (the default ``--out`` of a
    classifier trained with ``--out runs``, and where classifiers went before issue 16)."""
    return [default_classifier_path(data), classifier_path_under("runs", data)]


def save_classifier(net: nn.Module, meta: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save({"gan_zoo_classifier": meta, "state_dict": net.state_dict()}, tmp)
    os.replace(tmp, path)
    return path


def load_classifier(path: str | Path, device=None) -> ClassifierExtractor:
    from ..nets.classifier import build_classifier

    path = Path(path)
    if not path.exists():
        raise GanZooError(f"classifier checkpoint {path} does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:
        raise GanZooError(f"classifier checkpoint {path} is corrupt ({type(e).__name__})") from None
    if not isinstance(ckpt, dict) or "gan_zoo_classifier" not in ckpt:
        raise GanZooError(f"{path} is not a gan_zoo classifier checkpoint (train one: ganzoo classifier train)")
    meta = ckpt["gan_zoo_classifier"]
    net = build_classifier(meta["arch"], tuple(meta["shape"]), meta["num_classes"], **meta.get("kwargs", {}))
    net.load_state_dict(ckpt["state_dict"])
    ext = ClassifierExtractor(net, meta, path)
    return ext.to(device) if device is not None else ext


def find_classifier(data: str | None, path: str | Path | None = None) -> Path | None:
    """An explicit path (must exist), else the first of ``classifier_candidates(data)`` that exists."""
    if path is not None:
        if not Path(path).exists():
            raise GanZooError(f"classifier checkpoint {path} does not exist")
        return Path(path)
    if data is None:
        return None
    return next((p for p in classifier_candidates(data) if p.is_file()), None)


def require_classifier(data: str | None, path: str | Path | None = None, device=None) -> ClassifierExtractor:
    p = find_classifier(data, path)
    if p is None:
        where = " or ".join(str(c) for c in classifier_candidates(data))
        raise GanZooError(f"no classifier for '{data}' at {where}: train one with "
                          f"`ganzoo classifier train --data {data}` or pass --classifier PATH")
    return load_classifier(p, device)
