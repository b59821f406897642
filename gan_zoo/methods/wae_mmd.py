"""WAE-MMD (Tolstikhin et al. 2018, Alg. 2; [S2] Algorithm 2, [N2] §1.8).

A deterministic encoder Q_phi and decoder G_theta minimise, per batch of n images and n prior draws,

    (1/n) sum_i c(x_i, G(z~_i)) + lambda * pen_MMD(z, z~),      z~_i = Q(x_i),  z_i ~ P_Z = N(0, sigma_z^2 I)

with c the squared L2 distance and pen_MMD Alg. 2's estimate (gan_zoo/losses/mmd.py). Samples are G(z), z ~ P_Z.
"""
from __future__ import annotations

import torch

from ..configs.wae_mmd import WAEMMDConfig
from ..losses.mmd import mmd_penalty
from ..registry import register_method
from .wae_family import WAEMethod


@register_method("wae-mmd")
class WAEMMD(WAEMethod):
    def __init__(self, config: WAEMMDConfig, data_info):
        super().__init__(config, data_info)
        self.scales = tuple(float(s) for s in config.kernel_scales.split(","))

    def configure_optimizers(self):
        c = self.config
        return torch.optim.Adam(self.autoencoder_parameters(), lr=c.lr, betas=(c.beta1, c.beta2))

    def training_step(self, batch, batch_idx):
        x, _ = batch
        n = x.shape[0]
        opt = self.optimizers()
        c = self.config

        # Alg. 2: sample x_1..x_n, z_1..z_n ~ P_Z, z~_i = Q(x_i) (deterministic encoder).
        z = self.noise(n)
        z_tilde = self.encoder(x)
        # Descend (1/n) sum c(x_i, G(z~_i)) + lambda * pen(z, z~).
        recon = self.reconstruction_cost(x, self.decoder(z_tilde))
        penalty = mmd_penalty(z, z_tilde, c.kernel, c.sigma_z ** 2, self.scales)
        loss = recon + c.lam * penalty
        opt.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        opt.step()
        self.record({"loss/reconstruction": recon, "penalty/mmd": penalty, "loss/generator": loss})
