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


def classifier_root() -> Path:
    return Path(os.environ.get("GANZOO_CLASSIFIERS", Path("runs") / "classifiers"))


def default_classifier_path(data: str) -> Path:
    """Where ``ganzoo classifier train --data D`` saves, and where evaluation looks by name."""
    return classifier_root() / data / "classifier.ckpt"


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
    """An explicit path (must exist), else the default location for ``data`` if a file is there."""
    if path is not None:
        if not Path(path).exists():
            raise GanZooError(f"classifier checkpoint {path} does not exist")
        return Path(path)
    if data is None:
        return None
    p = default_classifier_path(data)
    return p if p.exists() else None


def require_classifier(data: str | None, path: str | Path | None = None, device=None) -> ClassifierExtractor:
    p = find_classifier(data, path)
    if p is None:
        raise GanZooError(f"no classifier for '{data}' at {default_classifier_path(data)}: train one with "
                          f"`ganzoo classifier train --data {data}` or pass --classifier PATH")
    return load_classifier(p, device)
