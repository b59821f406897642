"""NICE, mixtures of flows, the Mixflow/PGAN losses and the four flow methods ([S0] Ch. 3-4)."""
from __future__ import annotations

import math

import pytest
import torch

from gan_zoo.losses.mixture import dominant_components, entropic_regulariser
from gan_zoo.optim.em import damped_weight_update, em_weight_update, em_weights
from gan_zoo.nets.flows import NICE, MixtureOfFlows, base_log_prob


def _perturb_(module: torch.nn.Module, scale: float = 0.3, seed: int = 0) -> None:
    """Move every parameter off its initial value, so scaling and couplings are far from the identity."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g, dtype=p.dtype))


@pytest.mark.parametrize("base", ["gaussian", "logistic"])
def test_nice_inverts_exactly_mlp(base):
    torch.manual_seed(0)
    flow = NICE(6, n_coupling=4, hidden=32, depth=3, base=base)
    _perturb_(flow)
    x = torch.randn(50, 6) * 3
    h, _ = flow(x)
    assert (h - x).abs().max() > 0.1  # the flow is not the identity
    assert torch.allclose(flow.inverse(h), x, atol=1e-5)
    flow = flow.double()  # latent -> data -> latent (data values grow large here: checked in float64)
    z = torch.randn(50, 6, dtype=torch.float64)
    assert torch.allclose(flow(flow.inverse(z))[0], z, atol=1e-8)


def test_nice_inverts_exactly_cnn():
    torch.manual_seed(0)
    flow = NICE((1, 8, 8), n_coupling=3, base="logistic", coupling="cnn", cnn_fc=16, cnn_maps=4).eval()
    _perturb_(flow, 0.1)
    x = torch.rand(5, 1, 8, 8) * 2 - 1
    h, _ = flow(x)
    back = flow.inverse(h)
    assert back.shape == x.shape
    assert torch.allclose(back, x, atol=1e-5)


@pytest.mark.parametrize("base", ["gaussian", "logistic"])
def test_nice_log_prob_matches_numerical_jacobian(base):
    torch.manual_seed(1)
    flow = NICE(4, n_coupling=3, hidden=16, depth=2, base=base).double()
    _perturb_(flow, 0.5)
    for x in torch.randn(3, 4, dtype=torch.float64) * 2:
        jac = torch.autograd.functional.jacobian(lambda v: flow(v[None])[0][0], x)  # (4, 4) dh/dx
        logdet = torch.linalg.slogdet(jac).logabsdet
        h = flow(x[None])[0][0]
        expected = base_log_prob(h, base).sum() + logdet
        assert abs(float(flow.log_prob(x[None])[0] - expected)) < 1e-8
    assert abs(float(logdet)) > 0.1  # the scaling layer does change volume here


def test_nice_density_integrates_to_one_in_2d():
    # A Riemann sum of exp(log p) on a wide grid: an exact density must integrate to 1.
    torch.manual_seed(2)
    flow = NICE(2, n_coupling=4, hidden=16, depth=2).double()
    _perturb_(flow, 0.2)
    with torch.no_grad():
        flow.log_scale.fill_(0.4)  # a narrower density, so the grid holds all its mass
    t = torch.linspace(-12, 12, 601, dtype=torch.float64)
    gx, gy = torch.meshgrid(t, t, indexing="ij")
    with torch.no_grad():
        p = flow.log_prob(torch.stack([gx.flatten(), gy.flatten()], 1)).exp()
    mass = float(p.sum() * (t[1] - t[0]) ** 2)
    assert abs(mass - 1.0) < 1e-3


def test_mixture_log_prob_is_logsumexp_of_components_and_posterior():
    torch.manual_seed(3)
    flows = [NICE(2, 2, 16, 2).double() for _ in range(3)]
    for i, f in enumerate(flows):
        _perturb_(f, 0.3, seed=i)
    mix = MixtureOfFlows(flows).double()
    w = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    mix.set_weights(w)
    x = torch.randn(20, 2, dtype=torch.float64) * 3
    with torch.no_grad():
        comp = torch.stack([f.log_prob(x) for f in flows], 1)
        dens = (w * comp.exp()).sum(1)  # sum_i p(c=i) p(x|c=i), no log-sum-exp trick
        assert torch.allclose(mix.log_prob(x), dens.log(), atol=1e-10)
        post = mix.posterior(x)
        assert torch.allclose(post, w * comp.exp() / dens[:, None], atol=1e-10)


def test_mixture_samples_by_component():
    torch.manual_seed(4)
    flows = [NICE(2, 2, 8, 1) for _ in range(3)]
    for i, f in enumerate(flows):
        _perturb_(f, 0.5, seed=10 + i)
    mix = MixtureOfFlows(flows)
    with torch.no_grad():
        x, c = mix.sample(40, torch.Generator().manual_seed(7), components=torch.full((40,), 1))
        assert bool((c == 1).all())
        assert torch.allclose(x, flows[1].sample(40, torch.Generator().manual_seed(7)), atol=1e-6)
        # Random components follow the weights.
        mix.set_weights(torch.tensor([0.7, 0.2, 0.1]))
        _, c = mix.sample(20000, torch.Generator().manual_seed(8))
    freq = torch.bincount(c, minlength=3).float() / 20000
    assert torch.allclose(freq, torch.tensor([0.7, 0.2, 0.1]), atol=0.015)


def test_em_weight_update_matches_eqs_4_7_and_4_8():
    q = torch.tensor([[0.9, 0.1, 0.0],
                      [0.6, 0.2, 0.2],
                      [0.1, 0.1, 0.8],
                      [0.0, 0.4, 0.6]])
    prev = torch.tensor([0.2, 0.5, 0.3])
    # Eq. 4.7 by hand: column means (1.6/4, 0.8/4, 1.6/4).
    assert torch.allclose(em_weights(q), torch.tensor([0.4, 0.2, 0.4]))
    # Eq. 4.8 with lambda_c = 0.25: prev + 0.25 (em - prev).
    assert torch.allclose(em_weight_update(prev, q, 0.25), torch.tensor([0.25, 0.425, 0.325]))
    assert torch.allclose(em_weight_update(prev, q, 1.0), torch.tensor([0.4, 0.2, 0.4]))  # plain EM
    assert torch.allclose(damped_weight_update(prev, prev, 0.7), prev)
    assert abs(float(em_weight_update(prev, q, 0.25).sum()) - 1) < 1e-6


def test_entropic_regulariser_and_dominant_components():
    uniform = torch.full((4,), 0.25)
    assert abs(float(entropic_regulariser(uniform.log())) - math.log(4)) < 1e-6
    skewed = torch.tensor([0.7, 0.1, 0.1, 0.1])
    assert float(entropic_regulariser(skewed.log())) > math.log(4) + 0.1  # eq. 4.11 is minimal at uniform
    assert dominant_components(uniform) == 4
    assert dominant_components(torch.tensor([0.85, 0.05, 0.05, 0.05])) == 2
    assert dominant_components(torch.tensor([0.95, 0.02, 0.02, 0.01])) == 1


def _ring_info():
    from gan_zoo.data import DataInfo

    return DataInfo("ring", "points", (2,), 6)


def test_pgan_posterior_carries_no_gradient():
    from gan_zoo.registry import create_method

    torch.manual_seed(5)
    model = create_method("pgan", _ring_info(), {"components": "3", "hidden": "8", "critic_hidden": "8"})
    for f in model.mixture.flows:
        _perturb_(f, 0.5)
    x = (torch.randn(16, 2) * 3).requires_grad_(True)
    out = model.f_mix(x).sum()
    out.backward()
    # No flow parameter and no mixture weight received a gradient through the posterior (eq. 4.13).
    assert all(p.grad is None for p in model.mixture.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.critics.parameters())
    # The input gradient is sum_i p(c=i|x) grad f_i(x): the posterior acts as a constant.
    x2 = x.detach().clone().requires_grad_(True)
    with torch.no_grad():
        post = model.mixture.posterior(x2)
    (post * model.critic_scores(x2)).sum().backward()
    assert torch.allclose(x.grad, x2.grad, atol=1e-6)
    x3 = x.detach().clone().requires_grad_(True)
    (model.mixture.posterior(x3) * model.critic_scores(x3)).sum().backward()  # with the posterior's gradient
    assert not torch.allclose(x.grad, x3.grad, atol=1e-4)


def test_short_ml_fit_on_ring_improves_nll():
    from gan_zoo.data import load_dataset

    torch.manual_seed(6)
    ring = load_dataset("ring")
    flow = NICE(2, n_coupling=4, hidden=32, depth=2)  # [S0] §5.1.1 topology, narrower
    opt = torch.optim.Adam(flow.parameters(), lr=0.005, betas=(0.5, 0.9))  # §5.1.1 lr and betas
    test, _ = ring.sample(2000, torch.Generator().manual_seed(123))
    with torch.no_grad():
        before = float(-flow.log_prob(test).mean())
    g = torch.Generator().manual_seed(0)
    for _ in range(150):
        x, _ = ring.sample(200, g)
        loss = -flow.log_prob(x).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = float(-flow.log_prob(test).mean())
    truth = ring.entropy_nats(20000)
    assert after < before - 5.0, (before, after)
    assert after > truth - 0.05  # a held-out NLL cannot beat the true density's (up to sampling noise)


POINT_SETS = {
    "nice": ["--set", "hidden=16", "--set", "depth=1"],
    "flowgan": ["--set", "hidden=16", "--set", "depth=1", "--set", "width=16"],
    "mixflow": ["--set", "hidden=8", "--set", "depth=1", "--set", "components=3"],
    "pgan": ["--set", "hidden=8", "--set", "depth=1", "--set", "components=3", "--set", "critic_hidden=8"],
}
IMAGE_SETS = {
    "nice": ["--set", "hidden=16", "--set", "depth=1"],
    "flowgan": ["--set", "hidden=16", "--set", "depth=1", "--set", "width=8", "--set", "pretrain_steps=1"],
    "mixflow": ["--set", "hidden=8", "--set", "depth=1", "--set", "components=2", "--set", "n_coupling=2"],
    "pgan": ["--set", "hidden=8", "--set", "depth=1", "--set", "components=2", "--set", "n_coupling=2",
             "--set", "width=8", "--set", "pretrain_steps=1"],
}


def _cli(args):
    from gan_zoo_cli.main import app
    from typer.testing import CliRunner

    return CliRunner().invoke(app, args)


@pytest.mark.parametrize("mode", ["ml-em", "gan+ml"])
def test_cli_mixflow_modes(mode, tmp_path):
    res = _cli(["train", "mixflow", "--data", "ring", "--steps", "2", "--no-progress", "--out", str(tmp_path),
                "--batch-size", "32", "--set", f"train={mode}", "--set", "test_size=64", *POINT_SETS["mixflow"]])
    assert res.exit_code == 0, res.output
    bad = _cli(["train", "mixflow", "--set", "train=bogus", "--steps", "2", "--no-progress", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "unknown train mode" in bad.output


def test_mixflow_logs_weights_and_contour_picture(tmp_path):
    from gan_zoo.callbacks.pictures import points_figure
    from gan_zoo.training import train

    res = train(method="mixflow", data="ring", steps=3, out=tmp_path, progress=False,
                overrides={"hidden": "8", "depth": "1", "components": "3", "batch_size": "32", "log_every": "1",
                           "test_size": "64", "c_start": "0", "train": "ml-em"})
    logged = res.method.last_logged
    w = [logged[f"mixture/weights/{i}"] for i in range(3)]
    assert abs(sum(w) - 1) < 1e-5 and w != [1 / 3] * 3  # EM moved the weights after C_start = 0
    for key in ("nll/train", "nll/test", "mixture/dominant"):
        assert key in logged and math.isfinite(logged[key])
    ring_real = torch.randn(100, 2)
    fig = points_figure(res.method, ring_real, 100)
    ax = fig.axes[0]
    assert len(ax.collections) >= 2 and any("log density" in a.get_ylabel() for a in fig.axes[1:])
