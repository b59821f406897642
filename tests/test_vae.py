"""VAE ([S2] §1.3, [N2] §4.5): the KL, the likelihood, and ELBO <= log p(x) on a linear-Gaussian model."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.distributions import MultivariateNormal, Normal
from typer.testing import CliRunner

from gan_zoo.methods.vae import elbo, gaussian_log_likelihood, kl_to_standard_normal


def test_analytic_kl_equals_monte_carlo():
    g = torch.Generator().manual_seed(0)
    mu = torch.tensor([[0.5, -1.0, 0.2]], dtype=torch.float64)
    logvar = torch.tensor([[-0.5, 0.3, 0.0]], dtype=torch.float64)
    q = Normal(mu, (0.5 * logvar).exp())
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    z = mu + (0.5 * logvar).exp() * torch.randn(200_000, 3, generator=g, dtype=torch.float64)
    terms = (q.log_prob(z) - p.log_prob(z)).sum(1)
    mc, se = float(terms.mean()), float(terms.std() / math.sqrt(len(terms)))
    exact = float(kl_to_standard_normal(mu, logvar))
    assert abs(mc - exact) < 4 * se
    assert float(kl_to_standard_normal(torch.zeros(1, 3), torch.zeros(1, 3))) == 0.0  # zero iff q = p


def test_gaussian_log_likelihood_matches_torch():
    g = torch.Generator().manual_seed(1)
    x, m = torch.randn(4, 1, 3, 3, generator=g), torch.randn(4, 1, 3, 3, generator=g)
    expected = Normal(m, math.sqrt(0.3)).log_prob(x).flatten(1).sum(1)
    assert torch.allclose(gaussian_log_likelihood(x, m, 0.3), expected, atol=1e-5)


def _linear_gaussian(k=2, d=3, eta=0.4):
    """p(z) = N(0, I_k), p(x|z) = N(Wz + b, eta I_d) with orthogonal columns of W: the posterior is diagonal."""
    q, _ = torch.linalg.qr(torch.randn(d, k, dtype=torch.float64, generator=torch.Generator().manual_seed(2)))
    w = q * torch.tensor([1.5, 0.7], dtype=torch.float64)
    dec = nn.Linear(k, d).double()
    with torch.no_grad():
        dec.weight.copy_(w)
        dec.bias.copy_(torch.tensor([0.3, -0.2, 0.1], dtype=torch.float64))
    return dec, w, eta


def test_elbo_is_exact_at_the_true_posterior_and_below_log_px_elsewhere():
    dec, w, eta = _linear_gaussian()
    b = dec.bias.detach()
    x = torch.tensor([[1.0, -0.5, 2.0]], dtype=torch.float64)
    cov = w @ w.T + eta * torch.eye(3, dtype=torch.float64)
    log_px = float(MultivariateNormal(b, cov).log_prob(x))
    # true posterior: Sigma = (I + W^T W / eta)^-1 (diagonal here), mean = Sigma W^T (x - b) / eta
    sigma = torch.linalg.inv(torch.eye(2, dtype=torch.float64) + w.T @ w / eta)
    assert torch.allclose(sigma, torch.diag(sigma.diagonal()), atol=1e-12)
    mean = (sigma @ w.T @ (x - b).T / eta).T
    logvar = sigma.diagonal().log().unsqueeze(0)
    g = torch.Generator().manual_seed(3)
    n = 20_000  # one reparameterised draw per row: the mean is a Monte-Carlo ELBO with a standard error

    def mc_elbo(mu, lv):
        with torch.no_grad():
            b_ = elbo(x.expand(n, 3), mu.expand(n, 2), lv.expand(n, 2), dec, eta, samples=1, generator=g)[0]
        return float(b_.mean()), float(b_.std() / math.sqrt(n))

    # At the true posterior the gap KL(q || p(z|x)) is 0: ELBO = log p(x).
    est, se = mc_elbo(mean, logvar)
    assert abs(est - log_px) < 4 * se

    # Any other q: ELBO = log p(x) - KL(q || posterior) < log p(x).
    mu_q = mean + torch.tensor([[0.4, -0.3]], dtype=torch.float64)
    logvar_q = logvar + torch.tensor([[0.5, -0.4]], dtype=torch.float64)
    post = MultivariateNormal(mean.squeeze(0), sigma)
    qd = MultivariateNormal(mu_q.squeeze(0), torch.diag(logvar_q.exp().squeeze(0)))
    gap = float(torch.distributions.kl_divergence(qd, post))
    est, se = mc_elbo(mu_q, logvar_q)
    assert est < log_px - 5 * se
    assert abs(est - (log_px - gap)) < 4 * se


@pytest.mark.parametrize("data", ["ring", "digits"])
def test_cli_train_vae(data, tmp_path):
    from gan_zoo_cli.main import app

    r = CliRunner().invoke(app, ["train", "vae", "--data", data, "--steps", "2", "--no-progress", "--out",
                                 str(tmp_path), "--batch-size", "16", "--set", "width=4"])
    assert r.exit_code == 0, r.output
    run = tmp_path / "vae" / data / "version_0"
    assert (run / "checkpoints" / "last.ckpt").exists()
    assert list((run / "samples").glob("*.png"))
