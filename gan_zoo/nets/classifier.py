"""Dataset classifiers whose logits embed images for DDM and a dataset-specific classifier score.

[S4] §3.3.2: "To embed MNIST we trained a 4 layer CNN architecture, followed by a fully connected
layer ... Xavier initialization"; "Wide Residual Networks ... for both SVHN and CIFAR-10 ... He
initialization". The thesis gives no widths, kernels or depth ([N4] §1.5, §5.5); ours are
choices, stated here:

- ``ConvNet4``: four 3x3 convs (32, 32, 64, 64 channels, ReLU, 2x2 max-pool after the 2nd and 4th),
  one FC layer to the logits; Xavier-uniform init. For 28 px (MNIST, Fashion-MNIST, digits).
- ``WideResNet``: WRN-16-4 (depth 16, widen 4: the smallest WRN in Zagoruyko & Komodakis 2016,
  Table 4, with 4-5 % CIFAR-10 error), pre-activation basic blocks, He (kaiming-normal, fan_out) init.
  For 32 px RGB (CIFAR-10, SVHN) and larger images.

Inputs are images in [-1, 1] (the generators' range), so no separate normalisation is applied.
``forward`` returns logits; ``features(x)`` returns the prelogits (input of the last layer).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

WRN_DEPTH = 16  # choice: smallest WRN of Zagoruyko & Komodakis 2016 (thesis: depth not stated)
WRN_WIDEN = 4  # choice, same source


class ConvNet4(nn.Module):
    """4 conv layers + 1 fully connected layer ([S4] §3.3.2), Xavier init."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 28, width: int = 32):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, w, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(w, w, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.fc = nn.Linear(2 * w * (image_size // 4) ** 2, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


class _WideBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2, self.conv2 = nn.BatchNorm2d(cout), nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.short = None if (cin == cout and stride == 1) else nn.Conv2d(cin, cout, 1, stride, 0, bias=False)

    def forward(self, x):
        o = F.relu(self.bn1(x))
        y = self.conv1(o)
        y = self.conv2(F.relu(self.bn2(y)))
        return y + (x if self.short is None else self.short(o))


class WideResNet(nn.Module):
    """WRN-depth-widen (Zagoruyko & Komodakis 2016), He init ([S4] §3.3.2)."""

    def __init__(self, in_channels: int = 3, num_classes: int = 10, depth: int = WRN_DEPTH, widen: int = WRN_WIDEN):
        super().__init__()
        if (depth - 4) % 6:
            raise ValueError("WRN depth must be 6n + 4")
        n = (depth - 4) // 6
        widths = [16, 16 * widen, 32 * widen, 64 * widen]
        self.conv = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        layers, cin = [], widths[0]
        for g, stride in zip(widths[1:], (1, 2, 2)):
            for k in range(n):
                layers.append(_WideBlock(cin, g, stride if k == 0 else 1))
                cin = g
        self.blocks = nn.Sequential(*layers)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn(self.blocks(self.conv(x))))
        return F.adaptive_avg_pool2d(h, 1).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


def classifier_arch_for(shape: tuple) -> str:
    """ConvNet4 for images of 28 px or less (MNIST-like), WRN otherwise ([S4] §3.3.2)."""
    return "convnet4" if shape[-1] <= 28 else "wrn"


def build_classifier(arch: str, shape: tuple, num_classes: int, **kwargs) -> nn.Module:
    """``kwargs``: ``width`` for convnet4, ``depth``/``widen`` for wrn (recorded in the checkpoint)."""
    c, h, _ = shape
    if arch == "convnet4":
        return ConvNet4(c, num_classes, image_size=h, **kwargs)
    if arch == "wrn":
        return WideResNet(c, num_classes, **kwargs)
    raise ValueError(f"unknown classifier arch '{arch}' (convnet4, wrn)")
