"""Config of gan_zoo/methods/flowgan.py: FlowGAN (Grover, Dhar, Ermon 2018; seed 000 §2.4.1 eq. 2.29): a NICE generator trained adversarially

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("flowgan", "Grover et al. 2018 (seed 000 §2.4.1, eq. 2.29)",
               "NICE generator, WGAN-GP critic + lambda_ml * exact NLL (ml_weight=0: pure GAN)")
@dataclass
class FlowGANConfig(MethodConfig):
    # Generator: the single flow of seed 000 §5.1.1 (4 additive couplings, m = 5-layer MLP of 100, ReLU).
    n_coupling: int = 4
    hidden: int = 100
    depth: int = 4
    coupling: str = "mlp"  # mlp | cnn (seed 000 §5.2)
    cnn_fc: int = 1000  # seed 000 §5.2 single-flow CNN coupling
    cnn_maps: int = 64
    base: str = "gaussian"  # [AMBIG-5]; logistic on images (§5.2)
    # Seed 000 §5.1.1: NICE lr 0.005, critic lr 0.002, Adam (0.5, 0.9), 5 critic steps per generator step,
    # lambda_gp = 0.1 (not 10), lambda_ml = 1, batch 300. Critic: 5-layer MLP of 100 (nets/factory.py).
    lr: float = 0.005
    critic_lr: float = 0.002
    beta1: float = 0.5
    beta2: float = 0.9
    n_critic: int = 5
    gp_weight: float = 0.1
    ml_weight: float = 1.0
    batch_size: int = 300
    # Seed 000 §5.2: GAN methods on MNIST are pre-trained by ML (1000 "epochs", [AMBIG-6, 15]): the first
    # pretrain_steps generator steps use the NLL alone. 0 on the toys (no pre-training is mentioned there).
    pretrain_steps: int = 0
    dequantize: bool = True  # images: NICE's uniform dequantisation (paper_defaults.md §9)
    test_size: int = 2000  # held-out samples for nll/test (our choice)

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2)
        # Seed 000 §5.2: 5 x 1000 coupling MLP (as Dinh et al.), logistic base, generator lr 0.0005, critic lr
        # 0.0001, lambda_gp = 10, lambda_ml = 0.001, batch 200, ML pre-training 1000 epochs. Critic: not
        # given ([AMBIG-14]); the DCGAN critic with layer norm, as our WGAN-GP uses.
        return cls(hidden=1000, depth=5, base="logistic", lr=5e-4, critic_lr=1e-4, gp_weight=10.0,
                   ml_weight=0.001, batch_size=200, pretrain_steps=1000, test_size=1000, z_dim=0)

    def validate(self):
        super().validate()
        from ..nets.flows import BASES, COUPLINGS  # torch-side constants: imported only when a value is checked

        if self.base not in BASES:
            raise GanZooError(f"unknown base '{self.base}' ({', '.join(BASES)})")
        if self.coupling not in COUPLINGS:
            raise GanZooError(f"unknown coupling '{self.coupling}' ({', '.join(COUPLINGS)})")
        if self.ml_weight < 0 or self.gp_weight < 0:
            raise GanZooError("ml_weight and gp_weight must be >= 0")
