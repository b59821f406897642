"""Config of gan_zoo/methods/wgan.py: WGAN with weight clipping (Arjovsky, Chintala & Bottou 2017, Alg. 1; [S0] §2.3.3 Alg. 2).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import MethodConfig


@method_config("wgan", "Arjovsky, Chintala & Bottou 2017 (seed 000 §2.3.3, Alg. 2)",
               "Wasserstein GAN, critic Lipschitz by weight clipping to [-c, c], RMSProp")
@dataclass
class WGANConfig(MethodConfig):
    # [S0] Alg. 2 header = Arjovsky et al. Alg. 1 defaults: c = 0.01, lr = 5e-5 (RMSProp),
    # n_critic = 5, m = 64.
    clip: float = 0.01
    lr: float = 5e-5
    n_critic: int = 5
    batch_size: int = 64
    # The official code's critic schedule (martinarjovsky/WassersteinGAN main.py: "if gen_iterations
    # < 25 or gen_iterations % 500 == 0: Diters = 100"): 100 critic steps before each of the first 25
    # generator steps and before every 500th, so the critic is near its optimum before G follows its
    # gradient (Arjovsky et al. §3: the critic should be trained "till optimality").
    # critic_boost=0 turns it off (n_critic for every step, Alg. 1 as printed).
    critic_boost: int = 100
    boost_first: int = 25
    boost_every: int = 500

    @classmethod
    def for_data(cls, info):
        return cls(z_dim=2) if not info.is_image else cls()

    def validate(self):
        super().validate()
        if self.clip <= 0:
            raise GanZooError(f"clip must be > 0, got {self.clip}")
        if self.critic_boost < 0 or self.boost_first < 0 or self.boost_every < 0:
            raise GanZooError("critic_boost, boost_first and boost_every must be >= 0 (critic_boost=0: no boost)")
