"""What the flow methods share ([S0] Chs. 3-5): NICE, FlowGAN, Mixflow and PGAN.

The four are one family in the thesis: a NICE flow (Ch. 3), the same flow trained as a GAN generator
with an ML term (FlowGAN, §2.4.1), a mixture of such flows (Mixflow, §4.2) and Mixflow GAN+ML with
personalized critics (PGAN, §4.3). This file holds the pieces they have in common, so that each
method file keeps only its own algorithm in ``training_step``:

- ``SingleFlowMethod`` (one flow, ``self.flow``) and ``MixtureMethod`` (``self.mixture``): building the
  nets, dequantisation, ``log_prob``, ``sample`` / ``sample_components``, the held-out ``nll/test``.

Their configs are gan_zoo/configs/flow_family.py's (``FlowConfig``, ``AdversarialFlowConfig``,
``MixtureConfig``); the mixture's likelihood terms are plain functions in ``gan_zoo/losses/mixture.py``.
"""
from __future__ import annotations

import torch
from torch import nn

from ..losses import wasserstein_generator_loss
from ..losses.mixture import dominant_components_t, entropic_regulariser, mixture_nll, split_mixture_nll
from ..losses.penalty import wgan_gp_critic_terms
from ..nets import build_critic, resolve_arch
from ..configs.flow_family import FlowConfig, MixtureConfig
from ..nets.flows import NICE, MixtureOfFlows, dequantize, held_out
from ..registry import GanZooError
from .base import GenerativeMethod, evaluating, frozen


class _FlowFamily(GenerativeMethod):
    """Shared by both shapes below: the density ``self.density``, dequantisation, held-out NLL."""

    has_log_prob = True

    def __init__(self, config: FlowConfig, data_info):
        super().__init__(config, data_info)
        if config.coupling == "cnn" and not data_info.is_image:
            raise GanZooError("coupling=cnn needs image data (use coupling=mlp for points)")
        self._heldout = None

    def build_flow(self) -> NICE:
        c = self.config
        return NICE(self.data_info.shape, c.n_coupling, c.hidden, c.depth, c.base, c.coupling, c.cnn_fc, c.cnn_maps)

    def build_wgan_gp_critic(self) -> nn.Module:
        """The WGAN-GP critic on data: the points MLP, or on images the DCGAN critic with layer norm as our
        WGAN-GP uses ([S0] §5.2 does not give one, [A14])."""
        c = self.config
        norm = "layer" if resolve_arch(c.arch, self.data_info) == "dcgan" else "none"
        return build_critic(c.arch, self.data_info, c.width, norm=norm)

    def wgan_gp_critic_step(self, critic, opt: torch.optim.Optimizer, real: torch.Tensor, fake: torch.Tensor) -> None:
        """One Adam step of a WGAN-GP critic ([S0] Alg. 3 lines 3-6 / Alg. 6 lines 3-5, the standard sign
        [A1]): minimise E f(fake) - E f(real) + lambda_gp GP. Records loss/critic, penalty/gradient and
        wasserstein/estimate (= -loss/critic)."""
        loss_w, penalty = wgan_gp_critic_terms(critic, real, fake)
        opt.zero_grad(set_to_none=True)
        self.manual_backward(loss_w + self.config.gp_weight * penalty)
        opt.step()
        self.record({"loss/critic": loss_w, "penalty/gradient": penalty, "wasserstein/estimate": -loss_w})

    @property
    def density(self) -> nn.Module:
        raise NotImplementedError

    def fakes(self, m: int) -> torch.Tensor:
        """m samples for the critic's step, without gradient (x = g(h), or g_c(h) with c ~ p(c))."""
        raise NotImplementedError

    def on_train_start(self):
        super().on_train_start()
        self._heldout = held_out(self.trainer.datamodule.test_dataset(), self.config.test_size).to(self.device)

    def _prepare(self, x):
        return dequantize(x) if self.data_info.is_image and self.config.dequantize else x

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        return self.density.log_prob(x)

    def _data_space(self, x: torch.Tensor) -> torch.Tensor:
        return x.clamp(-1, 1) if self.data_info.is_image else x

    def record_heldout_nll(self) -> None:
        """``nll/test`` on the fixed held-out batch, on the steps that are logged (a costly diagnostic)."""
        if self.is_log_step() and self._heldout is not None:
            with torch.no_grad(), evaluating(self.density):
                self.record({"nll/test": -self.density.log_prob(self._heldout).mean()})


class SingleFlowMethod(_FlowFamily):
    """One NICE flow ``self.flow`` (NICE, FlowGAN)."""

    def __init__(self, config: FlowConfig, data_info):
        super().__init__(config, data_info)
        self.flow = self.build_flow()

    @property
    def density(self) -> nn.Module:
        return self.flow

    @torch.no_grad()
    def fakes(self, m: int) -> torch.Tensor:
        return self.flow.sample(m)

    @torch.no_grad()
    def sample(self, n, generator=None, **condition):
        with evaluating(self.flow):
            return self._data_space(self.flow.sample(n, generator))


