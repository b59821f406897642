"""GAN (Goodfellow et al. 2014), Algorithm 1 of [S0] §2.2 with k = 1 discriminator step."""
from __future__ import annotations

import torch

from ..losses import gan_discriminator_loss, gan_generator_loss
from ..losses.fgan import fgan_critic_loss, fgan_generator_loss, get_divergence
from ..nets import build_critic, build_generator
from ..registry import register_method
from .base import GenerativeMethod, frozen


class _GANBase(GenerativeMethod):
    """GAN and DCGAN share this file's training step; DCGAN differs only in its preset (below)."""

    def __init__(self, config, data_info):
        super().__init__(config, data_info)
        self.generator = build_generator(config.arch, data_info, config.z_dim, config.width,
                                         batchnorm=config.g_batchnorm, small=config.g_small)
        self.critic = build_critic(config.arch, data_info, config.width, norm="batch")  # D, as logits
        # f-GAN: the critic's raw output is V, and T = g_f(V) (f-GAN eq. 7); None: the plain GAN.
        self.fdiv = None if config.divergence == "none" else get_divergence(config.divergence)

    def configure_optimizers(self):
        c = self.config
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        opt_d = torch.optim.Adam(self.critic.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        return opt_g, opt_d

    def training_step(self, batch, batch_idx):
        x, _ = batch
        m = x.shape[0]
        opt_g, opt_d = self.optimizers()

        # Alg. 1 lines 3-5: ascend (1/m) sum [log D(x_i) + log(1 - D(G(z_i)))], i.e. descend its negative.
        # f-GAN Alg. 1 line 3: ascend F = E_P[g_f(V(x))] - E_Q[f*(g_f(V(G(z))))] (the "gan" row is this loss).
        fake = self.generator(self.noise(m)).detach()
        real_v, fake_v = self.critic(x), self.critic(fake)
        if self.fdiv is None:
            loss_d = gan_discriminator_loss(real_v, fake_v)
        else:
            loss_d = fgan_critic_loss(real_v, fake_v, self.fdiv)
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(loss_d)
        opt_d.step()
        self.record({"loss/critic": loss_d})
        if self.fdiv is not None:  # -loss_d is the variational lower bound on D_f(P || Q)
            self.record({"divergence/estimate": -loss_d})

        # Alg. 1 lines 7-8: one generator step after k discriminator steps.
        if self.is_generator_turn():
            with frozen(self.critic):
                fake_v = self.critic(self.generator(self.noise(m)))
                if self.fdiv is None:
                    loss_g = gan_generator_loss(fake_v, self.config.loss)
                else:  # Alg. 1 line 4 (minimax) or f-GAN §3.2's alternative (nonsaturating)
                    loss_g = fgan_generator_loss(fake_v, self.fdiv, self.config.loss)
            opt_g.zero_grad(set_to_none=True)
            self.manual_backward(loss_g)
            opt_g.step()
            self.record({"loss/generator": loss_g})


@register_method("gan")
class GAN(_GANBase):
    pass


@register_method("dcgan")
class DCGAN(_GANBase):
    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        # Radford et al. Fig. 1: "A 100 dimensional uniform distribution Z"; Newmu/dcgan_code draws
        # np_rng.uniform(-1., 1., size=(nbatch, nz)).
        if generator is None:
            return torch.rand(n, self.config.z_dim, device=self.device) * 2 - 1
        return (torch.rand(n, self.config.z_dim, generator=generator) * 2 - 1).to(self.device)
