"""Config of gan_zoo/methods/sinkhorn.py: Sinkhorn autodiff (Genevay, Peyre & Cuturi 2018; seed 000 §2.3.4, Alg. 4).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("sinkhorn", "Genevay, Peyre & Cuturi 2018 (seed 000 §2.3.4, Alg. 4)",
               "generator trained on the entropic OT (Sinkhorn) loss; fixed or learned (adversarial) cost")
@dataclass
class SinkhornConfig(MethodConfig):
    # Points: the SK-C1 point-cloud example (gpeyre/SinkhornAutoDiff): eps 0.01, 100 iterations, n = 200,
    # squared Euclidean cost (paper_defaults.md §4).
    eps: float = 0.01
    n_iters: int = 100
    batch_size: int = 200
    cost: str = "sqeuclidean"  # sqeuclidean | euclidean | learned
    # Debiased 2W(x,y) - W(x,x) - W(y,y) (SK-C1 sinkhorn_normalized). SK-C2's fixed-cost MNIST run uses the
    # plain <P, C> (debias=False); its learned-cost run the debiased loss (paper_defaults.md §4).
    debias: bool = True
    tol: float = 0.0  # > 0: stop the iterations at this marginal error (checked every 10), else fixed L (Alg. 4)
    # Generator optimiser: SK-C2 mke_tf.py (MNIST) Adam, lr 0.005 (the train() argument) (paper_defaults.md §4).
    lr: float = 0.005
    beta1: float = 0.9  # SK-C2 uses TensorFlow's Adam defaults (beta1 0.9, beta2 0.999)
    beta2: float = 0.999
    # Learned cost (SK-C2 sinkhorn_gan_images.py, CIFAR): features of dimension nz = 100 from a DCGAN-style
    # encoder, RMSprop lr 5e-5 for G and D, encoder weights clipped to [-0.01, 0.01] before each D step.
    feature_dim: int = 100
    critic_lr: float = 5e-5
    clip: float = 0.01
    compile: bool = False  # torch.compile the Sinkhorn iteration (see benchmarks/sinkhorn.py)

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2)  # 2-D noise into the point MLPs (as gan's points preset)
        # Images: SK-C2 mke_tf.py (MNIST, fixed cost): eps = 1, L = 50 fixed iterations, squared Euclidean,
        # batch 300, Adam lr 0.005, loss <P, C> between data and generated batch, not debiased.
        return cls(eps=1.0, n_iters=50, batch_size=300, debias=False)

    def validate(self):
        super().validate()
        from ..losses.sinkhorn import COSTS  # torch-side constants: imported only when a value is checked

        if self.cost not in COSTS + ("learned",):
            raise GanZooError(f"cost must be one of {', '.join(COSTS + ('learned',))}, not '{self.cost}'")
        if self.eps <= 0:
            raise GanZooError(f"eps must be positive, got {self.eps}")
        if self.n_iters < 1:
            raise GanZooError(f"n_iters must be >= 1, got {self.n_iters}")
        if self.cost == "learned" and self.feature_dim < 1:
            raise GanZooError(f"feature_dim must be >= 1, got {self.feature_dim}")
