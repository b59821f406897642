"""InfoGAN networks (Chen et al. 2016, Table 1 / App. C.1; [P3]).

Images (MNIST, 28x28; any side divisible by 4 works the same way):

- D trunk: 4x4 conv 64, lReLU, stride 2 -> 4x4 conv 128, stride 2, BN, lReLU -> FC 1024, BN, lReLU;
  D head: FC -> 1 (a logit). Q head, sharing the whole trunk (IG-P §6): FC 128 - BN - lReLU - FC out.
- G: FC 1024, BN, ReLU -> FC (s/4)^2 x 128, BN, ReLU -> 4x4 upconv 64, stride 2, BN, ReLU -> 4x4 upconv C.
- BatchNorm comes *before* the nonlinearity, as in IG-C ``regularized_gan.py`` (``fc_batch_norm()`` then
  ``apply(leaky_rectify)``); IG-P Table 1 lists "lRELU. batchnorm" but does not fix the order. The order
  matters: with BN last in the trunk and real and fake batches passed separately (as IG-C does), a linear
  head on batch-normalised features gives every batch the same mean logit, so D cannot tell an all-real
  batch from an all-fake one (tests/test_infogan.py).
  The paper's output is a sigmoid for [0, 1] images; gan_zoo's images live in [-1, 1], so G ends in tanh
  (tanh(a) = 2 sigmoid(2a) - 1, the same family rescaled).
- lReLU leak 0.1 (IG-P App. C; the official code's default is 0.01, [P3] ⚠).
- Weights from N(0, 0.02) (IG-C ``custom_ops.py``).

``width`` scales every layer of the image nets: the paper's is 64 (conv 64/128, FC 1024 = 16 x 64); a
smaller width (e.g. 32: conv 32/64, FC 512) is ~3x cheaper on CPU (measured 0.6 vs 1.8 s per step at
batch 128) and is not the paper's net.

Points: the same shape with fully connected layers (2 -> 128 -> 128 trunk, Q head 128 -> out), our
choice: the paper has no 2-D experiment.
"""
from __future__ import annotations

import torch
from torch import nn

LEAK = 0.1  # IG-P App. C
PAPER_WIDTH = 64  # IG-P Table 1: conv 64 / 128, FC 1024


def _init(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class InfoGANGenerator(nn.Module):
    def __init__(self, in_dim: int, shape: tuple, width: int = PAPER_WIDTH):
        super().__init__()
        c, h, w = shape
        if h % 4 or w % 4:
            raise ValueError(f"the InfoGAN generator wants a side divisible by 4, not {h}x{w}")
        self.s = (h // 4, w // 4)
        self.ch = 2 * width  # 128 in the paper
        fc, grid = 16 * width, self.ch * self.s[0] * self.s[1]
        self.fc = nn.Sequential(
            nn.Linear(in_dim, fc), nn.BatchNorm1d(fc), nn.ReLU(True),
            nn.Linear(fc, grid), nn.BatchNorm1d(grid), nn.ReLU(True),
        )
        self.up = nn.Sequential(
            nn.ConvTranspose2d(self.ch, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(True),
            nn.ConvTranspose2d(width, c, 4, 2, 1), nn.Tanh(),
        )
        _init(self)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.up(self.fc(latent).view(-1, self.ch, *self.s))


class InfoGANDiscriminator(nn.Module):
    """Shared trunk with a D head (logit) and a Q head (code parameters). ``forward`` gives D's logit only."""

    def __init__(self, shape: tuple, q_dim: int, width: int = PAPER_WIDTH):
        super().__init__()
        if len(shape) == 3:
            c, h, w = shape
            self.trunk = nn.Sequential(
                nn.Conv2d(c, width, 4, 2, 1), nn.LeakyReLU(LEAK, True),
                nn.Conv2d(width, 2 * width, 4, 2, 1), nn.BatchNorm2d(2 * width), nn.LeakyReLU(LEAK, True),
                nn.Flatten(),
                nn.Linear(2 * width * (h // 4) * (w // 4), 16 * width), nn.BatchNorm1d(16 * width),
                nn.LeakyReLU(LEAK, True),
            )
            feat, q_hidden = 16 * width, 2 * width
        else:
            (d,) = shape
            self.trunk = nn.Sequential(nn.Linear(d, 128), nn.LeakyReLU(LEAK, True),
                                       nn.Linear(128, 128), nn.LeakyReLU(LEAK, True))
            feat, q_hidden = 128, 128
        self.d_head = nn.Linear(feat, 1)
        self.q_head = nn.Sequential(nn.Linear(feat, q_hidden), nn.BatchNorm1d(q_hidden), nn.LeakyReLU(LEAK, True),
                                    nn.Linear(q_hidden, q_dim)) if q_dim > 0 else None
        _init(self)

    def forward_with_q(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        h = self.trunk(x)
        q = self.q_head(h) if self.q_head is not None else None
        return self.d_head(h).squeeze(1), q

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.d_head(self.trunk(x)).squeeze(1)
