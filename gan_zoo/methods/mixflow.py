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

from dataclasses import dataclass

import torch

from ..losses import gradient_penalty, interpolate, wasserstein_critic_loss, wasserstein_generator_loss
from ..losses.mixture import dominant_components_t, em_weight_update, entropic_regulariser
from ..nets import build_critic, resolve_arch
from ..nets.flows import BASES, COUPLINGS, NICE, MixtureOfFlows, dequantize, held_out
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, MethodConfig, evaluating, frozen

TRAIN_MODES = ("ml-em", "ml-softmax", "gan+ml")


@dataclass
class MixflowConfig(MethodConfig):
    train: str = "ml-softmax"  # ml-em | ml-softmax | gan+ml; the toy runs use softmax weights (§5.1.1)
    # Seed 000 §5.1.1: 6 components, each 2 additive couplings with m = "3-layer MLP, 50 nodes/layer", ReLU
    # (2 hidden layers + linear output).
    components: int = 6
    n_coupling: int = 2
    hidden: int = 50
    depth: int = 2
    coupling: str = "mlp"  # mlp | cnn (seed 000 §5.2)
    cnn_fc: int = 300  # seed 000 §5.2 Mixflow CNN coupling: FC 300 -> FC 7x7x16 -> 16 maps
    cnn_maps: int = 16
    base: str = "gaussian"  # [AMBIG-5]; logistic on images (§5.2)
    # Seed 000 §5.1.1: NICE lr 0.005, component-weight lr 0.005, critic lr 0.002, Adam (0.5, 0.9), batch 300,
    # 5 critic steps per generator step, lambda_gp 0.1, lambda_ml 1 (GAN+ML).
    lr: float = 0.005
    weight_lr: float = 0.005  # Alg. 5's lambda_c: the softmax logits' Adam lr, and the EM damping (eq. 4.8)
    critic_lr: float = 0.002
    beta1: float = 0.5
    beta2: float = 0.9
    n_critic: int = 5  # gan+ml only; ML modes take one step per batch
    gp_weight: float = 0.1
    ml_weight: float = 1.0
    batch_size: int = 300
    # C_start (Alg. 5): weights frozen for the first c_start generator steps. The thesis gives no value
    # ([AMBIG-7]); ours: 10 % of the 5000 toy iterations.
    c_start: int = 500
    # ER weight (eq. 4.11). -1 = the thesis's: 1 for Mixflow GAN+ML on images (§5.2), else 0 ([AMBIG-8]).
    entropy_weight: float = -1.0
    # Seed 000 §5.2: GAN+ML on MNIST pre-trains each component by ML on one digit (1000 "epochs"); used
    # only with train=gan+ml, per digit when the data have as many classes as components.
    pretrain_steps: int = 0
    dequantize: bool = True  # images: NICE's uniform dequantisation (paper_defaults.md §9)
    test_size: int = 2000  # held-out samples for nll/test (our choice)

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2)
        # Seed 000 §5.2: 10 components x 3 couplings, MLP m = 3 layers of 200; logistic base; generator lr
        # 0.0005, weight lr 0.01, critic lr 0.0001, lambda_gp 10, lambda_ml 0.001, batch 200, pre-training.
        return cls(components=10, n_coupling=3, hidden=200, depth=2, base="logistic", lr=5e-4, weight_lr=0.01,
                   critic_lr=1e-4, gp_weight=10.0, ml_weight=0.001, batch_size=200, pretrain_steps=1000,
                   test_size=1000, z_dim=0)

    def validate(self):
        super().validate()
        if self.train not in TRAIN_MODES:
            raise GanZooError(f"unknown train mode '{self.train}' ({', '.join(TRAIN_MODES)})")
        if self.base not in BASES:
            raise GanZooError(f"unknown base '{self.base}' ({', '.join(BASES)})")
        if self.coupling not in COUPLINGS:
            raise GanZooError(f"unknown coupling '{self.coupling}' ({', '.join(COUPLINGS)})")
        if self.components < 1:
            raise GanZooError(f"components must be >= 1, got {self.components}")
        if not 0 < self.weight_lr <= 1 and self.train == "ml-em":
            raise GanZooError(f"ml-em needs 0 < weight_lr (the damping lambda_c) <= 1, got {self.weight_lr}")


@register_method("mixflow", MixflowConfig, "Gong 2017 (seed 000 §4.2, Algs. 5-6, eqs. 4.5-4.11)",
                 "mixture of NICE flows: ML by EM or softmax weights, or GAN+ML with an entropic regulariser")
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
