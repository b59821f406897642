"""Pick a generator / critic by data shape: MLP for points, DCGAN or ResNet for images."""
from __future__ import annotations

from ..registry import GanZooError
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .mlp import MLP, MLPCritic
from .resnet import ResNetCritic, ResNetGenerator

# Points: [S0] §5.1.1's single critic, "5-layer MLP, 100 nodes/layer, ReLU" (4 hidden layers + output),
# used for the generator too. Gulrajani et al.'s toy code uses 3 x 512 (`--set width=512`), 20x the compute.
MLP_WIDTH, MLP_DEPTH = 100, 4


def resolve_arch(arch: str, info) -> str:
    if arch == "auto":
        return "dcgan" if info.is_image else "mlp"
    if arch in ("dcgan", "resnet") and not info.is_image:
        raise GanZooError(f"arch '{arch}' needs image data; {info.name} is points (use arch=mlp)")
    if arch == "resnet" and tuple(info.shape[1:]) != (32, 32):
        raise GanZooError(f"arch 'resnet' is the WGAN-GP CIFAR-10 net for 32x32 images, not {info.shape}")
    if arch == "dcgan" and (info.shape[1] != info.shape[2] or info.shape[1] not in (28, 32, 64)):
        raise GanZooError(f"arch 'dcgan' builds 28, 32 and 64 px images, not {info.shape[1]}x{info.shape[2]} "
                          "(an image folder: --set image_size=28|32|64)")
    return arch


def build_generator(arch: str, info, z_dim: int, width: int = 0, batchnorm: bool = True, small: bool = False):
    arch = resolve_arch(arch, info)
    if (small or not batchnorm) and arch != "dcgan":  # [S4] §3.3.2's variants exist for the DCGAN G only
        raise GanZooError(f"g_small / g_batchnorm change the DCGAN generator; {info.name} uses arch '{arch}'")
    if arch == "mlp":
        dim = 1
        for s in info.shape:
            dim *= s
        return MLP(z_dim, dim, hidden=width or MLP_WIDTH, depth=MLP_DEPTH)
    c, h, _ = info.shape
    if arch == "dcgan":
        return DCGANGenerator(z_dim, c, h, width or 64, batchnorm=batchnorm, small=small)
    return ResNetGenerator(z_dim, c, width or 128)


def build_critic(arch: str, info, width: int = 0, norm: str = "batch", out_dim: int = 1):
    arch = resolve_arch(arch, info)
    if arch == "mlp":
        dim = 1
        for s in info.shape:
            dim *= s
        if out_dim != 1:
            return MLP(dim, out_dim, hidden=width or MLP_WIDTH, depth=MLP_DEPTH)
        return MLPCritic(dim, hidden=width or MLP_WIDTH, depth=MLP_DEPTH)
    c, h, _ = info.shape
    if arch == "dcgan":
        return DCGANDiscriminator(c, h, width or 64, norm=norm, out_dim=out_dim)
    return ResNetCritic(c, width or 128, out_dim=out_dim)
