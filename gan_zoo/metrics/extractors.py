"""Feature extractors: Inception-v3 (the literature's IS/FID network) and dataset classifiers.

Every extractor maps images in [-1, 1] (N, C, H, W) to ``{"logits": (N, K), "features": (N, D)}`` and
carries a ``protocol`` dict (name, weights, layers) that is copied into every reported number.

- Inception-v3: torch-fidelity's ``FeatureExtractorInceptionV3`` through torchmetrics'
  ``NoTrainInceptionV3`` (the TF-ported 2015-12-05 weights used by Salimans et al. 2016 and Heusel et al.
  2017), features = pool3 (2048-d), logits = ``logits_unbiased`` (1008 classes, as torchmetrics'
  InceptionScore). Weights are read from torch hub's checkpoint cache (``torch.hub.get_dir()/checkpoints``);
  nothing is downloaded: a missing file is one GanZooError naming the file and the folder.
- Dataset classifier (``gan_zoo.nets.classifier``), trained by ``ganzoo classifier train``: logits are
  DDM's embedding (seed 004 §3.2.1); FID/KID with it use the logits too.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import torch
from torch import nn

from ..registry import GanZooError

INCEPTION_URL = ("https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
                 "weights-inception-2015-12-05-6726825d.pth")  # torch_fidelity.feature_extractor_inceptionv3
INCEPTION_FILE = INCEPTION_URL.rsplit("/", 1)[1]
EMBED_BATCH = 500

# Classifier training (our choices; the thesis states none, notes 004 §5.18): Adam (Kingma & Ba 2015
# defaults, lr 1e-3), batch 128, 10 epochs (WRN: 10 epochs is short of the paper's 200, enough to rank).
CLS_LR = 1e-3
CLS_BATCH = 128
CLS_EPOCHS = 10


def to_uint8_rgb(x: torch.Tensor) -> torch.Tensor:
    x = ((x.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.repeat(1, 3, 1, 1) if x.shape[1] == 1 else x


# ---------------------------------------------------------------------------------------------- Inception
def inception_weights_path() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE


class InceptionExtractor(nn.Module):
    def __init__(self, weights: str | Path | None = None):
        super().__init__()
        path = Path(weights) if weights else inception_weights_path()
        if not path.exists():
            raise GanZooError(f"Inception-v3 weights {path.name} not found: put the file (from {INCEPTION_URL}) "
                              f"in {path.parent}/ (nothing is downloaded), or use --extractor classifier")
        from torchmetrics.image.fid import NoTrainInceptionV3

        self.net = NoTrainInceptionV3(name="inception-v3-compat", features_list=["2048", "logits_unbiased"],
                                      feature_extractor_weights_path=str(path))
        self.protocol = {"extractor": "inception-v3 (torch-fidelity, via torchmetrics)", "weights": path.name,
                         "features": "pool3 2048-d", "logits": "logits_unbiased (1008)"}

    def forward(self, x: torch.Tensor) -> dict:
        if x.shape[1] not in (1, 3):
            raise GanZooError(f"Inception-v3 takes 1- or 3-channel images, got {x.shape[1]} channels")
        feats, logits = self.net(to_uint8_rgb(x))
        return {"features": feats.float(), "logits": logits.float()}


# --------------------------------------------------------------------------------------------- Classifier
def classifier_root() -> Path:
    return Path(os.environ.get("GANZOO_CLASSIFIERS", Path("runs") / "classifiers"))


def default_classifier_path(data: str) -> Path:
    """Where ``ganzoo classifier train --data D`` saves, and where evaluation looks by name."""
    return classifier_root() / data / "classifier.ckpt"


class ClassifierExtractor(nn.Module):
    def __init__(self, net: nn.Module, meta: dict, path: str | Path | None = None):
        super().__init__()
        self.net, self.meta = net.eval(), dict(meta)
        self.shape = tuple(meta["shape"])
        self.protocol = {"extractor": f"classifier {meta['arch']} trained on {meta['data']}",
                         "weights": str(path) if path else "in memory",
                         "test_accuracy": meta.get("test_accuracy"), "features": "logits",
                         "logits": f"logits ({meta['num_classes']})"}

    def forward(self, x: torch.Tensor) -> dict:
        c, h, w = self.shape
        if tuple(x.shape[2:]) != (h, w):
            raise GanZooError(f"the {self.meta['data']} classifier takes {h}x{w} images, got "
                              f"{x.shape[2]}x{x.shape[3]}")
        if x.shape[1] != c:
            if c == 1 and x.shape[1] == 3:
                x = x.mean(1, keepdim=True)  # PNGs of grey images are written as 3 equal channels
            elif c == 3 and x.shape[1] == 1:
                x = x.repeat(1, 3, 1, 1)
            else:
                raise GanZooError(f"the {self.meta['data']} classifier takes {c}-channel images, got {x.shape[1]}")
        logits = self.net(x.float())
        return {"features": logits, "logits": logits}


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


@torch.no_grad()
def accuracy(net: nn.Module, x: torch.Tensor, y: torch.Tensor, device, batch: int = EMBED_BATCH) -> float:
    net.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += int((net(x[i:i + batch].to(device)).argmax(1).cpu() == y[i:i + batch]).sum())
    return correct / max(len(x), 1)


def train_classifier(data: str, epochs: int = CLS_EPOCHS, out: str | Path | None = None, batch_size: int = CLS_BATCH,
                     lr: float = CLS_LR, seed: int = 0, data_dir: str | None = None, download: bool = False,
                     device=None, arch: str | None = None, net_kwargs: dict | None = None,
                     log=None, save: bool = True) -> tuple[ClassifierExtractor, dict]:
    """Train the dataset classifier on the train split; report accuracy on the test split."""
    from ..data import load_dataset
    from ..nets.classifier import build_classifier, classifier_arch_for

    if epochs <= 0:
        raise GanZooError(f"--epochs must be positive, got {epochs}")
    train_set = load_dataset(data, "train", data_dir=data_dir, download=download)
    if train_set.kind != "images":
        raise GanZooError(f"'{data}' is a point set; classifiers are for image data")
    if train_set.num_classes < 2 or (train_set.labels < 0).any():
        raise GanZooError(f"'{data}' has no class labels; a classifier needs them")
    test_set = load_dataset(data, "test", data_dir=data_dir, download=download)
    dev = torch.device(device) if device else torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(seed)
    shape = tuple(train_set.shape)
    arch = arch or classifier_arch_for(shape)
    net_kwargs = dict(net_kwargs or {})
    net = build_classifier(arch, shape, train_set.num_classes, **net_kwargs).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    x_all, y_all = train_set.to_float(), train_set.labels
    g = torch.Generator().manual_seed(seed)
    t0 = time.time()
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(x_all), generator=g)
        total = 0.0
        for i in range(0, len(perm), batch_size):
            idx = perm[i:i + batch_size]
            loss = nn.functional.cross_entropy(net(x_all[idx].to(dev)), y_all[idx].to(dev))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        if log is not None:
            log(epoch + 1, epochs, total / len(perm))
    acc = accuracy(net, test_set.to_float(), test_set.labels, dev)
    meta = {"arch": arch, "data": data, "shape": list(shape), "num_classes": train_set.num_classes,
            "kwargs": net_kwargs, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed,
            "test_accuracy": acc, "n_train": len(x_all), "n_test": len(test_set), "train_seconds": time.time() - t0}
    path = None
    if save:
        path = save_classifier(net.cpu(), meta, out or default_classifier_path(data))
        meta["path"] = str(path)
    return ClassifierExtractor(net.cpu(), meta, path), meta


# ----------------------------------------------------------------------------------------------- Embedding
def get_extractor(kind: str, data: str | None = None, classifier: str | Path | None = None,
                  inception_weights: str | Path | None = None, device=None) -> nn.Module:
    if kind == "inception":
        ext = InceptionExtractor(inception_weights)
    elif kind == "classifier":
        ext = require_classifier(data, classifier)
    else:
        raise GanZooError(f"unknown extractor '{kind}' (inception, classifier)")
    return ext.to(device) if device is not None else ext


@torch.no_grad()
def embed(extractor: nn.Module, images: torch.Tensor, batch: int = EMBED_BATCH, device=None,
          progress: str | None = None) -> dict:
    """Run ``extractor`` over images in batches (on ``device``); returns CPU tensors. ``progress``: a
    description for a rich progress bar (None: silent)."""
    dev = torch.device(device) if device else next(extractor.parameters()).device
    extractor = extractor.to(dev).eval()
    outs: dict[str, list] = {}
    steps = range(0, len(images), batch)
    bar = None
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       transient=True, console=Console(stderr=True))  # stdout stays clean for --json
        task = bar.add_task(progress, total=len(images))
        bar.start()
    try:
        for i in steps:
            out = extractor(images[i:i + batch].to(dev))
            for k, v in out.items():
                outs.setdefault(k, []).append(v.detach().float().cpu())
            if bar is not None:
                bar.advance(task, min(batch, len(images) - i))
    finally:
        if bar is not None:
            bar.stop()
    return {k: torch.cat(v) for k, v in outs.items()}
