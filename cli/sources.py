"""``ganzoo sample RUN --sources ... --labels ...``: reading the user's source images and target labels.

For methods that sample conditionally on given images (gan_zoo/methods/interface.py ``SourceEditor``:
ModNet); the method does the editing (``edit_sources``), this module only turns the flags into tensors.
"""
from __future__ import annotations

from pathlib import Path

import torch

from gan_zoo.registry import GanZooError


def load_sources(spec: str, n: int | None = None, channels: int | None = None, own: tuple | None = None) -> torch.Tensor:
    """Source images in [-1, 1] from a folder of images or ``dataset:split`` (e.g. ``digits:test``);
    the first ``n`` of them when n is given. ``channels``: convert grey <-> RGB PNGs to the model's.
    ``own``: (the run's data set, how it loads: data_dir and options), so ``imagefolder:test`` is the run's
    own folder at its size and its held-out split."""
    from gan_zoo.data import load_dataset
    from gan_zoo.io import read_samples

    if Path(spec).is_dir():
        x, _ = read_samples(spec)
    else:
        name, _, split = spec.partition(":")
        if not Path(spec).exists() and name:
            kwargs = own[1] if own is not None and own[0] == name else {}
            data = load_dataset(name, split or "test", **kwargs)
            if data.kind != "images":
                raise GanZooError(f"--sources {spec}: '{name}' is not an image data set")
            x = data.to_float()
        else:
            raise GanZooError(f"--sources {spec}: not a folder of images nor DATASET:SPLIT")
    if x.dim() != 4:
        raise GanZooError(f"--sources {spec}: expected images, got points")
    if channels == 1 and x.shape[1] == 3:  # PNGs written by save_image hold grey as three equal channels
        x = x.mean(1, keepdim=True)
    elif channels == 3 and x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    return x[:n] if n is not None else x


def parse_labels(spec: str | None, num_classes: int) -> list[int] | None:
    """``all`` -> every label; ``3`` or ``0,1,2`` -> those labels; None -> a random other label each."""
    if spec is None:
        return None
    if spec.strip().lower() == "all":
        return list(range(num_classes))
    try:
        labels = [int(s) for s in spec.split(",") if s.strip()]
    except ValueError:
        raise GanZooError(f"--labels expects 'all' or comma-separated integers, got '{spec}'") from None
    bad = [v for v in labels if not 0 <= v < num_classes]
    if not labels or bad:
        raise GanZooError(f"--labels: labels must lie in 0..{num_classes - 1}, got '{spec}'")
    return labels
