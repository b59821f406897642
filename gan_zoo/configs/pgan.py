"""Config of gan_zoo/methods/pgan.py: PGAN: Mixflow GAN+ML with personalized critics ([S0] §4.3, eq. 4.13, trained as Alg. 6).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import method_config
from .flow_family import MixtureConfig


@method_config("pgan", "Gong 2017 (seed 000 §4.3, eq. 4.13, Alg. 6)",
               "Mixflow generator with one personalized critic per component, mixed by the detached posterior")
@dataclass
class PGANConfig(MixtureConfig):
    # Not read (flows: latent = data dimension; the critics are DCGAN on images, critic_hidden MLPs on points).
    unused = ("z_dim", "arch")
    # Generator and hyperparameters: the Mixflow GAN+ML of [S0] §5.1.1 (flow_family.MixtureConfig: 6
    # components x 2 additive couplings, m = 3-layer MLP of 50; lrs 0.005 / 0.005 (weights) / 0.002
    # (critic), Adam (0.5, 0.9), 5 critic steps, lambda_gp 0.1, lambda_ml 1, batch 300; C_start [A7]).
    # [S0] §5.1.1: "6 critics, each a 3-layer MLP with 50 nodes/layer, ReLU" (2 hidden + output).
    critic_hidden: int = 50
    critic_depth: int = 2
    entropy_weight: float = 0.0  # eq. 4.11; the thesis uses it only for Mixflow GAN+ML on MNIST (§5.2)
    pretrain_steps: int = 0  # ML pre-training steps (§5.2 for GAN methods on images)

    # Images: PGAN was not run on MNIST (§4.3.1, §5.2). for_data takes Mixflow's §5.2 settings (the
    # family's), and one DCGAN critic trunk with T outputs: the weight sharing §4.3.1 proposes for CNN
    # critics (untested there).
