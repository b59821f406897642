"""Metrics during training, logged to TensorBoard under ``metrics/...`` at x = generator steps.

Points: exact W1 to a fixed data sample (POT), NLL of that sample where the model has ``log_prob``,
and for Gaussian mixtures the modes captured / high-quality fraction (VEEGAN §5.1).
Images: when a dataset classifier exists (``runs/classifiers/<data>/classifier.ckpt`` or ``classifier=``),
the classifier Inception Score (10 splits) and DDM (Basart 2017 eq. 3.4) against the embedded test
split. Without a classifier the image branch does nothing (training never waits on Inception-v3).

Cost is bounded: ``n`` samples per evaluation (default 500 points / 1000 images), at most
``n_reference`` test images embedded once, every ``every`` generator steps.
"""
from __future__ import annotations

import torch

from .base import GeneratorStepCallback

POINTS_N = 500  # exact EMD on 500 x 500 takes milliseconds
IMAGES_N = 1000  # >= 10 splits of 100 for IS; DDM on 1000 x n_reference blocks
REFERENCE_N = 2000


class PeriodicMetrics(GeneratorStepCallback):
    def __init__(self, dataset, every: int = 500, n: int | None = None, classifier=None, n_reference: int = REFERENCE_N,
                 seed: int = 0):
        super().__init__(every)
        self.dataset, self.seed = dataset, seed
        self.n = n or (IMAGES_N if dataset.kind == "images" else POINTS_N)
        self.classifier_path, self.n_reference = classifier, n_reference
        self._real = None
        self._ext = None
        self._test_emb = None
        self.last: dict = {}

    # ------------------------------------------------------------------ hooks
    at_train_end = False  # the run's final numbers are training.final_metrics's

    def act(self, trainer, method) -> None:
        if trainer.global_rank == 0:
            self.evaluate(trainer, method)

    # Not named `log`: Lightning assigns `callback.log = lightning_module.log` on every callback at fit
    # start (callback_connector), which would shadow such a method.
    def evaluate(self, trainer, method) -> dict:
        values = self.compute(method)
        exp = getattr(trainer.logger, "experiment", None) if trainer.logger else None
        if exp is not None and hasattr(exp, "add_scalar"):
            for k, v in values.items():
                exp.add_scalar(f"metrics/{k}", v, method.generator_steps)
        self.last = values
        return values

    # ------------------------------------------------------------------ values
    @torch.no_grad()
    def compute(self, method) -> dict:
        if self.dataset.kind == "points":
            return self._points(method)
        return self._images(method)

    def _points(self, method) -> dict:
        from ..metrics.functional import mode_coverage, wasserstein1

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
        from ..metrics.classifier_io import find_classifier, load_classifier
        from ..metrics.extractors import embed

        if self._ext is False:
            return False
        if self._ext is None:
            path = find_classifier(self.dataset.name, self.classifier_path)
            if path is None:
                self._ext = False
                return False
            self._ext = load_classifier(path).to(method.device)
            test = load_dataset(self.dataset.name, "test")
            idx = torch.arange(min(len(test), self.n_reference))
            self._test_emb = embed(self._ext, test.to_float(idx), device=method.device)["logits"]
        return True

    def _images(self, method) -> dict:
        from ..metrics.extractors import embed
        from ..metrics.functional import ddm, inception_score

        if not self._setup_images(method):
            return {}
        g = torch.Generator().manual_seed(self.seed + 1)
        batch = 250
        x = torch.cat([method.sample(min(batch, self.n - i), g).float() for i in range(0, self.n, batch)])
        logits = embed(self._ext, x, device=method.device)["logits"]
        is_mean, _ = inception_score(logits, splits=10)
        return {"classifier_is": is_mean, "ddm": ddm(self._test_emb, logits, device=method.device)}
