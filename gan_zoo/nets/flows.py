"""NICE flows (Dinh et al. 2014; [S0] Ch. 3) and mixtures of them (Mixflow, [S0] §4.2).

Conventions ([S0] §6, the notes' implementation recipe):

- ``forward(x) -> (h, logdet)`` maps data to latent: the additive couplings in order,
  z_I2 = x_I2 - m(x_I1) (eq. 3.5 with the additive law of eq. 3.6), then the diagonal scaling
  h = exp(s) * z (eq. 3.7; placed data -> latent as in NICE's ``Homothety``, [A4]).
  Couplings have unit Jacobian, so log|det dh/dx| = sum(s).
- ``inverse(h)`` maps latent to data: z = exp(-s) * h, then the couplings backwards,
  x_I2 = z_I2 + m(z_I1).
- ``log_prob(x) = sum_d log p_base(h_d) + sum_d s_d`` (eq. 3.7), base standard Gaussian or standard
  logistic ([S0] §5.2: logistic for MNIST; §3.0.3: Gaussian, [A5]).
- Partitions alternate: layer k keeps the even indices and changes the odd ones, layer k+1 the
  reverse (for 2-D points: x1 then x2), so every coordinate is transformed.

Data of any shape are flattened to vectors of D = prod(shape) entries; ``inverse`` and ``sample``
return the data shape. No Lightning here.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ..configs.choices import FLOW_BASES as BASES  # the names the light config checks too
from ..configs.choices import FLOW_COUPLINGS as COUPLINGS
from .mlp import MLP


# ----- base distributions -----------------------------------------------------------------------
def base_log_prob(h: torch.Tensor, base: str) -> torch.Tensor:
    """Elementwise log-density of the standard base distribution."""
    if base == "gaussian":
        return -0.5 * h * h - 0.5 * math.log(2 * math.pi)
    if base == "logistic":  # log p(h) = -softplus(h) - softplus(-h) ([S0] §6 item 2)
        return -F.softplus(h) - F.softplus(-h)
    raise ValueError(f"unknown base distribution '{base}' ({', '.join(BASES)})")


def base_sample(n: int, dim: int, base: str, generator: torch.Generator | None = None,
                device=None, dtype=torch.float32) -> torch.Tensor:
    if base == "gaussian":
        h = torch.randn(n, dim, generator=generator, dtype=dtype)
    elif base == "logistic":  # inverse CDF: h = log u - log(1 - u)
        u = torch.rand(n, dim, generator=generator, dtype=dtype).clamp_(1e-6, 1 - 1e-6)
        h = torch.log(u) - torch.log1p(-u)
    else:
        raise ValueError(f"unknown base distribution '{base}' ({', '.join(BASES)})")
    return h.to(device) if device is not None else h


# ----- coupling networks m(.) -----------------------------------------------------------------------
class CNNCouplingNet(nn.Module):
    """[S0] §5.2's CNN coupling function: FC -> FC (maps x H/4 x W/4) -> 4x4 conv, `maps` feature
    maps (BN + ReLU) -> 4x4 conv, C maps. The convs are transposed with stride 2 (7 -> 14 -> 28), our
    reading of [A13]; the full-size output is cut to the coordinates this layer changes."""

    def __init__(self, in_dim: int, out_idx: torch.Tensor, image_shape: tuple, fc: int = 1000, maps: int = 64):
        super().__init__()
        c, h, w = image_shape
        if h % 4 or w % 4:
            raise ValueError(f"CNN coupling needs image sides divisible by 4, got {h}x{w}")
        self.maps, self.h4, self.w4 = maps, h // 4, w // 4
        self.fc = nn.Sequential(nn.Linear(in_dim, fc), nn.ReLU(), nn.Linear(fc, maps * self.h4 * self.w4), nn.ReLU())
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(maps, maps, 4, 2, 1), nn.BatchNorm2d(maps), nn.ReLU(),
            nn.ConvTranspose2d(maps, c, 4, 2, 1),
        )
        self.register_buffer("out_idx", out_idx.clone(), persistent=False)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        y = self.deconv(self.fc(v).view(-1, self.maps, self.h4, self.w4))
        return y.flatten(1).index_select(1, self.out_idx)


class AdditiveCoupling(nn.Module):
    """x_I1 = z_I1, x_I2 = z_I2 + m(z_I1) ([S0] eqs. 3.3, 3.6); unit Jacobian determinant."""

    def __init__(self, keep: torch.Tensor, change: torch.Tensor, net: nn.Module):
        super().__init__()
        self.register_buffer("keep", keep.clone(), persistent=False)
        self.register_buffer("change", change.clone(), persistent=False)
        self.net = net

    def _shift(self, v: torch.Tensor) -> torch.Tensor:
        return self.net(v.index_select(1, self.keep))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # data -> latent (eq. 3.5)
        out = x.clone()
        out[:, self.change] = x[:, self.change] - self._shift(x)
        return out

    def inverse(self, z: torch.Tensor) -> torch.Tensor:  # latent -> data (eq. 3.3)
        out = z.clone()
        out[:, self.change] = z[:, self.change] + self._shift(z)
        return out


class NICE(nn.Module):
    """A NICE flow: additive couplings with alternating partitions and a diagonal scaling layer.

    ``hidden``/``depth``: the MLP coupling net's hidden width and number of hidden layers (linear output).
    ``coupling='cnn'`` needs ``shape=(C, H, W)``; ``cnn_fc``/``cnn_maps`` are its FC width and maps.
    """

    def __init__(self, shape: tuple | int, n_coupling: int = 4, hidden: int = 100, depth: int = 4,
                 base: str = "gaussian", coupling: str = "mlp", cnn_fc: int = 1000, cnn_maps: int = 64):
        super().__init__()
        self.shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.dim = int(math.prod(self.shape))
        if self.dim < 2:
            raise ValueError("NICE needs at least 2 dimensions")
        if base not in BASES:
            raise ValueError(f"unknown base distribution '{base}' ({', '.join(BASES)})")
        if coupling not in COUPLINGS:
            raise ValueError(f"unknown coupling net '{coupling}' ({', '.join(COUPLINGS)})")
        if coupling == "cnn" and len(self.shape) != 3:
            raise ValueError("the CNN coupling net needs image data (C, H, W)")
        self.base = base
        idx = torch.arange(self.dim)
        even, odd = idx[0::2], idx[1::2]
        layers = []
        for k in range(n_coupling):
            keep, change = (even, odd) if k % 2 == 0 else (odd, even)
            if coupling == "mlp":
                net = MLP(len(keep), len(change), hidden=hidden, depth=depth)
            else:
                net = CNNCouplingNet(len(keep), change, self.shape, fc=cnn_fc, maps=cnn_maps)
            layers.append(AdditiveCoupling(keep, change, net))
        self.layers = nn.ModuleList(layers)
        # Diagonal scaling S = exp(s), s = 0 at the start (NICE's Homothety parametrises it as exp(D)).
        self.log_scale = nn.Parameter(torch.zeros(self.dim))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Data -> latent: (h, log|det dh/dx|) per sample."""
        z = x.reshape(x.shape[0], self.dim)
        for layer in self.layers:
            z = layer(z)
        h = z * torch.exp(self.log_scale)
        return h, self.log_scale.sum().expand(x.shape[0])

    def inverse(self, h: torch.Tensor) -> torch.Tensor:
        """Latent -> data, in the data shape."""
        z = h * torch.exp(-self.log_scale)
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z.reshape(h.shape[0], *self.shape)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log p(x) per sample ([S0] eq. 3.7)."""
        h, logdet = self.forward(x)
        return base_log_prob(h, self.base).sum(1) + logdet

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """x = g(h), h ~ base; differentiable in the flow's parameters (reparametrisation)."""
        p = self.log_scale
        return self.inverse(base_sample(n, self.dim, self.base, generator, p.device, p.dtype))