class MixtureMethod(_FlowFamily):
    """A mixture of T NICE flows ``self.mixture`` with weights p(c) (Mixflow, PGAN)."""

    def __init__(self, config: MixtureConfig, data_info):
        super().__init__(config, data_info)
        self.mixture = MixtureOfFlows([self.build_flow() for _ in range(config.components)])

    @property
    def density(self) -> nn.Module:
        return self.mixture

    uses_c_start = True  # Mixflow's softmax box (Alg. 5 line 8) has no C_start

    def check_run(self, steps: int) -> None:
        """C_start: -1 = 10 % of the run; a value not below the run's length is an error (see the config)."""
        c = self.config
        if c.c_start < 0:
            c.c_start = steps // 10
        elif c.c_start >= steps and self.uses_c_start:
            raise GanZooError(f"c_start={c.c_start} is not below the run's {steps} generator steps: the mixture "
                              f"weights would never train (set c_start < {steps}, or -1 for 10 % of the run)")

    @torch.no_grad()
    def fakes(self, m: int) -> torch.Tensor:
        return self.mixture.sample(m)[0]

    @property
    def num_components(self) -> int:
        return self.mixture.num_components

    def posterior(self, x: torch.Tensor) -> torch.Tensor:
        return self.mixture.posterior(x)

    def mixture_optimizers(self) -> list[torch.optim.Optimizer]:
        """Adam for the flows (lr) and for the weight logits (weight_lr), Alg. 5-6."""
        c = self.config
        flows = [p for f in self.mixture.flows for p in f.parameters()]
        return [torch.optim.Adam(flows, lr=c.lr, betas=(c.beta1, c.beta2)),
                torch.optim.Adam([self.mixture.logits], lr=c.weight_lr, betas=(c.beta1, c.beta2))]

    def pretrain_labels(self, y: torch.Tensor) -> torch.Tensor | None:
        """The labels that pick each pre-training example's component (§5.2: component i on digit i), when
        the data have as many classes as the mixture has components; else None (the mixture NLL)."""
        if self.data_info.num_classes == self.num_components and y.min() >= 0:
            return y
        return None

    def likelihood_terms(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(comp, log_weights, nll, er) for a batch: (N, T) log p(x | c=i) (eq. 4.1), log p(c=i), the mixture
        NLL (eq. 4.2) and the entropic regulariser ER (eq. 4.11)."""
        comp = self.mixture.component_log_probs(x)
        log_weights = self.mixture.log_weights()
        return comp, log_weights, mixture_nll(comp, log_weights), entropic_regulariser(log_weights)

    def mixture_step(self, loss: torch.Tensor, opt_flows, opt_weights, step_weights: bool) -> None:
        """One backward pass of ``loss``; Adam steps the flows, and the weight logits only when
        ``step_weights`` (Alg. 5 line 6: not before C_start; EM and pre-training set the weights otherwise)."""
        opt_flows.zero_grad(set_to_none=True)
        opt_weights.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        opt_flows.step()
        if step_weights:
            opt_weights.step()

    def gan_ml_loss(self, critic, critic_module: nn.Module, comp: torch.Tensor, log_weights: torch.Tensor,
                    entropic_reg: torch.Tensor, entropy_weight: float, m: int) -> torch.Tensor:
        """[S0] Alg. 6 lines 6-7 (eq. 4.10), for a critic f (Mixflow) or f_mix (PGAN, eq. 4.13): the flows
        minimise -E f(g_c(h)) + lambda_ml NLL, the weights the NLL alone (no GAN gradient, no lambda_ml, §4.4)
        plus entropy_weight * ER (eq. 4.11). ``critic_module`` is frozen for the step; records loss/generator."""
        with frozen(critic_module):
            fake, _ = self.mixture.sample(m)
            adv = wasserstein_generator_loss(critic(fake))
        nll_flows, nll_weights = split_mixture_nll(comp, log_weights)
        self.record({"loss/generator": adv})
        return adv + self.config.ml_weight * nll_flows + nll_weights + entropy_weight * entropic_reg

    @torch.no_grad()
    def sample_components(self, n, generator=None, component: int | None = None):
        """(x, c): samples and the component each came from (pictures colour by c)."""
        comps = None if component is None else torch.full((n,), int(component), dtype=torch.long)
        with evaluating(self.mixture):
            x, c = self.mixture.sample(n, generator, comps)
        return self._data_space(x), c

    @torch.no_grad()
    def sample(self, n, generator=None, component: int | None = None, **condition):
        return self.sample_components(n, generator, component)[0]

    def record_mixture(self, nll: torch.Tensor, entropic_reg: torch.Tensor) -> None:
        """The batch NLL, ER, the weights and how many components hold 90 % of them (Tables 5.1-5.2)."""
        w = self.mixture.weights().detach()
        scalars = {"nll/train": nll, "mixture/entropic_reg": entropic_reg,
                   "mixture/dominant": dominant_components_t(w)}
        scalars.update({f"mixture/weights/{i}": w[i] for i in range(len(w))})
        self.record(scalars)
