"""Sinkhorn autodiff (Genevay, Peyre & Cuturi 2018; [S0] §2.3.4, Alg. 4).

The generator minimises an entropic OT loss between a data minibatch and a generated minibatch, computed by
L log-domain Sinkhorn iterations that autograd differentiates through (gan_zoo/losses/sinkhorn.py).

- ``cost=sqeuclidean | euclidean``: a fixed ground cost on the samples; no adversary (Alg. 4 as printed).
- ``cost=learned``: the cost is taken on features f_phi(x) of a critic network; f_phi is trained to *maximise*
  the debiased loss, the generator to minimise it, one critic step per generator step, critic weights
  clipped before each critic step (SK-C2 ``sinkhorn_gan_images.py``, [P4]).
"""
from __future__ import annotations

import contextlib

import torch

from ..configs.sinkhorn import SinkhornConfig
from ..losses import clip_weights_
from ..losses.sinkhorn import cost_matrix, sinkhorn_cost
from ..nets import build_critic, build_generator
from ..registry import register_method
from .base import GenerativeMethod, frozen


@register_method("sinkhorn")
class Sinkhorn(GenerativeMethod):
    method_name = "sinkhorn"

    def __init__(self, config: SinkhornConfig, data_info):
        super().__init__(config, data_info)
        self.generator = build_generator(config.arch, data_info, config.z_dim, config.width)
        # The learned cost's feature map f_phi (vector-valued, so not named ``critic``: the point pictures
        # draw a critic's scalar value surface).
        self.feature_map = (build_critic(config.arch, data_info, config.width, norm="batch", out_dim=config.feature_dim)
                       if config.cost == "learned" else None)

    @property
    def learned(self) -> bool:
        return self.feature_map is not None

    @property
    def debiased(self) -> bool:
        """``debias`` resolved: auto = debiased except a fixed cost on images (SK-C2 MNIST); see the config."""
        d = str(self.config.debias).lower()
        if d == "auto":
            return self.learned or not self.data_info.is_image
        return d in ("true", "1", "yes")

    def configure_optimizers(self):
        c = self.config
        if not self.learned:
            return torch.optim.Adam(self.generator.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        # SK-C2 (learned cost): RMSprop lr 5e-5 for both networks.
        opt_g = torch.optim.RMSprop(self.generator.parameters(), lr=c.critic_lr)
        opt_d = torch.optim.RMSprop(self.feature_map.parameters(), lr=c.critic_lr)
        return opt_g, opt_d

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The minibatch Sinkhorn loss between data x and samples y (debiased or not, per the config)."""
        c = self.config
        if self.learned:
            feats = self.feature_map(torch.cat([x, y]))  # one pass, so batch-norm statistics are shared
            fx, fy = feats[: len(x)], feats[len(x):]
            base = "sqeuclidean"
        else:
            fx, fy, base = x, y, c.cost
        cxy = cost_matrix(fx, fy, base)
        # relative_eps: eps times the batch's mean cost, a constant of the step (no gradient through it), one
        # value for all three terms so that the debiased loss is one Sinkhorn divergence.
        eps = c.eps * float(cxy.detach().mean()) if c.relative_eps else c.eps
        eps = max(eps, 1e-12)  # identical batches: mean cost 0
        kw = dict(tol=c.tol or None, compile=c.compile)
        if not self.debiased:
            return sinkhorn_cost(cxy, eps, c.n_iters, **kw)
        if len(fx) == len(fy):  # the three problems as one batch
            Cs = torch.stack([cxy, cost_matrix(fx, fx, base), cost_matrix(fy, fy, base)])
            w = sinkhorn_cost(Cs, eps, c.n_iters, **kw)
            return 2 * w[0] - w[1] - w[2]
        w = [sinkhorn_cost(C, eps, c.n_iters, **kw) for C in (cxy, cost_matrix(fx, fx, base), cost_matrix(fy, fy, base))]
        return 2 * w[0] - w[1] - w[2]

    def training_step(self, batch, batch_idx):
        x, _ = batch
        m = x.shape[0]
        if self.learned:
            opt_g, opt_d = self.optimizers()
            # Critic step (SK-C2): clip f_phi's weights, then ascend the loss w.r.t. phi (descend its negative).
            clip_weights_(self.feature_map, self.config.clip)
            loss_d = -self.loss(x, self.generator(self.noise(m)).detach())
            opt_d.zero_grad(set_to_none=True)
            self.manual_backward(loss_d)
            opt_d.step()
            self.record({"loss/critic": loss_d})
        else:
            opt_g = self.optimizers()

        # Alg. 4 lines 2-10: y = G(z); C, K; L Sinkhorn iterations; E = <P, C>; Adam step on E.
        if self.is_generator_turn():
            with frozen(self.feature_map) if self.learned else contextlib.nullcontext():
                loss_g = self.loss(x, self.generator(self.noise(m)))
            opt_g.zero_grad(set_to_none=True)
            self.manual_backward(loss_g)
            opt_g.step()
            self.record({"loss/generator": loss_g, "sinkhorn/loss": loss_g})
