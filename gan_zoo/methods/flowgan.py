"""FlowGAN (Grover, Dhar, Ermon 2018; seed 000 §2.4.1 eq. 2.29): a NICE generator trained adversarially
with a WGAN-GP critic (dual form, seed 000 §6.1.6) plus lambda_ml times its exact NLL.

    min_G max_f  E_pd f(x) - E_pz f(G(z)) - lambda_gp GP - lambda_ml E_pd log p_G(x)        (eq. 2.29)

``ml_weight = 0`` is the thesis's "Single Flow GAN"; ``ml_weight = 1`` its "Single Flow GAN+ML" (§5.1.1).
"""
from __future__ import annotations

import torch

from ..configs.flowgan import FlowGANConfig
from ..losses import gradient_penalty, interpolate, wasserstein_critic_loss, wasserstein_generator_loss
from ..nets import build_critic, resolve_arch
from ..nets.flows import NICE, dequantize, held_out
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, evaluating, frozen


@register_method("flowgan")
class FlowGAN(GenerativeMethod):
    has_log_prob = True

    def __init__(self, config: FlowGANConfig, data_info):
        super().__init__(config, data_info)
        if config.coupling == "cnn" and not data_info.is_image:
            raise GanZooError("coupling=cnn needs image data (use coupling=mlp for points)")
        self.flow = NICE(data_info.shape, config.n_coupling, config.hidden, config.depth, config.base,
                         config.coupling, config.cnn_fc, config.cnn_maps)
        norm = "layer" if resolve_arch(config.arch, data_info) == "dcgan" else "none"
        self.critic = build_critic(config.arch, data_info, config.width, norm=norm)
        self._heldout = None

    def configure_optimizers(self):
        c = self.config
        opt_g = torch.optim.Adam(self.flow.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        opt_d = torch.optim.Adam(self.critic.parameters(), lr=c.critic_lr, betas=(c.beta1, c.beta2))
        return opt_g, opt_d

    def on_train_start(self):
        super().on_train_start()
        self._heldout = held_out(self.trainer.datamodule.test_dataset(), self.config.test_size).to(self.device)

    def _prepare(self, x):
        return dequantize(x) if self.data_info.is_image and self.config.dequantize else x

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        return self.flow.log_prob(x)

    @torch.no_grad()
    def sample(self, n, generator=None, **condition):
        with evaluating(self.flow):
            x = self.flow.sample(n, generator)
        return x.clamp(-1, 1) if self.data_info.is_image else x

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = self._prepare(x)
        m = x.shape[0]
        c = self.config
        opt_g, opt_d = self.optimizers()

        # Critic (Alg. 3 lines 3-6, standard sign [AMBIG-1]): minimise E f(G(z)) - E f(x) + lambda_gp GP.
        with torch.no_grad():
            fake = self.flow.sample(m)
        loss_w = wasserstein_critic_loss(self.critic(x), self.critic(fake))
        penalty = gradient_penalty(self.critic, interpolate(x, fake))
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(loss_w + c.gp_weight * penalty)
        opt_d.step()
        self.record({"loss/critic": loss_w, "penalty/gradient": penalty, "wasserstein/estimate": -loss_w})

        if not self.is_generator_turn():
            return
        # Generator (eq. 2.29): minimise -E f(G(z)) + lambda_ml * NLL(x); NLL alone while pre-training.
        nll = -self.flow.log_prob(x).mean()
        if self.generator_steps < c.pretrain_steps:
            loss_g = nll
        else:
            with frozen(self.critic):
                adv = wasserstein_generator_loss(self.critic(self.flow.sample(m)))
            loss_g = adv + c.ml_weight * nll if c.ml_weight > 0 else adv
            self.record({"loss/generator": adv})
        opt_g.zero_grad(set_to_none=True)
        self.manual_backward(loss_g)
        opt_g.step()
        self.record({"nll/train": nll})
        if self.is_log_step() and self._heldout is not None:
            with torch.no_grad():
                self.flow.eval()
                self.record({"nll/test": -self.flow.log_prob(self._heldout).mean()})
                self.flow.train()
