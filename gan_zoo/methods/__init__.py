"""One LightningModule per method; importing this package registers them all.

Each method file is self-contained: its config (paper defaults, cited) and its training_step.
"""
from . import gan, wgan, wgan_gp  # noqa: F401
from . import sinkhorn  # noqa: F401
from . import unrolled  # noqa: F401
from . import ebgan  # noqa: F401
from . import infogan  # noqa: F401
from . import nice, flowgan, mixflow, pgan  # noqa: F401  (flows, seed 000)
from . import vae, wae_gan, wae_mmd  # noqa: F401  (autoencoders, seed 002)
from . import ae_ot  # noqa: F401  (AE-OT, seed 002 §2)
from . import modnet  # noqa: F401  (ModNet, seed 004 §2)
from .base import DivergenceError, GenerativeMethod, MethodConfig, frozen

__all__ = ["DivergenceError", "GenerativeMethod", "MethodConfig", "frozen"]
