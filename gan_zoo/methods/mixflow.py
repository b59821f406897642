"""Mixflow: a mixture of T NICE flows ([S0] §4.2), trained three ways (``train=``):

- ``ml-em``: Alg. 5 with EM_flag: the E-step posterior q(c|x) (eq. 4.5) weights the flows' Adam step
  (eq. 4.6); the weights take the damped EM update (eqs. 4.7-4.8) after C_start frozen iterations.
- ``ml-softmax``: Alg. 5 without EM: weights p(c) = softmax(theta) (eq. 4.9) and the flows trained jointly
  by Adam on the mixture NLL, the logits with their own learning rate.
- ``gan+ml``: Alg. 6 / eq. 4.10: a WGAN-GP critic (dual form, §6.1.6) against samples x = g_c(h),
  c ~ p(c); the flows minimise -E f(g_c(h)) + lambda_ml NLL; the weights learn only from the ML term
  (Alg. 6 line 7, §4.4), plus the entropic regulariser ER = -(1/T) sum log p(c=i) (eq. 4.11).

The mixture, its config and the held-out NLL are the flow family's (flow_family.py); the likelihood terms
are gan_zoo/losses/mixture.py's, the EM update of the weights gan_zoo/optim/em.py's.
"""
from __future__ import annotations

import torch

from ..configs.mixflow import MixflowConfig
from ..losses.mixture import pretrain_nll
from ..optim.em import em_weight_update
from ..registry import register_method
from .flow_family import MixtureMethod

@register_method("mixflow")
class Mixflow(MixtureMethod):
    def __init__(self, config: MixflowConfig, data_info):
        super().__init__(config, data_info)
        self.gan = config.train == "gan+ml"
        if self.gan:
            self.critic = self.build_wgan_gp_critic()
        ew = config.entropy_weight
        self.entropy_weight = ew if ew >= 0 else (1.0 if self.gan and data_info.is_image else 0.0)

    @property
    def n_critic(self) -> int:
        return self.config.n_critic if self.gan else 1

    def configure_optimizers(self):
        c = self.config
        opts = self.mixture_optimizers()
        if self.gan:
            opts.append(torch.optim.Adam(self.critic.parameters(), lr=c.critic_lr, betas=(c.beta1, c.beta2)))
        return opts

    @property
    def uses_c_start(self) -> bool:
        return self.config.train != "ml-softmax"  # Alg. 5: C_start in the EM branch; Alg. 6 (GAN+ML) lists it

    def training_step(self, batch, batch_idx):
        x, y = batch
        x = self._prepare(x)
        m = x.shape[0]
        c = self.config
        opts = self.optimizers()
        opt_flows, opt_w = opts[0], opts[1]

        if self.gan:
            # Alg. 6 lines 3-5: critic step, fake = g_c(h) with c ~ p(c), WGAN-GP (standard sign, [A1]).
            opt_d = opts[2]
            self.wgan_gp_critic_step(self.critic, opt_d, x, self.fakes(m))
            if not self.is_generator_turn():
                return

        step = self.generator_steps
        weights_free = step >= c.c_start  # Alg. 5 line 6 (EM), Alg. 6: weights frozen for the first C_start steps
        comp, logw, nll, er = self.likelihood_terms(x)  # log p(x | c=i) (eq. 4.1), log p(c), NLL (4.2), ER (4.11)
        step_w = False

        if self.gan and step < c.pretrain_steps:
            # §5.2 pre-training: component i on the images of digit i (labels), else the mixture NLL.
            loss = pretrain_nll(comp, logw, self.pretrain_labels(y))
        elif c.train == "ml-em":
            q = torch.softmax(comp + logw, 1).detach()  # E-step, eq. 4.5
            loss = -(q * comp).sum(1).mean()  # M-step for the flows, eq. 4.6 (Adam)
            if weights_free:  # eqs. 4.7-4.8, damping lambda_c = weight_lr
                self.mixture.set_weights(em_weight_update(self.mixture.weights().detach(), q, c.weight_lr))
        elif c.train == "ml-softmax":
            loss = nll + self.entropy_weight * er  # Alg. 5 line 8: flows and logits by Adam, no C_start
            step_w = True
        else:
            # Alg. 6 line 6: flows minimise -E f(g_c(h)) + lambda_ml NLL; line 7: the weights maximise the
            # log-likelihood alone (no GAN gradient, no lambda_ml), plus the entropic regulariser (eq. 4.11).
            loss = self.gan_ml_loss(self.critic, self.critic, comp, logw, er, self.entropy_weight, m)
            step_w = weights_free

        self.mixture_step(loss, opt_flows, opt_w, step_w)
        self.record_mixture(nll, er)
        self.record_heldout_nll()
