"""Losses as pure functions. They know nothing of Lightning."""
from .adversarial import (
    gan_discriminator_loss,
    gan_generator_loss,
    gan_value,
    jensen_shannon,
    optimal_discriminator,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)
from .penalty import clip_weights_, gradient_penalty, interpolate

__all__ = [
    "clip_weights_", "gan_discriminator_loss", "gan_generator_loss", "gan_value", "gradient_penalty",
    "interpolate", "jensen_shannon", "optimal_discriminator", "wasserstein_critic_loss",
    "wasserstein_generator_loss",
]
