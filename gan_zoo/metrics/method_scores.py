"""Scores of a method's samples while it trains and when it is done: the functions the training builder
and the callbacks call (layers point one way: a callback decides *when*, this module *what*).

- ``MethodScorer(dataset, n, classifier, n_reference, seed)``: the periodic numbers under ``metrics/...``.
  Points: exact W1 to a fixed data sample (POT), NLL of that sample where the model has ``log_prob``, and
  for Gaussian mixtures the modes captured / high-quality fraction (VEEGAN §5.1). Images: when a dataset
  classifier exists (``classifier=``, else ``classifier_io.classifier_candidates``), the classifier
  Inception Score (10 splits) and DDM (Basart 2017 eq. 3.4) against the embedded test split; without one
  the image branch returns nothing (training never waits on Inception-v3). The reference side (data
  sample, extractor, test embedding) is built on first use and kept. Cost is bounded: ``n`` samples per
  evaluation (default 500 points / 1000 images), at most ``n_reference`` test images embedded once.
- ``final_metrics(method, dataset, n, seed)``: the numbers printed and logged at the end of a run.

A method is read through ``sample(n, generator)`` and, where ``has_log_prob``, ``log_prob(x)``
(``gan_zoo/methods/interface.py``); nothing here imports Lightning or a method.
"""
from __future__ import annotations

import torch

POINTS_N = 500  # exact EMD on 500 x 500 takes milliseconds
IMAGES_N = 1000  # >= 10 splits of 100 for IS; DDM on 1000 x n_reference blocks
REFERENCE_N = 2000


class MethodScorer:
    def __init__(self, dataset, n: int | None = None, classifier=None, n_reference: int = REFERENCE_N, seed: int = 0,
                 data_kwargs: dict | None = None):
        self.dataset, self.seed = dataset, seed
        self.data_kwargs = dict(data_kwargs or {})  # how the test split loads (an image folder's dir, options)
        self.n = n or (IMAGES_N if dataset.kind == "images" else POINTS_N)
        self.classifier_path, self.n_reference = classifier, n_reference
        self._real = None
        self._ext = None
        self._test_emb = None

    @torch.no_grad()
    def compute(self, method) -> dict:
        if self.dataset.kind == "points":
            return self._points(method)
        return self._images(method)

    def _points(self, method) -> dict:
        from .functional import mode_coverage, wasserstein1

        if self._real is None:
            self._real = self.dataset.sample(self.n, torch.Generator().manual_seed(self.seed))[0]
        fake = method.sample(self.n, torch.Generator().manual_seed(self.seed + 1)).float().cpu()
        out = {"w1": wasserstein1(fake, self._real)}
        if getattr(method, "has_log_prob", False):
            out["nll"] = float(-method.log_prob(self._real.to(method.device)).double().mean())
        centers = getattr(self.dataset, "centers", None)
        if centers is not None and getattr(self.dataset, "std", None) is not None:
            r = mode_coverage(fake, centers, self.dataset.std)
            out["modes"] = float(r["modes"])
            out["hq_fraction"] = r["hq_fraction"]
        return out

    def _setup_images(self, method) -> bool:
        from ..data import load_dataset
        from .classifier_io import find_classifier, load_classifier
        from .extractors import embed

        if self._ext is False:
            return False
        if self._ext is None:
            from ..registry import data_label

            path = find_classifier(data_label(self.dataset.name, self.data_kwargs.get("data_dir")), self.classifier_path)
            if path is None:
                self._ext = False
                return False
            ext = load_classifier(path)
            if tuple(ext.shape[1:]) != tuple(self.dataset.shape[1:]):
                if self.classifier_path is not None:  # named by the user: say so (train checks it up front)
                    from ..registry import GanZooError

                    raise GanZooError(f"--classifier {path} takes {ext.shape[1]}x{ext.shape[2]} images; this run's "
                                      f"are {self.dataset.shape[1]}x{self.dataset.shape[2]}")
                self._ext = False  # one found by name for another image_size of the same folder: not this run's
                return False
            self._ext = ext.to(method.device)
            test = load_dataset(self.dataset.name, "test", **self.data_kwargs)
            idx = torch.arange(min(len(test), self.n_reference))
            self._test_emb = embed(self._ext, test.to_float(idx), device=method.device)["logits"]
        return True

    def _images(self, method) -> dict:
        from .extractors import embed
        from .functional import ddm, inception_score

        if not self._setup_images(method):
            return {}
        g = torch.Generator().manual_seed(self.seed + 1)
        batch = 250
        x = torch.cat([method.sample(min(batch, self.n - i), g).float() for i in range(0, self.n, batch)])
        logits = embed(self._ext, x, device=method.device)["logits"]
        is_mean, _ = inception_score(logits, splits=10)
        return {"classifier_is": is_mean, "ddm": ddm(self._test_emb, logits, device=method.device)}


@torch.no_grad()
def final_metrics(method, dataset, n: int = 2000, seed: int = 0, classifier=None, data_kwargs=None) -> dict:
    """The numbers printed at the end of a run: exact W1 (and NLL where the model has one) for points;
    for images the classifier IS and DDM (Basart 2017 eq. 3.4) when a dataset classifier exists."""
    from .functional import wasserstein1

    out = {}
    if dataset.kind == "points":
        g = torch.Generator().manual_seed(seed)
        real, _ = dataset.sample(n, g)
        fake = method.sample(n, torch.Generator().manual_seed(seed + 1)).float().cpu()
        out["w1"] = wasserstein1(fake, real)
        ref, _ = dataset.sample(n, g)
        out["w1_data_vs_data"] = wasserstein1(ref, real)  # the finite-sample floor of the estimate
        if getattr(method, "has_log_prob", False):
            out["nll"] = float(-method.log_prob(real.to(method.device)).mean())
    else:
        out.update(MethodScorer(dataset, n=min(n, 1000), seed=seed, classifier=classifier,
                                data_kwargs=data_kwargs).compute(method))
    return out
