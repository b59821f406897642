"""Config of gan_zoo/methods/nice.py: NICE trained by maximum likelihood only (Dinh et al. 2014; seed 000 Ch. 3, "Single Flow ML" of Ch. 5).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("nice", "Dinh et al. 2014 (seed 000 Ch. 3, §5 'Single Flow ML')",
               "NICE flow (additive couplings + diagonal scaling) trained by exact maximum likelihood")
@dataclass
class NICEConfig(MethodConfig):
    # Seed 000 §5.1.1 (2-D): single flow = 4 additive coupling layers, m(.) a "5-layer MLP, 100 nodes/layer",
    # ReLU (read as 4 hidden layers + linear output, as nets/factory.py reads the same phrase for the critic).
    n_coupling: int = 4
    hidden: int = 100
    depth: int = 4
    coupling: str = "mlp"  # mlp | cnn (seed 000 §5.2)
    cnn_fc: int = 1000  # seed 000 §5.2 single-flow CNN coupling: FC 1000 -> FC 7x7x64 -> 64 maps
    cnn_maps: int = 64
    base: str = "gaussian"  # seed 000 §3.0.3 (toy base not stated, [AMBIG-5]); logistic for images (§5.2)
    # Seed 000 §5.1.1: NICE learning rate 0.005, Adam beta = (0.5, 0.9) (Alg. 5), batch 300.
    lr: float = 0.005
    beta1: float = 0.5
    beta2: float = 0.9
    batch_size: int = 300
    dequantize: bool = True  # images only: NICE's uniform dequantisation (paper_defaults.md §9)
    test_size: int = 2000  # held-out samples for nll/test (our choice; seed 000 gives no protocol)

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2)
        # Seed 000 §5.2: MNIST single flow = 4 couplings, 5 layers x 1000 "identical to Dinh et al." (NICE-C's
        # 5 hidden ReLU layers of 1000, paper_defaults.md §9), logistic base, generator lr 0.0005, batch 200.
        return cls(hidden=1000, depth=5, base="logistic", lr=5e-4, batch_size=200, test_size=1000, z_dim=0)

    def validate(self):
        super().validate()
        from ..nets.flows import BASES, COUPLINGS  # torch-side constants: imported only when a value is checked

        if self.base not in BASES:
            raise GanZooError(f"unknown base '{self.base}' ({', '.join(BASES)})")
        if self.coupling not in COUPLINGS:
            raise GanZooError(f"unknown coupling '{self.coupling}' ({', '.join(COUPLINGS)})")
        if self.n_coupling < 1:
            raise GanZooError(f"n_coupling must be >= 1, got {self.n_coupling}")
