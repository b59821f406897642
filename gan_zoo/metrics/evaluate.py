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


def _image_data(data: str | None, data_kwargs: dict | None = None, split: str = "test"):
    from ..data import load_dataset

    if data is None:
        raise GanZooError("no dataset: the folder has no manifest naming one; pass --data")
    ds = load_dataset(data, split, **(data_kwargs or {}))
    if ds.kind != "images":
        raise GanZooError(f"'{data}' is a point set; this metric is for images")
    return ds


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


def train_subset(n_train: int, n: int, seed: int = DDM_DEFAULT_SEED) -> torch.Tensor:
    """The reference rows' images: ``n`` of the training split, a seeded permutation's first ``n`` (the same
    images for FID, KID and DDM, so their "Training Set" rows are read on one set)."""
    return torch.randperm(n_train, generator=torch.Generator().manual_seed(seed))[:n]


class Embeddings:
    """Each image set through each extractor once, cached.

    ``ganzoo eval --metrics fid,kid,is,ddm`` hands one of these to every metric, so the samples, the test
    split and the training subset are embedded once per extractor and each metric reads the same features
    (torch-fidelity's convention: one feature pass, several metrics; Inception-v3 gives the pool3 features
    for FID/KID and the logits for IS in the same forward pass). A single-metric call makes its own.
    ``passes`` lists what was embedded, (extractor, image set), in order.
    """

    def __init__(self, data: str | None = None, data_kwargs: dict | None = None, classifier=None,
                 inception_weights=None, device=None, progress: str | None = None):
        self.data, self.data_kwargs = data, dict(data_kwargs or {})
        self.classifier, self.inception_weights, self.device, self.progress = (classifier, inception_weights,
                                                                               device, progress)
        self._ext: dict = {}
        self._sets: dict = {}
        self._cache: dict = {}
        self.passes: list[tuple[str, str]] = []

    def extractor(self, kind: str):
        if kind not in self._ext:
            from ..registry import data_label

            label = data_label(self.data, self.data_kwargs.get("data_dir")) if self.data else None
            self._ext[kind] = get_extractor(kind, label, self.classifier, self.inception_weights, device=self.device)
        return self._ext[kind]

    def dataset(self, split: str):
        if split not in self._sets:
            self._sets[split] = _image_data(self.data, self.data_kwargs, split)
        return self._sets[split]

    def _embed(self, kind: str, x, what: str) -> dict:
        self.passes.append((kind, what))
        return embed(self.extractor(kind), x, device=self.device, progress=_progress(self.progress, f"embedding {what}"))

    def samples(self, kind: str, x) -> dict:
        key = (kind, "samples")
        if key not in self._cache:
            self._cache[key] = self._embed(kind, x, "samples")
        return self._cache[key]

    def split(self, kind: str, split: str, idx: torch.Tensor | None = None) -> dict:
        """Features of the whole split, or of rows ``idx`` (read from the whole split's when that is cached)."""
        full = self._cache.get((kind, split, None))
        if idx is None:
            if full is None:
                ds = self.dataset(split)
                full = self._cache[(kind, split, None)] = self._embed(kind, ds.to_float(), f"the {split} split")
            return full
        if full is not None:
            return {k: v[idx] for k, v in full.items()}
        key = (kind, split, tuple(idx.tolist()))
        if key not in self._cache:
            ds = self.dataset(split)
            self._cache[key] = self._embed(kind, ds.to_float(idx), f"{len(idx)} images of the {split} split")
        return self._cache[key]


def _embeddings(emb: Embeddings | None, data, data_kwargs, classifier, inception_weights, device, progress):
    return emb if emb is not None else Embeddings(data, data_kwargs, classifier, inception_weights, device, progress)


def evaluate_is(samples: torch.Tensor, data: str | None, extractor: str = "inception", classifier=None,
                splits: int = IS_SPLITS, reference: bool = True, device=None,
                progress: str | None = None, inception_weights=None, data_kwargs: dict | None = None,
                emb: Embeddings | None = None) -> dict:
    _check_images(samples, max(splits, 2), "the Inception Score")
    emb = _embeddings(emb, data, data_kwargs, classifier, inception_weights, device, progress)
    ext = emb.extractor(extractor)
    logits = emb.samples(extractor, samples)["logits"]
    # The one IS implementation (the training callback calls it too): Salimans et al.'s ordered splits.
    mean, std = F.inception_score(logits, splits)
    protocol = {**ext.protocol, "n_samples": len(samples), "splits": splits, "data": data, "std": IS_STD,
                "splits_order": "consecutive, in the folder's order (Salimans et al.'s code)"}
    out = _result("is", mean, "higher", protocol, std=std)
    if reference and data is not None:
        n = min(len(emb.dataset("test")), len(samples))
        rl = emb.split(extractor, "test", torch.arange(n))["logits"]
        rm, rs = F.inception_score(rl, min(splits, n))
        out["reference"] = {"name": f"{data} test split", "n_samples": n, "value": rm, "std": rs}
    return out


