"""GAN (Goodfellow et al. 2014), Algorithm 1 of seed 000 §2.2 with k = 1 discriminator step."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..losses import gan_discriminator_loss, gan_generator_loss
from ..losses.fgan import DIVERGENCES, fgan_critic_loss, fgan_generator_loss, get_divergence
from ..nets import build_critic, build_generator
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, MethodConfig, frozen


@dataclass
class GANConfig(MethodConfig):
    # Goodfellow et al. Alg. 1 uses k = 1 discriminator step per generator step ("the least expensive option").
    n_critic: int = 1
    # Goodfellow et al. §3: in practice G maximises log D(G(z)) (non-saturating); "minimax" is eq. 2.4 as printed.
    loss: str = "nonsaturating"
    # Goodfellow et al. leave the optimiser open ("any standard gradient-based learning rule"; they used
    # momentum SGD). We use Radford et al.'s Adam(2e-4, beta1 0.5), the setting later GAN work standardised on.
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    # f-GAN (Nowozin et al. 2016, seed 003 §1.7): train on the variational bound of an f-divergence
    # (kl, reverse-kl, pearson, neyman, hellinger, js, gan, tv; gan_zoo/losses/fgan.py). "none": the plain
    # GAN losses above. With a divergence, loss=nonsaturating is f-GAN §3.2's generator alternative,
    # loss=minimax the saddle point of eq. 7.
    divergence: str = "none"

    @classmethod
    def for_data(cls, info):
        # Points: 2-D noise into the MLPs of gan_zoo/nets/factory.py (seed 000 §5.1.1's topology).
        return cls(z_dim=2) if not info.is_image else cls()

    def validate(self):
        super().validate()
        if self.loss not in ("minimax", "nonsaturating"):
            raise GanZooError(f"loss must be minimax or nonsaturating, not '{self.loss}'")
        if self.divergence != "none" and self.divergence not in DIVERGENCES:
            raise GanZooError(f"unknown divergence '{self.divergence}'; known: none, {', '.join(DIVERGENCES)}")


class _GANBase(GenerativeMethod):
    """GAN and DCGAN share this file's training step; DCGAN differs only in its preset (below)."""

    def __init__(self, config, data_info):
        super().__init__(config, data_info)
        self.generator = build_generator(config.arch, data_info, config.z_dim, config.width)
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


@register_method("gan", GANConfig, "Goodfellow et al. 2014 (seed 000 §2.2, Alg. 1)",
                 "minimax / non-saturating GAN; MLP for points, DCGAN nets for images")
class GAN(_GANBase):
    pass


@dataclass
class DCGANConfig(GANConfig):
    # Radford et al. 2016 §4: Adam lr 0.0002, beta1 0.5, mini-batch 128, z in R^100, N(0, 0.02) init,
    # LeakyReLU slope 0.2 (in gan_zoo/nets/dcgan.py).
    batch_size: int = 128
    arch: str = "dcgan"

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            raise GanZooError("dcgan is an image architecture preset; for points use 'gan'")
        if tuple(info.shape[1:]) == (64, 64):
            # Radford et al. Fig. 1 (64 x 64 LSUN): 1024 -> 512 -> 256 -> 128 feature maps, i.e. base width
            # 128 (the discriminator mirrors it). 28/32 px keep the nets' base width 64 (no figure gives one).
            return cls(width=128)
        return cls()


@register_method("dcgan", DCGANConfig, "Radford, Metz & Chintala 2016 (seed 003 §1.4)",
                 "GAN with the DCGAN architecture guidelines and Adam(2e-4, 0.5)")
class DCGAN(_GANBase):
    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        # Radford et al. Fig. 1: "A 100 dimensional uniform distribution Z"; Newmu/dcgan_code draws
        # np_rng.uniform(-1., 1., size=(nbatch, nz)).
        if generator is None:
            return torch.rand(n, self.config.z_dim, device=self.device) * 2 - 1
        return (torch.rand(n, self.config.z_dim, generator=generator) * 2 - 1).to(self.device)
