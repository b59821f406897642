"""One LightningModule per method; importing this package registers them all.

Each method file holds its paper's training_step; its config (paper defaults, cited) lives in the file of
the same name under gan_zoo/configs/, which is why the two packages list the same names (the configs
import neither torch nor Lightning, so `ganzoo list` stays fast).
"""
from . import (  # noqa: F401  (registers the methods)
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
