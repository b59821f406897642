"""The ModNet generator: a pix2pix-style U-Net that outputs a bounded *delta image* ([S4] §2.5.1).

Isola et al. 2017 (pix2pix) U-Net: an encoder of 4x4 stride-2 convolutions (C64-C128-C256-C512..., no
BatchNorm on the first, LeakyReLU 0.2), a mirrored decoder of 4x4 stride-2 transposed convolutions
(BatchNorm, ReLU) and skip connections that concatenate encoder layer i to decoder layer n - i.
pix2pix's decoder dropout (its noise source) is left out: ModNet is a deterministic edit of x.

ModNet changes (thesis §2.5.1): the output is a delta added point-wise to the input; the last
activation is tanh so the delta lies in [-1, 1] and can remove as well as add. How the one-hot target
label y_t enters is not stated ([N4] §5.13); we tile it as extra input channels, so every layer sees it.

Bounding the sum (the thesis gives three descriptions, [N4] §5.12): we take tanh on the delta
(§2.5.1, "changed from a sigmoid unit to a tanh") and then *clip* x + delta to [-1, 1] (§2.5.1,
"after the point-wise addition we either clip or renormalize and shift"). Why clip: with delta = 0 the
output is exactly the input, so "no modification" is reachable and the L1 modification penalty (eq. 2.6)
can go to 0. Tanh after the addition (Fig. 2.5 caption) or a renormalise-and-shift would change every
image even when delta = 0.

Sizes that are not a power of two (28 px) are padded with -1 (black in [-1, 1]) and cropped back.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

BASE_WIDTH = 64  # pix2pix ngf = 64
MAX_WIDTH = 512  # pix2pix caps its channels at 512


class UNetDelta(nn.Module):
    def __init__(self, channels: int, num_classes: int, image_size: int, width: int = 0):
        super().__init__()
        self.channels, self.num_classes = channels, num_classes
        side = 1
        while side < image_size:
            side *= 2
        self.side, self.image_size = side, image_size
        depth = max(side.bit_length() - 2, 1)  # down to 2x2 (pix2pix goes to 1x1 from 256 px)
        w = width or BASE_WIDTH
        chans = [min(w * 2 ** i, MAX_WIDTH) for i in range(depth)]
        self.down = nn.ModuleList()
        c_in = channels + num_classes
        for i, c in enumerate(chans):
            layers = [nn.Conv2d(c_in, c, 4, 2, 1, bias=i == 0)]
            if i > 0:
                layers.append(nn.BatchNorm2d(c))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            self.down.append(nn.Sequential(*layers))
            c_in = c
        self.up = nn.ModuleList()
        for i in reversed(range(1, depth)):
            c_in_up = chans[i] if i == depth - 1 else 2 * chans[i]  # bottleneck, then [up, skip] concatenated
            self.up.append(nn.Sequential(nn.ConvTranspose2d(c_in_up, chans[i - 1], 4, 2, 1, bias=False),
                                         nn.BatchNorm2d(chans[i - 1]), nn.ReLU(inplace=True)))
        # Last layer: from the concatenated first-level features to the delta image, tanh (thesis §2.5.1).
        self.out = nn.ConvTranspose2d(2 * chans[0] if depth > 1 else chans[0], channels, 4, 2, 1)
        for m in self.modules():  # pix2pix init: N(0, 0.02)
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def delta(self, x: torch.Tensor, y_onehot: torch.Tensor) -> torch.Tensor:
        """The delta image in [-1, 1] for images x in [-1, 1] and one-hot targets (N, num_classes)."""
        n, _, hh, ww = x.shape
        pad = self.side - hh
        xp = F.pad(x, (0, self.side - ww, 0, pad), value=-1.0) if pad or self.side != ww else x
        lab = y_onehot.to(x.dtype)[:, :, None, None].expand(n, self.num_classes, self.side, self.side)
        h = torch.cat([xp, lab], 1)
        skips = []
        for layer in self.down:
            h = layer(h)
            skips.append(h)
        skips.pop()  # the bottleneck is the decoder's input, not a skip
        for layer in self.up:
            h = layer(h)
            h = torch.cat([h, skips.pop()], 1)
        d = torch.tanh(self.out(h))
        return d[..., :hh, :ww]

    def forward(self, x: torch.Tensor, y_onehot: torch.Tensor) -> torch.Tensor:
        """G(y_t, x) = clip(x + delta, -1, 1): the modified image."""
        return (x + self.delta(x, y_onehot)).clamp(-1.0, 1.0)
