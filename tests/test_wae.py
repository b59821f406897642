"""WAE-MMD's penalty ([S2] Alg. 2, [N2] §4.1), WAE-GAN's update isolation (§4.2), the nets and the CLI."""
from __future__ import annotations

import math

import pytest
import torch
from typer.testing import CliRunner

from gan_zoo.data.datamodule import DataInfo
from gan_zoo.losses.mmd import WAE_SCALES, kernel_matrix, mmd_penalty
from gan_zoo.nets.autoencoder import build_autoencoder
from gan_zoo.registry import GanZooError, create_method

POINTS = DataInfo("ring", "points", (2,), 6)
DIGITS = DataInfo("digits", "images", (1, 28, 28), 10)


def _k(a, b, kind, sigma2, scales):
    """One kernel value, written out from the definition (no shared code with the library)."""
    d = a.numel()
    r2 = float(((a - b) ** 2).sum())
    total = 0.0
    for s in scales:
        c = 2.0 * d * sigma2 * s
        total += c / (c + r2) if kind == "imq" else math.exp(-r2 / c)
    return total


def _penalty_loop(z, zt, kind="imq", sigma2=1.0, scales=WAE_SCALES):
    """Alg. 2's three sums as a direct double loop."""
    n = z.shape[0]
    a = sum(_k(z[i], z[j], kind, sigma2, scales) for i in range(n) for j in range(n) if i != j)
    b = sum(_k(zt[i], zt[j], kind, sigma2, scales) for i in range(n) for j in range(n) if i != j)
    c = sum(_k(z[i], zt[j], kind, sigma2, scales) for i in range(n) for j in range(n))
    return a / (n * (n - 1)) + b / (n * (n - 1)) - 2.0 * c / n**2


@pytest.mark.parametrize("kind", ["imq", "rbf"])
def test_penalty_matches_double_loop(kind):
    g = torch.Generator().manual_seed(0)
    z = torch.randn(9, 3, generator=g, dtype=torch.float64)
    zt = 0.7 * torch.randn(9, 3, generator=g, dtype=torch.float64) + 0.3
    got = float(mmd_penalty(z, zt, kind, sigma2=1.5))
    assert got == pytest.approx(_penalty_loop(z, zt, kind, 1.5), rel=1e-10, abs=1e-12)


def test_penalty_closed_form_same_set_twice():
    # With z~ = z: pen = 2 S_off/(n(n-1)) - 2 (S_off + n k0)/n^2 = 2 S_off/(n^2 (n-1)) - 2 k0/n,
    # S_off the off-diagonal kernel sum, k0 = k(z, z) = number of scales (each IMQ is 1 at distance 0).
    g = torch.Generator().manual_seed(1)
    n, d = 64, 8
    z = torch.randn(n, d, generator=g, dtype=torch.float64)
    k = kernel_matrix(z, z)
    s_off = float(k.sum() - k.diagonal().sum())
    k0 = float(len(WAE_SCALES))
    expected = 2.0 * s_off / (n**2 * (n - 1)) - 2.0 * k0 / n
    got = float(mmd_penalty(z, z))
    assert got == pytest.approx(expected, rel=1e-10)
    assert got < 0  # strictly negative: off-diagonal kernel values are below k0
    # and the closed form's S_off from the double loop agrees too (small n)
    zs = z[:7]
    assert float(mmd_penalty(zs, zs)) == pytest.approx(_penalty_loop(zs, zs), rel=1e-10)


def test_penalty_unbiased_for_identical_distributions_and_positive_for_shifted():
    g = torch.Generator().manual_seed(2)
    same, shifted = [], []
    for _ in range(300):
        z = torch.randn(32, 4, generator=g)
        zt = torch.randn(32, 4, generator=g)
        same.append(float(mmd_penalty(z, zt)))
        shifted.append(float(mmd_penalty(z, zt + 1.0)))
    same = torch.tensor(same, dtype=torch.float64)
    se = float(same.std() / math.sqrt(len(same)))
    assert abs(float(same.mean())) < 4 * se  # E[pen] = MMD^2 = 0 (single batches may be negative)
    assert (same < 0).any()  # the estimate is unbiased, not clipped at zero
    shifted = torch.tensor(shifted, dtype=torch.float64)
    assert float(shifted.mean()) > 20 * se
    assert float(shifted.min()) > 0


def test_penalty_symmetric_and_order_invariant():
    g = torch.Generator().manual_seed(3)
    z, zt = torch.randn(20, 5, generator=g), 2 * torch.randn(20, 5, generator=g)
    a = mmd_penalty(z, zt)
    assert torch.allclose(a, mmd_penalty(zt, z), rtol=1e-5, atol=1e-7)
    p, q = torch.randperm(20, generator=g), torch.randperm(20, generator=g)
    assert torch.allclose(a, mmd_penalty(z[p], zt[q]), rtol=1e-5, atol=1e-7)


def test_penalty_rejects_bad_shapes():
    with pytest.raises(GanZooError):
        mmd_penalty(torch.zeros(1, 3), torch.zeros(1, 3))
    with pytest.raises(GanZooError):
        mmd_penalty(torch.zeros(4, 3), torch.zeros(4, 2))


