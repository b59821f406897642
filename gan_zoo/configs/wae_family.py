"""The config the two Wasserstein auto-encoders share (Tolstikhin et al. 2018; [S2] §1.8, [N2] §4.2).

WAE-MMD (Alg. 2) and WAE-GAN (Alg. 1) have the same latent size, prior, lambda, reconstruction cost and
Adam; ``WAEConfig`` holds them with their sources, wae_mmd.py / wae_gan.py here add each one's divergence.
Importable without torch or Lightning; gan_zoo/methods/wae_family.py holds the shared LightningModule part.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError
from .base import MethodConfig

# The WAE code's reconstruction weight, 0.05 * sum of squared pixel differences (wae.py reconstruction_loss, l2sq).
RECON_SCALE_01 = 0.05


@dataclass
class WAEConfig(MethodConfig):
    # [P5] (WAE paper §4, WAE code): latent size 8 for MNIST (28 px), 64 for CelebA.
    z_dim: int = 8
    # §5: prior N(0, sigma_z^2 I) with sigma_z = 1 (code `pz_scale = 1`).
    sigma_z: float = 1.0
    # §5: lambda = 10 in all the paper's reported experiments (code: 100 for CelebA; `--set lam=100`).
    lam: float = 10.0
    # §5: c(x, y) = ||x - y||^2; the WAE code multiplies it by 0.05 (sum over pixels, mean over the batch).
    # We keep the code's 0.05 (it sets the balance against lambda = 10) on the code's own pixel range: 0.05 on
    # [-1, 1] for 32+ px (CelebA), 0.05 / 4 on our [-1, 1] for 28 px (MNIST, scored on [0, 1] there; for_data);
    # points use the paper's unscaled cost (1.0): there is no WAE code setting for 2-D data.
    recon_scale: float = RECON_SCALE_01
    # §5 (WAE code): Adam beta1 = 0.5, beta2 = 0.999; MNIST AE learning rate 1e-3; batch 100.
    lr: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 100

    method_label = "wae"  # (a class attribute, not a field) names the method in the arch error
    unused = ("arch",)  # build_autoencoder picks the encoder/decoder by data shape: --set arch is an error

    @classmethod
    def large_image_defaults(cls) -> dict:
        """Overrides for 32 px and larger images: the paper's CelebA setting (d_z = 64)."""
        return dict(z_dim=64)

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            # Points: no paper setting. d_z = 2 = the data's dimension; unscaled squared L2 (the paper's c).
            return cls(z_dim=2, recon_scale=1.0)
        if info.shape[-1] >= 32:
            return cls(**cls.large_image_defaults())  # §5 CelebA (also for 32 px colour sets: the paper has none)
        # 28 px: the WAE code's MNIST cost 0.05 ||x - y||^2 is on [0, 1] pixels (configs.py MNIST block:
        # input_normalize_sym = False); ours live in [-1, 1], where ||x - y||^2 is 4x larger: 0.05 / 4.
        # (The CelebA block has input_normalize_sym = True, so 64 px keep 0.05 on [-1, 1] as is.)
        return cls(recon_scale=RECON_SCALE_01 / 4)

    def validate(self) -> None:
        super().validate()
        if self.lam < 0 or self.sigma_z <= 0 or self.recon_scale <= 0:
            raise GanZooError("lam must be >= 0, sigma_z and recon_scale > 0")
        if self.arch not in ("auto", "mlp", "dcgan"):
            raise GanZooError(f"{self.method_label} builds its own encoder/decoder; arch must be auto, "
                              f"got '{self.arch}'")
