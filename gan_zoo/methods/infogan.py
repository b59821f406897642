"""InfoGAN (Chen et al. 2016; [S3] §1.6; [P3]).

The generator takes incompressible noise z and a structured latent code c (a categorical code and
continuous codes); a Q head on the discriminator's trunk infers c from G(z, c), and both G and Q
maximise the variational lower bound L_I(G, Q) = E[log Q(c|x)] + H(c) <= I(c; G(z, c)):

    min_{G,Q} max_D  V(D, G) - lambda L_I(G, Q)          (IG-P eq. 6)
"""
from __future__ import annotations


import torch
import torch.nn.functional as F

from ..configs.infogan import InfoGANConfig
from ..losses import gan_discriminator_loss, gan_generator_loss
from ..losses.mutual_info import info_loss
from ..nets import build_generator
from ..nets.infogan import PAPER_WIDTH, InfoGANDiscriminator, InfoGANGenerator
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, evaluating, frozen


@register_method("infogan")
class InfoGAN(GenerativeMethod):
    # Sampling takes fixed latent codes (``sample(n, codes={...})``): the training builder adds the latent
    # traversal pictures (callbacks/traversals.py, Chen et al. Fig. 2) for a method that says so.
    has_latent_codes = True

    def __init__(self, config: InfoGANConfig, data_info):
        super().__init__(config, data_info)
        c = config
        latent_dim = c.z_dim + c.categorical + c.continuous
        self.q_dim = c.categorical + c.continuous * (2 if c.q_std == "learned" else 1)
        if data_info.is_image:
            if data_info.shape[1] % 4 or data_info.shape[2] % 4:
                raise GanZooError(f"infogan's nets want image sides divisible by 4, not {data_info.shape}")
            # width 0: the paper's net (IG-P Table 1, base width 64); --set width=32 is ~3x cheaper.
            self.generator = InfoGANGenerator(latent_dim, data_info.shape, config.width or PAPER_WIDTH)
        else:
            self.generator = build_generator("mlp", data_info, latent_dim, config.width)
        self.critic = InfoGANDiscriminator(tuple(data_info.shape), self.q_dim,  # D and Q share the trunk
                                           config.width or PAPER_WIDTH)

    def configure_optimizers(self):
        c = self.config
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=c.lr_g, betas=(c.beta1, c.beta2))
        opt_d = torch.optim.Adam(self.critic.parameters(), lr=c.lr_d, betas=(c.beta1, c.beta2))  # D, Q
        return opt_g, opt_d

    # ----- the latent: z ~ U(-1, 1)^z_dim, c1 ~ Cat(K), c2.. ~ U(-1, 1) -------------------------
    def latent(self, n: int, generator: torch.Generator | None = None, codes: dict | None = None):
        """(generator input, categorical indices (n,) or None, continuous codes (n, C) or None).

        ``codes`` may fix {"categorical": LongTensor (n,) or int, "continuous": Tensor (n, C)} and
        {"noise": Tensor (n, z_dim)}; what it leaves out is drawn from the prior."""
        c, codes = self.config, dict(codes or {})
        dev = self.device

        def uniform(*shape):
            return (torch.rand(*shape, generator=generator) * 2 - 1).to(dev)

        z = codes["noise"].to(dev) if "noise" in codes else uniform(n, c.z_dim)
        parts, cat, cont = [z], None, None
        if c.categorical:
            cat = codes.get("categorical")
            if cat is None:
                cat = torch.randint(c.categorical, (n,), generator=generator)
            cat = torch.as_tensor(cat, dtype=torch.long).expand(n).to(dev)
            parts.append(F.one_hot(cat, c.categorical).float())
        if c.continuous:
            cont = codes["continuous"].to(dev).float() if "continuous" in codes else uniform(n, c.continuous)
            parts.append(cont)
        return torch.cat(parts, 1), cat, cont

    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.latent(n, generator)[0]

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, codes: dict | None = None,
               **condition) -> torch.Tensor:
        with evaluating(self.generator):
            return self.generator(self.latent(n, generator, codes or condition or None)[0])

    def split_q(self, q: torch.Tensor):
        """Q's output -> (categorical logits, continuous means, continuous log-stds or None)."""
        c = self.config
        k, cc = c.categorical, c.continuous
        logits = q[:, :k] if k else None
        mean = q[:, k:k + cc] if cc else None
        log_std = q[:, k + cc:k + 2 * cc].clamp(-5, 5) if cc and c.q_std == "learned" else None
        return logits, mean, log_std

    @torch.no_grad()
    def predict_codes(self, x: torch.Tensor):
        """Q(c | x) on data (eval mode): (categorical logits or None, continuous means or None)."""
        with evaluating(self.critic):
            logits, mean, _ = self.split_q(self.critic.forward_with_q(x.to(self.device))[1])
        return logits, mean

    def _info(self, q, cat, cont):
        logits, mean, log_std = self.split_q(q)
        c = self.config
        return info_loss(logits, cat, mean, cont, log_std, c.lambda_cat, c.lambda_cont)

    def training_step(self, batch, batch_idx):
        x, _ = batch
        m = x.shape[0]
        opt_g, opt_d = self.optimizers()
        latent, cat, cont = self.latent(m)
        fake = self.generator(latent)

        # D and Q: the GAN discriminator loss minus lambda L_I on the generated batch (IG-C trainer:
        # d_loss -= lambda * MI; Q's parameters are the discriminator's trunk plus its Q head).
        real_logit = self.critic(x)
        fake_logit, q = self.critic.forward_with_q(fake.detach())
        info_d, bounds = self._info(q, cat, cont)
        loss_d = gan_discriminator_loss(real_logit, fake_logit) + info_d
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(loss_d)
        opt_d.step()
        self.record({"loss/critic": loss_d, **bounds})

        # G: the non-saturating GAN loss minus lambda L_I (IG-C: g_loss = -log D(G) - lambda * MI).
        if self.is_generator_turn():
            with frozen(self.critic):
                fake_logit, q = self.critic.forward_with_q(fake)
                info_g, _ = self._info(q, cat, cont)
                loss_g = gan_generator_loss(fake_logit, "nonsaturating") + info_g
            opt_g.zero_grad(set_to_none=True)
            self.manual_backward(loss_g)
            opt_g.step()
            self.record({"loss/generator": loss_g, "loss/info": info_g})
