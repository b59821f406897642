"""Config of gan_zoo/methods/gan.py: GAN (Goodfellow et al. 2014), Algorithm 1 of [S0] §2.2 with k = 1 discriminator step.

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("gan", "Goodfellow et al. 2014 (seed 000 §2.2, Alg. 1)",
               "minimax / non-saturating GAN; MLP for points, DCGAN nets for images")
@dataclass
class GANConfig(MethodConfig):
    # Goodfellow et al. Alg. 1 uses k = 1 discriminator step per generator step ("the least expensive option").
    n_critic: int = 1
    # Goodfellow et al. §3: in practice G maximises log D(G(z)) (non-saturating); "minimax" is eq. 2.4 as printed.
    loss: str = "nonsaturating"
    # Goodfellow et al. leave the optimiser open ("any standard gradient-based learning rule"; they used
    # momentum SGD). We use Radford et al.'s Adam(2e-4, beta1 0.5), the setting later GAN work standardised on.
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    # f-GAN (Nowozin et al. 2016, [S3] §1.7): train on the variational bound of an f-divergence
    # (kl, reverse-kl, pearson, neyman, hellinger, js, gan, tv; gan_zoo/losses/fgan.py). "none": the plain
    # GAN losses above. With a divergence, loss=nonsaturating is f-GAN §3.2's generator alternative,
    # loss=minimax the saddle point of eq. 7.
    divergence: str = "none"
    # [S4] §3.3.2's weaker generators for Basart's DDM experiments (§3.4.2, MNIST: DDM must rank DCGAN
    # best, then small DCGAN, then weakened DCGAN): g_batchnorm=false is "weakened" (all of G's batch-norm
    # layers removed), g_small=true is "small DCGAN" (G's last hidden layer removed, the layer before it
    # producing the image). DCGAN nets only (gan_zoo/nets/dcgan.py); D is left as it is.
    g_batchnorm: bool = True
    g_small: bool = False

    @classmethod
    def for_data(cls, info):
        # Points: 2-D noise into the MLPs of gan_zoo/nets/factory.py ([S0] §5.1.1's topology).
        return cls(z_dim=2) if not info.is_image else cls()

    def validate(self):
        super().validate()
        if self.loss not in ("minimax", "nonsaturating"):
            raise GanZooError(f"loss must be minimax or nonsaturating, not '{self.loss}'")
        if self.divergence != "none":
            from .choices import F_DIVERGENCES as DIVERGENCES  # no torch: refused before it loads

            if self.divergence not in DIVERGENCES:
                raise GanZooError(
                    f"unknown divergence '{self.divergence}'; known: none, {', '.join(DIVERGENCES)}")
        if (self.g_small or not self.g_batchnorm) and self.arch not in ("auto", "dcgan"):
            raise GanZooError(f"g_small / g_batchnorm change the DCGAN generator; arch is '{self.arch}'")


@method_config("dcgan", "Radford, Metz & Chintala 2016 (seed 003 §1.4)",
               "GAN with the DCGAN architecture guidelines and Adam(2e-4, 0.5)")
@dataclass
class DCGANConfig(GANConfig):
    # Radford et al. 2016 §4: Adam lr 0.0002, beta1 0.5, mini-batch 128, z in R^100, N(0, 0.02) init,
    # LeakyReLU slope 0.2 (in gan_zoo/nets/dcgan.py).
    batch_size: int = 128
    arch: str = "dcgan"

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            raise GanZooError("dcgan is an image architecture preset; for points use 'gan'")
        if tuple(info.shape[1:]) == (64, 64):
            # Radford et al. Fig. 1 (64 x 64 LSUN): 1024 -> 512 -> 256 -> 128 feature maps, i.e. base width
            # 128 (the discriminator mirrors it). 28/32 px keep the nets' base width 64 (no figure gives one).
            return cls(width=128)
        return cls()
