"""Config of gan_zoo/methods/modnet.py: ModNet, the Modification Network (Basart 2017, [S4] §2; [N4] §2): G(y_t, x) edits a real

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("modnet", "Basart 2017, ModNet (seed 004 §2.2, §2.5)",
               "U-Net delta-image editor: relabels real images (AC-GAN D or frozen classifier)")
@dataclass
class ModNetConfig(MethodConfig):
    # Not read by this method (the generator edits images (a U-Net on image + label, no noise); the critic is DCGAN);
    # --set of one is an error.
    unused = ("z_dim", "arch")
    # Thesis box: batch m "order of hundreds for small images and ~20 for large images".
    batch_size: int = 128
    # Thesis box: (j, k) = (1, 1) or (1, 2), "similar results"; j = n_critic.
    n_critic: int = 1
    g_steps: int = 1
    # Thesis box: lambda in [1e-5, 1e-3] per dataset, keeping lambda*L1 on the order of the other losses;
    # for_data scales it with the pixel count (our choice inside the stated range).
    lam: float = 1e-3
    # Not stated in the thesis ("ADAM", no rates): pix2pix's (Isola et al. 2017 §3.3), whose U-Net G is.
    lr: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    variant: str = "A"  # A: AC-GAN discriminator that classifies; B: separate classifier (§2.5.1)
    freeze_classifier: bool = False  # B only: never update it (interpretability mode, §2.5.2)
    pretrain_steps: int = 0  # B only: classifier steps on real data before the GAN (§2.5.1 "pretrained")
    pretrain_lr: float = 1e-3  # Adam's default (Kingma & Ba 2015); the thesis gives none
    # Target labels: uniform over the *other* classes (augmentation experiment 1 requires y_t != y;
    # [N4] §5.14), or "any".
    target: str = "other"

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            raise GanZooError(f"modnet modifies labelled images; '{info.name}' is 2-D points (try --data digits)")
        if info.num_classes < 2:
            raise GanZooError(f"modnet needs class labels; '{info.name}' has none")
        c, h, w = info.shape
        pixels = c * h * w
        # lambda in the thesis's [1e-5, 1e-3]: the per-image l1 norm grows with the pixel count, so
        # 28x28x1 (784) gets 1e-3, 32x32x3 (3072) 1e-4, and larger images 1e-5.
        lam = 1e-3 if pixels <= 1024 else 1e-4 if pixels <= 4096 else 1e-5
        return cls(lam=lam, batch_size=128 if h <= 64 else 20)

    def validate(self):
        super().validate()
        if self.variant not in ("A", "B"):
            raise GanZooError(f"variant must be A (discriminator classifies) or B (separate classifier), "
                              f"not '{self.variant}'")
        if self.g_steps < 1:
            raise GanZooError(f"g_steps must be >= 1, got {self.g_steps}")
        if self.target not in ("other", "any"):
            raise GanZooError(f"target must be 'other' or 'any', not '{self.target}'")
        if self.lam < 0:
            raise GanZooError(f"lam must be >= 0, got {self.lam}")
        if self.variant == "A" and (self.freeze_classifier or self.pretrain_steps):
            raise GanZooError("freeze_classifier / pretrain_steps need variant=B (a separate classifier)")
        if self.freeze_classifier and self.pretrain_steps <= 0:
            raise GanZooError("a frozen classifier must be pretrained: set pretrain_steps (e.g. 500)")
        if self.arch not in ("auto", "dcgan"):
            raise GanZooError("modnet uses the U-Net generator and a DCGAN discriminator (arch=auto)")
