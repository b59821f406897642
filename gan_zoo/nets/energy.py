"""Autoencoder discriminators for EBGAN (Zhao, Mathieu & LeCun 2017 §2.3; [P2]).

The discriminator's energy is the autoencoder's reconstruction error, D(x) = ||Dec(Enc(x)) - x||
(EB-P eq. 13), the per-sample Euclidean norm (the scale of the paper's margin m = 10). ``forward(x)`` returns that energy, one value per sample, so
the module can be drawn as a value surface like any critic; ``autoencode(x)`` returns
(codes, reconstruction) for the losses (the pull-away term needs the codes).

- points / flat vectors: ``MLPAutoEncoder``, fully connected, ReLU; the MNIST grid's nets are fully
  connected with nLayerD = Enc + Dec layers and "Dec always one layer" (EB-P §4.1, Table 1).
- images: ``ConvAutoEncoder``, strided 4x4 convolutions down and fractional-strided ones up (the DCGAN
  guidelines, [S3] §1.4). The paper's conv autoencoders are in its Appendix C, not available
  ([P2] "Not found"), so this is our DCGAN-style choice.

Decoders end linearly (no tanh): the energy of a fake must be able to reach the margin m = 10 (EB-P
§4.1) on any data, points of any scale included.
"""
from __future__ import annotations

import torch
from torch import nn

from .dcgan import dcgan_init


def _energy(x: torch.Tensor, rec: torch.Tensor) -> torch.Tensor:
    return (rec - x).flatten(1).norm(dim=1)


class MLPAutoEncoder(nn.Module):
    """in_dim -> [hidden, ReLU] x enc_depth -> code (ReLU) -> [hidden, ReLU] x (dec_depth - 1) -> in_dim."""

    def __init__(self, in_dim: int, hidden: int = 100, code_dim: int = 100, enc_depth: int = 2,
                 dec_depth: int = 2):
        super().__init__()
        enc, d = [], in_dim
        for _ in range(enc_depth - 1):
            enc += [nn.Linear(d, hidden), nn.ReLU()]
            d = hidden
        enc += [nn.Linear(d, code_dim), nn.ReLU()]
        self.encoder = nn.Sequential(*enc)
        dec, d = [], code_dim
        for _ in range(dec_depth - 1):
            dec += [nn.Linear(d, hidden), nn.ReLU()]
            d = hidden
        dec.append(nn.Linear(d, in_dim))
        self.decoder = nn.Sequential(*dec)

    def autoencode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        codes = self.encoder(x.flatten(1))
        return codes, self.decoder(codes).view_as(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _energy(x, self.autoencode(x)[1])


class ConvAutoEncoder(nn.Module):
    """(C, s, s) -> conv 4x4/2 (w) -> conv 4x4/2 (2w) [-> 4w ...] = code map -> mirrored transposed convs."""

    def __init__(self, channels: int = 1, size: int = 28, width: int = 64):
        super().__init__()
        downs = {28: 2, 32: 3, 64: 4}.get(size)
        if downs is None:
            raise ValueError(f"the EBGAN conv autoencoder supports 28, 32 and 64 px, not {size}")
        enc, ch_in, ch = [], channels, width
        for i in range(downs):
            enc.append(nn.Conv2d(ch_in, ch, 4, 2, 1, bias=(i == 0)))
            if i > 0:
                enc.append(nn.BatchNorm2d(ch))
            enc.append(nn.LeakyReLU(0.2, True))
            ch_in, ch = ch, ch * 2
        self.encoder = nn.Sequential(*enc)
        dec, ch = [], ch_in
        for _ in range(downs - 1):
            dec += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ch // 2), nn.ReLU(True)]
            ch //= 2
        dec.append(nn.ConvTranspose2d(ch, channels, 4, 2, 1))  # linear output (see the module docstring)
        self.decoder = nn.Sequential(*dec)
        dcgan_init(self)

    def autoencode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        codes = self.encoder(x)
        return codes.flatten(1), self.decoder(codes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _energy(x, self.autoencode(x)[1])


class MLPImageGenerator(nn.Module):
    """Fully connected generator for images (EB-P §4.1's MNIST grid): z -> [size, ReLU] x depth -> tanh."""

    def __init__(self, z_dim: int, shape: tuple, hidden: int = 1600, depth: int = 4):
        super().__init__()
        out = 1
        for s in shape:
            out *= s
        layers, d = [], z_dim
        for _ in range(depth):
            layers += [nn.Linear(d, hidden), nn.BatchNorm1d(hidden), nn.ReLU(True)]
            d = hidden
        layers += [nn.Linear(d, out), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.shape = tuple(shape)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.flatten(1)).view(-1, *self.shape)
