"""Config of gan_zoo/methods/pgan.py: PGAN: Mixflow GAN+ML with personalized critics (seed 000 §4.3, eq. 4.13, trained as Alg. 6).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("pgan", "Gong 2017 (seed 000 §4.3, eq. 4.13, Alg. 6)",
               "Mixflow generator with one personalized critic per component, mixed by the detached posterior")
@dataclass
class PGANConfig(MethodConfig):
    # Generator: the Mixflow of seed 000 §5.1.1 (6 components x 2 additive couplings, m = 3-layer MLP of 50).
    components: int = 6
    n_coupling: int = 2
    hidden: int = 50
    depth: int = 2
    coupling: str = "mlp"
    cnn_fc: int = 300  # seed 000 §5.2 Mixflow CNN coupling
    cnn_maps: int = 16
    base: str = "gaussian"  # [AMBIG-5]
    # Seed 000 §5.1.1: "6 critics, each a 3-layer MLP with 50 nodes/layer, ReLU" (2 hidden + output).
    critic_hidden: int = 50
    critic_depth: int = 2
    # Seed 000 §5.1.1 hyperparameters (as Mixflow GAN+ML): lrs 0.005 / 0.005 (weights) / 0.002 (critic),
    # Adam (0.5, 0.9), 5 critic steps, lambda_gp 0.1, lambda_ml 1, batch 300.
    lr: float = 0.005
    weight_lr: float = 0.005
    critic_lr: float = 0.002
    beta1: float = 0.5
    beta2: float = 0.9
    n_critic: int = 5
    gp_weight: float = 0.1
    ml_weight: float = 1.0
    batch_size: int = 300
    c_start: int = 500  # weights frozen for the first C_start steps (Alg. 5; value not given, [AMBIG-7])
    entropy_weight: float = 0.0  # eq. 4.11; the thesis uses it only for Mixflow GAN+ML on MNIST (§5.2)
    pretrain_steps: int = 0  # ML pre-training steps (§5.2 for GAN methods on images)
    dequantize: bool = True
    test_size: int = 2000

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2)
        # PGAN was not run on MNIST (§4.3.1, §5.2). We take Mixflow's §5.2 settings, and one DCGAN critic
        # trunk with T outputs: the weight sharing §4.3.1 proposes for CNN critics (untested there).
        return cls(components=10, n_coupling=3, hidden=200, depth=2, base="logistic", lr=5e-4, weight_lr=0.01,
                   critic_lr=1e-4, gp_weight=10.0, ml_weight=0.001, batch_size=200, pretrain_steps=1000,
                   test_size=1000, z_dim=0)

    def validate(self):
        super().validate()
        from ..nets.flows import BASES, COUPLINGS  # torch-side constants: imported only when a value is checked

        if self.base not in BASES:
            raise GanZooError(f"unknown base '{self.base}' ({', '.join(BASES)})")
        if self.coupling not in COUPLINGS:
            raise GanZooError(f"unknown coupling '{self.coupling}' ({', '.join(COUPLINGS)})")
        if self.components < 1:
            raise GanZooError(f"components must be >= 1, got {self.components}")
