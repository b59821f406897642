"""WGAN with weight clipping (Arjovsky, Chintala & Bottou 2017, Alg. 1; [S0] §2.3.3 Alg. 2)."""
from __future__ import annotations

import torch

from ..configs.wgan import WGANConfig
from ..losses import clip_weights_, wasserstein_critic_loss, wasserstein_generator_loss
from ..nets import build_critic, build_generator
from ..registry import register_method
from .base import GenerativeMethod, frozen


@register_method("wgan")
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
