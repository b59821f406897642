"""Thin layer over the functional core: each ``evaluate_*`` takes samples (a tensor, as read by
``gan_zoo.io.read_samples``) plus what the manifest says, and returns a dict with the value, its
direction and its full protocol (extractor, weights, sample count, splits, reference split), so every
printed or saved number says how it was computed.
"""
from __future__ import annotations

import math

import torch

from ..registry import GanZooError
from . import functional as F
from .extractors import embed, get_extractor
from .functional.inception_score import IS_SPLITS, IS_STD
from .functional.w1 import EXACT_MAX_N

DDM_DEFAULT_SEED = 0


def _image_data(data: str | None, data_dir=None):
    from ..data import load_dataset

    if data is None:
        raise GanZooError("no dataset: the folder has no manifest naming one; pass --data")
    test = load_dataset(data, "test", data_dir=data_dir)
    if test.kind != "images":
        raise GanZooError(f"'{data}' is a point set; this metric is for images")
    return test


def _check_images(x: torch.Tensor, need: int, metric: str) -> None:
    if x.dim() != 4:
        raise GanZooError(f"{metric} needs images; the folder holds points of shape {tuple(x.shape)}")
    if len(x) < need:
        raise GanZooError(f"{metric} needs at least {need} samples, the folder has {len(x)}")


def _check_shape(x: torch.Tensor, real: torch.Tensor, data: str) -> None:
    if tuple(x.shape[2:]) != tuple(real.shape[2:]):
        raise GanZooError(f"samples are {x.shape[2]}x{x.shape[3]} but '{data}' images are "
                          f"{real.shape[2]}x{real.shape[3]}")


def _result(metric: str, value: float, better: str, protocol: dict, **extra) -> dict:
    return {"metric": metric, "value": value, "better": better, "protocol": protocol, **extra}


def _progress(label: str | None, what: str) -> str | None:
    return f"{label}: {what}" if label else None


def evaluate_is(samples: torch.Tensor, data: str | None, extractor: str = "inception", classifier=None,
                splits: int = IS_SPLITS, reference: bool = True, device=None,
                progress: str | None = None) -> dict:
    _check_images(samples, max(splits, 2), "the Inception Score")
    ext = get_extractor(extractor, data, classifier, device=device)
    logits = embed(ext, samples, device=device, progress=_progress(progress, "embedding samples"))["logits"]
    # The one IS implementation (the training callback calls it too): Salimans et al.'s ordered splits.
    mean, std = F.inception_score(logits, splits)
    protocol = {**ext.protocol, "n_samples": len(samples), "splits": splits, "data": data, "std": IS_STD,
                "splits_order": "consecutive, in the folder's order (Salimans et al.'s code)"}
    out = _result("is", mean, "higher", protocol, std=std)
    if reference and data is not None:
        test = _image_data(data)
        n = min(len(test), len(samples))
        real = test.to_float(torch.arange(n))
        rl = embed(ext, real, device=device, progress=_progress(progress, "embedding the test split"))["logits"]
        rm, rs = F.inception_score(rl, min(splits, n))
        out["reference"] = {"name": f"{data} test split", "n_samples": n, "value": rm, "std": rs}
    return out


def _embed_split(ext, data: str, split: str, n: int | None, seed: int, device, progress):
    from ..data import load_dataset

    ds = load_dataset(data, split)
    idx = torch.arange(len(ds)) if n is None or n >= len(ds) else \
        torch.randperm(len(ds), generator=torch.Generator().manual_seed(seed))[:n]
    return embed(ext, ds.to_float(idx), device=device, progress=_progress(progress, f"embedding {split} split"))["logits"]


def evaluate_ddm(samples: torch.Tensor, data: str | None, classifier=None, squared: bool = False,
                 form: str = "3.4", reference: bool = True, device=None, progress: str | None = None,
                 seed: int = DDM_DEFAULT_SEED) -> dict:
    """DDM (Basart 2017 eq. 3.4, or 3.5) on classifier logits; T = the test split; reference row =
    the same measure for an equally sized random subset of the training split (Table 3.1 "Training Set")."""
    _check_images(samples, 1, "DDM")
    if form not in ("3.4", "3.5"):
        raise GanZooError(f"unknown DDM form '{form}' (3.4 or 3.5)")
    test = _image_data(data)
    _check_shape(samples, test.images, data)
    ext = get_extractor("classifier", data, classifier, device=device)
    g = embed(ext, samples, device=device, progress=_progress(progress, "embedding samples"))["logits"]
    t = _embed_split(ext, data, "test", None, seed, device, progress)
    need_train = reference or form == "3.5"
    tr = _embed_split(ext, data, "train", None, seed, device, progress) if need_train else None
    dev = device

    def value(gen):
        if form == "3.4":
            return F.ddm(t, gen, squared=squared, device=dev)
        return F.ddm_relative(tr, t, gen, squared=squared, device=dev)

    protocol = {**ext.protocol, "equation": f"Basart 2017 eq. {form}",
                "distance": "squared Euclidean" if squared else "Euclidean", "embedding": "classifier logits",
                "n_samples": len(samples), "reference_split": f"{data} test ({len(t)} images)", "data": data}
    if form == "3.5":
        protocol["R"] = f"{data} train ({len(tr)} images)"
    out = _result("ddm", value(g), "lower", protocol)
    if reference:
        n = min(len(samples), len(tr))
        idx = torch.randperm(len(tr), generator=torch.Generator().manual_seed(seed))[:n]
        out["reference"] = {"name": "Training Set", "n_samples": n, "value": value(tr[idx]),
                            "note": f"random subset of the {data} train split, same size as the samples"
                                    + ("" if n == len(samples) else " (the whole split: it is smaller)")}
    return out


