"""Fully connected generator / critic for 2-D points (and any flat vectors)."""
from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": lambda: nn.LeakyReLU(0.2), "elu": nn.ELU}


class MLP(nn.Module):
    """in_dim -> [hidden -> act] x depth -> out_dim (linear output)."""

    def __init__(self, in_dim: int, out_dim: int, hidden: int = 512, depth: int = 3, activation: str = "relu"):
        super().__init__()
        layers, d = [], in_dim
        for _ in range(depth):
            layers += [nn.Linear(d, hidden), ACTIVATIONS[activation]()]
            d = hidden
        layers.append(nn.Linear(d, out_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1))


class MLPCritic(MLP):
    """A critic / discriminator: one raw score per input (no sigmoid; losses take logits)."""

    def __init__(self, in_dim: int = 2, hidden: int = 512, depth: int = 3, activation: str = "relu"):
        super().__init__(in_dim, 1, hidden, depth, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x).squeeze(-1)


class Maxout(nn.Module):
    """A maxout layer (Goodfellow et al. 2013): ``pieces`` linear maps, the elementwise max of them."""

    def __init__(self, in_dim: int, out_dim: int, pieces: int):
        super().__init__()
        self.out_dim, self.pieces = out_dim, pieces
        self.linear = nn.Linear(in_dim, out_dim * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(*x.shape[:-1], self.out_dim, self.pieces).amax(-1)


class PacGANGenerator(nn.Module):
    """PacGAN's 2-D generator (fjxmlzn/PacGAN synthetic_data_experiments/*/pacgan_task.py `decoder`):
    z -> 4 x [Linear(400, no bias) -> BatchNorm -> ReLU] -> Linear(2) with a bias; weights N(0, 0.02^2)."""

    def __init__(self, z_dim: int = 2, out_dim: int = 2, hidden: int = 400, depth: int = 4):
        super().__init__()
        layers, d = [], z_dim
        for _ in range(depth):
            layers += [nn.Linear(d, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU()]
            d = hidden
        layers.append(nn.Linear(d, out_dim))
        self.net = nn.Sequential(*layers)
        for m in self.modules():  # config.py: weights_init IsotropicGaussian(0.02), biases Constant(0)
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class PacGANDiscriminator(nn.Module):
    """PacGAN's 2-D discriminator (pacgan_task.py `discriminator`, packing 1): 3 maxout layers of 200 units
    with 5 pieces, then Linear(1); weights N(0, 0.02^2), biases 0. Returns logits."""

    def __init__(self, in_dim: int = 2, hidden: int = 200, pieces: int = 5, depth: int = 3):
        super().__init__()
        layers, d = [], in_dim
        for _ in range(depth):
            layers.append(Maxout(d, hidden, pieces))
            d = hidden
        layers.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*layers)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.02)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1)).squeeze(-1)
