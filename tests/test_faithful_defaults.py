"""Issue 12 items 7-12: the defaults a researcher reproduces are the papers' and the official code's."""
from __future__ import annotations

import math

import pytest
import torch

from gan_zoo.data import DataInfo
from gan_zoo.registry import create_method

DIGITS = DataInfo("digits", "images", (1, 28, 28), 10)
CIFAR = DataInfo("cifar10", "images", (3, 32, 32), 10)
LSUN64 = DataInfo("imagefolder", "images", (3, 64, 64), 1)


# ----- item 8: DCGAN (Radford et al. 2016, Fig. 1) ----------------------------------------------
def test_dcgan_noise_is_uniform_on_the_cube():
    m = create_method("dcgan", DIGITS, {"width": "8"})
    z = m.noise(20000, torch.Generator().manual_seed(0))
    assert z.shape == (20000, 100)
    assert float(z.min()) >= -1 and float(z.max()) <= 1
    # U(-1, 1): mean 0, variance 1/3 (a standard normal has variance 1 and |z| > 1 a third of the time)
    assert abs(float(z.mean())) < 0.01
    assert abs(float(z.var()) - 1 / 3) < 0.01
    # the sampler draws the same noise (seeded) through the generator
    x = m.sample(4, torch.Generator().manual_seed(3))
    assert x.shape == (4, 1, 28, 28)


def test_dcgan_64px_has_the_figure_1_widths():
    m = create_method("dcgan", LSUN64)
    assert m.config.width == 128
    convs = [mod for mod in m.generator.modules() if isinstance(mod, torch.nn.ConvTranspose2d)]
    # Fig. 1: z -> 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128 -> 64x64x3
    assert [c.out_channels for c in convs] == [1024, 512, 256, 128, 3]
    dconvs = [mod for mod in m.critic.modules() if isinstance(mod, torch.nn.Conv2d)]
    assert [c.out_channels for c in dconvs] == [128, 256, 512, 1024, 1]
    # 28/32 px keep the base width 64
    assert create_method("dcgan", DIGITS).config.width == 0


# ----- item 9: one Inception Score path (Salimans et al. 2016's code) ---------------------------
class _FixedSampler:
    """Stands in for a trained method: ``sample`` returns the same (8-bit exact) images every time."""

    device = torch.device("cpu")

    def __init__(self, images):
        self.images = images

    def sample(self, n, generator=None):
        return self.images[:n]


def test_is_from_the_cli_equals_the_training_callback_on_the_same_samples(tmp_path):
    import json

    from gan_zoo_cli.main import app
    from typer.testing import CliRunner

    from gan_zoo.callbacks.metrics import PeriodicMetrics
    from gan_zoo.data import load_dataset
    from gan_zoo.io import write_samples
    from gan_zoo.metrics.extractors import save_classifier
    from gan_zoo.nets.classifier import build_classifier

    torch.manual_seed(0)
    net = build_classifier("convnet4", (1, 28, 28), 10, width=4)
    ckpt = save_classifier(net, {"arch": "convnet4", "data": "digits", "shape": [1, 28, 28], "num_classes": 10,
                                 "kwargs": {"width": 4}}, tmp_path / "cls.ckpt")
    train = load_dataset("digits", "train")
    x = train.to_float(torch.arange(200))  # uint8 images: the PNG round trip is lossless
    cb = PeriodicMetrics(train, n=200, classifier=ckpt).compute(_FixedSampler(x))
    folder = write_samples(tmp_path / "s", x, {"data": "digits"})
    res = CliRunner().invoke(app, ["eval", "is", "--samples", str(folder), "--classifier", str(ckpt),
                                   "--extractor", "classifier", "--no-reference", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["value"] == pytest.approx(cb["classifier_is"], rel=1e-12, abs=0)
    assert "ddof 0" in out["protocol"]["std"]
