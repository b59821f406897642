"""The adversarial losses against the theory they implement (Goodfellow et al., Arjovsky et al., Gulrajani et al.)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.spatial.distance import jensenshannon as scipy_js_distance
from torch import nn

from gan_zoo.losses import (
    clip_weights_,
    gan_discriminator_loss,
    gan_generator_loss,
    gan_value,
    gradient_penalty,
    interpolate,
    jensen_shannon,
    optimal_discriminator,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)


def _random_pair(k: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    # Dirichlet(1, ..., 1) draws as normalised Exp(1) variables, from a seeded generator.
    g = torch.Generator().manual_seed(seed)
    a = -torch.log(torch.rand(k, generator=g, dtype=torch.float64))
    b = -torch.log(torch.rand(k, generator=g, dtype=torch.float64))
    return a / a.sum(), b / b.sum()


@pytest.mark.parametrize("seed", range(5))
def test_optimal_discriminator_maximises_value(seed):
    p, q = _random_pair(12, seed)
    d_star = optimal_discriminator(p, q)
    assert torch.allclose(d_star, p / (p + q))
    v_star = gan_value(d_star, p, q)
    g = torch.Generator().manual_seed(100 + seed)
    for _ in range(50):
        # Perturb in logit space so D stays in (0, 1); every perturbation must lower V.
        logit = torch.logit(d_star) + 0.3 * torch.randn(len(p), generator=g, dtype=torch.float64)
        assert gan_value(torch.sigmoid(logit), p, q) < v_star
    # A single coordinate nudged both ways is also worse (D* is a per-point maximum).
    for sign in (-1.0, 1.0):
        d = d_star.clone()
        d[3] = (d[3] + sign * 0.01).clamp(1e-6, 1 - 1e-6)
        assert gan_value(d, p, q) < v_star


@pytest.mark.parametrize("seed", range(5))
def test_virtual_training_criterion_is_minus_log4_plus_2jsd(seed):
    p, q = _random_pair(9, seed)
    # scipy's jensenshannon is the JS *distance* sqrt(JSD), natural log by default.
    jsd = float(scipy_js_distance(p.numpy(), q.numpy())) ** 2
    c = float(gan_value(optimal_discriminator(p, q), p, q))
    assert c == pytest.approx(-math.log(4.0) + 2.0 * jsd, abs=1e-10)
    assert float(jensen_shannon(p, q)) == pytest.approx(jsd, abs=1e-12)
    assert c > -math.log(4.0)  # p != q: strictly above the global minimum


def test_global_minimum_at_p_equals_q():
    p, _ = _random_pair(7, 0)
    assert torch.allclose(optimal_discriminator(p, p), torch.full_like(p, 0.5))
    assert float(gan_value(optimal_discriminator(p, p), p, p)) == pytest.approx(-math.log(4.0), abs=1e-12)
    assert float(jensen_shannon(p, p)) == pytest.approx(0.0, abs=1e-15)


def test_jsd_with_disjoint_supports_is_log2():
    p = torch.tensor([0.5, 0.5, 0.0, 0.0], dtype=torch.float64)
    q = torch.tensor([0.0, 0.0, 0.25, 0.75], dtype=torch.float64)
    assert float(jensen_shannon(p, q)) == pytest.approx(math.log(2.0), abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_gradient_penalty_of_linear_critic(seed):
    g = torch.Generator().manual_seed(seed)
    d = 5
    critic = nn.Linear(d, 1).double()
    with torch.no_grad():
        critic.weight.copy_(torch.randn(1, d, generator=g, dtype=torch.float64) * (0.2 + seed))
        critic.bias.copy_(torch.randn(1, generator=g, dtype=torch.float64))
    x_hat = torch.randn(32, d, generator=g, dtype=torch.float64)
    w_norm = float(critic.weight.norm())
    gp = gradient_penalty(critic, x_hat)
    assert float(gp) == pytest.approx((w_norm - 1.0) ** 2, rel=1e-12, abs=1e-14)
    lam = 10.0
    assert float(lam * gp) == pytest.approx(lam * (w_norm - 1.0) ** 2, rel=1e-12, abs=1e-13)
    # create_graph=True: the penalty is differentiable in the weights,
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||.
    (grad_w,) = torch.autograd.grad(gp, critic.weight)
    expected = 2.0 * (w_norm - 1.0) * critic.weight.detach() / w_norm
    assert torch.allclose(grad_w, expected, rtol=1e-10, atol=1e-12)


def test_gradient_penalty_on_images_uses_per_sample_norm():
    # f(x) = sum(a * x) on (N, C, H, W): the per-sample input gradient is a, so the penalty is (||a|| - 1)^2.
    a = torch.randn(1, 2, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    gp = gradient_penalty(lambda x: (a * x).flatten(1).sum(1), torch.randn(6, 2, 4, 4, dtype=torch.float64))
    assert float(gp) == pytest.approx((float(a.norm()) - 1.0) ** 2, rel=1e-12)


def test_interpolate_lies_on_segments():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(200, 3, generator=g), torch.randn(200, 3, generator=g)
    x_hat = interpolate(real, fake, generator=torch.Generator().manual_seed(1))
    # x_hat - fake = eps (real - fake) with one eps in [0, 1] per sample.
    eps = ((x_hat - fake) * (real - fake)).sum(1) / ((real - fake) ** 2).sum(1)
    assert torch.allclose(x_hat, fake + eps[:, None] * (real - fake), atol=1e-5)
    assert float(eps.min()) >= -1e-6 and float(eps.max()) <= 1 + 1e-6
    assert float(eps.std()) > 0.2  # spread over the segment, not a constant


def test_clip_weights_clamps_every_parameter():
    net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(10.0)
    clip_weights_(net, 0.05)
    flat = torch.cat([p.detach().flatten() for p in net.parameters()])
    c32 = torch.tensor(0.05, dtype=flat.dtype)  # the bound as the parameters' dtype represents it
    assert bool((flat.abs() <= c32).all())
    assert int((flat.abs() == c32).sum()) > 0


def test_wgan_training_keeps_critic_clipped(run_train):
    result = run_train("wgan", steps=3, seed=0)
    c = result.method.config.clip
    assert c == pytest.approx(0.01)  # Arjovsky et al. Alg. 1 default
    assert result.method.generator_steps == 3
    flat = torch.cat([p.detach().flatten() for p in result.method.critic.parameters()])
    c32 = torch.tensor(c, dtype=flat.dtype)
    assert bool((flat >= -c32).all()) and bool((flat <= c32).all())
    # The default init (|w| up to ~0.1 in 100-wide layers) exceeds c: many weights sit on the boundary.
    at_bound = int(((flat == c32) | (flat == -c32)).sum())
    assert at_bound > 0.1 * flat.numel()


def test_generator_losses_for_known_logits():
    logits = torch.tensor([-3.0, -0.5, 0.0, 1.0, 4.0], dtype=torch.float64)
    d = 1.0 / (1.0 + np.exp(-logits.numpy()))
    minimax = float(gan_generator_loss(logits, "minimax"))
    nonsat = float(gan_generator_loss(logits, "nonsaturating"))
    assert minimax == pytest.approx(np.mean(np.log(1.0 - d)), rel=1e-12)  # E log(1 - D(G(z)))
    assert nonsat == pytest.approx(-np.mean(np.log(d)), rel=1e-12)  # -E log D(G(z))
    # At D(G(z)) = 1/2 the two losses are log(1/2) and log 2.
    half = torch.zeros(3, dtype=torch.float64)
    assert float(gan_generator_loss(half, "minimax")) == pytest.approx(-math.log(2.0))
    assert float(gan_generator_loss(half, "nonsaturating")) == pytest.approx(math.log(2.0))
    with pytest.raises(ValueError):
        gan_generator_loss(logits, "least-squares")


def test_minimax_saturates_where_nonsaturating_does_not():
    # Goodfellow et al. §3: early on D rejects fakes (logit << 0); log(1 - D) then has vanishing gradient.
    logit = torch.tensor([-10.0], dtype=torch.float64, requires_grad=True)
    (g_mm,) = torch.autograd.grad(gan_generator_loss(logit, "minimax"), logit)
    (g_ns,) = torch.autograd.grad(gan_generator_loss(logit, "nonsaturating"), logit)
    sig = 1.0 / (1.0 + math.exp(10.0))
    assert float(g_mm) == pytest.approx(-sig, rel=1e-9)  # d/dl log(1 - sigmoid(l)) = -sigmoid(l)
    assert float(g_ns) == pytest.approx(-(1.0 - sig), rel=1e-9)  # d/dl -log sigmoid(l) = -(1 - sigmoid(l))
    assert abs(float(g_ns)) > 1000 * abs(float(g_mm))


def test_discriminator_loss_for_known_logits():
    real = torch.tensor([2.0, -1.0, 0.5], dtype=torch.float64)
    fake = torch.tensor([-2.0, 0.0, 3.0, 1.0], dtype=torch.float64)
    dr, df = 1 / (1 + np.exp(-real.numpy())), 1 / (1 + np.exp(-fake.numpy()))
    expected = -(np.mean(np.log(dr)) + np.mean(np.log(1 - df)))
    assert float(gan_discriminator_loss(real, fake)) == pytest.approx(expected, rel=1e-12)
    # Stable at extreme logits (no inf from log(0)).
    big = torch.tensor([200.0], dtype=torch.float32)
    assert torch.isfinite(gan_discriminator_loss(-big, big))
    assert float(gan_discriminator_loss(-big, big)) == pytest.approx(400.0, rel=1e-6)


def test_wasserstein_losses():
    real = torch.tensor([1.0, 2.0, 3.0])
    fake = torch.tensor([0.0, -2.0])
    assert float(wasserstein_critic_loss(real, fake)) == pytest.approx(-1.0 - 2.0)  # E f(G(z)) - E f(x)
    assert float(wasserstein_generator_loss(fake)) == pytest.approx(1.0)


def test_adversarial_losses_are_float32_and_exact_under_bf16_autocast():
    """Under bf16-mixed the critic's scores are bfloat16; E f(G(z)) - E f(x) of two close means rounded to 0
    when the means were taken in bf16 (benchmarks/gpu_check.py, WGAN-GP on ring). Upcast: the loss is the
    float64 mean of the same bf16 scores, to float32 rounding."""
    torch.manual_seed(0)
    critic = nn.Linear(2, 1)
    x, fake = torch.randn(256, 2), torch.randn(256, 2) + 0.003
    with torch.autocast("cpu", dtype=torch.bfloat16):
        real_s, fake_s = critic(x), critic(fake)
        assert real_s.dtype == torch.bfloat16  # what autocast hands the losses
        losses = {
            "w_critic": (wasserstein_critic_loss(real_s, fake_s), fake_s.double().mean() - real_s.double().mean()),
            "w_gen": (wasserstein_generator_loss(fake_s), -fake_s.double().mean()),
            "gan_d": (gan_discriminator_loss(real_s, fake_s),
                      nn.functional.softplus(-real_s.double()).mean() + nn.functional.softplus(fake_s.double()).mean()),
            "gan_g": (gan_generator_loss(fake_s), nn.functional.softplus(-fake_s.double()).mean()),
        }
    for name, (got, want) in losses.items():
        assert got.dtype == torch.float32, name
        assert abs(float(got) - float(want)) <= 1e-6 * max(1.0, abs(float(want))), (name, float(got), float(want))
    assert float(losses["w_critic"][0]) != 0.0
    losses["w_critic"][0].backward()
    assert critic.weight.grad.dtype == torch.float32 and bool(torch.isfinite(critic.weight.grad).all())
