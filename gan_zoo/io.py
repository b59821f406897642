"""Sample folders: PNG files (images) or ``points.npy`` (points), plus ``manifest.json``.

The manifest says what the samples came from (method, data, checkpoint, seed, version), so
``ganzoo eval ... --samples DIR`` needs no other argument. Folders are written to a temporary
sibling and renamed into place: a reader never sees half a folder, and nothing existing is replaced.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from . import __version__
from .registry import GanZooError

MANIFEST = "manifest.json"
POINTS = "points.npy"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


def write_samples(out_dir: str | Path, samples: torch.Tensor, manifest: dict) -> Path:
    """Write samples (images in [-1, 1] as (N, C, H, W), or points (N, D)) and the manifest."""
    from PIL import Image

    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise GanZooError(f"{out} already exists and is not an empty folder; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        samples = samples.detach().cpu()
        if samples.dim() == 4:
            # uint8 PNGs with the samples' own channel count (torchvision's save_image would turn a
            # grey image into RGB, and the folder would no longer match the data it is compared to).
            x = ((samples.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
            for i in range(len(x)):
                img = x[i][:, :, 0] if x.shape[-1] == 1 else x[i]
                Image.fromarray(img).save(tmp / f"{i:06d}.png")
            kind = "images"
        else:
            np.save(tmp / POINTS, samples.float().numpy())
            kind = "points"
        full = {"gan_zoo_version": __version__, "kind": kind, "n": len(samples),
                "shape": list(samples.shape[1:]), **manifest}
        (tmp / MANIFEST).write_text(json.dumps(full, indent=2, default=str))
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def read_manifest(folder: str | Path) -> dict:
    p = Path(folder) / MANIFEST
    if not p.exists():
        return {}
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise GanZooError(f"{p}: not valid JSON ({e.msg} at line {e.lineno})") from None


def read_samples(folder: str | Path) -> tuple[torch.Tensor, dict]:
    """Load a sample folder: images as float (N, C, H, W) in [-1, 1], or points (N, D). Validates it."""
    from PIL import Image, UnidentifiedImageError

    folder = Path(folder)
    if not folder.exists():
        raise GanZooError(f"sample folder {folder} does not exist")
    if not folder.is_dir():
        raise GanZooError(f"{folder} is not a folder")
    manifest = read_manifest(folder)
    if (folder / POINTS).exists():
        try:
            pts = torch.from_numpy(np.load(folder / POINTS)).float()
        except (ValueError, OSError) as e:
            raise GanZooError(f"{folder / POINTS}: cannot read ({e})") from None
        if pts.dim() != 2 or len(pts) == 0:
            raise GanZooError(f"{folder / POINTS}: expected a non-empty (N, D) array, got {tuple(pts.shape)}")
        return pts, manifest
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != MANIFEST and not p.name.startswith("."))
    if not files:
        raise GanZooError(f"sample folder {folder} is empty")
    others = [p.name for p in files if p.suffix.lower() not in IMAGE_SUFFIXES]
    if others:
        raise GanZooError(f"sample folder {folder} holds non-image files: {', '.join(others[:3])}")
    images, first = [], None
    for p in files:
        try:
            with Image.open(p) as im:
                arr = np.asarray(im)
        except (UnidentifiedImageError, OSError):
            raise GanZooError(f"{p}: not a readable image") from None
        arr = arr[:, :, None] if arr.ndim == 2 else arr
        if first is None:
            first = arr.shape
        elif arr.shape != first:
            raise GanZooError(f"mixed image sizes or channels in {folder}: {p.name} is {arr.shape}, "
                              f"the first is {first}")
        images.append(torch.from_numpy(arr.copy()).permute(2, 0, 1))
    x = torch.stack(images).float().div_(127.5).sub_(1.0)
    return x, manifest
