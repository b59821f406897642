"""Config of gan_zoo/methods/unrolled.py: Unrolled GAN (Metz, Poole, Pfau & Sohl-Dickstein 2017; [S3] §1.5).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("unrolled", "Metz et al. 2017 (seed 003 §1.5)",
               "GAN whose generator sees K differentiable (second-order) Adam steps of the discriminator")
@dataclass
class UnrolledConfig(MethodConfig):
    # K = 5: the official notebook's default (UG-C unrolling_steps=5) and VEEGAN's Unrolled baseline
    # ("as suggested in the authors' reference implementation", VG-P). UG-P Fig. 1 (MoG) shows K = 10;
    # UG-P §3.3 compares K in {0, 1, 5, 10} ([P1a]).
    unroll_steps: int = 5
    # UG-C: G minimises -(unrolled D loss), the minimax form ([P1a] "Objective").
    loss: str = "minimax"
    # UG-C params: D Adam lr 1e-4, G Adam lr 1e-3, beta1 0.5, eps 1e-8 ([P1a]).
    lr_d: float = 1e-4
    lr_g: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999  # Keras / TF Adam default (UG-C sets only beta1 and epsilon)
    adam_eps: float = 1e-8
    # UG-C: one D step and one G step per iteration.
    n_critic: int = 1
    # True: UG-C's MoG nets (FC128-tanh x2, orthogonal init gain 1.4; z in R^256). False: the foundation's
    # nets by ``arch`` (as ``gan`` builds them).
    paper_nets: bool = False
    # True: PacGAN's 2-D nets instead (fjxmlzn/PacGAN synthetic_data_experiments, the re-implementation of
    # VEEGAN's ring/grid protocol: a BN-ReLU 4x400 generator, a 3-layer maxout discriminator; nets/mlp.py).
    # Its optimiser and batch are set with the other fields (benchmarks/reproduce.py unrolled-ring).
    pacgan_nets: bool = False
    # True (images): the Unrolled paper's small Stacked MNIST DCGAN as PacGAN re-implements it (nets/stacked.py;
    # fjxmlzn/PacGAN stacked_MNIST_experiments/unrolled_GAN_experiment/D=0.25G/model.py); d_width is then
    # D's first-layer filters (0: 8, mirroring G; PacGAN's D = 1/4 G: 2, D = 1/2 G: 4).
    stacked_nets: bool = False
    # Image discriminator's base width; 0: the generator's. UG-P §3.3 / PacGAN Table 3's Stacked MNIST runs
    # shrink D to 1/4 of G's size to make mode collapse likely (benchmarks/reproduce.py stacked-mnist).
    d_width: int = 0
    second_order: bool = True  # False detaches the unrolled steps (the reimplementation bug; for comparison)

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            # Points: UG-C MoG setting: z ~ N(0, I_256), batch 512, the notebook's tanh MLPs.
            return cls(z_dim=256, batch_size=512, paper_nets=True)
        # Images: the nets by arch (DCGAN), UG-C's Adam settings; K = 5 (UG-C default, one of UG-P §3.3's).
        return cls()

    def implied(self, changed):
        # Points default to the notebook's paper_nets; asking for PacGAN's nets alone means those instead.
        if self.pacgan_nets and "pacgan_nets" in changed and "paper_nets" not in changed:
            return replace(self, paper_nets=False)
        return self

    def validate(self):
        super().validate()
        if self.unroll_steps < 0:
            raise GanZooError(f"unroll_steps must be >= 0, got {self.unroll_steps}")
        if self.loss not in ("minimax", "nonsaturating"):
            raise GanZooError(f"loss must be minimax or nonsaturating, not '{self.loss}'")
        if self.paper_nets and self.arch not in ("auto", "mlp"):
            raise GanZooError("paper_nets=true builds the MoG MLPs; use paper_nets=false with arch=" + self.arch)
        if self.d_width < 0:
            raise GanZooError(f"d_width must be >= 0 (0: the generator's width), got {self.d_width}")
        if self.stacked_nets and (self.pacgan_nets or self.arch not in ("auto", "dcgan")):
            raise GanZooError("stacked_nets=true builds the Stacked MNIST DCGAN; leave pacgan_nets/arch unset")
        if self.pacgan_nets and self.paper_nets:
            raise GanZooError("pacgan_nets=true and paper_nets=true are two different nets: pick one "
                              "(pacgan_nets=true alone turns paper_nets off)")
