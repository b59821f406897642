"""Unrolled GAN (Metz, Poole, Pfau & Sohl-Dickstein 2017; seed 003 §1.5).

The generator descends the surrogate f_K(theta_G, theta_D) = f(theta_G, theta_D^K(theta_G, theta_D)): the
discriminator's loss after K differentiable Adam steps of the discriminator from its current weights and
Adam state, on one fixed minibatch (UG-P §3), gradients flowing through the K steps (second order:
torch.func.functional_call + gan_zoo/losses/unroll.py). The real discriminator takes ordinary Adam steps on
the plain loss. K = 0 is the plain GAN, step for step (tests/test_unrolled.py).

Order inside one batch: the discriminator steps first, then the generator unrolls from the updated
discriminator (the foundation's schedule, so that K = 0 is exactly ``gan``).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call

from ..losses import gan_discriminator_loss, gan_generator_loss
from ..losses.unroll import adam_state_from, unroll
from ..nets import build_critic, build_generator
from ..nets.mlp import MLP, MLPCritic
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, MethodConfig


@dataclass
class UnrolledConfig(MethodConfig):
    # K = 5: the official notebook's default (UG-C unrolling_steps=5) and VEEGAN's Unrolled baseline
    # ("as suggested in the authors' reference implementation", VG-P). UG-P Fig. 1 (MoG) shows K = 10;
    # UG-P §3.3 compares K in {0, 1, 5, 10} (paper_defaults.md §1a).
    unroll_steps: int = 5
    # UG-C: G minimises -(unrolled D loss), the minimax form (paper_defaults.md §1a "Objective").
    loss: str = "minimax"
    # UG-C params: D Adam lr 1e-4, G Adam lr 1e-3, beta1 0.5, eps 1e-8 (paper_defaults.md §1a).
    lr_d: float = 1e-4
    lr_g: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999  # Keras / TF Adam default (UG-C sets only beta1 and epsilon)
    adam_eps: float = 1e-8
    # UG-C: one D step and one G step per iteration.
    n_critic: int = 1
    # True: UG-C's MoG nets (FC128-tanh x2, orthogonal init gain 1.4; z in R^256). False: the foundation's
    # nets by ``arch`` (as ``gan`` builds them).
    paper_nets: bool = False
    second_order: bool = True  # False detaches the unrolled steps (the reimplementation bug; for comparison)

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            # Points: UG-C MoG setting: z ~ N(0, I_256), batch 512, the notebook's tanh MLPs.
            return cls(z_dim=256, batch_size=512, paper_nets=True)
        # Images: the nets by arch (DCGAN), UG-C's Adam settings; K = 5 (UG-C default, one of UG-P §3.3's).
        return cls()

    def validate(self):
        super().validate()
        if self.unroll_steps < 0:
            raise GanZooError(f"unroll_steps must be >= 0, got {self.unroll_steps}")
        if self.loss not in ("minimax", "nonsaturating"):
            raise GanZooError(f"loss must be minimax or nonsaturating, not '{self.loss}'")
        if self.paper_nets and self.arch not in ("auto", "mlp"):
            raise GanZooError("paper_nets=true builds the MoG MLPs; use paper_nets=false with arch=" + self.arch)


def _orthogonal_(module: nn.Module, gain: float = 1.4) -> nn.Module:
    """UG-C: orthogonal initialiser, gain 1.4, on all fully connected layers (biases zero)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.orthogonal_(m.weight, gain)
            nn.init.zeros_(m.bias)
    return module


@register_method("unrolled", UnrolledConfig, "Metz et al. 2017 (seed 003 §1.5)",
                 "GAN whose generator sees K differentiable (second-order) Adam steps of the discriminator")
class Unrolled(GenerativeMethod):
    method_name = "unrolled"

    def __init__(self, config: UnrolledConfig, data_info):
        super().__init__(config, data_info)
        if config.paper_nets and not data_info.is_image:
            dim = int(torch.tensor(data_info.shape).prod())
            # UG-C: generator FC128-tanh -> FC128-tanh -> FC2; discriminator FC128-tanh -> FC128-tanh -> FC1.
            self.generator = _orthogonal_(MLP(config.z_dim, dim, hidden=config.width or 128, depth=2,
                                              activation="tanh"))
            self.critic = _orthogonal_(MLPCritic(dim, hidden=config.width or 128, depth=2, activation="tanh"))
        else:
            self.generator = build_generator(config.arch, data_info, config.z_dim, config.width)
            self.critic = build_critic(config.arch, data_info, config.width, norm="batch")  # D, as logits

    def configure_optimizers(self):
        c = self.config
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=c.lr_g, betas=(c.beta1, c.beta2), eps=c.adam_eps)
        opt_d = torch.optim.Adam(self.critic.parameters(), lr=c.lr_d, betas=(c.beta1, c.beta2), eps=c.adam_eps)
        return opt_g, opt_d

    def unrolled_generator_loss(self, x: torch.Tensor, fake: torch.Tensor, opt_d) -> torch.Tensor:
        """f_K: the generator's loss against theta_D^K, the discriminator after K unrolled Adam steps."""
        c = self.config
        live = dict(self.critic.named_parameters())
        # theta_D^0: a copy of D's weights (so the live D collects no gradient); its Adam moments continue
        # from the real optimiser's (UG-C unrolls Keras Adam's own update ops).
        params0 = {n: p.detach().clone().requires_grad_(True) for n, p in live.items()}
        buffers = {n: b.clone() for n, b in self.critic.named_buffers()}  # unrolled BN stats stay local

        def d(params, inp):
            return functional_call(self.critic, {**params, **buffers}, (inp,))

        fake_in_unroll = fake if c.second_order else fake.detach()

        def d_loss(params):  # the discriminator's loss on the fixed minibatch (UG-P §3)
            return gan_discriminator_loss(d(params, x), d(params, fake_in_unroll))

        params_k = unroll(params0, d_loss, c.unroll_steps, adam_state_from(opt_d, live), c.lr_d,
                          (c.beta1, c.beta2), c.adam_eps, second_order=c.second_order)
        if c.loss == "minimax":  # UG-C: G minimises -(D's loss) at theta_D^K (real term included: it depends
            return -gan_discriminator_loss(d(params_k, x), d(params_k, fake))  # on theta_G through theta_D^K)
        return gan_generator_loss(d(params_k, fake), "nonsaturating")

    def training_step(self, batch, batch_idx):
        x, _ = batch
        m = x.shape[0]
        opt_g, opt_d = self.optimizers()

        # theta_D <- theta_D - eta dL_D/dtheta_D: the ordinary (not unrolled) discriminator step.
        fake = self.generator(self.noise(m)).detach()
        loss_d = gan_discriminator_loss(self.critic(x), self.critic(fake))
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(loss_d)
        opt_d.step()
        self.record({"loss/critic": loss_d})

        # theta_G <- theta_G - eta df_K/dtheta_G, through the K unrolled steps.
        if self.is_generator_turn():
            loss_g = self.unrolled_generator_loss(x, self.generator(self.noise(m)), opt_d.optimizer
                                                  if hasattr(opt_d, "optimizer") else opt_d)
            opt_g.zero_grad(set_to_none=True)
            self.manual_backward(loss_g)
            opt_g.step()
            self.record({"loss/generator": loss_g})
