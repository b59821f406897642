"""Sinkhorn loss (gan_zoo/losses/sinkhorn.py) against POT, exact OT, and its own identities."""
import numpy as np
import ot
import pytest
import torch

from gan_zoo.losses.sinkhorn import (
    cost_matrix,
    sinkhorn_cost,
    sinkhorn_divergence,
    sinkhorn_log,
    sinkhorn_loss,
)


def _clouds(n, m, d=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=torch.float64), torch.randn(m, d, generator=g, dtype=torch.float64) + 0.5


@pytest.mark.parametrize("n,m,eps,seed", [(30, 30, 0.5, 0), (40, 25, 0.1, 1), (64, 64, 0.01, 2)])
def test_agrees_with_pot_sinkhorn2_log(n, m, eps, seed):
    x, y = _clouds(n, m, seed=seed)
    C = cost_matrix(x, y)
    g = torch.Generator().manual_seed(seed + 10)
    a = torch.rand(n, generator=g, dtype=torch.float64) + 0.1
    b = torch.rand(m, generator=g, dtype=torch.float64) + 0.1
    a, b = a / a.sum(), b / b.sum()
    # Same number of iterations (POT: stopThr=0 runs all numItermax) -> the same iterate.
    ref = ot.sinkhorn2(a.numpy(), b.numpy(), C.numpy(), eps, method="sinkhorn_log", numItermax=300, stopThr=0.0,
                       warn=False)
    ours = sinkhorn_cost(C, eps, 300, a, b)
    assert abs(float(ours) - float(ref)) <= 1e-5 * abs(float(ref))


def test_converged_value_agrees_with_pot():
    x, y = _clouds(30, 20, seed=8)
    C = cost_matrix(x, y)
    a, b = np.full(30, 1 / 30), np.full(20, 1 / 20)
    ref = ot.sinkhorn2(a, b, C.numpy(), 0.2, method="sinkhorn_log", numItermax=5000, stopThr=1e-10)
    ours = sinkhorn_cost(C, 0.2, 5000, tol=1e-10)  # tolerance mode, uniform weights by default
    assert abs(float(ours) - float(ref)) <= 1e-5 * abs(float(ref))


def test_cost_matrices_match_pot_dist():
    x, y = _clouds(20, 15, d=5)
    for ours, metric in (("sqeuclidean", "sqeuclidean"), ("euclidean", "euclidean")):
        ref = ot.dist(x.numpy(), y.numpy(), metric=metric)
        assert np.allclose(cost_matrix(x, y, ours).numpy(), ref, rtol=1e-10, atol=1e-10)


def test_tends_to_exact_ot_as_eps_shrinks():
    x, y = _clouds(30, 30, seed=3)
    C = cost_matrix(x, y)
    exact = float(ot.emd2(np.full(30, 1 / 30), np.full(30, 1 / 30), C.numpy()))
    gaps = [abs(float(sinkhorn_cost(C, eps, 5000, tol=1e-7)) - exact) for eps in (1.0, 0.1, 0.01)]
    # the gap to the exact OT cost shrinks with eps (about 56%, 5%, 0.02% of it here)
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[0] > 0.1 * exact and gaps[-1] < 1e-3 * exact


def test_tolerance_mode_meets_its_tolerance_and_stops_early():
    x, y = _clouds(50, 50, seed=4)
    C = cost_matrix(x, y)
    log_u, log_v, done = sinkhorn_log(C, 0.3, 5000, tol=1e-6, check_every=5)
    P = torch.exp(-C / 0.3 + log_u[:, None] + log_v[None, :])
    assert done < 5000
    assert (P.sum(1) - 1 / 50).abs().sum() < 1e-12  # rows exact after the u update
    assert (P.sum(0) - 1 / 50).abs().sum() < 1e-6


def test_small_eps_is_finite():
    x, y = _clouds(30, 30, seed=5)
    w = sinkhorn_loss(x * 10, y * 10, eps=1e-4, n_iters=50)  # exp(-C/eps) underflows to 0 in the scaling domain
    assert torch.isfinite(w)


