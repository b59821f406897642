"""The CIFAR-10 ResNet generator and critic of Gulrajani et al. 2017, App. F (paper_defaults.md §10).

G: z (128) -> Linear 128x4x4 -> 3 pre-activation residual blocks "up" (8, 16, 32) -> BN, ReLU,
conv 3x3, tanh. Critic: optimized first block down (16) -> block down (8) -> 2 blocks (8) -> ReLU,
global mean pool -> Linear 1. Batch norm in G only. Upsampling is nearest-neighbour before the first
conv of the block, as in the official code (the paper's text says before the second).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


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

    def forward(self, x):
        h = F.relu(self.blocks(x)).mean(dim=(2, 3))
        out = self.linear(h)
        return out.squeeze(1) if self.out_dim == 1 else out
