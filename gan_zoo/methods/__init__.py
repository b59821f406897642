"""One LightningModule per method; importing this package registers them all.

Each method file is self-contained: its config (paper defaults, cited) and its training_step.
"""
from . import (  # noqa: F401  # noqa: F401  (flows, seed 000)  # noqa: F401  (autoencoders, seed 002)
    ae_ot,
    ebgan,
    flowgan,
    gan,
    infogan,
    mixflow,
    modnet,
    nice,
    pgan,
    sinkhorn,
    unrolled,
    vae,
    wae_gan,
    wae_mmd,
    wgan,
    wgan_gp,
)
from .base import DivergenceError, GenerativeMethod, MethodConfig, evaluating, frozen

__all__ = ["DivergenceError", "GenerativeMethod", "MethodConfig", "evaluating", "frozen"]