def evaluate_ddm(samples: torch.Tensor, data: str | None, classifier=None, squared: bool = False,
                 form: str = "3.4", reference: bool = True, device=None, progress: str | None = None,
                 seed: int = DDM_DEFAULT_SEED, data_kwargs: dict | None = None, emb: Embeddings | None = None) -> dict:
    """DDM (Basart 2017 eq. 3.4, or 3.5) on classifier logits; T = the test split; reference row =
    the same measure for an equally sized random subset of the training split (Table 3.1 "Training Set")."""
    _check_images(samples, 1, "DDM")
    if form not in ("3.4", "3.5"):
        raise GanZooError(f"unknown DDM form '{form}' (3.4 or 3.5)")
    emb = _embeddings(emb, data, data_kwargs, classifier, None, device, progress)
    test = emb.dataset("test")
    _check_shape(samples, test.images, data)
    ext = emb.extractor("classifier")
    g = emb.samples("classifier", samples)["logits"]
    t = emb.split("classifier", "test")["logits"]
    tr = emb.split("classifier", "train")["logits"] if form == "3.5" else None
    n_train = len(emb.dataset("train")) if (reference or form == "3.5") else 0
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
        n = min(len(samples), n_train)
        sub = emb.split("classifier", "train", train_subset(n_train, n, seed))["logits"]
        out["reference"] = {"name": "Training Set", "n_samples": n, "value": value(sub),
                            "note": f"random subset of the {data} train split, same size as the samples"
                                    + ("" if n == len(samples) else " (the whole split: it is smaller)")}
    return out


def _reference_split(ref_protocol: dict | None) -> str:
    """The split a reference row compares with ``--ref`` statistics: the one they were not computed on."""
    return "test" if (ref_protocol or {}).get("split") == "train" else "train"


def _distance_setup(samples, data, extractor, emb: Embeddings, ref):
    """Sample features and what they are compared with: the test split's features, or ``ref``'s statistics
    (a ``ganzoo stats`` / pytorch-fid .npz). Returns (ext, sample features, reference, description)."""
    from .reference import check_reference, describe, load_reference

    if ref is not None:
        r = load_reference(ref)
        if emb.data is None:
            emb.data = (r["protocol"] or {}).get("data")
        ext = emb.extractor(extractor)
        a = emb.samples(extractor, samples)["features"]
        check_reference(r, ext.protocol, a.shape[1], False)
        return ext, a, r, describe(r)
    test = emb.dataset("test")
    if extractor == "classifier":
        _check_shape(samples, test.images, data)
    ext = emb.extractor(extractor)
    a = emb.samples(extractor, samples)["features"]
    return ext, a, emb.split(extractor, "test")["features"], f"{emb.data} test ({len(test)} images)"


def _reference_row(emb: Embeddings, extractor: str, n_samples: int, ref, score, seed: int) -> dict | None:
    """The same distance for real images: an equally sized seeded subset of the training split against the
    test split (or, with ``--ref`` statistics, the split they were not computed on against them); what a
    perfect generator would score at this sample count, on the same extractor."""
    if emb.data is None:
        return None
    split = "train" if ref is None else _reference_split(ref["protocol"])
    n_split = len(emb.dataset(split))
    n = min(n_samples, n_split)
    if n < 2:
        return None
    idx = train_subset(n_split, n, seed) if split == "train" else torch.arange(n)
    feats = emb.split(extractor, split, idx)["features"]
    against = "the test split" if ref is None else "the --ref statistics"
    row = {"name": f"{emb.data} {split} split vs {against}", "n_samples": n,
           "note": (f"seeded random subset (seed {seed}) of the {split} split, " if split == "train" else
                    f"the first {n} images of the {split} split, ") + "as many as the samples"
                   + ("" if n == n_samples else " (the whole split: it is smaller)")}
    row.update(score(feats))
    return row


