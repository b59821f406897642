"""VAE (Kingma & Welling 2014; [S2] §1.3, [N2] §1.3, §4.5): the baseline WAE is compared with.

Gaussian encoder q(z|x) = N(mu(x), diag exp(logvar(x))), prior p(z) = N(0, I) (seed: "Typically p(z) = N(0, I)"),
decoder likelihood p(x|z) = N(x; G(z), eta I) (the seed's "noisy observation model"; a Gaussian rather than
Kingma & Welling's Bernoulli MNIST decoder because gan_zoo's data live in [-1, 1] and points are unbounded).
Training maximises the ELBO

    F(x) = E_q[log p(x|z)] - KL(q(z|x) || p(z)) <= log p(x)

with one reparameterised draw z = mu + exp(logvar / 2) * eps per example (Kingma & Welling §2.4, L = 1).

eta (``obs_var``): the seed leaves it open. We set 1/(2 eta) to the WAEs' reconstruction weight (0.05 for
32+ px images, so eta = 10; 0.05 / 4 for 28 px, the code's [0, 1] MNIST weight on our [-1, 1] range, so eta = 40;
1 for points, so eta = 1/2), so the VAE and the WAEs share the same reconstruction term
and differ only in the regulariser (per-example KL vs lambda * divergence of the aggregate Q_Z), which is the
comparison the WAE paper draws. Samples are the decoder means G(z), z ~ p(z), as WAE's Table 1 uses them.
"""
from __future__ import annotations

import math

import torch

from ..configs.vae import VAEConfig
from ..nets.autoencoder import build_autoencoder
from ..registry import register_method
from .base import GenerativeMethod, evaluating


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag e^logvar) || N(0, I)) per row: 1/2 sum (mu^2 + e^logvar - 1 - logvar) (K&W App. B)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)


def gaussian_log_likelihood(x: torch.Tensor, mean: torch.Tensor, var: float) -> torch.Tensor:
    """log N(x; mean, var I) per row: -||x - mean||^2 / (2 var) - (D/2) log(2 pi var) ([S2] §1.3)."""
    d = x[0].numel()
    sq = (x - mean).flatten(1).pow(2).sum(1)
    return -sq / (2.0 * var) - 0.5 * d * math.log(2.0 * math.pi * var)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None):
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype).to(mu.device) if generator is not None \
        else torch.randn_like(mu)
    return mu + (0.5 * logvar).exp() * eps


def elbo(x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, decoder, obs_var: float, samples: int = 1,
         generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(ELBO, expected log-likelihood, KL) per example, the expectation over ``samples`` reparameterised draws."""
    ll = 0.0
    for _ in range(samples):
        ll = ll + gaussian_log_likelihood(x, decoder(reparameterize(mu, logvar, generator)), obs_var)
    ll = ll / samples
    kl = kl_to_standard_normal(mu, logvar)
    return ll - kl, ll, kl


@register_method("vae")
class VAE(GenerativeMethod):
    def __init__(self, config: VAEConfig, data_info):
        super().__init__(config, data_info)
        self.encoder, self.decoder = build_autoencoder(data_info, config.z_dim, config.width, gaussian=True)

    def configure_optimizers(self):
        c = self.config
        params = list(self.encoder.parameters()) + list(self.decoder.parameters())
        return torch.optim.Adam(params, lr=c.lr, betas=(c.beta1, c.beta2))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, **condition) -> torch.Tensor:
        """Decoder means G(z), z ~ N(0, I)."""
        with evaluating(self.decoder):
            return self.decoder(self.noise(n, generator))

    def training_step(self, batch, batch_idx):
        x, _ = batch
        opt = self.optimizers()
        # Kingma & Welling Alg. 1 (AEVB, L = 1): ascend the minibatch ELBO, i.e. descend its negative.
        mu, logvar = self.encoder(x)
        bound, ll, kl = elbo(x, mu, logvar, self.decoder, self.config.obs_var)
        loss = -bound.mean()
        opt.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        opt.step()
        # loss/reconstruction: the squared-L2 part, (1/(2 eta)) ||x - G(z)||^2, comparable with the WAEs'.
        d = x[0].numel()
        recon = -ll.mean() - 0.5 * d * math.log(2.0 * math.pi * self.config.obs_var)
        self.record({"loss/generator": loss, "loss/reconstruction": recon, "loss/kl": kl.mean(),
                     "elbo/train": bound.mean()})
