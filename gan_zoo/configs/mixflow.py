"""Config of gan_zoo/methods/mixflow.py: Mixflow: a mixture of T NICE flows ([S0] §4.2), trained three ways (``train=``):

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .flow_family import MixtureConfig

TRAIN_MODES = ("ml-em", "ml-softmax", "gan+ml")


@method_config("mixflow", "Gong 2017 (seed 000 §4.2, Algs. 5-6, eqs. 4.5-4.11)",
               "mixture of NICE flows: ML by EM or softmax weights, or GAN+ML with an entropic regulariser")
@dataclass
class MixflowConfig(MixtureConfig):
    # [S0] §5.1.1 / §5.2 Mixflow: the family's mixture defaults (flow_family.MixtureConfig); n_critic,
    # the critic and lambda_gp / lambda_ml are used by gan+ml only (ML modes take one step per batch).
    train: str = "ml-softmax"  # ml-em | ml-softmax | gan+ml; the toy runs use softmax weights (§5.1.1)
    # ER weight (eq. 4.11). -1 = the thesis's: 1 for Mixflow GAN+ML on images (§5.2), else 0 ([A8]).
    entropy_weight: float = -1.0
    # [S0] §5.2: GAN+ML on MNIST pre-trains each component by ML on one digit (1000 "epochs"); used
    # only with train=gan+ml, per digit when the data have as many classes as components.
    pretrain_steps: int = 0

    def validate(self):
        super().validate()
        if self.train not in TRAIN_MODES:
            raise GanZooError(f"unknown train mode '{self.train}' ({', '.join(TRAIN_MODES)})")
        if not 0 < self.weight_lr <= 1 and self.train == "ml-em":
            raise GanZooError(f"ml-em needs 0 < weight_lr (the damping lambda_c) <= 1, got {self.weight_lr}")
