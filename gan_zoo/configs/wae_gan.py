"""Config of gan_zoo/methods/wae_gan.py: WAE-GAN (Tolstikhin et al. 2018, Alg. 1; seed 002 Algorithm 1, notes 002 §1.8, §4.2).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig

# The WAE code's reconstruction weight, 0.05 * sum of squared pixel differences (wae.py reconstruction_loss, l2sq).
RECON_SCALE_01 = 0.05


@method_config("wae-gan", "Tolstikhin et al. 2018 (seed 002 §1.8, Alg. 1)",
               "Wasserstein auto-encoder: squared-L2 reconstruction + a GAN on latent codes (adversary on z only)")
@dataclass
class WAEGANConfig(MethodConfig):
    # paper_defaults.md §5 (WAE paper §4, WAE code): latent size 8 for MNIST (28 px), 64 for CelebA.
    z_dim: int = 8
    # §5: prior N(0, sigma_z^2 I), sigma_z = 1 (code `pz_scale = 1`).
    sigma_z: float = 1.0
    # §5: lambda = 10 in all the paper's reported experiments (code: 100 for CelebA; `--set lam=100`).
    lam: float = 10.0
    # §5: c(x, y) = ||x - y||^2, times 0.05 in the WAE code (pixel sum, batch mean); points: unscaled (1.0).
    recon_scale: float = RECON_SCALE_01
    # Seed 002 (WAE-GAN adversary, CelebA): z -> 4 x (FC_512, ReLU) -> FC_1 (the MNIST code uses the same).
    adv_width: int = 512
    adv_depth: int = 4
    # §5 (WAE code): Adam beta1 = 0.5; MNIST AE lr 1e-3, adversary lr 5e-4; batch 100.
    # (CelebA code: AE 3e-4 for WAE-GAN, adversary 1e-3; set by for_data.)
    lr: float = 1e-3
    adv_lr: float = 5e-4
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 100

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            # Points: no paper setting. d_z = 2 (the data's dimension), the paper's unscaled cost.
            return cls(z_dim=2, recon_scale=1.0)
        if info.shape[-1] >= 32:
            return cls(z_dim=64, lr=3e-4, adv_lr=1e-3)  # §5 CelebA (32 px colour sets take the same)
        # 28 px: the WAE code's MNIST cost 0.05 ||x - y||^2 is on [0, 1] pixels (configs.py MNIST block:
        # input_normalize_sym = False); ours live in [-1, 1], where ||x - y||^2 is 4x larger: 0.05 / 4.
        # (The CelebA block has input_normalize_sym = True, so 64 px keep 0.05 on [-1, 1] as is.)
        return cls(recon_scale=RECON_SCALE_01 / 4)

    def validate(self) -> None:
        super().validate()
        if self.lam < 0 or self.sigma_z <= 0 or self.recon_scale <= 0:
            raise GanZooError("lam must be >= 0, sigma_z and recon_scale > 0")
        if self.adv_width < 1 or self.adv_depth < 1:
            raise GanZooError("adv_width and adv_depth must be >= 1")
        if self.arch not in ("auto", "mlp", "dcgan"):
            raise GanZooError(f"wae-gan builds its own encoder/decoder; arch must be auto, got '{self.arch}'")
