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
