"""Reference statistics computed once: ``ganzoo stats`` writes them, ``ganzoo eval fid|kid --ref`` reads them.

The file is an ``.npz`` in pytorch-fid's layout (mseitzer/pytorch-fid, ``fid_score.py``: arrays ``mu``
(D,) and ``sigma`` (D, D), the mean and covariance of the reference features), plus, when we write it,
``features`` (N, D) for KID and ``protocol`` (a JSON string: extractor, weights, data, split, count). A
file computed elsewhere with only ``mu`` and ``sigma`` is accepted for FID (its feature size must match
the extractor's); one whose protocol names another extractor, or whose feature size differs, is refused.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ..registry import GanZooError
from .functional.fid import mean_cov


def compute_reference(data: str, extractor: str = "inception", split: str = "train", classifier=None,
                      n: int | None = None, seed: int = 0, device=None, progress: str | None = None,
                      data_dir=None, inception_weights=None) -> dict:
    """Features of ``data``'s ``split`` (all of it, or ``n`` images chosen with ``seed``), their mean and covariance."""
    from ..data import load_dataset
    from .extractors import embed, get_extractor

    ds = load_dataset(data, split, data_dir=data_dir)
    if ds.kind != "images":
        raise GanZooError(f"'{data}' is a point set; reference statistics are for image features")
    if n is not None and n < 2:
        raise GanZooError(f"--n must be at least 2, got {n}")
    idx = torch.arange(len(ds)) if n is None or n >= len(ds) else \
        torch.randperm(len(ds), generator=torch.Generator().manual_seed(seed))[:n]
    ext = get_extractor(extractor, data, classifier, inception_weights, device=device)
    feats = embed(ext, ds.to_float(idx), device=device, progress=progress)["features"]
    mu, sigma = mean_cov(feats)
    protocol = {**ext.protocol, "data": data, "split": split, "n": len(idx), "feature_dim": int(feats.shape[1]),
                "selection": "the whole split" if len(idx) == len(ds) else f"{len(idx)} random images, seed {seed}",
                "covariance": "unbiased (N - 1), float64, as numpy.cov in pytorch-fid"}
    return {"mu": mu, "sigma": sigma, "features": feats, "protocol": protocol}


def save_reference(path: str | Path, ref: dict) -> Path:
    path = Path(path)
    if path.suffix != ".npz":
        raise GanZooError(f"--out {path}: reference statistics are written as .npz (pytorch-fid's layout)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, mu=ref["mu"].numpy(), sigma=ref["sigma"].numpy(), features=ref["features"].numpy(),
             protocol=np.array(json.dumps(ref["protocol"])))
    tmp.replace(path)
    return path


def load_reference(path: str | Path) -> dict:
    """``mu``, ``sigma`` (float64 tensors), ``features`` (or None) and ``protocol`` (or None: a foreign file)."""
    path = Path(path)
    if not path.is_file():
        raise GanZooError(f"reference statistics {path} do not exist (make them: ganzoo stats --data D --out {path})")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as e:  # zip, pickle and format errors all mean the same to a user
        raise GanZooError(f"{path} is not an .npz of reference statistics ({type(e).__name__})") from None
    if "mu" not in arrays or "sigma" not in arrays:
        raise GanZooError(f"{path} has no 'mu' and 'sigma' arrays (pytorch-fid's layout); it has: "
                          f"{', '.join(arrays) or 'nothing'}")
    mu, sigma = arrays["mu"], arrays["sigma"]
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]):
        raise GanZooError(f"{path}: mu must be (D,) and sigma (D, D); got {mu.shape} and {sigma.shape}")
    protocol = json.loads(str(arrays["protocol"])) if "protocol" in arrays else None
    feats = torch.from_numpy(arrays["features"]) if "features" in arrays else None
    return {"mu": torch.from_numpy(mu).double(), "sigma": torch.from_numpy(sigma).double(), "features": feats,
            "protocol": protocol, "path": str(path)}


def check_reference(ref: dict, ext_protocol: dict, feature_dim: int, need_features: bool = False) -> None:
    """Refuse, in one line, statistics of another extractor or another feature size."""
    path, proto = ref["path"], ref["protocol"]
    if proto is not None and proto.get("extractor") != ext_protocol.get("extractor"):
        raise GanZooError(f"{path} was computed with '{proto.get('extractor')}', not '{ext_protocol.get('extractor')}'"
                          "; use the same --extractor (and --classifier) or make new statistics with ganzoo stats")
    d = ref["mu"].shape[0]
    if d != feature_dim:
        raise GanZooError(f"{path} holds {d}-d statistics but the {ext_protocol.get('extractor')} features are "
                          f"{feature_dim}-d; they cannot be compared")
    if need_features and ref["features"] is None:
        raise GanZooError(f"{path} holds only mu and sigma (pytorch-fid's layout); KID needs the features: "
                          "make the file with ganzoo stats")


def describe(ref: dict) -> str:
    p = ref["protocol"]
    if p is None:
        return f"{ref['path']} (mu/sigma from elsewhere, {ref['mu'].shape[0]}-d)"
    return f"{ref['path']} ({p.get('data')} {p.get('split')} split, {p.get('n')} images)"
