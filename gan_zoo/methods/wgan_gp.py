"""WGAN-GP (Gulrajani et al. 2017, Alg. 1; seed 000 §2.3.3 Alg. 3)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..losses import gradient_penalty, interpolate, wasserstein_critic_loss, wasserstein_generator_loss
from ..nets import build_critic, build_generator, resolve_arch
from ..registry import register_method
from .base import GenerativeMethod, MethodConfig, frozen


@dataclass
class WGANGPConfig(MethodConfig):
    # Gulrajani et al. Alg. 1 defaults: lambda = 10, n_critic = 5, Adam alpha = 1e-4, beta1 = 0, beta2 = 0.9.
    # (Seed 000's Alg. 3 header prints beta1 = 0.5, and its toy runs use lambda_gp = 0.1 (§5.1.1);
    # `--set beta1=0.5 gp_weight=0.1` reproduces those.)
    gp_weight: float = 10.0
    n_critic: int = 5
    lr: float = 1e-4
    beta1: float = 0.0
    beta2: float = 0.9
    # Gulrajani et al. App. F (CIFAR-10 ResNet): batch 64.
    batch_size: int = 64

    @classmethod
    def for_data(cls, info):
        return cls(z_dim=2) if not info.is_image else cls()


@register_method("wgan-gp", WGANGPConfig, "Gulrajani et al. 2017 (seed 000 §2.3.3, Alg. 3)",
                 "Wasserstein GAN with the two-sided gradient penalty on real/fake interpolates")
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
        return opt_g, opt_d

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

        # Alg. 1 lines 11-12: after n_critic critic steps, G descends -E D(G(z)).
        if self.is_generator_turn():
            with frozen(self.critic):
                loss_g = wasserstein_generator_loss(self.critic(self.generator(self.noise(m))))
            opt_g.zero_grad(set_to_none=True)
            self.manual_backward(loss_g)
            opt_g.step()
            self.record({"loss/generator": loss_g})
