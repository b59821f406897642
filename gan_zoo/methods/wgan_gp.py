"""WGAN-GP (Gulrajani et al. 2017, Alg. 1; seed 000 §2.3.3 Alg. 3)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..losses import gradient_penalty, interpolate, wasserstein_critic_loss, wasserstein_generator_loss
from ..nets import build_critic, build_generator, resolve_arch
from ..registry import GanZooError, register_method
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
    # constant | linear (decay to 0 over the run's generator steps, App. F; see GenerativeMethod.with_lr_schedule)
    lr_schedule: str = "constant"
    # Samples per generator step, as a multiple of batch_size (gan_cifar_resnet.py GEN_BS_MULTIPLE).
    gen_batch_multiple: int = 1

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2)
        if tuple(info.shape) == (3, 32, 32):
            # 32-px colour (CIFAR-10, SVHN, 32-px folders): the App. F recipe, as igul222/improved_wgan_training
            # gan_cifar_resnet.py runs it: ResNet nets (DIM_G = DIM_D = 128, He-uniform init in
            # gan_zoo/nets/resnet.py), z in R^128, LR = 2e-4 with DECAY (linear to 0 over ITERS generator
            # iterations; here over --steps), BATCH_SIZE = 64 real, GEN_BS_MULTIPLE = 2 (128 fakes per
            # generator step), N_CRITIC = 5, Adam(beta1 0, beta2 0.9).
            return cls(arch="resnet", z_dim=128, lr=2e-4, lr_schedule="linear", gen_batch_multiple=2)
        return cls()

    def validate(self):
        super().validate()
        if self.lr_schedule not in GenerativeMethod.LR_SCHEDULES:
            raise GanZooError(f"lr_schedule must be one of {', '.join(GenerativeMethod.LR_SCHEDULES)}, "
                              f"not '{self.lr_schedule}'")
        if self.gen_batch_multiple < 1:
            raise GanZooError(f"gen_batch_multiple must be >= 1, got {self.gen_batch_multiple}")


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
