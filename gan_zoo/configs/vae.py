"""Config of gan_zoo/methods/vae.py: VAE (Kingma & Welling 2014; [S2] §1.3, [N2] §1.3, §4.5): the baseline WAE is compared with.

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("vae", "Kingma & Welling 2014 (seed 002 §1.3)",
               "Variational auto-encoder: Gaussian encoder, Gaussian decoder, ELBO by reparameterisation")
@dataclass
class VAEConfig(MethodConfig):
    # Not read by this method (one ELBO step per batch; build_autoencoder picks the encoder/decoder by data shape);
    # --set of one is an error.
    unused = ("n_critic", "arch")
    # The WAE paper's comparison uses the same nets and latent size: [P5] (d_z 8 MNIST, 64 CelebA).
    z_dim: int = 8
    # 1/(2 eta) = 0.05, the WAE code's squared-L2 weight (see the module docstring); 28 px: eta = 40; points: 1/2.
    obs_var: float = 10.0
    # §5 (WAE code) optimiser, shared with the WAEs for a like-for-like comparison: Adam(1e-3, 0.5, 0.999), batch 100.
    lr: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 100

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2, obs_var=0.5)
        if info.shape[-1] >= 32:
            return cls(z_dim=64)
        # 28 px: 1/(2 eta) = 0.05 / 4, the WAE code's MNIST weight for [0, 1] pixels (input_normalize_sym = False)
        # carried to our [-1, 1] range, as the WAEs do (so eta = 40); 64 px keep the CelebA block's 0.05 on [-1, 1].
        return cls(obs_var=40.0)

    def validate(self) -> None:
        super().validate()
        if self.obs_var <= 0:
            raise GanZooError(f"obs_var must be > 0, got {self.obs_var}")
        if self.arch not in ("auto", "mlp", "dcgan"):
            raise GanZooError(f"vae builds its own encoder/decoder; arch must be auto, got '{self.arch}'")
