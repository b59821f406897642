"""FlowGAN (Grover, Dhar, Ermon 2018; [S0] §2.4.1 eq. 2.29): a NICE generator trained adversarially
with a WGAN-GP critic (dual form, [S0] §6.1.6) plus lambda_ml times its exact NLL.

    min_G max_f  E_pd f(x) - E_pz f(G(z)) - lambda_gp GP - lambda_ml E_pd log p_G(x)        (eq. 2.29)

``ml_weight = 0`` is the thesis's "Single Flow GAN"; ``ml_weight = 1`` its "Single Flow GAN+ML" (§5.1.1).
The flow, its config and the held-out NLL are the flow family's (flow_family.py).
"""
from __future__ import annotations

import torch

from ..configs.flowgan import FlowGANConfig
from ..losses import wasserstein_generator_loss
from ..registry import register_method
from .base import frozen
from .flow_family import SingleFlowMethod


@register_method("flowgan")
class FlowGAN(SingleFlowMethod):
    def __init__(self, config: FlowGANConfig, data_info):
        super().__init__(config, data_info)
        self.critic = self.build_wgan_gp_critic()

    def configure_optimizers(self):
        c = self.config
        opt_g = torch.optim.Adam(self.flow.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        opt_d = torch.optim.Adam(self.critic.parameters(), lr=c.critic_lr, betas=(c.beta1, c.beta2))
        return opt_g, opt_d

    def training_step(self, batch, batch_idx):
        x, _ = batch
        x = self._prepare(x)
        m = x.shape[0]
        c = self.config
        opt_g, opt_d = self.optimizers()

        # Critic (Alg. 3 lines 3-6, standard sign [A1]): minimise E f(G(z)) - E f(x) + lambda_gp GP.
        self.wgan_gp_critic_step(self.critic, opt_d, x, self.fakes(m))

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
        self.record_heldout_nll()
