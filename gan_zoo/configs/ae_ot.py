"""Config of gan_zoo/methods/ae_ot.py: AE-OT (An et al., ICLR 2020; [S2] §2.2-2.4): decouple manifold learning from measure learning.

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("ae-ot", "An et al. 2020, AE-OT (seed 002 §2.3-2.4, Alg. 1-2)",
               "autoencoder + semi-discrete OT map from a uniform cube to the latent codes")
@dataclass
class AEOTConfig(MethodConfig):
    # Not read by this method (one autoencoder step per batch, then the OT solve; build_autoencoder picks the nets);
    # --set of one is an error.
    unused = ("n_critic", "arch")
    # AEOT-C demo2.py (CelebA): batch 512, latent 100, dim_f 80 (conv channels 80 -> 640).
    batch_size: int = 512
    z_dim: int = 100
    width: int = 80
    # AEOT-C demo2.py: Adam lr 2e-5 for CelebA 64 px; for other data no setting was found (paper_defaults
    # §7 "Not found"), so for_data uses Adam's own default 1e-3 (Kingma & Ba 2015) there.
    lr: float = 2e-5
    # AEOT-C demo2.py: loss = MSE + 1e-5 * ||z||_1.
    l1_latent: float = 1e-5
    # Algorithm 1 (paper_defaults §7, AEOT-C run_gd / demo2 compute_ot): lr 5e-2 on h, 20,000 Monte-Carlo
    # samples per step, double them when E stalls for 30 steps, stop at ||grad||_2 < 2e-3 or 20,000 steps.
    ot_lr: float = 5e-2
    ot_samples: int = 20_000
    ot_stall: int = 30
    ot_tol: float = 2e-3
    ot_steps: int = 20_000
    ot_max_samples: int = 1_000_000  # ours: a cap on the doublings (time, not memory: the sums are chunked)
    # Algorithm 2: angle threshold theta (AEOT-C demo2: 0.7 for CelebA; toy demos 0.09-0.4, 0.2 for the
    # 25-Gaussians) and d + 1 nearest centroids ([S2] Alg. 2 step 5; 0 means d + 1).
    theta: float = 0.7
    n_neighbours: int = 0
    centroid_samples: int = 200_000  # ours: Monte-Carlo samples for the cell centroids c_hat_i (Alg. 2 step 3)
    # Points: AEOT-C toy demos use 256 target points; images use the whole training split.
    n_codes: int = 256

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            # 2-D points: a 2-D latent (the toy demos transport straight to the points) and theta 0.2
            # (AEOT-C demo1, 25 Gaussians); MLP nets as the autoencoder module builds them.
            return cls(z_dim=2, width=0, lr=1e-3, theta=0.2, batch_size=256)
        if tuple(info.shape[1:]) == (64, 64):
            return cls()
        return cls(lr=1e-3)

    def validate(self):
        super().validate()
        if self.theta <= 0:
            raise GanZooError(f"theta (the angle threshold) must be positive, got {self.theta}")
        if self.ot_samples < 1 or self.ot_steps < 1:
            raise GanZooError("ot_samples and ot_steps must be >= 1")
        if self.n_neighbours < 0 or self.n_neighbours == 1:
            raise GanZooError("n_neighbours must be 0 (d + 1) or >= 2")
