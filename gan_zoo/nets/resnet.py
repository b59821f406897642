"""The CIFAR-10 ResNet generator and critic of Gulrajani et al. 2017, App. F ([P10]).

G: z (128) -> Linear 128x4x4 -> 3 pre-activation residual blocks "up" (8, 16, 32) -> BN, ReLU,
conv 3x3, tanh. Critic: optimized first block down (16) -> block down (8) -> 2 blocks (8) -> ReLU,
global mean pool -> Linear 1. Batch norm in G only. Upsampling is nearest-neighbour before the first
conv of the block, as in the official code (the paper's text says before the second). Weights are
initialised as the official code's tflib does (``tflib_init_``: He-uniform 3x3 convs, Glorot otherwise).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def tflib_uniform_(m: nn.Conv2d | nn.Linear, he: bool) -> None:
    """W ~ U(-s sqrt 3, s sqrt 3), b = 0, s = sqrt(4 / (fan_in + fan_out)) (he) or sqrt(2 / (fan_in + fan_out))
    (Glorot), fan = channels x k^2: igul222/improved_wgan_training tflib/ops/conv2d.py and linear.py."""
    if isinstance(m, nn.Conv2d):
        k = m.kernel_size[0] * m.kernel_size[1]
        fan_in, fan_out = m.in_channels * k, m.out_channels * k  # stride 1 throughout these nets
    else:
        fan_in, fan_out = m.in_features, m.out_features
    s = math.sqrt((4.0 if he else 2.0) / (fan_in + fan_out))
    nn.init.uniform_(m.weight, -s * math.sqrt(3), s * math.sqrt(3))
    if m.bias is not None:
        nn.init.zeros_(m.bias)


def tflib_init_(module: nn.Module) -> nn.Module:
    """The official code's initialisation: every 3x3 conv He-uniform (Conv2D's default he_init=True);
    the 1x1 shortcuts (built with he_init=False) and the Linear layers (default "glorot") Glorot-uniform."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            tflib_uniform_(m, he=m.kernel_size != (1, 1))
        elif isinstance(m, nn.Linear):
            tflib_uniform_(m, he=False)
    return module


class ResBlockUp(nn.Module):
    def __init__(self, ch: int):
        super().__init__()
        self.bn1, self.bn2 = nn.BatchNorm2d(ch), nn.BatchNorm2d(ch)
        self.conv1, self.conv2 = nn.Conv2d(ch, ch, 3, 1, 1), nn.Conv2d(ch, ch, 3, 1, 1)
        self.shortcut = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        h = F.interpolate(F.relu(self.bn1(x)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h))))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class ResBlockDown(nn.Module):
    def __init__(self, cin: int, cout: int, down: bool, first: bool = False):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(cin, cout, 3, 1, 1), nn.Conv2d(cout, cout, 3, 1, 1)
        self.down, self.first = down, first
        self.shortcut = nn.Conv2d(cin, cout, 1) if (down or cin != cout) else nn.Identity()

    def forward(self, x):
        # The first critic block is not pre-activated (official code, OptimizedResBlockDisc1).
        h = self.conv1(x if self.first else F.relu(x))
        h = self.conv2(F.relu(h))
        if self.down:
            h = F.avg_pool2d(h, 2)
            # shortcut: mean pool then 1x1 conv for the first block, 1x1 conv then pool otherwise
            s = self.shortcut(F.avg_pool2d(x, 2)) if self.first else F.avg_pool2d(self.shortcut(x), 2)
        else:
            s = self.shortcut(x)
        return h + s


class ResNetGenerator(nn.Module):
    def __init__(self, z_dim: int = 128, channels: int = 3, width: int = 128):
        super().__init__()
        self.z_dim, self.width = z_dim, width
        self.linear = nn.Linear(z_dim, width * 4 * 4)
        self.blocks = nn.Sequential(ResBlockUp(width), ResBlockUp(width), ResBlockUp(width))
        self.bn = nn.BatchNorm2d(width)
        self.out = nn.Conv2d(width, channels, 3, 1, 1)
        tflib_init_(self)
        tflib_uniform_(self.out, he=False)  # Generator.Output is built with he_init=False

    def forward(self, z):
        h = self.linear(z.flatten(1)).view(-1, self.width, 4, 4)
        return torch.tanh(self.out(F.relu(self.bn(self.blocks(h)))))


class ResNetCritic(nn.Module):
    def __init__(self, channels: int = 3, width: int = 128, out_dim: int = 1):
        super().__init__()
        self.blocks = nn.Sequential(
            ResBlockDown(channels, width, down=True, first=True),
            ResBlockDown(width, width, down=True),
            ResBlockDown(width, width, down=False),
            ResBlockDown(width, width, down=False),
        )
        self.feature_dim = width
        self.linear = nn.Linear(width, out_dim)
        self.out_dim = out_dim
        tflib_init_(self)

    def forward(self, x):
        h = F.relu(self.blocks(x)).mean(dim=(2, 3))
        out = self.linear(h)
        return out.squeeze(1) if self.out_dim == 1 else out
