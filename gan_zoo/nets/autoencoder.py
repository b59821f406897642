"""Deterministic (and Gaussian) encoders and decoders for the autoencoder-based models.

Architectures (Tolstikhin et al. 2018, WAE; [S2] "Encoder/Decoder architecture"; [P5]):

- points: MLP, ``hidden`` units x ``depth`` ReLU layers each way (width 100, depth 4 as the toy nets of
  [S0] §5.1.1, the foundation's MLP default; the WAE paper has no 2-D experiments).
- 28 / 32 px ("DCGAN-like", the WAE code's MNIST nets `dcgan_encoder` / `dcgan_mod` decoder):
  encoder 4 convolutions 4x4 stride 2 with w, 2w, 4w, 8w channels (w = 128 in the paper: 128 -> 1024),
  BN, ReLU, then FC -> d_z. Decoder FC -> s x s x 8w (s = 7 for 28 px, 4 for 32 px), fractional-strided
  4x4 convolutions halving the channels up to the image size, BN, ReLU, then a stride-1 transposed
  convolution to C channels.
- 64 px (the seed's CelebA nets): encoder Conv_128 -> Conv_256 -> Conv_512 -> Conv_1024 (5x5, stride 2,
  BN, ReLU) -> FC_64; decoder FC_{8x8x1024} -> FSConv_512 -> FSConv_256 -> FSConv_128 (BN, ReLU) ->
  FSConv_C (5x5 kernels, WAE code `conv_filters_dim = 5` for CelebA).

The decoder ends in tanh: images in gan_zoo live in [-1, 1] (the WAE code uses tanh for CelebA in
[-1, 1]; its MNIST sigmoid is for [0, 1] inputs). Points decode linearly.

``width`` (w) scales every conv layer; 0 means the paper's 128. Weights start from N(0, 0.01²)
(WAE code init std 0.01, [P5] "Other code settings").

The Gaussian encoder (VAE, Kingma & Welling 2014; [S2] §1.3) is the same network with 2·d_z outputs,
read as (mean, log-variance).
"""
from __future__ import annotations

import torch
from torch import nn

from ..registry import GanZooError

# Tolstikhin et al. (WAE code): e_num_filters = g_num_filters = 1024 at the widest layer = 8 x 128.
PAPER_WIDTH = 128
# Points: [S0] §5.1.1 toy MLP (4 hidden layers of 100 units), as nets/factory.py.
MLP_WIDTH, MLP_DEPTH = 100, 4
# WAE code: init std 0.01.
INIT_STD = 0.01


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def _geometry(size: int) -> tuple[int, int, int]:
    """(kernel, decoder start side, number of x2 upsamplings) for a square image side."""
    if size == 28:
        return 4, 7, 2  # WAE code MNIST: 7x7x1024 -> 14 -> 28, then a stride-1 deconv
    if size == 32:
        return 4, 4, 3  # the same pattern for 32 px: 4 -> 8 -> 16 -> 32
    if size == 64:
        return 5, 8, 3  # [S2] CelebA: 8x8x1024 -> 16 -> 32 -> 64 (FSConv 512, 256, 128)
    raise GanZooError(f"autoencoder nets support 28, 32 and 64 px images, not {size} px")


def _init(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, INIT_STD)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def _mlp(d_in: int, d_out: int, hidden: int, depth: int) -> nn.Sequential:
    layers, d = [], d_in
    for _ in range(depth):
        layers += [nn.Linear(d, hidden), nn.ReLU(True)]
        d = hidden
    layers.append(nn.Linear(d, d_out))
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    """x -> z (deterministic). ``out_dim`` = d_z, or 2·d_z inside the Gaussian encoder."""

    def __init__(self, shape: tuple, out_dim: int, width: int = 0):
        super().__init__()
        self.shape = tuple(shape)
        if len(self.shape) == 1:
            self.body = nn.Identity()
            self.head = _mlp(self.shape[0], out_dim, width or MLP_WIDTH, MLP_DEPTH)
            return
        c, h, w = self.shape
        if h != w:
            raise GanZooError(f"autoencoder nets need square images, got {h}x{w}")
        k, _, _ = _geometry(h)
        ch = width or PAPER_WIDTH
        layers, c_in = [], c
        for i in range(4):  # WAE: 4 conv layers, channels w, 2w, 4w, 8w, stride 2, BN, ReLU
            c_out = ch * 2 ** i
            layers += [nn.Conv2d(c_in, c_out, k, 2, (k - 1) // 2, bias=False), nn.BatchNorm2d(c_out),
                       nn.ReLU(True)]
            c_in = c_out
        self.body = nn.Sequential(*layers)
        with torch.no_grad():
            flat = self.body(torch.zeros(2, *self.shape)).flatten(1).shape[1]
        self.head = nn.Linear(flat, out_dim)
        _init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x).flatten(1))


class GaussianEncoder(nn.Module):
    """x -> (mean, log-variance) of q(z|x) = N(mean, diag(exp(logvar))) (Kingma & Welling 2014, §3 / App. C.2)."""

    def __init__(self, shape: tuple, z_dim: int, width: int = 0):
        super().__init__()
        self.net = Encoder(shape, 2 * z_dim, width)
        self.z_dim = z_dim

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.net(x)
        return out[:, : self.z_dim], out[:, self.z_dim:]


class Decoder(nn.Module):
    """z -> x in data space: images in [-1, 1] (tanh), points unbounded."""

    def __init__(self, shape: tuple, z_dim: int, width: int = 0):
        super().__init__()
        self.shape = tuple(shape)
        self.z_dim = z_dim
        if len(self.shape) == 1:
            self.head = _mlp(z_dim, _numel(self.shape), width or MLP_WIDTH, MLP_DEPTH)
            self.body = None
            return
        c, h, _ = self.shape
        k, start, ups = _geometry(h)
        ch = (width or PAPER_WIDTH) * 8  # 1024 in the paper
        self.start, self.top = start, ch
        self.head = nn.Sequential(nn.Linear(z_dim, ch * start * start), nn.ReLU(True))
        layers = []
        for _ in range(ups):  # fractional-strided convs, channels halve, side doubles
            layers += [nn.ConvTranspose2d(ch, ch // 2, k, 2, (k - 1) // 2, output_padding=k % 2, bias=False),
                       nn.BatchNorm2d(ch // 2), nn.ReLU(True)]
            ch //= 2
        # the last, stride-1 transposed convolution to the image's channels ([S2]: "FSConv_1");
        # with an even kernel (4x4) it grows the side by one, cropped back.
        layers.append(nn.ConvTranspose2d(ch, c, k, 1, (k - 1) // 2))
        if k % 2 == 0:
            layers.append(_CropTo(h))
        layers.append(nn.Tanh())
        self.body = nn.Sequential(*layers)
        _init(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if self.body is None:
            return self.head(z).view(z.shape[0], *self.shape)
        return self.body(self.head(z).view(z.shape[0], self.top, self.start, self.start))


class _CropTo(nn.Module):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[..., : self.size, : self.size]


def build_autoencoder(info, z_dim: int, width: int = 0, gaussian: bool = False) -> tuple[nn.Module, nn.Module]:
    """(encoder, decoder) for ``info``'s data shape. ``gaussian``: the encoder returns (mean, logvar)."""
    shape = tuple(info.shape)
    if z_dim < 1:
        raise GanZooError(f"z_dim must be >= 1, got {z_dim}")
    if width < 0:
        raise GanZooError(f"width must be >= 0, got {width}")
    enc = GaussianEncoder(shape, z_dim, width) if gaussian else Encoder(shape, z_dim, width)
    return enc, Decoder(shape, z_dim, width)
