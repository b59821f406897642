"""PGAN: Mixflow GAN+ML with personalized critics (seed 000 §4.3, eq. 4.13, trained as Alg. 6).

One critic f_i per component; the mixture critic is f_mix(x) = sum_i p(c=i|x) f_i(x), the posterior
treated as a constant (no gradient to the flows, the weights or the critics, §4.3). We score real and
fake samples and the gradient-penalty interpolates with f_mix, the posterior detached at each point
([AMBIG-9]: "Eq. 4.10 with f replaced by f_mix").
"""
from __future__ import annotations

import torch
from torch import nn

from ..configs.pgan import PGANConfig
from ..losses import gradient_penalty, interpolate, wasserstein_critic_loss, wasserstein_generator_loss
from ..losses.mixture import dominant_components_t, entropic_regulariser
from ..nets import build_critic
from ..nets.flows import NICE, MixtureOfFlows, dequantize, held_out
from ..nets.mlp import MLPCritic
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, evaluating, frozen


class _SharedTrunkCritics(nn.Module):
    """T critic heads on one conv trunk (seed 000 §4.3.1's weight sharing): (N, ...) -> (N, T)."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x).reshape(x.shape[0], -1)


class _CriticList(nn.ModuleList):
    def scores(self, x):
        return torch.stack([f(x) for f in self], 1)


@register_method("pgan")
class PGAN(GenerativeMethod):
    has_log_prob = True

    def __init__(self, config: PGANConfig, data_info):
        super().__init__(config, data_info)
        if config.coupling == "cnn" and not data_info.is_image:
            raise GanZooError("coupling=cnn needs image data (use coupling=mlp for points)")
        T = config.components
        self.mixture = MixtureOfFlows([
            NICE(data_info.shape, config.n_coupling, config.hidden, config.depth, config.base, config.coupling,
                 config.cnn_fc, config.cnn_maps) for _ in range(T)])
        if data_info.is_image:
            self.critics = _SharedTrunkCritics(build_critic("dcgan", data_info, config.width, norm="layer", out_dim=T))
        else:
            self.critics = _CriticList([MLPCritic(2, config.critic_hidden, config.critic_depth) for _ in range(T)])
        self._heldout = None

    @property
    def num_components(self) -> int:
        return self.mixture.num_components

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
        flows = [p for f in self.mixture.flows for p in f.parameters()]
        return (torch.optim.Adam(flows, lr=c.lr, betas=(c.beta1, c.beta2)),
                torch.optim.Adam([self.mixture.logits], lr=c.weight_lr, betas=(c.beta1, c.beta2)),
                torch.optim.Adam(self.critics.parameters(), lr=c.critic_lr, betas=(c.beta1, c.beta2)))

    def on_train_start(self):
        super().on_train_start()
        self._heldout = held_out(self.trainer.datamodule.test_dataset(), self.config.test_size).to(self.device)

    def _prepare(self, x):
        return dequantize(x) if self.data_info.is_image and self.config.dequantize else x

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        return self.mixture.log_prob(x)

    def posterior(self, x: torch.Tensor) -> torch.Tensor:
        return self.mixture.posterior(x)

    @torch.no_grad()
    def sample_components(self, n, generator=None, component: int | None = None):
        comps = None if component is None else torch.full((n,), int(component), dtype=torch.long)
        with evaluating(self.mixture):
            x, c = self.mixture.sample(n, generator, comps)
        return (x.clamp(-1, 1) if self.data_info.is_image else x), c

    @torch.no_grad()
    def sample(self, n, generator=None, component: int | None = None, **condition):
        return self.sample_components(n, generator, component)[0]

    def training_step(self, batch, batch_idx):
        x, y = batch
        x = self._prepare(x)
        m = x.shape[0]
        c = self.config
        opt_flows, opt_w, opt_d = self.optimizers()

        # Alg. 6 lines 3-5 with f_mix: minimise E f_mix(g_c(h)) - E f_mix(x) + lambda_gp GP(f_mix).
        with torch.no_grad():
            fake, _ = self.mixture.sample(m)
        loss_w = wasserstein_critic_loss(self.f_mix(x), self.f_mix(fake))
        penalty = gradient_penalty(self.f_mix, interpolate(x, fake))
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(loss_w + c.gp_weight * penalty)
        opt_d.step()
        self.record({"loss/critic": loss_w, "penalty/gradient": penalty, "wasserstein/estimate": -loss_w})
        if not self.is_generator_turn():
            return

        step = self.generator_steps
        comp = self.mixture.component_log_probs(x)
        logw = self.mixture.log_weights()
        nll = -torch.logsumexp(comp + logw, 1).mean()
        er = entropic_regulariser(logw)
        if step < c.pretrain_steps:  # §5.2 ML pre-training (per class when classes = components)
            if self.data_info.num_classes == self.num_components and y.min() >= 0:
                loss = -comp.gather(1, y.view(-1, 1)).mean()
            else:
                loss = -torch.logsumexp(comp + logw.detach(), 1).mean()
            step_w = False
        else:
            # Alg. 6 line 6 with f_mix: flows minimise -E f_mix(g_c(h)) + lambda_ml NLL; line 7: the weights
            # learn from the log-likelihood alone (+ ER, eq. 4.11), after C_start.
            with frozen(self.critics):
                fake, _ = self.mixture.sample(m)
                adv = wasserstein_generator_loss(self.f_mix(fake))
            nll_flows = -torch.logsumexp(comp + logw.detach(), 1).mean()
            nll_weights = -torch.logsumexp(comp.detach() + logw, 1).mean()
            loss = adv + c.ml_weight * nll_flows + nll_weights + c.entropy_weight * er
            step_w = step >= c.c_start
            self.record({"loss/generator": adv})
        opt_flows.zero_grad(set_to_none=True)
        opt_w.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        opt_flows.step()
        if step_w:
            opt_w.step()

        w = self.mixture.weights().detach()
        scalars = {"nll/train": nll, "mixture/entropic_reg": er, "mixture/dominant": dominant_components_t(w)}
        scalars.update({f"mixture/weights/{i}": w[i] for i in range(len(w))})
        self.record(scalars)
        if self.is_log_step() and self._heldout is not None:
            with torch.no_grad():
                self.mixture.eval()
                self.record({"nll/test": -self.mixture.log_prob(self._heldout).mean()})
                self.mixture.train()
