"""FlowGAN (Grover, Dhar, Ermon 2018; seed 000 §2.4.1 eq. 2.29): a NICE generator trained adversarially
with a WGAN-GP critic (dual form, seed 000 §6.1.6) plus lambda_ml times its exact NLL.

    min_G max_f  E_pd f(x) - E_pz f(G(z)) - lambda_gp GP - lambda_ml E_pd log p_G(x)        (eq. 2.29)

``ml_weight = 0`` is the thesis's "Single Flow GAN"; ``ml_weight = 1`` its "Single Flow GAN+ML" (§5.1.1).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..losses import gradient_penalty, interpolate, wasserstein_critic_loss, wasserstein_generator_loss
from ..nets import build_critic, resolve_arch
from ..nets.flows import BASES, COUPLINGS, NICE, dequantize, held_out
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, MethodConfig, evaluating, frozen


@dataclass
class FlowGANConfig(MethodConfig):
    # Generator: the single flow of seed 000 §5.1.1 (4 additive couplings, m = 5-layer MLP of 100, ReLU).
    n_coupling: int = 4
    hidden: int = 100
    depth: int = 4
    coupling: str = "mlp"  # mlp | cnn (seed 000 §5.2)
    cnn_fc: int = 1000  # seed 000 §5.2 single-flow CNN coupling
    cnn_maps: int = 64
    base: str = "gaussian"  # [AMBIG-5]; logistic on images (§5.2)
    # Seed 000 §5.1.1: NICE lr 0.005, critic lr 0.002, Adam (0.5, 0.9), 5 critic steps per generator step,
    # lambda_gp = 0.1 (not 10), lambda_ml = 1, batch 300. Critic: 5-layer MLP of 100 (nets/factory.py).
    lr: float = 0.005
    critic_lr: float = 0.002
    beta1: float = 0.5
    beta2: float = 0.9
    n_critic: int = 5
    gp_weight: float = 0.1
    ml_weight: float = 1.0
    batch_size: int = 300
    # Seed 000 §5.2: GAN methods on MNIST are pre-trained by ML (1000 "epochs", [AMBIG-6, 15]): the first
    # pretrain_steps generator steps use the NLL alone. 0 on the toys (no pre-training is mentioned there).
    pretrain_steps: int = 0
    dequantize: bool = True  # images: NICE's uniform dequantisation (paper_defaults.md §9)
    test_size: int = 2000  # held-out samples for nll/test (our choice)

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2)
        # Seed 000 §5.2: 5 x 1000 coupling MLP (as Dinh et al.), logistic base, generator lr 0.0005, critic lr
        # 0.0001, lambda_gp = 10, lambda_ml = 0.001, batch 200, ML pre-training 1000 epochs. Critic: not
        # given ([AMBIG-14]); the DCGAN critic with layer norm, as our WGAN-GP uses.
        return cls(hidden=1000, depth=5, base="logistic", lr=5e-4, critic_lr=1e-4, gp_weight=10.0,
                   ml_weight=0.001, batch_size=200, pretrain_steps=1000, test_size=1000, z_dim=0)

    def validate(self):
        super().validate()
        if self.base not in BASES:
            raise GanZooError(f"unknown base '{self.base}' ({', '.join(BASES)})")
        if self.coupling not in COUPLINGS:
            raise GanZooError(f"unknown coupling '{self.coupling}' ({', '.join(COUPLINGS)})")
        if self.ml_weight < 0 or self.gp_weight < 0:
            raise GanZooError("ml_weight and gp_weight must be >= 0")


@register_method("flowgan", FlowGANConfig, "Grover et al. 2018 (seed 000 §2.4.1, eq. 2.29)",
                 "NICE generator, WGAN-GP critic + lambda_ml * exact NLL (ml_weight=0: pure GAN)")
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
