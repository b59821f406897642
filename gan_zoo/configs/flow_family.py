"""The configs the flow methods share ([S0] Chs. 3-5): NICE, FlowGAN, Mixflow and PGAN.

One flow's fields (``FlowConfig``: couplings, coupling net, base, Adam, held-out set), + the WGAN-GP critic
and the ML weight (``AdversarialFlowConfig``: FlowGAN), + components and their weights (``MixtureConfig``:
Mixflow, PGAN), each with the thesis's 2-D defaults and its MNIST ones (``image_defaults``). The methods'
configs (nice.py, flowgan.py, mixflow.py, pgan.py here) derive from them and add only their own fields.

Importable without torch or Lightning (``ganzoo list``, argument checks); gan_zoo/methods/flow_family.py
holds the shared LightningModule pieces.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError
from .base import MethodConfig


@dataclass
class FlowConfig(MethodConfig):
    """One NICE flow trained by ML ([S0] §5.1.1 'Single Flow ML'; §5.2 on MNIST)."""

    # Not read by a flow (the latent has the data's dimension; one ML step per batch; its coupling nets are
    # hidden/depth): --set of one is an error (the adversarial flows below use n_critic, arch, width).
    unused = ("z_dim", "n_critic", "arch", "width")

    # [S0] §5.1.1 (2-D): single flow = 4 additive coupling layers, m(.) a "5-layer MLP, 100 nodes/layer",
    # ReLU (read as 4 hidden layers + linear output, as nets/factory.py reads the same phrase for the critic).
    n_coupling: int = 4
    hidden: int = 100
    depth: int = 4
    coupling: str = "mlp"  # mlp | cnn ([S0] §5.2)
    cnn_fc: int = 1000  # [S0] §5.2 single-flow CNN coupling: FC 1000 -> FC 7x7x64 -> 64 maps
    cnn_maps: int = 64
    base: str = "gaussian"  # [S0] §3.0.3 (toy base not stated, [A5]); logistic for images (§5.2)
    # [S0] §5.1.1: NICE learning rate 0.005, Adam beta = (0.5, 0.9) (Alg. 5), batch 300.
    lr: float = 0.005
    beta1: float = 0.5
    beta2: float = 0.9
    batch_size: int = 300
    dequantize: bool = True  # images only: NICE's uniform dequantisation ([P9])
    test_size: int = 2000  # held-out samples for nll/test (our choice; [S0] gives no protocol)

    @classmethod
    def image_defaults(cls) -> dict:
        # [S0] §5.2: MNIST single flow = 4 couplings, 5 layers x 1000 "identical to Dinh et al." (NICE-C's
        # 5 hidden ReLU layers of 1000, [P9]), logistic base, generator lr 0.0005, batch 200.
        return dict(hidden=1000, depth=5, base="logistic", lr=5e-4, batch_size=200, test_size=1000)

    @classmethod
    def for_data(cls, info):
        # Points: the flow is a bijection of the 2-D data space (no z_dim: the latent is the data's dimension).
        return cls(**cls.image_defaults()) if info.is_image else cls()

    def validate(self):
        super().validate()
        from .choices import FLOW_BASES as BASES, FLOW_COUPLINGS as COUPLINGS  # no torch: checked before it loads

        if self.base not in BASES:
            raise GanZooError(f"unknown base '{self.base}' ({', '.join(BASES)})")
        if self.coupling not in COUPLINGS:
            raise GanZooError(f"unknown coupling '{self.coupling}' ({', '.join(COUPLINGS)})")
        if self.n_coupling < 1:
            raise GanZooError(f"n_coupling must be >= 1, got {self.n_coupling}")


@dataclass
class AdversarialFlowConfig(FlowConfig):
    """+ a WGAN-GP critic and the ML weight ([S0] §5.1.1 'GAN' and 'GAN+ML' runs, eq. 2.29 / 4.10)."""

    unused = ("z_dim",)  # the critic uses n_critic, arch and width; the flow's latent is the data's dimension

    # [S0] §5.1.1: critic lr 0.002, Adam (0.5, 0.9), 5 critic steps per generator step, lambda_gp = 0.1
    # (not 10), lambda_ml = 1. Critic: 5-layer MLP of 100 (nets/factory.py).
    critic_lr: float = 0.002
    n_critic: int = 5
    gp_weight: float = 0.1
    ml_weight: float = 1.0
    # [S0] §5.2: GAN methods on MNIST are pre-trained by ML (1000 "epochs", [A6], [A15]): the first
    # pretrain_steps generator steps use the NLL alone. 0 on the toys (no pre-training is mentioned there).
    pretrain_steps: int = 0

    @classmethod
    def image_defaults(cls) -> dict:
        # [S0] §5.2: critic lr 0.0001, lambda_gp = 10, lambda_ml = 0.001, ML pre-training 1000 epochs.
        return {**super().image_defaults(), **dict(critic_lr=1e-4, gp_weight=10.0, ml_weight=0.001,
                                                   pretrain_steps=1000)}

    def validate(self):
        super().validate()
        if self.ml_weight < 0 or self.gp_weight < 0:
            raise GanZooError("ml_weight and gp_weight must be >= 0")


@dataclass
class MixtureConfig(AdversarialFlowConfig):
    """+ T components and their weights ([S0] §5.1.1 Mixflow / PGAN runs, §5.2 Mixflow on MNIST)."""

    # [S0] §5.1.1: 6 components, each 2 additive couplings with m = "3-layer MLP, 50 nodes/layer", ReLU
    # (2 hidden layers + linear output).
    components: int = 6
    n_coupling: int = 2
    hidden: int = 50
    depth: int = 2
    cnn_fc: int = 300  # [S0] §5.2 Mixflow CNN coupling: FC 300 -> FC 7x7x16 -> 16 maps
    cnn_maps: int = 16
    # [S0] §5.1.1: component-weight lr 0.005 (the other values as the single flow's).
    weight_lr: float = 0.005  # Alg. 5's lambda_c: the softmax logits' Adam lr, and the EM damping (eq. 4.8)
    # C_start: the weights stay frozen for the first c_start generator steps. [S0] Alg. 5 has it in the EM
    # branch only (line 6: "Update component weight according to equation 4.8 if l > C_start"; the softmax branch,
    # line 8, updates flows and weights together), and Alg. 6 (GAN+ML, PGAN's loop) lists it among its inputs.
    # The thesis gives no value ([A7]): -1 = 10 % of the run (500 of the 5000 toy iterations, §5.1.1),
    # resolved when the run starts; a c_start not below the run's length would never train the weights: an error.
    c_start: int = -1
    entropy_weight: float = 0.0  # eq. 4.11's ER weight

    @classmethod
    def image_defaults(cls) -> dict:
        # [S0] §5.2: 10 components x 3 couplings, MLP m = 3 layers of 200; weight lr 0.01 (the rest as
        # the single flow GAN+ML's: logistic base, lrs 0.0005 / 0.0001, lambda_gp 10, lambda_ml 0.001, batch
        # 200, pre-training).
        return {**super().image_defaults(), **dict(components=10, n_coupling=3, hidden=200, depth=2,
                                                   weight_lr=0.01)}

    def validate(self):
        super().validate()
        if self.components < 1:
            raise GanZooError(f"components must be >= 1, got {self.components}")
        if self.c_start < -1:
            raise GanZooError(f"c_start must be >= 0, or -1 for 10 % of the run, got {self.c_start}")
