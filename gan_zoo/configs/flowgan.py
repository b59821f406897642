"""Config of gan_zoo/methods/flowgan.py: FlowGAN (Grover, Dhar, Ermon 2018; [S0] §2.4.1 eq. 2.29): a NICE generator trained adversarially

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import method_config
from .flow_family import AdversarialFlowConfig


@method_config("flowgan", "Grover et al. 2018 (seed 000 §2.4.1, eq. 2.29)",
               "NICE generator, WGAN-GP critic + lambda_ml * exact NLL (ml_weight=0: pure GAN)")
@dataclass
class FlowGANConfig(AdversarialFlowConfig):
    """[S0] §5.1.1 / §5.2 single-flow GAN+ML: the family's defaults (flow_family.AdversarialFlowConfig);
    the generator is the single flow of §5.1.1, the critic on MNIST the DCGAN one with layer norm ([A14])."""
