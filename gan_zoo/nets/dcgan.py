"""DCGAN generator and discriminator for 28, 32 and 64 px, after Radford et al. 2016 ([S3] §1.4):

- strided convolutions in the discriminator, fractional-strided in the generator, no pooling;
- batch norm in both (not on the generator output or the discriminator input layer);
- no fully connected hidden layers; ReLU in G with a tanh output; LeakyReLU(0.2) in D;
- weights initialised from N(0, 0.02) (Radford et al. §4).

WGAN-GP's critic must not use batch norm (Gulrajani et al. §4): ``norm="layer"`` (or "none") there.
"""
from __future__ import annotations

import torch
from torch import nn


def _stages(size: int) -> tuple[int, int]:
    """(start resolution, number of x2 upsamplings) for a square image side."""
    if size == 28:
        return 7, 2
    if size == 32:
        return 4, 3
    if size == 64:
        return 4, 4
    raise ValueError(f"DCGAN nets support 28, 32 and 64 px images, not {size}")


def _norm(kind: str, ch: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(ch)
    if kind == "layer":  # layer norm over (C, H, W), as Gulrajani et al. recommend for the critic
        return nn.GroupNorm(1, ch)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm '{kind}'")


def dcgan_init(module: nn.Module) -> None:
    """Radford et al. §4: all weights from N(0, 0.02); batch-norm scales from N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


class DCGANGenerator(nn.Module):
    """``batchnorm=False`` and ``small=True`` are [S4] §3.3.2's two weaker generators (Basart's DDM
    experiments, §3.4.2 on MNIST): "weakened" removes all of the generator's batch-norm layers; "small" removes
    the last hidden (fractional-strided) layer and lets the layer before it produce that layer's output, the
    image (the thesis: "removed convolutional layer 4 and modified the third convolutional layer to match the
    output of convolutional layer 4"); here that last layer upsamples x4 (kernel 8, stride 4, padding 2)
    instead of x2, so the image size stays. Without batch norm the hidden layers get their bias back (batch
    norm's shift is what made it redundant)."""

    def __init__(self, z_dim: int = 100, channels: int = 1, size: int = 28, width: int = 64,
                 batchnorm: bool = True, small: bool = False):
        super().__init__()
        start, ups = _stages(size)
        ch = width * 2 ** (ups - 1)

        def bn(c: int) -> nn.Module:
            return nn.BatchNorm2d(c) if batchnorm else nn.Identity()

        # The "projection and reshape" of z: a transposed conv from 1x1 to start x start.
        layers = [nn.ConvTranspose2d(z_dim, ch, start, 1, 0, bias=not batchnorm), bn(ch), nn.ReLU(True)]
        for i in range(ups - 1 - int(small)):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=not batchnorm), bn(ch // 2), nn.ReLU(True)]
            ch //= 2
        if small:  # one layer fewer: the output layer doubles the resolution twice
            layers += [nn.ConvTranspose2d(ch, channels, 8, 4, 2), nn.Tanh()]
        else:
            layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.z_dim = z_dim
        dcgan_init(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(z.shape[0], -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """Returns one raw score (logit / critic value) per image."""

    def __init__(self, channels: int = 1, size: int = 28, width: int = 64, norm: str = "batch",
                 out_dim: int = 1):
        super().__init__()
        start, ups = _stages(size)
        layers = [nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]  # no norm on the input layer
        ch = width
        for _ in range(ups - 1):
            layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=False), _norm(norm, ch * 2), nn.LeakyReLU(0.2, True)]
            ch *= 2
        self.features = nn.Sequential(*layers)
        self.feature_dim = ch * start * start
        self.head = nn.Conv2d(ch, out_dim, start, 1, 0)
        self.out_dim = out_dim
        dcgan_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.head(self.features(x)).flatten(1)
        return out.squeeze(1) if self.out_dim == 1 else out
