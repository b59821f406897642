"""EBGAN (Zhao, Mathieu & LeCun 2017; [S3] §1.8, §3.5; [P2]).

The discriminator is an energy function: an autoencoder whose reconstruction error is low on the data
manifold and high elsewhere; the generator produces the "contrastive samples" whose energy the
discriminator pushes up, but only up to a margin m:

    L_D(x, z) = D(x) + [m - D(G(z))]^+            L_G(z) = D(G(z)) + lambda_PT f_PT(Enc(G(z)))
"""
from __future__ import annotations

import torch

from ..configs.ebgan import EBGANConfig
from ..losses.energy import (
    ebgan_discriminator_loss,
    ebgan_generator_loss,
    pull_away_term,
    reconstruction_energy,
)
from ..nets import build_generator, resolve_arch
from ..nets.energy import ConvAutoEncoder, MLPAutoEncoder, MLPImageGenerator
from ..registry import GanZooError, register_method
from .base import GenerativeMethod, frozen


@register_method("ebgan")
class EBGAN(GenerativeMethod):
    def __init__(self, config: EBGANConfig, data_info):
        super().__init__(config, data_info)
        arch = resolve_arch(config.arch, data_info)
        if arch == "resnet":
            raise GanZooError("ebgan has no resnet autoencoder; use arch=dcgan (conv) or arch=mlp")
        flat = 1
        for s in data_info.shape:
            flat *= s
        if not data_info.is_image:  # points: MLPs of the foundation's toy width (100)
            self.generator = build_generator("mlp", data_info, config.z_dim, config.width)
            w = config.width or 100
            self.critic = MLPAutoEncoder(flat, hidden=w, code_dim=w, enc_depth=2, dec_depth=2)
        elif arch == "mlp":  # the paper's fully connected MNIST nets (EB-P Appendix F)
            self.generator = MLPImageGenerator(config.z_dim, data_info.shape, config.g_width, config.g_depth)
            self.critic = MLPAutoEncoder(flat, hidden=config.d_width, code_dim=config.d_width,
                                         enc_depth=1, dec_depth=1)
        else:  # conv autoencoder (DCGAN-style; the paper's is in its unavailable Appendix C)
            c, h, _ = data_info.shape
            self.generator = build_generator("dcgan", data_info, config.z_dim, config.width)
            self.critic = ConvAutoEncoder(c, h, config.width or 64)

    def configure_optimizers(self):
        c = self.config
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        opt_d = torch.optim.Adam(self.critic.parameters(), lr=c.lr, betas=(c.beta1, c.beta2))
        return opt_g, opt_d

    def energy(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(per-sample energy D(x), encoder codes)."""
        codes, rec = self.critic.autoencode(x)
        return reconstruction_energy(x, rec), codes

    def training_step(self, batch, batch_idx):
        x, _ = batch
        m = x.shape[0]
        c = self.config
        opt_g, opt_d = self.optimizers()

        # Discriminator: L_D = D(x) + [m - D(G(z))]^+ (EB-P eq. 1): real energy down, fake energy up to m.
        fake = self.generator(self.noise(m)).detach()
        e_real, _ = self.energy(x)
        e_fake, _ = self.energy(fake)
        loss_d = ebgan_discriminator_loss(e_real, e_fake, c.margin)
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(loss_d)
        opt_d.step()
        self.record({"loss/critic": loss_d, "energy/real": e_real.mean(), "energy/fake": e_fake.mean()})

        # Generator: L_G = D(G(z)) + lambda_PT f_PT(S), S = encoder codes of the generated batch (eq. 2, 14).
        if self.is_generator_turn():
            with frozen(self.critic):
                e_gen, codes = self.energy(self.generator(self.noise(m)))
                loss_g = ebgan_generator_loss(e_gen, codes, c.pt_weight)
            opt_g.zero_grad(set_to_none=True)
            self.manual_backward(loss_g)
            opt_g.step()
            self.record({"loss/generator": loss_g, "pullaway/generator": pull_away_term(codes.detach())})
