"""WGAN-GP (Gulrajani et al. 2017, Alg. 1; [S0] §2.3.3 Alg. 3)."""
from __future__ import annotations

import torch

from ..configs.wgan_gp import WGANGPConfig
from ..losses import gradient_penalty, interpolate, wasserstein_critic_loss, wasserstein_generator_loss
from ..nets import build_critic, build_generator, resolve_arch
from ..registry import register_method
from .base import GenerativeMethod, frozen


@register_method("wgan-gp")
class WGANGP(GenerativeMethod):
    def __init__(self, config: WGANGPConfig, data_info):
        super().__init__(config, data_info)
        self.generator = build_generator(config.arch, data_info, config.z_dim, config.width)
        # Gulrajani et al. §4: no batch norm in the critic (the penalty is per sample); layer norm instead.
        norm = "layer" if resolve_arch(config.arch, data_info) == "dcgan" else "none"
        self.critic = build_critic(config.arch, data_info, config.width, norm=norm)

    def configure_optimizers(self):
        c = self.config
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        opt_d = torch.optim.Adam(self.critic.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        return self.with_lr_schedule((opt_g, opt_d), c.lr_schedule)

    def training_step(self, batch, batch_idx):
        x, _ = batch
        m = x.shape[0]
        opt_g, opt_d = self.optimizers()

        # Alg. 1 lines 4-9: L = D(x_tilde) - D(x) + lambda (||grad D(x_hat)||_2 - 1)^2, x_hat on the segment.
        fake = self.generator(self.noise(m)).detach()
        loss_w = wasserstein_critic_loss(self.critic(x), self.critic(fake))
        penalty = gradient_penalty(self.critic, interpolate(x, fake))
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(loss_w + self.config.gp_weight * penalty)
        opt_d.step()
        self.record({"loss/critic": loss_w, "penalty/gradient": penalty, "wasserstein/estimate": -loss_w})

        # Alg. 1 lines 11-12: after n_critic critic steps, G descends -E D(G(z)) (on gen_batch_multiple x m
        # samples: App. F's code draws 2 x 64).
        if self.is_generator_turn():
            with frozen(self.critic):
                z = self.noise(self.config.gen_batch_multiple * m)
                loss_g = wasserstein_generator_loss(self.critic(self.generator(z)))
            opt_g.zero_grad(set_to_none=True)
            self.manual_backward(loss_g)
            opt_g.step()
            self.record({"loss/generator": loss_g})