def _features_pair(samples, data, extractor, classifier, device, progress):
    test = _image_data(data)
    _check_shape(samples, test.images, data) if extractor == "classifier" else None
    ext = get_extractor(extractor, data, classifier, device=device)
    a = embed(ext, samples, device=device, progress=_progress(progress, "embedding samples"))["features"]
    b = embed(ext, test.to_float(), device=device, progress=_progress(progress, "embedding test split"))["features"]
    return ext, a, b, len(test)


def _features_and_ref(samples, data, extractor, classifier, device, progress, ref, need_features):
    """Sample features and reference statistics read from ``ref`` (a ``ganzoo stats`` / pytorch-fid .npz)."""
    from .reference import check_reference, describe, load_reference

    r = load_reference(ref)
    data = data or (r["protocol"] or {}).get("data")
    ext = get_extractor(extractor, data, classifier, device=device)
    a = embed(ext, samples, device=device, progress=_progress(progress, "embedding samples"))["features"]
    check_reference(r, ext.protocol, a.shape[1], need_features)
    return ext, a, r, describe(r)


def evaluate_fid(samples, data, extractor="inception", classifier=None, device=None, progress=None,
                 ref=None) -> dict:
    """FID to the test split's features, or to reference statistics ``ref`` (the same number for the same split)."""
    from .functional.fid import frechet_distance_stats, mean_cov

    _check_images(samples, 2, "FID")
    if ref is not None:
        ext, a, r, where = _features_and_ref(samples, data, extractor, classifier, device, progress, ref, False)
        value = frechet_distance_stats(*mean_cov(a), r["mu"], r["sigma"])
    else:
        ext, a, b, nt = _features_pair(samples, data, extractor, classifier, device, progress)
        value, where = F.frechet_distance(a, b), f"{data} test ({nt} images)"
    protocol = {**ext.protocol, "n_samples": len(samples), "reference_split": where,
                "data": data, "implementation": "gan_zoo.metrics.functional.frechet_distance (float64)"}
    return _result("fid", value, "lower", protocol)


def evaluate_kid(samples, data, extractor="inception", classifier=None, subsets=None, subset_size=None,
                 device=None, progress=None, ref=None) -> dict:
    from .functional.fid import KID_SUBSET_SIZE, KID_SUBSETS

    _check_images(samples, 2, "KID")
    if ref is not None:  # the features stored by ganzoo stats
        ext, a, r, where = _features_and_ref(samples, data, extractor, classifier, device, progress, ref, True)
        b = r["features"]
    else:
        ext, a, b, nt = _features_pair(samples, data, extractor, classifier, device, progress)
        where = f"{data} test ({nt} images)"
    subsets = subsets or KID_SUBSETS
    m = min(subset_size or KID_SUBSET_SIZE, len(a), len(b))
    mean, std = F.kernel_inception_distance(a, b, subsets, m)
    protocol = {**ext.protocol, "n_samples": len(samples), "subsets": subsets, "subset_size": m,
                "kernel": "(x.y/d + 1)^3", "reference_split": where, "data": data}
    return _result("kid", mean, "lower", protocol, std=std)


# ------------------------------------------------------------------------------------------------ points
def _point_data(data: str | None):
    from ..data import load_dataset

    if data is None:
        raise GanZooError("no dataset: the folder has no manifest naming one; pass --data")
    ds = load_dataset(data, "train")
    if ds.kind != "points":
        raise GanZooError(f"'{data}' is an image set; this metric is for point sets")
    return ds


def _check_points(x: torch.Tensor, metric: str, need: int = 1) -> None:
    if x.dim() != 2:
        raise GanZooError(f"{metric} needs points; the folder holds images of shape {tuple(x.shape)}")
    if len(x) < need:
        raise GanZooError(f"{metric} needs at least {need} samples, the folder has {len(x)}")


