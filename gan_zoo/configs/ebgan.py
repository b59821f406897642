"""Config of gan_zoo/methods/ebgan.py: EBGAN (Zhao, Mathieu & LeCun 2017; [S3] §1.8, §3.5; [P2]).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("ebgan", "Zhao, Mathieu & LeCun 2017 (seed 003 §1.8)",
               "energy-based GAN: autoencoder discriminator, margin hinge, pulling-away term")
@dataclass
class EBGANConfig(MethodConfig):
    # EB-P §4.1: "m = 10" for every EBGAN run of the MNIST grid (the only margin the available text fixes;
    # LSUN/CelebA/ImageNet margins are in the unavailable Appendix C, [P2]; the Appendix F
    # sweep, m in {1, ..., 32}, is on the same scale). It is a value of the paper's energy, the Euclidean
    # norm ||Dec(Enc(x)) - x|| (EB-P eq. 13; losses/energy.py), so the two go together.
    margin: float = 10.0
    # EB-P §2.4 and Appendix F: the pulling-away term's weight is 0.1 (generator loss only).
    pt_weight: float = 0.1
    # EB-P §4.1, Table 1: Adam with learning rate 0.001 for both G and D.
    lr: float = 1e-3
    # Adam's betas are not in the available text ([P2]): Radford et al.'s beta1 = 0.5.
    beta1: float = 0.5
    beta2: float = 0.999
    # Batch size and latent size are not given ([P2] "Latent size: Not found"):
    # the shared defaults (64, and DCGAN's z in R^100 for images).
    batch_size: int = 64
    z_dim: int = 100
    # arch=mlp on images is the margin-sweep net of EB-P Appendix F (Fig. 9): nLayerG = 5, sizeG = 1600,
    # nLayerD = 2 (one encoder + one decoder layer), sizeD = 1024, no dropout.
    g_width: int = 1600
    g_depth: int = 4  # hidden layers; + the output layer = nLayerG 5
    d_width: int = 1024

    @classmethod
    def for_data(cls, info):
        # Points: 2-D noise as the foundation's toy GANs; the paper has no 2-D experiment.
        return cls(z_dim=2) if not info.is_image else cls()

    def validate(self):
        super().validate()
        if self.margin <= 0:
            raise GanZooError(f"margin must be > 0, got {self.margin}")
        if self.pt_weight < 0:
            raise GanZooError(f"pt_weight must be >= 0, got {self.pt_weight}")
