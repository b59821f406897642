"""The one LightningDataModule: an endless, seeded stream of batches from any registered data set.

Batch k of rank r is a pure function of (seed, r, k), so a resumed run continues exactly: the stream
starts at the batch the restored module says it has seen (no data-loader state to save). Toy sets
sample fresh points per batch; image sets walk a seeded permutation per epoch. Small image sets are
held on the training device as uint8 and gathered per batch, so no worker copies them.
"""
from __future__ import annotations

import lightning as L
import torch
from torch.utils.data import IterableDataset

from ..registry import GanZooError, dataset_entry
from .info import DataInfo


def load_dataset(name: str, split: str = "train", data_dir: str | None = None, download: bool = False, **kw):
    entry = dataset_entry(name)
    if split not in ("train", "test"):
        raise GanZooError(f"unknown split '{split}' (train or test)")
    return entry.factory(split=split, data_dir=data_dir, download=download, **kw)


def data_info(dataset) -> DataInfo:
    if dataset.kind == "points":
        return DataInfo(dataset.name, "points", (2,), dataset.num_classes)
    return DataInfo(dataset.name, "images", tuple(dataset.shape), dataset.num_classes)


def mix_seed(*xs: int) -> int:
    """A seed from several integers (splitmix-style), so streams of different ranks never overlap."""
    h = 0x9E3779B97F4A7C15
    for x in xs:
        h = (h ^ (x + 0x9E3779B97F4A7C15 + (h << 6) + (h >> 2))) & 0xFFFFFFFFFFFFFFFF
    return h & 0x7FFFFFFFFFFFFFFF


class BatchStream(IterableDataset):
    """Endless batches (x, y) starting at batch index ``start``; batch k depends only on (seed, rank, k)."""

    def __init__(self, dataset, batch_size: int, seed: int, rank: int = 0, start: int = 0, device=None):
        self.dataset, self.batch_size, self.seed, self.rank, self.start = dataset, batch_size, seed, rank, start
        self.device = device
        if dataset.kind == "images":
            n = len(dataset)
            if n < batch_size:
                raise GanZooError(f"{dataset.name}: {n} images, fewer than the batch size {batch_size}")
            self.images = dataset.images.to(device) if device is not None else dataset.images
            self.labels = dataset.labels.to(self.images.device)

    def __iter__(self):
        k = self.start
        if self.dataset.kind == "points":
            g = torch.Generator()  # one generator, re-seeded per batch (creating one per batch costs more)
            while True:
                yield self.dataset.sample(self.batch_size, g.manual_seed(mix_seed(self.seed, self.rank, k)))
                k += 1
        n = len(self.images)
        per_epoch = n // self.batch_size  # drop the ragged last batch, as the papers' loaders do
        epoch, perm = None, None
        while True:
            e, j = divmod(k, per_epoch)
            if e != epoch:
                g = torch.Generator().manual_seed(mix_seed(self.seed, self.rank, e))
                perm, epoch = torch.randperm(n, generator=g).to(self.images.device), e
            idx = perm[j * self.batch_size:(j + 1) * self.batch_size]
            x = self.images[idx].float().div_(127.5).sub_(1.0)
            yield x, self.labels[idx]
            k += 1


class GanDataModule(L.LightningDataModule):
    def __init__(self, name: str, batch_size: int = 64, seed: int = 0, data_dir: str | None = None,
                 download: bool = False, on_device: bool = True, **dataset_kwargs):
        super().__init__()
        self.name, self.batch_size, self.seed = name, batch_size, seed
        self.on_device = on_device
        # Load now, not lazily: a missing file is reported before any training machinery starts.
        self.dataset = load_dataset(name, "train", data_dir, download, **dataset_kwargs)
        self.info = data_info(self.dataset)
        self._data_dir, self._download, self._kw = data_dir, download, dataset_kwargs

    def test_dataset(self):
        return load_dataset(self.name, "test", self._data_dir, self._download, **self._kw)

    def train_dataloader(self):
        trainer = self.trainer
        module = trainer.lightning_module if trainer is not None else None
        start = int(getattr(module, "batches_seen", 0))  # restored from the checkpoint before this call
        rank = trainer.global_rank if trainer is not None else 0
        device = None
        if self.on_device and self.info.is_image and trainer is not None:
            device = trainer.strategy.root_device
        # The stream itself, not a DataLoader around it: batches are already made (and, for images, on the
        # device), so a loader would only add per-batch work. Nor does iterating it draw from the global
        # RNG (a DataLoader iterator does), so a resumed run, which starts one more iterator, cannot drift.
        return BatchStream(self.dataset, self.batch_size, self.seed, rank, start, device)
