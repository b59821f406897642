"""Config of gan_zoo/methods/nice.py: NICE trained by maximum likelihood only (Dinh et al. 2014; [S0] Ch. 3, "Single Flow ML" of Ch. 5).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import method_config
from .flow_family import FlowConfig


@method_config("nice", "Dinh et al. 2014 (seed 000 Ch. 3, §5 'Single Flow ML')",
               "NICE flow (additive couplings + diagonal scaling) trained by exact maximum likelihood")
@dataclass
class NICEConfig(FlowConfig):
    """[S0] §5.1.1 / §5.2 single-flow ML: the family's defaults (flow_family.FlowConfig) as they are."""
