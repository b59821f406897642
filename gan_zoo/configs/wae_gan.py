"""Config of gan_zoo/methods/wae_gan.py: WAE-GAN (Tolstikhin et al. 2018, Alg. 1; [S2] Algorithm 1, [N2] §1.8, §4.2).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .wae_family import WAEConfig


@method_config("wae-gan", "Tolstikhin et al. 2018 (seed 002 §1.8, Alg. 1)",
               "Wasserstein auto-encoder: squared-L2 reconstruction + a GAN on latent codes (adversary on z only)")
@dataclass
class WAEGANConfig(WAEConfig):
    # z_dim, sigma_z, lambda, the cost's scale, Adam and batch 100: the pair's (wae_family.WAEConfig,
    # [P5]).
    # [S2] (WAE-GAN adversary, CelebA): z -> 4 x (FC_512, ReLU) -> FC_1 (the MNIST code uses the same).
    adv_width: int = 512
    adv_depth: int = 4
    # §5 (WAE code): MNIST adversary lr 5e-4 (the AE's 1e-3 is the pair's default).
    # (CelebA code: AE 3e-4 for WAE-GAN, adversary 1e-3; set by for_data.)
    adv_lr: float = 5e-4

    method_label = "wae-gan"

    @classmethod
    def large_image_defaults(cls) -> dict:
        return dict(z_dim=64, lr=3e-4, adv_lr=1e-3)  # §5 CelebA (32 px colour sets take the same)

    def validate(self) -> None:
        super().validate()
        if self.adv_width < 1 or self.adv_depth < 1:
            raise GanZooError("adv_width and adv_depth must be >= 1")
