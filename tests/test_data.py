"""Data sets: real file formats written by hand (MNIST idx, CIFAR-10 pickles), toy densities, the batch stream."""
from __future__ import annotations

import gzip
import math
import pickle
import struct

import numpy as np
import pytest
import torch

from gan_zoo.data import BatchStream, data_info, load_dataset
from gan_zoo.registry import GanZooError

# ----- MNIST: idx files ---------------------------------------------------------------------------

def _idx_bytes(arr: np.ndarray) -> bytes:
    # LeCun's idx format: two zero bytes, type 0x08 (unsigned byte), number of dims, big-endian int32 dims.
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


def _write_mnist(root, split_prefix: str, images: np.ndarray, labels: np.ndarray, gz: bool):
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for stem, arr in ((f"{split_prefix}-images-idx3-ubyte", images), (f"{split_prefix}-labels-idx1-ubyte", labels)):
        data = _idx_bytes(arr)
        if gz:
            (raw / f"{stem}.gz").write_bytes(gzip.compress(data))
        else:
            (raw / stem).write_bytes(data)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_round_trip(tmp_path, gz):
    rng = np.random.default_rng(0)
    train_x = rng.integers(0, 256, size=(13, 28, 28), dtype=np.uint8)
    train_y = rng.integers(0, 10, size=13).astype(np.uint8)
    test_x = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    test_y = rng.integers(0, 10, size=5).astype(np.uint8)
    _write_mnist(tmp_path, "train", train_x, train_y, gz)
    _write_mnist(tmp_path, "t10k", test_x, test_y, gz)

    ds = load_dataset("mnist", "train", data_dir=str(tmp_path))
    assert ds.kind == "images" and ds.images.dtype == torch.uint8
    assert tuple(ds.images.shape) == (13, 1, 28, 28)
    assert np.array_equal(ds.images[:, 0].numpy(), train_x)
    assert np.array_equal(ds.labels.numpy(), train_y.astype(np.int64))
    info = data_info(ds)
    assert info.shape == (1, 28, 28) and info.num_classes == 10 and info.is_image

    test = load_dataset("mnist", "test", data_dir=str(tmp_path))
    assert np.array_equal(test.images[:, 0].numpy(), test_x)
    assert np.array_equal(test.labels.numpy(), test_y.astype(np.int64))
    # [-1, 1] exactly at the extremes of uint8.
    f = ds.to_float()
    assert torch.allclose(f, torch.from_numpy(train_x).float()[:, None] / 127.5 - 1)


def test_mnist_missing_files_names_them(tmp_path):
    with pytest.raises(GanZooError) as e:
        load_dataset("mnist", "train", data_dir=str(tmp_path))
    msg = str(e.value)
    assert "MNIST/raw" in msg and "images-idx3" in msg and str(tmp_path) in msg and "\n" not in msg


def test_mnist_truncated_file_is_a_clear_error(tmp_path):
    rng = np.random.default_rng(1)
    _write_mnist(tmp_path, "train", rng.integers(0, 256, size=(4, 28, 28)), np.arange(4), gz=False)
    p = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    p.write_bytes(p.read_bytes()[:-100])
    with pytest.raises(GanZooError, match="truncated"):
        load_dataset("mnist", "train", data_dir=str(tmp_path))


# ----- CIFAR-10: pickled batches ----------------------------------------------------------------

def _write_cifar(root, per_batch: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        # (N, 3072) uint8, channel-major rows (1024 red, 1024 green, 1024 blue), as the official batches.
        x = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
        y = [int(v) for v in rng.integers(0, 10, size=per_batch)]
        with open(folder / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"labels": y, b"data": x,
                         b"filenames": [b"x.png"] * per_batch}, f, protocol=2)
        written[name] = (x, y)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog",
                                      b"horse", b"ship", b"truck"], b"num_vis": 3072,
                     b"num_cases_per_batch": per_batch}, f, protocol=2)
    return written


