"""Unrolled GAN (Metz, Poole, Pfau & Sohl-Dickstein 2017; [S3] §1.5).

The generator descends the surrogate f_K(theta_G, theta_D) = f(theta_G, theta_D^K(theta_G, theta_D)): the
discriminator's loss after K differentiable Adam steps of the discriminator from its current weights and
Adam state, on one fixed minibatch (UG-P §3), gradients flowing through the K steps (second order:
torch.func.functional_call + gan_zoo/optim/unroll.py). The real discriminator takes ordinary Adam steps on
the plain loss. K = 0 is the plain GAN, step for step (tests/test_unrolled.py).

Order inside one batch: the discriminator steps first, then the generator unrolls from the updated
discriminator (the foundation's schedule, so that K = 0 is exactly ``gan``).

Under DDP each unrolled step uses the gradient all-reduced over ranks (``mean_over_ranks``), as the real
discriminator's step does, so two ranks of batch m unroll exactly what one process of batch 2m would.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call

from ..configs.unrolled import UnrolledConfig
from ..losses import gan_discriminator_loss, gan_generator_loss
from ..optim.unroll import adam_state_from, unroll
from ..nets import build_critic, build_generator
from ..nets.mlp import MLP, MLPCritic, PacGANDiscriminator, PacGANGenerator
from ..nets.stacked import StackedDiscriminator, StackedGenerator
from ..registry import GanZooError, register_method
from .base import GenerativeMethod


def _distributed() -> bool:
    return torch.distributed.is_available() and torch.distributed.is_initialized() \
        and torch.distributed.get_world_size() > 1


def mean_over_ranks(grads: list[torch.Tensor]) -> list[torch.Tensor]:
    """The mean of each gradient over DDP ranks, differentiably (torch.distributed.nn.functional.all_reduce:
    its backward all-reduces the incoming gradient).

    Under DDP the real discriminator steps on the all-reduced gradient of the whole (ranks x batch)
    minibatch; the look-ahead must unroll that same step, not each rank's own, or the surrogate f_K is
    not the one-process f_K of the concatenated batch (tests/test_faithful_defaults.py checks it with two
    gloo processes). One all-reduce per unrolled step: the gradients travel flattened together.
    """
    from torch.distributed.nn.functional import all_reduce

    flat = torch.cat([g.reshape(-1) for g in grads])
    flat = all_reduce(flat) / torch.distributed.get_world_size()
    return [part.view_as(g) for part, g in zip(flat.split([g.numel() for g in grads]), grads)]


def _orthogonal_(module: nn.Module, gain: float = 1.4) -> nn.Module:
    """UG-C: orthogonal initialiser, gain 1.4, on all fully connected layers (biases zero)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.orthogonal_(m.weight, gain)
            nn.init.zeros_(m.bias)
    return module


@register_method("unrolled")
class Unrolled(GenerativeMethod):
    method_name = "unrolled"

    def __init__(self, config: UnrolledConfig, data_info):
        super().__init__(config, data_info)
        if config.pacgan_nets:
            if data_info.is_image:
                raise GanZooError("pacgan_nets=true builds PacGAN's 2-D point nets; images use arch=dcgan")
            dim = int(torch.tensor(data_info.shape).prod())
            self.generator = PacGANGenerator(config.z_dim, dim, hidden=config.width or 400)
            self.critic = PacGANDiscriminator(dim, hidden=config.width // 2 if config.width else 200)
        elif config.stacked_nets:
            if not data_info.is_image or tuple(data_info.shape[1:]) != (28, 28):
                raise GanZooError("stacked_nets=true builds the 28x28 Stacked MNIST nets; points use pacgan_nets")
            ch = data_info.shape[0]
            self.generator = StackedGenerator(config.z_dim, ch)
            self.critic = StackedDiscriminator(ch, config.d_width or 8)
        elif config.paper_nets and not data_info.is_image:
            dim = int(torch.tensor(data_info.shape).prod())
            # UG-C: generator FC128-tanh -> FC128-tanh -> FC2; discriminator FC128-tanh -> FC128-tanh -> FC1.
            self.generator = _orthogonal_(MLP(config.z_dim, dim, hidden=config.width or 128, depth=2,
                                              activation="tanh"))
            self.critic = _orthogonal_(MLPCritic(dim, hidden=config.width or 128, depth=2, activation="tanh"))
        else:
            self.generator = build_generator(config.arch, data_info, config.z_dim, config.width)
            self.critic = build_critic(config.arch, data_info, config.d_width or config.width,
                                       norm="batch")  # D, as logits

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
                          (c.beta1, c.beta2), c.adam_eps, second_order=c.second_order,
                          reduce_grads=mean_over_ranks if _distributed() else None)
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
