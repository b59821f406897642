"""f-GAN divergences (Nowozin et al. 2016; [S3] §1.7, §3.4): checked from f and T* = f'(p/q),
never from the seed's D_f column (four of its rows are swapped or off by a factor, [N3] §1.7)."""
import math

import pytest
import torch
from typer.testing import CliRunner

from gan_zoo.losses import gan_discriminator_loss, gan_generator_loss, jensen_shannon
from gan_zoo.losses.fgan import (
    DIVERGENCES,
    f_divergence,
    fgan_critic_loss,
    fgan_generator_loss,
    variational_bound,
)

NAMES = list(DIVERGENCES)
D64 = torch.float64


def _pq(seed=0, n=7):
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(n, generator=g, dtype=torch.float64) + 0.05
    q = torch.rand(n, generator=g, dtype=torch.float64) + 0.05
    return p / p.sum(), q / q.sum()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bound_at_optimal_T_equals_divergence(name, seed):
    div = DIVERGENCES[name]
    p, q = _pq(seed)
    t_star = div.f_prime(p / q)  # T*(x) = f'(p(x)/q(x))
    assert bool(div.in_domain(t_star).all())
    bound = variational_bound(t_star, t_star, div, p_weights=p, q_weights=q)
    direct = f_divergence(p, q, div)
    if name != "gan":  # D_GAN = 2 JSD - log 4 is negative (its f(1) = -log 4)
        assert direct > 0
    assert torch.allclose(bound, direct, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_bound_below_divergence_for_other_T(name):
    """Any other T in dom f* gives a strictly smaller value (Fenchel-Young), so T* is the sup."""
    div = DIVERGENCES[name]
    p, q = _pq(3)
    p_wrong, _ = _pq(4)
    t = div.f_prime(p_wrong / q)
    assert bool(div.in_domain(t).all())
    bound = variational_bound(t, t, div, p_weights=p, q_weights=q)
    assert bound < f_divergence(p, q, div) - 1e-6


def test_direct_divergences_match_closed_forms():
    """sum q f(p/q) equals the textbook formulas (with the notes' corrections of the seed's table)."""
    p, q = _pq(5)
    d = {n: float(f_divergence(p, q, DIVERGENCES[n])) for n in NAMES}
    js = float(jensen_shannon(p, q))
    expected = {
        "kl": (p * (p / q).log()).sum(),
        "reverse-kl": (q * (q / p).log()).sum(),
        "pearson": ((p - q) ** 2 / q).sum(),  # the seed prints (q - p)^2 / p: swapped
        "neyman": ((q - p) ** 2 / p).sum(),
        "hellinger": ((p.sqrt() - q.sqrt()) ** 2).sum(),
        "js": 2 * js,  # this f gives twice the JSD
        "gan": 2 * js - math.log(4),
        "tv": 0.5 * (p - q).abs().sum(),
    }
    for n in NAMES:
        assert d[n] == pytest.approx(float(expected[n]), rel=1e-10, abs=1e-12), n


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_at_derivative(name):
    """f*(f'(u)) = u f'(u) - f(u) (the Fenchel-Young equality at the supporting point)."""
    div = DIVERGENCES[name]
    u = torch.cat([torch.linspace(0.05, 0.95, 10, dtype=D64), torch.linspace(1.05, 6.0, 10, dtype=D64)])
    lhs = div.conjugate(div.f_prime(u))
    rhs = u * div.f_prime(u) - div.f(u)
    assert torch.allclose(lhs, rhs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "tv"])
def test_f_prime_is_the_derivative_of_f(name):
    div = DIVERGENCES[name]
    u = torch.linspace(0.1, 5.0, 25, dtype=D64).requires_grad_(True)
    (grad,) = torch.autograd.grad(div.f(u).sum(), u)
    assert torch.allclose(grad, div.f_prime(u.detach()), rtol=1e-9, atol=1e-12)
    f1 = -math.log(4) if name == "gan" else 0.0  # f(1) = 0, except the GAN row's -log 4
    assert float(div.f(torch.ones(1, dtype=D64))) == pytest.approx(f1, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_activation_maps_into_conjugate_domain(name):
    div = DIVERGENCES[name]
    v = torch.linspace(-30, 30, 601, dtype=D64)
    t = div.activation(v)
    assert bool(div.in_domain(t).all())
    assert bool(torch.isfinite(div.conjugate(t)).all())
    # the stable f*(g_f(v)) used in training is the same function
    w = torch.linspace(-5, 5, 101, dtype=D64)
    assert torch.allclose(div.conjugate_of_activation(w), div.conjugate(div.activation(w)), rtol=1e-9, atol=1e-10)
    assert bool(torch.isfinite(div.conjugate_of_activation(torch.tensor([-80.0, 80.0], dtype=D64))).all())


def test_gan_row_is_the_gan_losses():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(50, generator=g), torch.randn(50, generator=g)
    div = DIVERGENCES["gan"]
    assert torch.allclose(fgan_critic_loss(real, fake, div), gan_discriminator_loss(real, fake))
    for kind in ("minimax", "nonsaturating"):
        assert torch.allclose(fgan_generator_loss(fake, div, kind), gan_generator_loss(fake, kind))


def test_cli_gan_with_divergence(tmp_path):
    from gan_zoo_cli.main import app

    runner = CliRunner()
    res = runner.invoke(app, ["train", "gan", "--data", "ring", "--set", "divergence=kl", "--steps", "2",
                              "--no-progress", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert list((tmp_path / "gan" / "ring").glob("version_*/checkpoints/*.ckpt"))
    bad = runner.invoke(app, ["train", "gan", "--set", "divergence=bogus", "--steps", "2", "--no-progress",
                              "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "unknown divergence" in bad.output
