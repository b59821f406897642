"""The dataset classifier's training loop (``ganzoo classifier train``): the net DDM and the classifier
FID/KID embed with ([S4] §3.2.1).

Split from ``extractors.py``: this trains a network (an ordinary supervised loop), the extractors only run
one; the checkpoint it writes is ``classifier_io.py``'s format.
"""
from __future__ import annotations

import time
from pathlib import Path

import torch
from torch import nn

from ..registry import GanZooError, data_label
from .classifier_io import classifier_path_under, default_classifier_path, save_classifier
from .extractors import EMBED_BATCH, ClassifierExtractor

# Classifier training (our choices; the thesis states none, [N4] §5.18): Adam (Kingma & Ba 2015
# defaults, lr 1e-3), batch 128, 10 epochs (WRN: 10 epochs is short of the paper's 200, enough to rank).
CLS_LR = 1e-3
CLS_BATCH = 128
CLS_EPOCHS = 10


def random_shift(x: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    """Each image translated by its own random (dy, dx) in [-shift, shift]^2, borders repeated (MNIST's are
    background): the classic cheap augmentation for small digit sets (Simard, Steinkraus & Platt 2003 §2)."""
    if shift <= 0:
        return x
    n, c, h, w = x.shape
    xp = nn.functional.pad(x, (shift, shift, shift, shift), mode="replicate")
    d = torch.randint(0, 2 * shift + 1, (2, n), generator=generator).to(x.device)
    rows = (torch.arange(h, device=x.device)[None, :] + d[0][:, None])[:, None, :, None]
    cols = (torch.arange(w, device=x.device)[None, :] + d[1][:, None])[:, None, None, :]
    return xp[torch.arange(n, device=x.device)[:, None, None, None], torch.arange(c, device=x.device)[None, :, None, None],
              rows, cols]


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
                     log=None, save: bool = True, shift: int = 0, path: str | Path | None = None,
                     data_options: dict | None = None) -> tuple[ClassifierExtractor, dict]:
    """Train the dataset classifier on the train split; report accuracy on the test split. ``shift`` > 0:
    every training batch randomly translated by up to that many pixels (``random_shift``); 0: none.

    Saved to ``path`` if given, else ``OUT/classifiers/<data>/classifier.ckpt`` for a folder ``out`` (as
    ``train --out``), else ``default_classifier_path(data)`` (``$GANZOO_HOME/classifiers/<data>/``); an image
    folder is filed under its own name. ``data_options``: the data set's options (imagefolder's image_size,
    test_fraction)."""
    from ..data import load_dataset
    from ..nets.classifier import build_classifier, classifier_arch_for

    if epochs <= 0:
        raise GanZooError(f"--epochs must be positive, got {epochs}")
    if shift < 0:
        raise GanZooError(f"--shift must be >= 0 pixels, got {shift}")
    data_options = dict(data_options or {})
    train_set = load_dataset(data, "train", data_dir=data_dir, download=download, **data_options)
    if train_set.kind != "images":
        raise GanZooError(f"'{data}' is a point set; classifiers are for image data")
    if train_set.num_classes < 2 or (train_set.labels < 0).any():
        raise GanZooError(f"'{data}' has no class labels; a classifier needs them")
    test_set = load_dataset(data, "test", data_dir=data_dir, download=download, **data_options)
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
            xb = random_shift(x_all[idx], shift, g) if shift else x_all[idx]
            loss = nn.functional.cross_entropy(net(xb.to(dev)), y_all[idx].to(dev))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        if log is not None:
            log(epoch + 1, epochs, total / len(perm))
    acc = accuracy(net, test_set.to_float(), test_set.labels, dev)
    meta = {"arch": arch, "data": data, "shape": list(shape), "num_classes": train_set.num_classes,
            "kwargs": net_kwargs, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed, "shift": shift,
            "test_accuracy": acc, "n_train": len(x_all), "n_test": len(test_set), "train_seconds": time.time() - t0,
            "data_dir": str(Path(data_dir).expanduser().absolute()) if data_dir else None, "data_options": data_options}
    if save:
        label = data_label(data, data_dir)  # an image folder's own name, not "imagefolder"
        target = path or (classifier_path_under(out, label) if out is not None else default_classifier_path(label))
        path = save_classifier(net.cpu(), meta, Path(target).expanduser().absolute())
        meta["path"] = str(path)
    else:
        path = None
    return ClassifierExtractor(net.cpu(), meta, path), meta