def test_divergence_of_a_set_with_itself_is_zero_and_positive_otherwise():
    x, y = _clouds(32, 32, seed=6)
    for cost in ("sqeuclidean", "euclidean"):
        assert abs(float(sinkhorn_divergence(x, x, 0.1, 200, cost))) < 1e-12
        assert float(sinkhorn_divergence(x, y, 0.1, 200, cost)) > 1e-3
    # unequal sizes take the three-call path; identical sets still give 0
    assert abs(float(sinkhorn_divergence(x[:20], x[:20].clone(), 0.1, 200))) < 1e-12
    assert float(sinkhorn_divergence(x[:20], y, 0.1, 200)) > 1e-3


def test_gradient_matches_finite_differences():
    x, y = _clouds(6, 5, seed=7)
    x.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: sinkhorn_loss(t, y, eps=0.3, n_iters=20), (x,))
    assert torch.autograd.gradcheck(lambda t: sinkhorn_divergence(t, y[:5].clone().requires_grad_(False), eps=0.3,
                                                                  n_iters=20, cost="euclidean"), (x[:5].detach().clone().requires_grad_(True),))


def test_fixed_iterations_need_no_host_synchronisation():
    # On the meta device no value can ever be read back: any .item()/bool()/nonzero would raise.
    C = torch.empty(3, 64, 64, device="meta")
    w = sinkhorn_cost(C, 0.05, 25)
    assert w.device.type == "meta" and w.shape == (3,)
    with pytest.raises(Exception):  # the tolerance mode does read values (it must, to stop)
        sinkhorn_cost(C, 0.05, 25, tol=1e-3, check_every=5)


def _method(overrides, data="ring"):
    import gan_zoo.methods  # noqa: F401
    from gan_zoo.data.datamodule import DataInfo
    from gan_zoo.registry import create_method

    if data == "ring":
        info = DataInfo("ring", "points", (2,), 6)
    else:
        info = DataInfo("digits", "images", (1, 28, 28), 10)
    return create_method("sinkhorn", info, overrides)


@pytest.mark.parametrize("overrides", [{}, {"cost": "euclidean", "debias": "false"}, {"cost": "learned"}])
def test_gradients_reach_the_generator(overrides):
    torch.manual_seed(0)
    method = _method({**overrides, "n_iters": "20", "batch_size": "16"})
    x = torch.randn(16, 2) * 3
    loss = method.loss(x, method.generator(method.noise(16)))
    loss.backward()
    grads = [p.grad for p in method.generator.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert all(g.abs().sum() > 0 for g in grads)
    if method.learned:  # the feature map is trained too (it maximises the loss in its own step)
        assert all(p.grad is not None for p in method.feature_map.parameters())


def test_learned_cost_on_images_gradients_reach_the_generator():
    torch.manual_seed(0)
    method = _method({"cost": "learned", "n_iters": "5", "batch_size": "4", "width": "8", "feature_dim": "3"},
                     data="digits")
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    method.loss(x, method.generator(method.noise(4))).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in method.generator.parameters())


def test_bad_config_is_one_clear_error():
    from gan_zoo.registry import GanZooError

    with pytest.raises(GanZooError, match="cost must be"):
        _method({"cost": "manhattan"})
    with pytest.raises(GanZooError, match="eps"):
        _method({"eps": "0"})


@pytest.mark.parametrize("data", ["ring", "digits"])
@pytest.mark.parametrize("extra", [[], ["--set", "cost=learned"]])
def test_cli_train(tmp_path, data, extra):
    from gan_zoo_cli.main import app
    from typer.testing import CliRunner

    sets = ["--set", "batch_size=8", "--set", "n_iters=5"] + (["--set", "width=8"] if data == "digits" else [])
    res = CliRunner().invoke(app, ["train", "sinkhorn", "--data", data, "--steps", "2", "--no-progress",
                                   "--out", str(tmp_path)] + sets + extra)
    assert res.exit_code == 0, res.output
    assert list((tmp_path / "sinkhorn" / data).glob("version_*/checkpoints/*.ckpt"))