def evaluate_w1(samples, data, method: str = "auto", n_ref: int | None = None, seed: int = 0) -> dict:
    _check_points(samples, "W1")
    ds = _point_data(data)
    n = n_ref or len(samples)
    g = torch.Generator().manual_seed(seed)
    real, _ = ds.sample(n, g)
    ref, _ = ds.sample(n, g)
    if method == "auto":
        method = "exact" if max(n, len(samples)) <= EXACT_MAX_N else "sinkhorn"
    protocol = {"n_samples": len(samples), "n_data": n, "data": data, "seed": seed,
                "solver": "POT ot.emd2 (exact)" if method == "exact" else "POT log-domain Sinkhorn (approx.)"}
    out = _result("w1", F.w1(samples, real, method), "lower", protocol)
    out["reference"] = {"name": "data vs data (finite-sample floor)", "n_samples": n, "value": F.w1(ref, real, method)}
    return out


def evaluate_modes(samples, data, n_sigma: float = 3.0) -> dict:
    _check_points(samples, "mode coverage")
    ds = _point_data(data)
    centers, std = getattr(ds, "centers", None), getattr(ds, "std", None)
    if centers is None or std is None:
        raise GanZooError(f"'{data}' is not a Gaussian mixture; mode coverage needs mixture centers")
    r = F.mode_coverage(samples, centers, std, n_sigma)
    protocol = {"definition": "VEEGAN (Srivastava et al. 2017) §5.1: HQ = within n_sigma std of the nearest mean",
                "n_sigma": n_sigma, "std": float(std), "n_modes": len(centers), "n_samples": len(samples),
                "data": data}
    return _result("modes", r["modes"], "higher", protocol, hq_fraction=r["hq_fraction"],
                   per_mode=[int(v) for v in r["per_mode"]])


# Images: the seed of the fixed dequantisation noise (benchmarks/reproduce_gong.py image_nll uses the same).
NLL_DEQUANT_SEED = 777


@torch.no_grad()
def evaluate_nll(method, data: str | None, n: int = 10_000, seed: int = 0, batch: int = 1000) -> dict:
    """Exact NLL of held-out data under a model with ``log_prob``.

    Points: nats per point on points drawn from the data distribution (seeded). Images (the test split):
    the 8-bit images dequantised as in training (x01 = (x255 + U(0, 1)) / 256, fixed noise), scored by the
    model on our [-1, 1] and reported in nats per image on [0, 1] pixels, the thesis's and NICE's unit
    (NLL_[0,1] = NLL_[-1,1] - D log 2, the Jacobian of x -> (x + 1) / 2), with bits per dimension on the
    standard 8-bit scale, 8 + NLL_[0,1] / (D log 2) (FLG-C model.py; [P8]).
    """
    from ..data import load_dataset

    if not getattr(method, "has_log_prob", False):
        raise GanZooError(f"'{getattr(method, 'method_name', type(method).__name__)}' has no exact likelihood "
                          "(log_prob); NLL applies to flows")
    data = data or method.data_info.name
    image = method.data_info.is_image
    if image:
        from ..nets.flows import dequantize

        test = load_dataset(data, "test")
        x = test.to_float(torch.arange(min(n, len(test))))
        ref = f"{data} test split"
        g = torch.Generator().manual_seed(NLL_DEQUANT_SEED)
        prep = lambda t: dequantize(t, g)  # noqa: E731 (in order, one generator: the same noise every time)
    else:
        x, _ = load_dataset(data, "train").sample(n, torch.Generator().manual_seed(seed))
        ref = f"{n} fresh samples of {data} (seed {seed})"
        prep = lambda t: t  # noqa: E731
    lp = torch.cat([method.log_prob(prep(x[i:i + batch]).to(method.device)).double().cpu()
                    for i in range(0, len(x), batch)])
    dims = int(x[0].numel())
    nll = float(-lp.mean())
    if image:
        nll -= dims * math.log(2)  # density on [0, 1] pixels
        unit = "nats per image ([0, 1] pixels, dequantised)"
        bpd = 8.0 + nll / (dims * math.log(2))
    else:
        unit = "nats per point"
        bpd = nll / (dims * math.log(2))
    protocol = {"reference_split": ref, "n": len(x), "dims": dims, "units": unit,
                "bits_per_dim": "8-bit scale: 8 + NLL / (D log 2)" if image else "NLL / (D log 2)",
                "checkpoint": getattr(method, "checkpoint_path", None)}
    if image:
        protocol["dequantisation"] = f"x01 = (x255 + U(0, 1)) / 256, noise seed {NLL_DEQUANT_SEED}"
    return _result("nll", nll, "lower", protocol, bits_per_dim=bpd, unit=unit)