def test_cifar10_pickle_round_trip(tmp_path):
    written = _write_cifar(tmp_path, per_batch=4)
    ds = load_dataset("cifar10", "train", data_dir=str(tmp_path))
    assert ds.images.dtype == torch.uint8 and tuple(ds.images.shape) == (20, 3, 32, 32)
    x = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)])
    y = sum((written[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    assert np.array_equal(ds.images.numpy(), x.reshape(-1, 3, 32, 32))
    assert ds.labels.tolist() == y
    # Channel-major: pixel (row 2, col 5) of the green plane is byte 1024 + 2*32 + 5 of the row.
    assert int(ds.images[7, 1, 2, 5]) == int(x[7, 1024 + 2 * 32 + 5])
    test = load_dataset("cifar10", "test", data_dir=str(tmp_path))
    assert np.array_equal(test.images.numpy(), written["test_batch"][0].reshape(-1, 3, 32, 32))
    assert test.labels.tolist() == written["test_batch"][1]
    assert data_info(ds).shape == (3, 32, 32)


def test_cifar10_missing_and_corrupt(tmp_path):
    with pytest.raises(GanZooError) as e:
        load_dataset("cifar10", "train", data_dir=str(tmp_path))
    assert "data_batch_1" in str(e.value) and "\n" not in str(e.value)
    _write_cifar(tmp_path, per_batch=2)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").write_bytes(b"not a pickle at all")
    with pytest.raises(GanZooError, match="data_batch_3"):
        load_dataset("cifar10", "train", data_dir=str(tmp_path))
    # The test split does not need the damaged training batch.
    assert len(load_dataset("cifar10", "test", data_dir=str(tmp_path))) == 2


# ----- digits (embedded) ------------------------------------------------------------------------

def test_digits_splits():
    train, test = load_dataset("digits", "train"), load_dataset("digits", "test")
    assert len(train) + len(test) == 1797 and len(test) == 360
    assert tuple(train.images.shape[1:]) == (1, 28, 28) and train.images.dtype == torch.uint8
    assert set(train.labels.tolist()) == set(range(10)) and set(test.labels.tolist()) == set(range(10))
    # Disjoint: no test image equals a training image with its label (the split is a permutation).
    tr = {(bytes(x.numpy().tobytes()), int(y)) for x, y in zip(train.images, train.labels)}
    dup = sum((bytes(x.numpy().tobytes()), int(y)) in tr for x, y in zip(test.images, test.labels))
    assert dup < 5  # a handful of sklearn digits are exact duplicates of each other
    assert int(train.images.max()) > 200 and int(train.images.min()) == 0
    with pytest.raises(GanZooError):
        load_dataset("digits", "validation")


def test_unknown_dataset():
    with pytest.raises(GanZooError, match="unknown dataset 'nope'"):
        load_dataset("nope")


# ----- toy sets -------------------------------------------------------------------------------

@pytest.mark.parametrize("name,lim", [("ring", 7.5), ("ring8", 1.1), ("grid25", 4.4)])
def test_log_prob_integrates_to_one(name, lim):
    ds = load_dataset(name)
    # A Riemann sum with spacing std/2 integrates a Gaussian to ~1e-30 (Poisson summation), so any
    # mismatch here is the density's normalisation, not the grid. lim leaves >= 7 std beyond every mode.
    n = int(math.ceil(2 * lim / (ds.std / 2))) + 1
    u = torch.linspace(-lim, lim, n, dtype=torch.float64)
    gx, gy = torch.meshgrid(u, u, indexing="ij")
    pts = torch.stack([gx.flatten(), gy.flatten()], 1)
    dens = ds.log_prob(pts).exp()
    cell = float(u[1] - u[0]) ** 2
    assert float(dens.sum()) * cell == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("name", ["ring", "ring8", "grid25"])
def test_sample_statistics_match_centres_and_std(name):
    ds = load_dataset(name)
    x, labels = ds.sample(20_000, torch.Generator().manual_seed(0))
    assert x.shape == (20_000, 2)
    k = len(ds.centers)
    counts = torch.bincount(labels, minlength=k).float()
    assert float((counts / len(x) - 1 / k).abs().max()) < 0.02  # equal weights
    for j in range(k):
        pts = x[labels == j]
        assert torch.allclose(pts.mean(0), ds.centers[j], atol=5 * ds.std / math.sqrt(len(pts)))
        assert float(pts.std(0).mean()) == pytest.approx(ds.std, rel=0.1)
    # Every point is nearest to its own centre (the modes are far apart relative to the std).
    nearest = torch.cdist(x, ds.centers).argmin(1)
    assert float((nearest == labels).float().mean()) > 0.999


def test_ring_geometry():
    ds = load_dataset("ring")
    assert torch.allclose(ds.centers.norm(dim=1), torch.full((6,), 5.0), atol=1e-5)
    assert ds.std ** 2 == pytest.approx(0.1)
    angles = torch.atan2(ds.centers[:, 1], ds.centers[:, 0]).sort().values
    assert torch.allclose(angles.diff(), torch.full((5,), 2 * math.pi / 6), atol=1e-5)


def test_log_prob_matches_scipy_mixture():
    from scipy.stats import multivariate_normal

    ds = load_dataset("ring")
    pts = torch.tensor([[5.0, 0.0], [0.0, 0.0], [2.5, 4.3], [-7.0, 1.0]], dtype=torch.float64)
    ref = np.log(np.mean([multivariate_normal(c.numpy(), ds.std**2 * np.eye(2)).pdf(pts.numpy())
                          for c in ds.centers.double()], axis=0))
    assert np.allclose(ds.log_prob(pts).numpy(), ref, rtol=1e-6)


def test_swissroll_has_no_density():
    ds = load_dataset("swissroll")
    x, _ = ds.sample(500, torch.Generator().manual_seed(0))
    assert x.shape == (500, 2) and ds.log_prob is None and torch.isfinite(x).all()


# ----- the batch stream -------------------------------------------------------------------------

def _take(stream, k):
    it = iter(stream)
    return [next(it) for _ in range(k)]


@pytest.mark.parametrize("name", ["ring", "digits"])
def test_stream_batch_depends_only_on_seed_rank_index(name):
    ds = load_dataset(name)
    full = _take(BatchStream(ds, 16, seed=3, rank=0), 130)  # digits: 1437 // 16 = 89 per epoch, so 2 epochs
    later = _take(BatchStream(ds, 16, seed=3, rank=0, start=100), 30)
    for a, b in zip(full[100:], later):
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    again = _take(BatchStream(ds, 16, seed=3, rank=0), 3)
    assert all(torch.equal(a[0], b[0]) for a, b in zip(full, again))
    other_rank = _take(BatchStream(ds, 16, seed=3, rank=1), 3)
    other_seed = _take(BatchStream(ds, 16, seed=4, rank=0), 3)
    assert not any(torch.equal(a[0], b[0]) for a, b in zip(full, other_rank))
    assert not any(torch.equal(a[0], b[0]) for a, b in zip(full, other_seed))
    x, y = full[0]
    assert x.shape[0] == 16 and y.shape == (16,)
    if name == "digits":
        assert x.shape == (16, 1, 28, 28) and float(x.min()) >= -1 and float(x.max()) <= 1
        # Within one epoch no image repeats: a permutation is walked.
        epoch = torch.cat([b[0] for b in full[:89]]).flatten(1)
        assert len(torch.unique(epoch, dim=0)) >= 89 * 16 - 10  # sklearn digits hold a few exact duplicates


def test_stream_rejects_batch_larger_than_set(tmp_path):
    rng = np.random.default_rng(0)
    _write_mnist(tmp_path, "train", rng.integers(0, 256, size=(3, 28, 28)), np.arange(3), gz=False)
    ds = load_dataset("mnist", data_dir=str(tmp_path))
    with pytest.raises(GanZooError, match="fewer than the batch size"):
        BatchStream(ds, 8, seed=0)
