"""What the two Wasserstein auto-encoders share (Tolstikhin et al. 2018; [S2] §1.8, [N2] §4.2).

WAE-MMD (Alg. 2) and WAE-GAN (Alg. 1) differ only in the divergence between Q_Z and P_Z; both have a
deterministic encoder Q_phi and decoder G_theta, the prior P_Z = N(0, sigma_z^2 I), the squared-L2
reconstruction cost, and sample G(z), z ~ P_Z. ``WAEMethod`` holds those (their config is
gan_zoo/configs/wae_family.py's ``WAEConfig``); each method file keeps its own divergence and its algorithm
in ``training_step``.
"""
from __future__ import annotations

import torch

from ..configs.wae_family import WAEConfig
from ..nets.autoencoder import build_autoencoder
from .base import GenerativeMethod, evaluating


class WAEMethod(GenerativeMethod):
    """Encoder, decoder, the prior P_Z and the reconstruction cost of a WAE."""

    def __init__(self, config: WAEConfig, data_info):
        super().__init__(config, data_info)
        self.encoder, self.decoder = build_autoencoder(data_info, config.z_dim, config.width)

    def autoencoder_parameters(self) -> list:
        return list(self.encoder.parameters()) + list(self.decoder.parameters())

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n draws from the prior P_Z = N(0, sigma_z^2 I)."""
        return self.config.sigma_z * super().noise(n, generator)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, **condition) -> torch.Tensor:
        with evaluating(self.decoder):
            return self.decoder(self.noise(n, generator))

    def reconstruction_cost(self, x: torch.Tensor, x_rec: torch.Tensor) -> torch.Tensor:
        """(1/n) sum_i c(x_i, G(z~_i)), c = recon_scale * ||x - y||^2 over all coordinates."""
        return self.config.recon_scale * (x - x_rec).flatten(1).pow(2).sum(1).mean()
