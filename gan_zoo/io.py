"""Sample folders: PNG files (images) or ``points.npy`` (points), plus ``manifest.json``.

The manifest says what the samples came from (method, data, checkpoint, seed, version), so
``ganzoo eval ... --samples DIR`` needs no other argument. Folders are written to a temporary
sibling and renamed into place: a reader never sees half a folder, and nothing existing is replaced.
"""
from __future__ import annotations

import errno
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


def check_new_folder(out_dir: str | Path) -> Path:
    """``out_dir`` may be created: it does not exist, or is an empty folder, and no file is in its way."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise GanZooError(f"{out} already exists and is not an empty folder; choose another --out")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise GanZooError(f"cannot create {out}: {parent} is a file, not a folder")
            break
    return out


def _move_into_place(tmp: Path, out: Path) -> None:
    """Rename the finished folder to ``out``; if another writer got there first, this one loses cleanly."""
    try:
        if out.exists():
            out.rmdir()  # empty (checked before writing); fails if another writer has filled it since
    except FileNotFoundError:
        pass
    except OSError:
        raise GanZooError(f"{out} was filled by another writer meanwhile; choose another --out") from None
    try:
        os.replace(tmp, out)
    except OSError as e:
        if e.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            raise GanZooError(f"{out} was filled by another writer meanwhile; choose another --out") from None
        raise


def write_samples(out_dir: str | Path, samples: torch.Tensor, manifest: dict) -> Path:
    """Write samples (images in [-1, 1] as (N, C, H, W), or points (N, D)), a tensor or an iterable of
    chunks, and the manifest."""
    from PIL import Image

    out = check_new_folder(out_dir)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as e:  # --out under a file, a read-only place, ...
        raise GanZooError(f"cannot create {out}: {e.strerror or e}") from None
    try:
        # A tensor, or chunks of one (``ganzoo sample --n 50000`` streams: each chunk is written as it
        # comes, so memory holds one chunk of images, not all of them).
        chunks = [samples] if torch.is_tensor(samples) else samples
        n, shape, kind, points = 0, None, None, []
        for chunk in chunks:
            chunk = chunk.detach().cpu()
            if shape is None:
                shape, kind = tuple(chunk.shape[1:]), ("images" if chunk.dim() == 4 else "points")
            if kind == "images":
                # uint8 PNGs with the samples' own channel count (torchvision's save_image would turn a
                # grey image into RGB, and the folder would no longer match the data it is compared to).
                x = ((chunk.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
                for i in range(len(x)):
                    img = x[i][:, :, 0] if x.shape[-1] == 1 else x[i]
                    Image.fromarray(img).save(tmp / f"{n + i:06d}.png")
            else:
                points.append(chunk.float().numpy())  # (N, D) floats: small even for large N
            n += len(chunk)
        if kind is None:
            raise GanZooError("no samples to write")
        if kind == "points":
            np.save(tmp / POINTS, np.concatenate(points))
        full = {"gan_zoo_version": __version__, "kind": kind, "n": n, "shape": list(shape), **manifest}
        (tmp / MANIFEST).write_text(json.dumps(full, indent=2, default=str))
        _move_into_place(tmp, out)
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


_MODE_CHANNELS = {"1": 1, "L": 1, "I": 1, "I;16": 1, "F": 1, "LA": 2, "RGB": 3, "YCbCr": 3, "RGBA": 4, "CMYK": 4}


def _decode(p: Path) -> torch.Tensor:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(p) as im:
            arr = np.asarray(im)
    except (UnidentifiedImageError, OSError):
        raise GanZooError(f"{p}: not a readable image") from None
    arr = arr[:, :, None] if arr.ndim == 2 else arr
    return torch.from_numpy(arr.copy()).permute(2, 0, 1)


class ImageFiles:
    """The images of a sample folder, decoded one slice at a time: ``x[i:j]`` is a float (j-i, C, H, W)
    tensor in [-1, 1]. ``embed`` walks it in batches, so evaluating 50,000 images holds one batch of them
    in memory, not all (``benchmarks/memory.py`` measures it). ``len``, ``shape`` and ``dim`` as a tensor's."""

    def __init__(self, files: list[Path], chw: tuple[int, int, int]):
        self.files, self.chw = files, chw

    def __len__(self) -> int:
        return len(self.files)

    @property
    def shape(self) -> torch.Size:
        return torch.Size((len(self.files), *self.chw))

    def dim(self) -> int:
        return 4

    def __getitem__(self, idx) -> torch.Tensor:
        files = self.files[idx] if isinstance(idx, slice) else [self.files[int(i)] for i in torch.as_tensor(idx).reshape(-1)]
        x = [_decode(p) for p in files]
        for p, t in zip(files, x):
            if tuple(t.shape) != self.chw:
                raise GanZooError(f"mixed image sizes or channels in {p.parent}: {p.name} is {tuple(t.shape)}, "
                                  f"the first is {self.chw}")
        return torch.stack(x).float().div_(127.5).sub_(1.0)

    def load(self) -> torch.Tensor:
        return self[:]


