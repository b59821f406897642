"""The Stacked MNIST nets of the Unrolled GAN paper's mode-collapse experiment (Metz et al. 2017 §3.3), as
PacGAN re-implements them (fjxmlzn/PacGAN stacked_MNIST_experiments/unrolled_GAN_experiment/D=0.25G and
D=0.5G, model.py): a small DCGAN whose discriminator is shrunk by its number of filters.

Generator: z -> Linear(64*4*4) -> BN-ReLU -> 3x3 transposed convs to 32 (7x7), 16 (14x14), 8 (28x28)
maps, each BN-ReLU -> 3x3 conv to 3 channels -> tanh. Discriminator: 3x3 stride-2 convs to f, 2f, 4f maps
(14, 7, 4 px), each BN + leaky ReLU 0.3 -> Linear(1) (logits). f = 8 mirrors the generator's 8-16-32;
PacGAN's "D = 1/4 G" has f = 2 (2-4-8 maps) and "D = 1/2 G" f = 4 (4-8-16): the size is counted in
filters per layer, not parameters. Weights N(0, 0.02^2), biases 0 (carpedm20 DCGAN-tensorflow's ops, on
which PacGAN's code is built). TF's 'SAME' padding pads stride-2 layers on the bottom/right only; ours pads
both sides, so the receptive fields sit half a pixel apart from theirs.
"""
from __future__ import annotations

import torch
from torch import nn


def _init(module: nn.Module) -> nn.Module:
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


def _bn(ch: int) -> nn.BatchNorm2d:
    # tf.contrib.layers.batch_norm(decay=0.9, epsilon=1e-5) in carpedm20's ops: PyTorch momentum 1 - 0.9
    return nn.BatchNorm2d(ch, eps=1e-5, momentum=0.1)


class StackedGenerator(nn.Module):
    def __init__(self, z_dim: int = 256, channels: int = 3):
        super().__init__()
        self.fc = nn.Linear(z_dim, 64 * 4 * 4)
        self.net = nn.Sequential(
            _bn(64), nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 3, 2, padding=1, output_padding=0), _bn(32), nn.ReLU(),  # 4 -> 7
            nn.ConvTranspose2d(32, 16, 3, 2, padding=1, output_padding=1), _bn(16), nn.ReLU(),  # 7 -> 14
            nn.ConvTranspose2d(16, 8, 3, 2, padding=1, output_padding=1), _bn(8), nn.ReLU(),  # 14 -> 28
            nn.Conv2d(8, channels, 3, 1, padding=1), nn.Tanh(),
        )
        _init(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(self.fc(z).view(-1, 64, 4, 4))


class StackedDiscriminator(nn.Module):
    def __init__(self, channels: int = 3, filters: int = 2):
        super().__init__()
        f = filters
        self.net = nn.Sequential(
            nn.Conv2d(channels, f, 3, 2, padding=1), _bn(f), nn.LeakyReLU(0.3),  # 28 -> 14
            nn.Conv2d(f, 2 * f, 3, 2, padding=1), _bn(2 * f), nn.LeakyReLU(0.3),  # 14 -> 7
            nn.Conv2d(2 * f, 4 * f, 3, 2, padding=1), _bn(4 * f), nn.LeakyReLU(0.3),  # 7 -> 4
            nn.Flatten(), nn.Linear(4 * f * 4 * 4, 1),
        )
        _init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)