class MixtureOfFlows(nn.Module):
    """Mixflow ([S0] §4.2): T flows with their own parameters and mixture weights p(c=i).

    The weights are held as logits, p(c) = softmax(logits) (eq. 4.9); EM training writes
    log p(c) into them directly, which is the same distribution.
    """

    def __init__(self, flows: list[nn.Module]):
        super().__init__()
        if len(flows) < 1:
            raise ValueError("a mixture needs at least one flow")
        self.flows = nn.ModuleList(flows)
        self.logits = nn.Parameter(torch.zeros(len(flows)))  # uniform weights at the start

    @property
    def num_components(self) -> int:
        return len(self.flows)

    def log_weights(self) -> torch.Tensor:
        return torch.log_softmax(self.logits, 0)

    def weights(self) -> torch.Tensor:
        return torch.softmax(self.logits, 0)

    @torch.no_grad()
    def set_weights(self, w: torch.Tensor) -> None:
        self.logits.copy_(torch.log(w.clamp_min(1e-12)))

    def component_log_probs(self, x: torch.Tensor) -> torch.Tensor:
        """(N, T): log p(x | c=i) (eq. 4.1)."""
        return torch.stack([f.log_prob(x) for f in self.flows], 1)

    def log_prob(self, x: torch.Tensor, log_weights: torch.Tensor | None = None) -> torch.Tensor:
        """log p(x) = logsumexp_i [log p(c=i) + log p(x|c=i)] (eq. 4.2)."""
        lw = self.log_weights() if log_weights is None else log_weights
        return torch.logsumexp(self.component_log_probs(x) + lw, 1)

    def posterior(self, x: torch.Tensor) -> torch.Tensor:
        """(N, T): p(c=i | x) (eq. 4.5), the E-step and PGAN's critic weights (eq. 4.13)."""
        return torch.softmax(self.component_log_probs(x) + self.log_weights(), 1)

    def sample(self, n: int, generator: torch.Generator | None = None,
               components: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(x, c): c ~ p(c) (or the given components), x = g_c(h), h ~ base. Differentiable in the
        flows' parameters; c is a discrete draw and carries no gradient to the weights."""
        dev = self.logits.device
        if components is None:
            w = self.weights().detach().float().cpu()
            components = torch.multinomial(w, n, replacement=True, generator=generator)
        components = components.to(dev)
        first = self.flows[0]
        h = base_sample(n, first.dim, first.base, generator, dev, self.logits.dtype)
        x = torch.zeros(n, *first.shape, device=dev, dtype=h.dtype)
        for i, flow in enumerate(self.flows):
            mask = components == i
            if bool(mask.any()):
                x = x.index_put((mask,), flow.inverse(h[mask]))
        return x, components


# ----- data helpers shared by the flow methods -------------------------------------------------------
def dequantize(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Uniform dequantisation of 8-bit images given in [-1, 1]: x01 <- (255 x01 + U(0,1)) / 256, then back
    to [-1, 1] (NICE's Dequantizer, [P9]; FlowGAN does the same, §8)."""
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype).to(x.device) if generator is not None \
        else torch.rand_like(x)
    x255 = (x + 1) * 127.5
    return (x255 + u) / 256.0 * 2 - 1


def held_out(test_set, n: int, seed: int = 2**31 - 1) -> torch.Tensor:
    """A fixed held-out batch: n fresh points from a toy set (a seed training never uses) or the first n
    test images in [-1, 1], dequantised with a fixed generator so nll/test is comparable across steps."""
    g = torch.Generator().manual_seed(seed)
    if test_set.kind == "points":
        return test_set.sample(n, g)[0]
    x = test_set.to_float(torch.arange(min(n, len(test_set))))
    return dequantize(x, g)
