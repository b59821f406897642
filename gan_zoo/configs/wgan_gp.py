"""Config of gan_zoo/methods/wgan_gp.py: WGAN-GP (Gulrajani et al. 2017, Alg. 1; [S0] §2.3.3 Alg. 3).

Paper defaults, cited; importable without torch or Lightning (``ganzoo list``, argument checks).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registry import GanZooError, method_config
from .base import LR_SCHEDULES, MethodConfig


@method_config("wgan-gp", "Gulrajani et al. 2017 (seed 000 §2.3.3, Alg. 3)",
               "Wasserstein GAN with the two-sided gradient penalty on real/fake interpolates")
@dataclass
class WGANGPConfig(MethodConfig):
    # Gulrajani et al. Alg. 1 defaults: lambda = 10, n_critic = 5, Adam alpha = 1e-4, beta1 = 0, beta2 = 0.9.
    # ([S0]'s Alg. 3 header prints beta1 = 0.5, and its toy runs use lambda_gp = 0.1 (§5.1.1);
    # `--set beta1=0.5 gp_weight=0.1` reproduces those.)
    gp_weight: float = 10.0
    n_critic: int = 5
    lr: float = 1e-4
    beta1: float = 0.0
    beta2: float = 0.9
    # Gulrajani et al. App. F (CIFAR-10 ResNet): batch 64.
    batch_size: int = 64
    # constant | linear (decay to 0 over the run's generator steps, App. F; see GenerativeMethod.with_lr_schedule in methods/base.py)
    lr_schedule: str = "constant"
    # Samples per generator step, as a multiple of batch_size (gan_cifar_resnet.py GEN_BS_MULTIPLE).
    gen_batch_multiple: int = 1

    @classmethod
    def for_data(cls, info):
        if not info.is_image:
            return cls(z_dim=2)
        if tuple(info.shape) == (3, 32, 32):
            # 32-px colour (CIFAR-10, SVHN, 32-px folders): the App. F recipe, as igul222/improved_wgan_training
            # gan_cifar_resnet.py runs it: ResNet nets (DIM_G = DIM_D = 128, He-uniform init in
            # gan_zoo/nets/resnet.py), z in R^128, LR = 2e-4 with DECAY (linear to 0 over ITERS generator
            # iterations; here over --steps), BATCH_SIZE = 64 real, GEN_BS_MULTIPLE = 2 (128 fakes per
            # generator step), N_CRITIC = 5, Adam(beta1 0, beta2 0.9).
            return cls(arch="resnet", z_dim=128, lr=2e-4, lr_schedule="linear", gen_batch_multiple=2)
        return cls()

    def validate(self):
        super().validate()
        if self.lr_schedule not in LR_SCHEDULES:
            raise GanZooError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, "
                              f"not '{self.lr_schedule}'")
        if self.gen_batch_multiple < 1:
            raise GanZooError(f"gen_batch_multiple must be >= 1, got {self.gen_batch_multiple}")
