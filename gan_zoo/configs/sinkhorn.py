"""Config of gan_zoo/methods/sinkhorn.py: Sinkhorn autodiff (Genevay, Peyre & Cuturi 2018; [S0] §2.3.4, Alg. 4).

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
    # squared Euclidean cost ([P4]). Its clouds (uniform on [-.5, .5]^2 against a ring of radius
    # 0.8-1) have a mean cost of about 1, so its eps is 0.01 x the mean cost; on our ring (radius 5, mean cost
    # about 50) the absolute 0.01 left the plan's marginals off by 0.25 in L1 after 100 iterations. Points
    # therefore take eps relative to the mean cost of the batch (relative_eps) and stop at a tolerance.
    eps: float = 0.01
    relative_eps: bool = True  # eps_used = eps * mean C(x, y) (detached, the same for the three debiased terms)
    n_iters: int = 1000  # fixed L without tol (Alg. 4); with tol the cap (SK-C1's L = 100 does not reach tol)
    batch_size: int = 200
    cost: str = "sqeuclidean"  # sqeuclidean | euclidean | learned
    # auto: debiased 2W(x,y) - W(x,x) - W(y,y) (SK-C1 sinkhorn_normalized) except a fixed cost on images, where
    # SK-C2's MNIST run uses the plain <P, C>; the learned cost is debiased (SK-C2 sinkhorn_gan_images.py
    # run_gan, Genevay et al.'s learned-cost loss). true | false force it ([P4]).
    debias: str = "auto"
    # > 0: stop once the plan's column marginal is within tol in L1 (checked every 10 iterations; the rows are
    # exact after each update), else run n_iters (Alg. 4's fixed L). Points: 1e-3 (issue 12).
    tol: float = 1e-3
    # Generator optimiser: SK-C2 mke_tf.py (MNIST) Adam, lr 0.005 (the train() argument) ([P4]).
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
        # batch 300, Adam lr 0.005, loss <P, C> between data and generated batch, not debiased (debias=auto).
        # Its pixels are in [0, 1] (sigmoid generator); ours in [-1, 1] have 4x the squared distances, so the
        # same plan needs eps = 4 x 1 here (absolute, as the code's).
        return cls(eps=4.0, relative_eps=False, n_iters=50, tol=0.0, batch_size=300)

    def validate(self):
        super().validate()
        from .choices import SINKHORN_COSTS as COSTS  # no torch: a bad cost is refused before it loads

        if self.cost not in COSTS + ("learned",):
            raise GanZooError(f"cost must be one of {', '.join(COSTS + ('learned',))}, not '{self.cost}'")
        if str(self.debias).lower() not in ("auto", "true", "false", "1", "0", "yes", "no"):
            raise GanZooError(f"debias must be auto, true or false, not '{self.debias}'")
        if self.tol < 0:
            raise GanZooError(f"tol must be >= 0 (0: a fixed n_iters), got {self.tol}")
        if self.eps <= 0:
            raise GanZooError(f"eps must be positive, got {self.eps}")
        if self.n_iters < 1:
            raise GanZooError(f"n_iters must be >= 1, got {self.n_iters}")
        if self.cost == "learned" and self.feature_dim < 1:
            raise GanZooError(f"feature_dim must be >= 1, got {self.feature_dim}")
