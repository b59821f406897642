"""Method configs (paper defaults, cited), one file per file of gan_zoo/methods/ with the same name.

Importing this package registers every method's name, paper, summary and config with the registry,
and imports neither torch nor Lightning: ``ganzoo list``, ``--help`` and argument errors read only this.
The method (the LightningModule) is imported when a run is built (``registry.MethodEntry.cls``).
"""
from . import (  # noqa: F401  (registers the methods' configs)
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
from .base import MethodConfig

__all__ = ["MethodConfig"]