def evaluate_fid(samples, data, extractor="inception", classifier=None, device=None, progress=None,
                 ref=None, reference: bool = True, inception_weights=None, data_kwargs: dict | None = None,
                 emb: Embeddings | None = None, seed: int = DDM_DEFAULT_SEED) -> dict:
    """FID to the test split's features, or to reference statistics ``ref`` (the same number for the same
    split); the reference row is real training images against the same (see ``_reference_row``)."""
    from .functional.fid import frechet_distance_stats, mean_cov

    _check_images(samples, 2, "FID")
    emb = _embeddings(emb, data, data_kwargs, classifier, inception_weights, device, progress)
    ext, a, b, where = _distance_setup(samples, data, extractor, emb, ref)
    ref_stats = b if ref is not None else None
    if ref_stats is not None:
        def fid(f):
            return frechet_distance_stats(*mean_cov(f), ref_stats["mu"], ref_stats["sigma"])
    else:
        def fid(f):
            return F.frechet_distance(f, b)
    protocol = {**ext.protocol, "n_samples": len(samples), "reference_split": where,
                "data": emb.data, "implementation": "gan_zoo.metrics.functional.frechet_distance (float64)"}
    out = _result("fid", fid(a), "lower", protocol)
    if reference:
        row = _reference_row(emb, extractor, len(samples), ref_stats, lambda f: {"value": fid(f)}, seed)
        if row is not None:
            out["reference"] = row
    return out


def evaluate_kid(samples, data, extractor="inception", classifier=None, subsets=None, subset_size=None,
                 device=None, progress=None, ref=None, reference: bool = True, inception_weights=None,
                 data_kwargs: dict | None = None, emb: Embeddings | None = None, seed: int = DDM_DEFAULT_SEED) -> dict:
    from .functional.fid import KID_SUBSET_SIZE, KID_SUBSETS

    _check_images(samples, 2, "KID")
    emb = _embeddings(emb, data, data_kwargs, classifier, inception_weights, device, progress)
    ext, a, b, where = _distance_setup(samples, data, extractor, emb, ref)
    ref_stats = None
    if ref is not None:  # the features stored by ganzoo stats
        ref_stats = b
        from .reference import check_reference

        check_reference(b, ext.protocol, a.shape[1], True)
        b = b["features"]
    subsets = subsets or KID_SUBSETS
    size = subset_size or KID_SUBSET_SIZE
    m = min(size, len(a), len(b))

    def kid(f):
        mean, std = F.kernel_inception_distance(f, b, subsets, min(size, len(f), len(b)))
        return {"value": mean, "std": std}

    k = kid(a)
    protocol = {**ext.protocol, "n_samples": len(samples), "subsets": subsets, "subset_size": m,
                "kernel": "(x.y/d + 1)^3", "reference_split": where, "data": emb.data}
    out = _result("kid", k["value"], "lower", protocol, std=k["std"])
    if reference:
        row = _reference_row(emb, extractor, len(samples), ref_stats, kid, seed)
        if row is not None:
            out["reference"] = row
    return out


IMAGE_METRICS = ("fid", "kid", "is", "ddm")


def evaluate_many(metrics: list[str], samples, data, extractor: str = "inception", classifier=None,
                  inception_weights=None, device=None, progress: str | None = None, data_kwargs=None,
                  options: dict | None = None) -> tuple[list[dict], Embeddings]:
    """Several image metrics from one embedding pass per (extractor, image set): ``ganzoo eval --metrics``.

    Each metric is the single-metric function with a shared ``Embeddings``, so its number is the one its own
    command prints. ``options``: per-metric keyword arguments (e.g. ``{"kid": {"subsets": 10}}``). DDM always
    embeds with the dataset classifier (its definition), so with ``--extractor inception`` it is a second pass.
    """
    unknown = [m for m in metrics if m not in IMAGE_METRICS]
    if unknown or not metrics:
        raise GanZooError(f"--metrics: {', '.join(unknown) or 'none given'}; one or more of "
                          f"{', '.join(IMAGE_METRICS)}, comma-separated (w1, modes and nll have their own commands)")
    options = options or {}
    emb = Embeddings(data, data_kwargs, classifier, inception_weights, device, progress)
    calls = {
        "fid": lambda o: evaluate_fid(samples, data, extractor, emb=emb, **o),
        "kid": lambda o: evaluate_kid(samples, data, extractor, emb=emb, **o),
        "is": lambda o: evaluate_is(samples, data, extractor, emb=emb, **o),
        "ddm": lambda o: evaluate_ddm(samples, data, emb=emb, **o),
    }
    seen = []
    for m in metrics:
        if m not in seen:
            seen.append(m)
    return [calls[m](options.get(m, {})) for m in seen], emb


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

        own = data == method.data_info.name  # the run's own files and options (an image folder's split)
        kw = {"data_dir": getattr(method, "data_dir", None), **(getattr(method, "data_options", None) or {})} if own else {}
        test = load_dataset(data, "test", **kw)
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
