"""Config of gan_zoo/methods/mixflow.py: Mixflow: a mixture of T NICE flows (seed 000 §4.2), trained three ways (``train=``):

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig

TRAIN_MODES = ("ml-em", "ml-softmax", "gan+ml")


@method_config("mixflow", "Gong 2017 (seed 000 §4.2, Algs. 5-6, eqs. 4.5-4.11)",
               "mixture of NICE flows: ML by EM or softmax weights, or GAN+ML with an entropic regulariser")
@dataclass
class MixflowConfig(MethodConfig):
    train: str = "ml-softmax"  # ml-em | ml-softmax | gan+ml; the toy runs use softmax weights (§5.1.1)
    # Seed 000 §5.1.1: 6 components, each 2 additive couplings with m = "3-layer MLP, 50 nodes/layer", ReLU
    # (2 hidden layers + linear output).
    components: int = 6
    n_coupling: int = 2
    hidden: int = 50
    depth: int = 2
    coupling: str = "mlp"  # mlp | cnn (seed 000 §5.2)
    cnn_fc: int = 300  # seed 000 §5.2 Mixflow CNN coupling: FC 300 -> FC 7x7x16 -> 16 maps
    cnn_maps: int = 16
    base: str = "gaussian"  # [AMBIG-5]; logistic on images (§5.2)
    # Seed 000 §5.1.1: NICE lr 0.005, component-weight lr 0.005, critic lr 0.002, Adam (0.5, 0.9), batch 300,
    # 5 critic steps per generator step, lambda_gp 0.1, lambda_ml 1 (GAN+ML).
    lr: float = 0.005
    weight_lr: float = 0.005  # Alg. 5's lambda_c: the softmax logits' Adam lr, and the EM damping (eq. 4.8)
    critic_lr: float = 0.002
    beta1: float = 0.5
    beta2: float = 0.9
    n_critic: int = 5  # gan+ml only; ML modes take one step per batch
    gp_weight: float = 0.1
    ml_weight: float = 1.0
    batch_size: int = 300
    # C_start (Alg. 5): weights frozen for the first c_start generator steps. The thesis gives no value
    # ([AMBIG-7]); ours: 10 % of the 5000 toy iterations.
    c_start: int = 500
    # ER weight (eq. 4.11). -1 = the thesis's: 1 for Mixflow GAN+ML on images (§5.2), else 0 ([AMBIG-8]).
    entropy_weight: float = -1.0
    # Seed 000 §5.2: GAN+ML on MNIST pre-trains each component by ML on one digit (1000 "epochs"); used
    # only with train=gan+ml, per digit when the data have as many classes as components.
    pretrain_steps: int = 0
    dequantize: bool = True  # images: NICE's uniform dequantisation (paper_defaults.md §9)
    test_size: int = 2000  # held-out samples for nll/test (our choice)

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2)
        # Seed 000 §5.2: 10 components x 3 couplings, MLP m = 3 layers of 200; logistic base; generator lr
        # 0.0005, weight lr 0.01, critic lr 0.0001, lambda_gp 10, lambda_ml 0.001, batch 200, pre-training.
        return cls(components=10, n_coupling=3, hidden=200, depth=2, base="logistic", lr=5e-4, weight_lr=0.01,
                   critic_lr=1e-4, gp_weight=10.0, ml_weight=0.001, batch_size=200, pretrain_steps=1000,
                   test_size=1000, z_dim=0)

    def validate(self):
        super().validate()
        from ..nets.flows import BASES, COUPLINGS  # torch-side constants: imported only when a value is checked

        if self.train not in TRAIN_MODES:
            raise GanZooError(f"unknown train mode '{self.train}' ({', '.join(TRAIN_MODES)})")
        if self.base not in BASES:
            raise GanZooError(f"unknown base '{self.base}' ({', '.join(BASES)})")
        if self.coupling not in COUPLINGS:
            raise GanZooError(f"unknown coupling '{self.coupling}' ({', '.join(COUPLINGS)})")
        if self.components < 1:
            raise GanZooError(f"components must be >= 1, got {self.components}")
        if not 0 < self.weight_lr <= 1 and self.train == "ml-em":
            raise GanZooError(f"ml-em needs 0 < weight_lr (the damping lambda_c) <= 1, got {self.weight_lr}")
