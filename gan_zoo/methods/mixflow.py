"""Mixflow: a mixture of T NICE flows (seed 000 §4.2), trained three ways (``train=``):

- ``ml-em``: Alg. 5 with EM_flag: the E-step posterior q(c|x) (eq. 4.5) weights the flows' Adam step
  (eq. 4.6); the weights take the damped EM update (eqs. 4.7-4.8) after C_start frozen iterations.
- ``ml-softmax``: Alg. 5 without EM: weights p(c) = softmax(theta) (eq. 4.9) and the flows trained jointly
  by Adam on the mixture NLL, the logits with their own learning rate.
- ``gan+ml``: Alg. 6 / eq. 4.10: a WGAN-GP critic (dual form, §6.1.6) against samples x = g_c(h),
  c ~ p(c); the flows minimise -E f(g_c(h)) + lambda_ml NLL; the weights learn only from the ML term
  (Alg. 6 line 7, §4.4), plus the entropic regulariser ER = -(1/T) sum log p(c=i) (eq. 4.11).
"""
from __future__ import annotations

import torch

from ..configs.mixflow import MixflowConfig
from ..losses import gradient_penalty, interpolate, wasserstein_critic_loss, wasserstein_generator_loss
from ..losses.mixture import dominant_components_t, em_weight_update, entropic_regulariser
from ..nets import build_critic, resolve_arch
from ..nets.flows import NICE, MixtureOfFlows, dequantize, held_out
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, evaluating, frozen


@register_method("mixflow")
class Mixflow(GenerativeMethod):
    has_log_prob = True

    def __init__(self, config: MixflowConfig, data_info):
        super().__init__(config, data_info)
        if config.coupling == "cnn" and not data_info.is_image:
            raise GanZooError("coupling=cnn needs image data (use coupling=mlp for points)")
        self.mixture = MixtureOfFlows([
            NICE(data_info.shape, config.n_coupling, config.hidden, config.depth, config.base, config.coupling,
                 config.cnn_fc, config.cnn_maps) for _ in range(config.components)])
        self.gan = config.train == "gan+ml"
        if self.gan:
            norm = "layer" if resolve_arch(config.arch, data_info) == "dcgan" else "none"
            self.critic = build_critic(config.arch, data_info, config.width, norm=norm)
        ew = config.entropy_weight
        self.entropy_weight = ew if ew >= 0 else (1.0 if self.gan and data_info.is_image else 0.0)
        self._heldout = None

    @property
    def n_critic(self) -> int:
        return self.config.n_critic if self.gan else 1

    @property
    def num_components(self) -> int:
        return self.mixture.num_components

    def configure_optimizers(self):
        c = self.config
        flows = [p for f in self.mixture.flows for p in f.parameters()]
        opts = [torch.optim.Adam(flows, lr=c.lr, betas=(c.beta1, c.beta2)),
                torch.optim.Adam([self.mixture.logits], lr=c.weight_lr, betas=(c.beta1, c.beta2))]
        if self.gan:
            opts.append(torch.optim.Adam(self.critic.parameters(), lr=c.critic_lr, betas=(c.beta1, c.beta2)))
        return opts

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
        """(x, c): samples and the component each came from (pictures colour by c)."""
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
        opts = self.optimizers()
        opt_flows, opt_w = opts[0], opts[1]

        if self.gan:
            # Alg. 6 lines 3-5: critic step, fake = g_c(h) with c ~ p(c), WGAN-GP (standard sign, [AMBIG-1]).
            opt_d = opts[2]
            with torch.no_grad():
                fake, _ = self.mixture.sample(m)
            loss_w = wasserstein_critic_loss(self.critic(x), self.critic(fake))
            penalty = gradient_penalty(self.critic, interpolate(x, fake))
            opt_d.zero_grad(set_to_none=True)
            self.manual_backward(loss_w + c.gp_weight * penalty)
            opt_d.step()
            self.record({"loss/critic": loss_w, "penalty/gradient": penalty, "wasserstein/estimate": -loss_w})
            if not self.is_generator_turn():
                return

        step = self.generator_steps
        weights_free = step >= c.c_start  # Alg. 5 line 6: weights frozen for the first C_start iterations
        comp = self.mixture.component_log_probs(x)  # (N, T) log p(x | c=i), eq. 4.1
        logw = self.mixture.log_weights()
        nll = -torch.logsumexp(comp + logw, 1).mean()  # eq. 4.2
        er = entropic_regulariser(logw)
        step_w = False

        if self.gan and step < c.pretrain_steps:
            # §5.2 pre-training: component i on the images of digit i (labels), else the mixture NLL.
            if self.data_info.num_classes == self.num_components and y.min() >= 0:
                loss = -comp.gather(1, y.view(-1, 1)).mean()
            else:
                loss = -torch.logsumexp(comp + logw.detach(), 1).mean()
        elif c.train == "ml-em":
            q = torch.softmax(comp + logw, 1).detach()  # E-step, eq. 4.5
            loss = -(q * comp).sum(1).mean()  # M-step for the flows, eq. 4.6 (Adam)
            if weights_free:  # eqs. 4.7-4.8, damping lambda_c = weight_lr
                self.mixture.set_weights(em_weight_update(self.mixture.weights().detach(), q, c.weight_lr))
        elif c.train == "ml-softmax":
            loss = nll + self.entropy_weight * er  # Alg. 5 line 8: flows and logits by Adam
            step_w = weights_free
        else:
            # Alg. 6 line 6: flows minimise -E f(g_c(h)) + lambda_ml NLL; line 7: the weights maximise the
            # log-likelihood alone (no GAN gradient, no lambda_ml), plus the entropic regulariser (eq. 4.11).
            with frozen(self.critic):
                fake, _ = self.mixture.sample(m)
                adv = wasserstein_generator_loss(self.critic(fake))
            nll_flows = -torch.logsumexp(comp + logw.detach(), 1).mean()
            nll_weights = -torch.logsumexp(comp.detach() + logw, 1).mean()
            loss = adv + c.ml_weight * nll_flows + nll_weights + self.entropy_weight * er
            step_w = weights_free
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