def _check_manifest(folder: Path, manifest: dict, kind: str, n: int, shape: tuple) -> None:
    """A manifest that disagrees with the files it describes (a copy gone wrong, files added or removed)."""
    if "kind" in manifest and manifest["kind"] != kind:
        raise GanZooError(f"{folder / MANIFEST} says {manifest['kind']}, but the folder holds {kind}")
    if "n" in manifest and int(manifest["n"]) != n:
        raise GanZooError(f"{folder / MANIFEST} says n = {manifest['n']}, but the folder holds {n} {kind}")
    if "shape" in manifest and tuple(manifest["shape"]) != tuple(shape):
        raise GanZooError(f"{folder / MANIFEST} says shape {tuple(manifest['shape'])}, but the {kind} are "
                          f"{tuple(shape)}")


def read_samples(folder: str | Path, lazy: bool = False) -> tuple[torch.Tensor | ImageFiles, dict]:
    """Load a sample folder: images as float (N, C, H, W) in [-1, 1], or points (N, D). Validates it
    (against its manifest too). ``lazy``: images as an ``ImageFiles`` decoded slice by slice."""
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
        bad = ~torch.isfinite(pts).all(1)
        if bool(bad.any()):  # one NaN makes an OT solver return 0 (W1 = 0 for a broken folder)
            raise GanZooError(f"{folder / POINTS}: {int(bad.sum())} of {len(pts)} points are NaN/Inf "
                              f"(the first is row {int(bad.nonzero()[0, 0])})")
        _check_manifest(folder, manifest, "points", len(pts), tuple(pts.shape[1:]))
        return pts, manifest
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != MANIFEST and not p.name.startswith("."))
    if not files:
        raise GanZooError(f"sample folder {folder} is empty")
    others = [p.name for p in files if p.suffix.lower() not in IMAGE_SUFFIXES]
    if others:
        raise GanZooError(f"sample folder {folder} holds non-image files: {', '.join(others[:3])}")
    first = None
    for p in files:  # headers only: size and channels of every file, without decoding the pixels
        try:
            with Image.open(p) as im:
                w, h = im.size
                c = _MODE_CHANNELS.get(im.mode, len(im.getbands()))
        except (UnidentifiedImageError, OSError):
            raise GanZooError(f"{p}: not a readable image") from None
        if first is None:
            first = (c, h, w)
        elif (c, h, w) != first:
            raise GanZooError(f"mixed image sizes or channels in {folder}: {p.name} is {h}x{w} with {c} "
                              f"channel(s), the first is {first[1]}x{first[2]} with {first[0]}")
    _check_manifest(folder, manifest, "images", len(files), first)
    images = ImageFiles(files, first)
    return (images if lazy else images.load()), manifest
