"""Config of gan_zoo/methods/wae_mmd.py: WAE-MMD (Tolstikhin et al. 2018, Alg. 2; [S2] Algorithm 2, [N2] §1.8).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig
from .wae_family import WAEConfig


@method_config("wae-mmd", "Tolstikhin et al. 2018 (seed 002 §1.8, Alg. 2)",
               "Wasserstein auto-encoder: squared-L2 reconstruction + lambda * MMD(Q_Z, P_Z) on latent codes")
@dataclass
class WAEMMDConfig(WAEConfig):
    unused = ("n_critic", "arch")  # Alg. 2 has no adversary: one step per batch (and the family's arch)
    # z_dim, sigma_z, lambda, the cost's scale, Adam and batch 100: the pair's (wae_family.WAEConfig,
    # [P5]; the WAE code's comment gives the AE lr 1e-3 for WAE-MMD on CelebA too).
    # §5: IMQ kernel, C = 2 d_z sigma_z^2, summed over the code's scales; "rbf" is the option the paper found failing.
    kernel: str = "imq"
    kernel_scales: str = "0.1,0.2,0.5,1,2,5,10"

    method_label = "wae-mmd"

    def validate(self) -> None:
        MethodConfig.validate(self)  # the shared fields first, then this method's, then the pair's
        if self.batch_size < 2:
            raise GanZooError("wae-mmd needs batch_size >= 2 (the MMD estimate uses pairs)")
        if self.kernel not in ("imq", "rbf"):
            raise GanZooError(f"unknown kernel '{self.kernel}' (imq, rbf)")
        super().validate()
        try:
            scales = [float(s) for s in self.kernel_scales.split(",")]
        except ValueError:
            raise GanZooError(f"kernel_scales must be comma-separated numbers, got '{self.kernel_scales}'") from None
        if not scales or min(scales) <= 0:
            raise GanZooError("kernel_scales must be positive")