@pytest.mark.parametrize("shape", [(2,), (1, 28, 28), (3, 32, 32), (3, 64, 64)])
def test_autoencoder_shapes(shape):
    info = DataInfo("x", "images" if len(shape) > 1 else "points", shape, 0)
    enc, dec = build_autoencoder(info, 5, width=4)
    x = torch.rand(3, *shape) * 2 - 1
    z = enc(x)
    assert z.shape == (3, 5)
    out = dec(z)
    assert out.shape == (3, *shape)
    if len(shape) > 1:
        assert out.abs().max() <= 1.0
    mu, logvar = build_autoencoder(info, 5, width=4, gaussian=True)[0](x)
    assert mu.shape == logvar.shape == (3, 5)


def _manual(method):
    """Drive training_step without a Trainer: real optimisers, plain backward."""
    opts = method.configure_optimizers()
    method.optimizers = lambda: opts
    method.manual_backward = lambda loss: loss.backward()
    return opts


def _snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def test_wae_gan_adversary_step_touches_only_its_own_parameters():
    torch.manual_seed(0)
    m = create_method("wae-gan", POINTS, {"adv_width": "16", "width": "8"})
    assert m.latent_critic[0].in_features == m.config.z_dim  # the adversary sees latent codes only
    assert not hasattr(m, "critic")
    _manual(m)
    m.is_generator_turn = lambda: False  # only the adversary's update
    enc, dec, adv = _snapshot(m.encoder), _snapshot(m.decoder), _snapshot(m.latent_critic)
    x = torch.randn(16, 2)
    m.training_step((x, torch.zeros(16, dtype=torch.long)), 0)
    assert all(torch.equal(a, b) for a, b in zip(enc, m.encoder.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(dec, m.decoder.parameters()))
    assert all(p.grad is None for p in m.encoder.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(adv, m.latent_critic.parameters()))


def test_wae_gan_autoencoder_step_leaves_adversary_gradients_alone():
    torch.manual_seed(1)
    m = create_method("wae-gan", POINTS, {"adv_width": "16", "width": "8"})
    opt_ae, opt_d = _manual(m)
    m.is_generator_turn = lambda: True
    seen = {}
    real_step = opt_d.step

    def step(*a, **k):
        seen["grads"] = [p.grad.clone() for p in m.latent_critic.parameters()]
        seen["params"] = _snapshot(m.latent_critic)
        return real_step(*a, **k)

    opt_d.step = step
    enc = _snapshot(m.encoder)
    x = torch.randn(16, 2)
    m.training_step((x, torch.zeros(16, dtype=torch.long)), 0)
    # the encoder/decoder update ran (encoder moved) but added nothing to the adversary's gradients
    assert any(not torch.equal(a, b) for a, b in zip(enc, m.encoder.parameters()))
    assert all(torch.equal(g, p.grad) for g, p in zip(seen["grads"], m.latent_critic.parameters()))
    assert set(m._scalars) >= {"loss/critic", "loss/reconstruction", "penalty/gan"}


def test_wae_gan_match_term_at_half_is_lambda_log2():
    # [N2] §4.2: with D = 1/2 everywhere (logit 0) the encoder's penalty is lambda * log 2 per sample.
    torch.manual_seed(2)
    m = create_method("wae-gan", POINTS, {"adv_width": "8", "width": "8", "lam": "3"})
    for p in m.latent_critic.parameters():
        torch.nn.init.zeros_(p)
    _manual(m)
    m.is_generator_turn = lambda: True
    m.training_step((torch.randn(8, 2), torch.zeros(8, dtype=torch.long)), 0)
    s = m._scalars
    assert float(s["penalty/gan"]) == pytest.approx(math.log(2), rel=1e-5)
    assert float(s["loss/generator"]) == pytest.approx(float(s["loss/reconstruction"]) + 3 * math.log(2), rel=1e-5)


def test_wae_mmd_loss_is_reconstruction_plus_lambda_penalty_and_samples_decode_prior():
    torch.manual_seed(3)
    m = create_method("wae-mmd", POINTS, {"width": "8", "lam": "2", "sigma_z": "0.5"})
    _manual(m)
    x = torch.randn(16, 2)
    m.training_step((x, torch.zeros(16, dtype=torch.long)), 0)
    s = m._scalars
    assert float(s["loss/generator"]) == pytest.approx(float(s["loss/reconstruction"]) + 2 * float(s["penalty/mmd"]),
                                                      rel=1e-5)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    m.decoder.eval()
    expected = m.decoder(0.5 * torch.randn(7, 2, generator=g2))
    assert torch.allclose(m.sample(7, g1), expected)


def test_paper_defaults_per_dataset():
    assert create_method("wae-mmd", DIGITS, {}).config.z_dim == 8  # MNIST d_z = 8
    celeba = DataInfo("celeba", "images", (3, 64, 64), 0)
    c = create_method("wae-gan", celeba, {"width": "2"}).config
    assert (c.z_dim, c.lam) == (64, 10.0)
    with pytest.raises(GanZooError):
        create_method("wae-mmd", POINTS, {"kernel": "cauchy"})


@pytest.mark.parametrize("method", ["wae-mmd", "wae-gan"])
@pytest.mark.parametrize("data", ["ring", "digits"])
def test_cli_train(method, data, tmp_path):
    from gan_zoo_cli.main import app

    args = ["train", method, "--data", data, "--steps", "2", "--no-progress", "--out", str(tmp_path),
            "--batch-size", "16", "--set", "width=4", "--set", "adv_width=16" if method == "wae-gan" else "lam=10"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    run = tmp_path / method / data / "version_0"
    assert (run / "checkpoints" / "last.ckpt").exists()
    assert list((run / "samples").glob("*.png"))
