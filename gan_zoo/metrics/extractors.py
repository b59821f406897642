"""Feature extractors: Inception-v3 (the literature's IS/FID network) and dataset classifiers.

Every extractor maps images in [-1, 1] (N, C, H, W) to ``{"logits": (N, K), "features": (N, D)}`` and
carries a ``protocol`` dict (name, weights, layers) that is copied into every reported number.

- Inception-v3: torch-fidelity's ``FeatureExtractorInceptionV3`` (the TF-ported 2015-12-05 weights used by
  Salimans et al. 2016 and Heusel et al. 2017), features = pool3 (2048-d), logits = ``logits_unbiased``
  (1008 classes, as torchmetrics' InceptionScore). Weights are read from ``--inception-weights PATH`` or
  torch hub's checkpoint cache (``torch.hub.get_dir()/checkpoints``); nothing is downloaded: a missing or
  wrong file is one GanZooError naming the file.
- Dataset classifier (``gan_zoo.nets.classifier``), trained by ``ganzoo classifier train``: logits are
  DDM's embedding ([S4] §3.2.1); FID/KID with it use the logits too.

The other roles around the extractors have their own modules: where classifier checkpoints live and how
they are saved and loaded (``classifier_io.py``), the classifier's training loop (``classifier_training.py``)
and the progress bar ``embed`` shows (``progress.py``).
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..registry import GanZooError
from .progress import count_bar

INCEPTION_URL = ("https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
                 "weights-inception-2015-12-05-6726825d.pth")  # torch_fidelity.feature_extractor_inceptionv3
INCEPTION_FILE = INCEPTION_URL.rsplit("/", 1)[1]
EMBED_BATCH = 500


def to_uint8_rgb(x: torch.Tensor) -> torch.Tensor:
    x = ((x.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.repeat(1, 3, 1, 1) if x.shape[1] == 1 else x


# ---------------------------------------------------------------------------------------------- Inception
def inception_weights_path() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE


def check_inception_weights(path: Path) -> None:
    """One line for a file that is not the FID Inception-v3's state_dict, before the network is built.

    The accepted layout is the 2015-12-05 TF port as pytorch-fid (``pt_inception-2015-12-05-6726825d.pth``)
    and torch-fidelity (``weights-inception-2015-12-05-6726825d.pth``, the same file) ship it: a state_dict with
    torchvision's ``Inception3`` key names and a 1008-class ``fc``. torchvision's ImageNet weights
    (``inception_v3_google``, 1000 classes, other pooling) are a different network: FID values computed
    with them are not comparable to published ones, so they are refused.
    """
    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # not a torch file, a pickle of something else, truncated
        raise GanZooError(f"--inception-weights {path}: not a PyTorch state_dict ({type(e).__name__})") from None
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict) or "fc.weight" not in sd or "Mixed_7c.branch_pool.conv.weight" not in sd:
        raise GanZooError(f"--inception-weights {path}: not an Inception-v3 state_dict (no fc / Mixed_7c weights); "
                          f"expected pytorch-fid's or torch-fidelity's {INCEPTION_FILE}")
    shape = tuple(sd["fc.weight"].shape)
    if shape != (1008, 2048):
        raise GanZooError(f"--inception-weights {path}: fc is {shape[0]}x{shape[1]}, not the FID network's 1008x2048 "
                          "(torchvision's ImageNet Inception-v3 is another network; use the 2015-12-05 TF port, "
                          f"{INCEPTION_FILE})")


class InceptionExtractor(nn.Module):
    def __init__(self, weights: str | Path | None = None):
        super().__init__()
        path = Path(weights).expanduser() if weights else inception_weights_path()
        if not path.exists():
            if weights:
                raise GanZooError(f"--inception-weights {path}: no such file")
            raise GanZooError(f"Inception-v3 weights {path.name} not found: put the file (from {INCEPTION_URL}) "
                              f"in {path.parent}/ (nothing is downloaded), pass --inception-weights PATH, "
                              "or use --extractor classifier")
        check_inception_weights(path)
        from torch_fidelity import FeatureExtractorInceptionV3

        try:
            # torch-fidelity's own module, not torchmetrics' NoTrainInceptionV3: the latter's forward returns only
            # the first requested feature (torchmetrics 1.9), so IS would have read pool3 features as logits;
            # torch-fidelity's returns each feature of features_list and resizes to 299 px as TF 1.x did.
            self.net = FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"],
                                                   feature_extractor_weights_path=str(path)).eval()
        except RuntimeError as e:  # load_state_dict: missing/unexpected keys or sizes
            first = str(e).strip().splitlines()
            raise GanZooError(f"Inception-v3 weights {path}: they do not fit the network "
                              f"({(first[1] if len(first) > 1 else first[0]).strip()[:160]})") from None
        self.protocol = {"extractor": "inception-v3 (torch-fidelity FeatureExtractorInceptionV3)",
                         "weights": str(path.absolute()) if weights else path.name, "features": "pool3 2048-d",
                         "logits": "logits_unbiased (1008)"}

    def forward(self, x: torch.Tensor) -> dict:
        if x.shape[1] not in (1, 3):
            raise GanZooError(f"Inception-v3 takes 1- or 3-channel images, got {x.shape[1]} channels")
        feats, logits = self.net(to_uint8_rgb(x))
        return {"features": feats.float(), "logits": logits.float()}


# --------------------------------------------------------------------------------------------- Classifier
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


# ----------------------------------------------------------------------------------------------- Embedding
def get_extractor(kind: str, data: str | None = None, classifier: str | Path | None = None,
                  inception_weights: str | Path | None = None, device=None) -> nn.Module:
    if kind == "inception":
        ext = InceptionExtractor(inception_weights)
    elif kind == "classifier":
        from .classifier_io import require_classifier  # classifier_io builds ClassifierExtractor: import here

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
    with count_bar(progress, len(images)) as advance:
        for i in range(0, len(images), batch):
            out = extractor(images[i:i + batch].to(dev))
            for k, v in out.items():
                outs.setdefault(k, []).append(v.detach().float().cpu())
            advance(min(batch, len(images) - i))
    return {k: torch.cat(v) for k, v in outs.items()}
