"""WGAN with weight clipping (Arjovsky, Chintala & Bottou 2017, Alg. 1; seed 000 §2.3.3 Alg. 2)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..losses import clip_weights_, wasserstein_critic_loss, wasserstein_generator_loss
from ..nets import build_critic, build_generator
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, MethodConfig, frozen


@dataclass
class WGANConfig(MethodConfig):
    # Seed 000 Alg. 2 header = Arjovsky et al. Alg. 1 defaults: c = 0.01, lr = 5e-5 (RMSProp),
    # n_critic = 5, m = 64.
    clip: float = 0.01
    lr: float = 5e-5
    n_critic: int = 5
    batch_size: int = 64
    # The official code's critic schedule (martinarjovsky/WassersteinGAN main.py: "if gen_iterations
    # < 25 or gen_iterations % 500 == 0: Diters = 100"): 100 critic steps before each of the first 25
    # generator steps and before every 500th, so the critic is near its optimum before G follows its
    # gradient (Arjovsky et al. §3: the critic should be trained "till optimality").
    # critic_boost=0 turns it off (n_critic for every step, Alg. 1 as printed).
    critic_boost: int = 100
    boost_first: int = 25
    boost_every: int = 500

    @classmethod
    def for_data(cls, info):
        return cls(z_dim=2) if not info.is_image else cls()

    def validate(self):
        super().validate()
        if self.clip <= 0:
            raise GanZooError(f"clip must be > 0, got {self.clip}")
        if self.critic_boost < 0 or self.boost_first < 0 or self.boost_every < 0:
            raise GanZooError("critic_boost, boost_first and boost_every must be >= 0 (critic_boost=0: no boost)")


@register_method("wgan", WGANConfig, "Arjovsky, Chintala & Bottou 2017 (seed 000 §2.3.3, Alg. 2)",
                 "Wasserstein GAN, critic Lipschitz by weight clipping to [-c, c], RMSProp")
class WGAN(GenerativeMethod):
    def __init__(self, config: WGANConfig, data_info):
        super().__init__(config, data_info)
        self.generator = build_generator(config.arch, data_info, config.z_dim, config.width)
        # Arjovsky et al. kept the DCGAN critic with batch norm; only the final sigmoid is removed.
        self.critic = build_critic(config.arch, data_info, config.width, norm="batch")

    def critic_steps(self, generator_step: int) -> int:
        c = self.config
        boosted = generator_step < c.boost_first or (c.boost_every > 0 and generator_step % c.boost_every == 0)
        return c.critic_boost if c.critic_boost and boosted else c.n_critic

    def configure_optimizers(self):
        # Arjovsky et al. §3: RMSProp, since momentum-based optimisers (Adam) made the critic unstable.
        opt_g = torch.optim.RMSprop(self.generator.parameters(), lr=self.config.lr)
        opt_d = torch.optim.RMSprop(self.critic.parameters(), lr=self.config.lr)
        return opt_g, opt_d

    def training_step(self, batch, batch_idx):
        x, _ = batch
        m = x.shape[0]
        opt_g, opt_d = self.optimizers()

        # Alg. 2 lines 3-6: critic ascends E f(x) - E f(G(z)), then w <- clip(w, -c, c).
        fake = self.generator(self.noise(m)).detach()
        loss_d = wasserstein_critic_loss(self.critic(x), self.critic(fake))
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(loss_d)
        opt_d.step()
        clip_weights_(self.critic, self.config.clip)
        self.record({"loss/critic": loss_d, "wasserstein/estimate": -loss_d})

        # Alg. 2 lines 8-9: after n_critic critic steps (critic_steps(): 100 early on), G descends -E f(G(z)).
        if self.is_generator_turn():
            with frozen(self.critic):
                loss_g = wasserstein_generator_loss(self.critic(self.generator(self.noise(m))))
            opt_g.zero_grad(set_to_none=True)
            self.manual_backward(loss_g)
            opt_g.step()
            self.record({"loss/generator": loss_g})
