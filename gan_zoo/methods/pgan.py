"""PGAN: Mixflow GAN+ML with personalized critics ([S0] §4.3, eq. 4.13, trained as Alg. 6).

One critic f_i per component; the mixture critic is f_mix(x) = sum_i p(c=i|x) f_i(x), the posterior
treated as a constant (no gradient to the flows, the weights or the critics, §4.3). We score real and
fake samples and the gradient-penalty interpolates with f_mix, the posterior detached at each point
([A9]: "Eq. 4.10 with f replaced by f_mix"). The mixture, its config and the held-out NLL are the
flow family's (flow_family.py); the likelihood terms are gan_zoo/losses/mixture.py's.
"""
from __future__ import annotations

import torch
from torch import nn

from ..configs.pgan import PGANConfig
from ..losses.mixture import pretrain_nll
from ..nets import build_critic
from ..nets.mlp import MLPCritic
from ..registry import register_method
from .flow_family import MixtureMethod


class _SharedTrunkCritics(nn.Module):
    """T critic heads on one conv trunk ([S0] §4.3.1's weight sharing): (N, ...) -> (N, T)."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x).reshape(x.shape[0], -1)


class _CriticList(nn.ModuleList):
    def scores(self, x):
        return torch.stack([f(x) for f in self], 1)


@register_method("pgan")
class PGAN(MixtureMethod):
    def __init__(self, config: PGANConfig, data_info):
        super().__init__(config, data_info)
        T = config.components
        if data_info.is_image:
            self.critics = _SharedTrunkCritics(build_critic("dcgan", data_info, config.width, norm="layer", out_dim=T))
        else:
            self.critics = _CriticList([MLPCritic(2, config.critic_hidden, config.critic_depth) for _ in range(T)])

    def critic_scores(self, x: torch.Tensor) -> torch.Tensor:
        """(N, T): f_i(x) for every personalized critic."""
        c = self.critics
        return c.scores(x) if isinstance(c, _CriticList) else c(x)

    def f_mix(self, x: torch.Tensor) -> torch.Tensor:
        """Eq. 4.13: sum_i p(c=i|x) f_i(x), the posterior computed without gradient (a constant)."""
        with torch.no_grad():
            post = self.mixture.posterior(x)
        return (post * self.critic_scores(x)).sum(1)

    def configure_optimizers(self):
        c = self.config
        return (*self.mixture_optimizers(),
                torch.optim.Adam(self.critics.parameters(), lr=c.critic_lr, betas=(c.beta1, c.beta2)))

    def training_step(self, batch, batch_idx):
        x, y = batch
        x = self._prepare(x)
        m = x.shape[0]
        c = self.config
        opt_flows, opt_w, opt_d = self.optimizers()

        # Alg. 6 lines 3-5 with f_mix: minimise E f_mix(g_c(h)) - E f_mix(x) + lambda_gp GP(f_mix).
        self.wgan_gp_critic_step(self.f_mix, opt_d, x, self.fakes(m))
        if not self.is_generator_turn():
            return

        step = self.generator_steps
        comp, logw, nll, er = self.likelihood_terms(x)  # log p(x | c=i), log p(c), NLL (eq. 4.2), ER (eq. 4.11)
        if step < c.pretrain_steps:  # §5.2 ML pre-training (per class when classes = components)
            loss = pretrain_nll(comp, logw, self.pretrain_labels(y))
            step_w = False
        else:
            # Alg. 6 line 6 with f_mix: flows minimise -E f_mix(g_c(h)) + lambda_ml NLL; line 7: the weights
            # learn from the log-likelihood alone (+ ER, eq. 4.11), after C_start.
            loss = self.gan_ml_loss(self.f_mix, self.critics, comp, logw, er, c.entropy_weight, m)
            step_w = step >= c.c_start
        self.mixture_step(loss, opt_flows, opt_w, step_w)
        self.record_mixture(nll, er)
        self.record_heldout_nll()
