"""WAE-GAN (Tolstikhin et al. 2018, Alg. 1; [S2] Algorithm 1, [N2] §1.8, §4.2).

A deterministic encoder Q_phi, decoder G_theta and a latent adversary D_gamma that sees latent codes only:

    D ascends   (lambda/n) sum_i log D(z_i) + log(1 - D(z~_i))          z_i ~ P_Z = N(0, sigma_z^2 I), z~_i = Q(x_i)
    Q, G descend (1/n) sum_i c(x_i, G(z~_i)) - lambda * log D(z~_i)      (the non-saturating term)

c is the squared L2 distance. The adversary is ``self.latent_critic`` (not ``self.critic``: it lives in
latent space, so the data-space pictures must not draw it). Samples are G(z), z ~ P_Z.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..configs.wae_gan import WAEGANConfig
from ..registry import register_method
from .base import frozen
from .wae_family import WAEMethod


def latent_adversary(z_dim: int, width: int, depth: int) -> nn.Sequential:
    """z -> depth x (FC_width, ReLU) -> FC_1: one logit per code ([S2] WAE-GAN adversary)."""
    layers, d = [], z_dim
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.ReLU(True)]
        d = width
    layers.append(nn.Linear(d, 1))
    return nn.Sequential(*layers)


@register_method("wae-gan")
class WAEGAN(WAEMethod):
    def __init__(self, config: WAEGANConfig, data_info):
        super().__init__(config, data_info)
        self.latent_critic = latent_adversary(config.z_dim, config.adv_width, config.adv_depth)

    def configure_optimizers(self):
        c = self.config
        opt_ae = torch.optim.Adam(self.autoencoder_parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        opt_d = torch.optim.Adam(self.latent_critic.parameters(), lr=c.adv_lr, betas=(c.beta1, c.beta2))
        return opt_ae, opt_d

    def training_step(self, batch, batch_idx):
        x, _ = batch
        n = x.shape[0]
        opt_ae, opt_d = self.optimizers()
        lam = self.config.lam

        # Alg. 1: sample x_1..x_n, z_1..z_n ~ P_Z, and z~_i = Q(x_i).
        z = self.noise(n)
        z_tilde = self.encoder(x)

        # Update D by ascending (lambda/n) sum log D(z_i) + log(1 - D(z~_i)), i.e. descending
        # lambda * [softplus(-logit(z)) + softplus(logit(z~))] (prior codes labelled real). D sees codes only.
        d_loss = F.softplus(-self.latent_critic(z)).mean() + F.softplus(self.latent_critic(z_tilde.detach())).mean()
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(lam * d_loss)
        opt_d.step()
        self.record({"loss/critic": d_loss})

        # Update Q and G by descending (1/n) sum c(x_i, G(z~_i)) - lambda log D(z~_i), with D frozen.
        if self.is_generator_turn():
            recon = self.reconstruction_cost(x, self.decoder(z_tilde))
            with frozen(self.latent_critic):
                match = F.softplus(-self.latent_critic(z_tilde)).mean()  # -log D(z~) = softplus(-logit)
            loss = recon + lam * match
            opt_ae.zero_grad(set_to_none=True)
            self.manual_backward(loss)
            opt_ae.step()
            self.record({"loss/reconstruction": recon, "penalty/gan": match, "loss/generator": loss})
