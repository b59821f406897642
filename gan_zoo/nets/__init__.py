"""Plain nn.Modules. They know nothing of Lightning."""
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .mlp import MLP, MLPCritic
from .resnet import ResNetCritic, ResNetGenerator

__all__ = ["MLP", "DCGANDiscriminator", "DCGANGenerator", "MLPCritic", "ResNetCritic", "ResNetGenerator"]
from .factory import build_critic, build_generator, resolve_arch

__all__ += ["build_critic", "build_generator", "resolve_arch"]
