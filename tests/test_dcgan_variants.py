"""[S4] §3.3.2's weaker DCGAN generators (Basart's DDM experiment on MNIST, §3.4.2): "weakened" has all of
G's batch-norm layers removed (`--set g_batchnorm=false`), "small" has G's last hidden layer removed and the
layer before it producing the image (`--set g_small=true`). Structure, behaviour and the defaults untouched."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from typer.testing import CliRunner

from gan_zoo.data import DataInfo
from gan_zoo.nets.dcgan import DCGANGenerator
from gan_zoo.registry import create_method

MNIST = DataInfo("mnist5k", "images", (1, 28, 28), 10)


def _convs(g):
    return [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]


def _bns(g):
    return [m for m in g.modules() if isinstance(m, nn.BatchNorm2d)]


def test_default_dcgan_generator_is_unchanged():
    m = create_method("dcgan", MNIST)
    convs = _convs(m.generator)
    # Radford et al.: z -> 7x7x128 -> 14x14x64 -> 28x28x1, batch norm after every layer but the output one
    assert [c.out_channels for c in convs] == [128, 64, 1]
    assert len(_bns(m.generator)) == 2 and all(c.bias is None for c in convs[:-1])
    assert not m.config.g_small and m.config.g_batchnorm


def test_weakened_generator_has_no_batch_norm_and_the_discriminator_keeps_its_own():
    m = create_method("dcgan", MNIST, {"g_batchnorm": "false", "width": "8"})
    assert _bns(m.generator) == [] and len(_bns(m.critic)) == 1  # D unchanged (28 px: one normed layer)
    assert all(c.bias is not None for c in _convs(m.generator))
    # Behaviour: with batch norm (train mode) every hidden channel's batch mean before the ReLU is beta = 0;
    # without it the first layer's outputs are not centred per channel over the batch.
    z = torch.rand(256, 100, generator=torch.Generator().manual_seed(0)) * 2 - 1
    for g, centred in ((create_method("dcgan", MNIST, {"width": "8"}).generator, True), (m.generator, False)):
        g.train()
        with torch.no_grad():
            if g.net[0].bias is not None:  # a bias the weakened net may learn (batch norm would cancel it)
                g.net[0].bias.fill_(0.5)
            h = g.net[1](g.net[0](z.view(256, 100, 1, 1)))  # layer 1 (+ its batch norm, if any)
        mean = h.mean(dim=(0, 2, 3)).abs().max().item()
        assert (mean < 1e-5) == centred, mean


@pytest.mark.parametrize("size", [28, 32, 64])
def test_small_generator_has_one_layer_fewer_and_the_same_image_size(size):
    full, small = DCGANGenerator(100, 3, size, 8), DCGANGenerator(100, 3, size, 8, small=True)
    assert len(_convs(small)) == len(_convs(full)) - 1
    assert len(_bns(small)) == len(_bns(full)) - 1
    z = torch.rand(4, 100) * 2 - 1
    assert small(z).shape == full(z).shape == (4, 3, size, size)
    def n_params(g):
        return sum(p.numel() for p in g.parameters())

    # at the default width the small net is the smaller one (at width 8 the x4 layer's 8x8 kernels outweigh it)
    assert n_params(DCGANGenerator(100, 3, size, 64, small=True)) < n_params(DCGANGenerator(100, 3, size, 64))
    last = _convs(small)[-1]  # the layer that now produces the image: x4 upsampling
    assert last.stride == (4, 4) and last.kernel_size == (8, 8)
    assert float(small(z).abs().max()) <= 1  # still the tanh output


def test_variant_on_a_net_that_is_not_dcgan_is_one_error_line():
    from gan_zoo_cli.main import app

    runner = CliRunner()
    for args in (["gan", "--data", "ring", "--set", "g_small=true"],
                 ["dcgan", "--data", "digits", "--set", "arch=mlp", "--set", "g_batchnorm=false"]):
        r = runner.invoke(app, ["train", *args, "--steps", "1"])
        assert r.exit_code == 2, r.output
        assert "error:" in r.output and "g_small / g_batchnorm" in r.output and "Traceback" not in r.output
