"""AE-OT: the semi-discrete OT math ([S2] §2.3-2.4, [N2] §4.6) and the method end to end."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

from gan_zoo.transport import semidiscrete_ot as sdot


@pytest.fixture(autouse=True)
def one_thread():
    # The shared 2-core machine is oversubscribed; one thread avoids spin-waiting between torch threads.
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _targets(n=12, d=2, seed=0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_cell_masses_reach_targets_within_monte_carlo_error():
    y = _targets()
    n = len(y)
    nu = torch.full((n,), 1.0 / n, dtype=torch.float64)
    res = sdot.solve_semidiscrete_ot(y, n_samples=10_000, lr=5e-2, stall_steps=10, max_samples=80_000,
                                     max_steps=300, tol=1e-3, seed=1)
    # Independent i.i.d. samples to check (the solver used scrambled Sobol points).
    n_eval = 200_000
    x = sdot.sample_source(n_eval, 2, generator=torch.Generator().manual_seed(7), dtype=torch.float64, quasi=False)
    w = sdot.cell_masses(x, y, res.h)
    w0 = sdot.cell_masses(x, y, torch.zeros(n, dtype=torch.float64))
    # Binomial standard error of each cell mass, for the solver's final sample count and for the check's.
    sigma = math.sqrt(nu[0] * (1 - nu[0]) * (1 / res.n_samples + 1 / n_eval))
    assert float((w0 - nu).abs().max()) > 10 * sigma  # the problem is not trivially solved by h = 0
    assert float((w - nu).abs().max()) < 5 * sigma
    assert abs(float(w.sum()) - 1.0) < 1e-12  # the cells partition the cube


def test_gradient_is_masses_minus_targets_and_energy_is_convex_along_a_line():
    y = _targets(6)
    nu = torch.full((6,), 1 / 6, dtype=torch.float64)
    x = sdot.sample_source(50_000, 2, seed=3, dtype=torch.float64)
    h = torch.randn(6, generator=torch.Generator().manual_seed(2), dtype=torch.float64) * 0.1
    w, e = sdot.masses_and_energy(x, y, h, nu)
    # Finite differences of the Monte-Carlo energy equal w_hat - nu (the energy is piecewise linear in h
    # for a fixed sample, so a small central difference is exact up to the few samples that switch cell).
    eps = 1e-6
    for i in range(6):
        dh = torch.zeros(6, dtype=torch.float64)
        dh[i] = eps
        fd = (sdot.energy(x, y, h + dh, nu) - sdot.energy(x, y, h - dh, nu)) / (2 * eps)
        assert abs(float(fd) - float(w[i] - nu[i])) < 1e-3
    # Convexity along a random direction: E(midpoint) <= mean of the ends.
    d = torch.randn(6, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    ends = (sdot.energy(x, y, h - d, nu) + sdot.energy(x, y, h + d, nu)) / 2
    assert float(sdot.energy(x, y, h, nu)) <= float(ends) + 1e-12
    assert float(e) == pytest.approx(float(sdot.energy(x, y, h, nu)), abs=1e-10)


def test_map_is_invariant_to_adding_a_constant_to_h():
    y = _targets(15, 3)
    h = torch.randn(15, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 0.2
    x = sdot.sample_source(20_000, 3, seed=5, dtype=torch.float64)
    for c in (-4.0, 0.37, 11.0):
        assert torch.equal(sdot.cell_index(x, y, h + c), sdot.cell_index(x, y, h))
        assert torch.equal(sdot.ot_map(x, y, h + c), sdot.ot_map(x, y, h))
    # ...and h does matter: a different (non-constant) h moves points to other cells.
    other = h + torch.linspace(-0.3, 0.3, 15, dtype=torch.float64)
    assert not torch.equal(sdot.cell_index(x, y, other), sdot.cell_index(x, y, h))


def test_map_is_monotone_and_returns_target_codes():
    y = _targets(10, 2)
    h = torch.randn(10, generator=torch.Generator().manual_seed(9), dtype=torch.float64) * 0.3
    x = sdot.sample_source(2_000, 2, seed=11, dtype=torch.float64)
    t = sdot.ot_map(x, y, h)
    # T = grad of a convex function: <T(x) - T(x'), x - x'> >= 0 for all pairs.
    inner = ((t[:, None] - t[None]) * (x[:, None] - x[None])).sum(-1)
    assert float(inner.min()) >= -1e-12
    assert all(any(torch.equal(r, yy) for yy in y) for r in t[:50])


def _in_hull(point: np.ndarray, vertices: np.ndarray) -> bool:
    """LP feasibility: lambda >= 0, sum lambda = 1, vertices^T lambda = point."""
    k = len(vertices)
    a_eq = np.vstack([vertices.T, np.ones((1, k))])
    b_eq = np.concatenate([point, [1.0]])
    res = linprog(np.zeros(k), A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * k, method="highs")
    return res.status == 0


def test_generated_codes_lie_in_the_convex_hull_of_neighbouring_codes():
    y = _targets(30, 3, seed=2)
    res = sdot.solve_semidiscrete_ot(y, n_samples=20_000, max_steps=100, stall_steps=10, seed=0)
    c = sdot.cell_centroids(y, res.h, n_samples=60_000)
    out = sdot.generate_codes(200, y, res.h, c, theta=0.6, generator=torch.Generator().manual_seed(0))
    assert out.codes.shape == (200, 3)
    assert torch.allclose(out.weights.sum(1), torch.ones(200, dtype=torch.float64))
    assert bool((out.weights >= 0).all())
    yn = y.numpy()
    for i in range(0, 200, 10):
        used = out.neighbours[i][out.weights[i] > 0].numpy()
        assert len(used) >= 2  # a real blend, not a copy of one training code
        assert _in_hull(out.codes[i].numpy(), yn[used])
        # ... but not (in general) in the hull of a far-away code alone: the LP can fail.
    far = np.array([[50.0, 50.0, 50.0], [51.0, 50.0, 50.0]])
    assert not _in_hull(out.codes[0].numpy(), far)


def test_generation_refuses_to_blend_across_a_singular_boundary():
    # Two far clusters of codes: the dihedral angle between planes of cells in different clusters is
    # large, within a cluster small. With theta between the two, no generated code mixes clusters.
    g = torch.Generator().manual_seed(3)
    a = torch.randn(10, 2, generator=g, dtype=torch.float64) * 0.1 + torch.tensor([-3.0, 0.0], dtype=torch.float64)
    b = torch.randn(10, 2, generator=g, dtype=torch.float64) * 0.1 + torch.tensor([3.0, 0.0], dtype=torch.float64)
    y = torch.cat([a, b])
    res = sdot.solve_semidiscrete_ot(y, n_samples=10_000, max_steps=60, stall_steps=10, seed=0)
    c = sdot.cell_centroids(y, res.h, n_samples=30_000)
    within = sdot.plane_angles(y, torch.zeros(9, dtype=torch.long), torch.arange(1, 10)).max()
    across = sdot.plane_angles(y, torch.zeros(10, dtype=torch.long), torch.arange(10, 20)).min()
    assert float(within) < float(across)
    theta = float(within + across) / 2
    out = sdot.generate_codes(300, y, res.h, c, theta=theta, generator=torch.Generator().manual_seed(1))
    used_cluster = (out.neighbours >= 10) & (out.weights > 0)
    first_cluster = out.neighbours[:, :1] >= 10
    assert bool((used_cluster == first_cluster.expand_as(used_cluster))[out.weights > 0].all())
    assert float(out.codes[:, 0].abs().min()) > 2.0  # nothing lands in the empty gap between the modes
    # With theta above every angle the same source points do blend across the gap.
    wide = sdot.generate_codes(300, y, res.h, c, theta=math.pi, n_neighbours=20,
                               generator=torch.Generator().manual_seed(1))
    assert float(wide.codes[:, 0].abs().min()) < 2.0


def test_cli_trains_ae_ot_on_points_and_images_and_the_map_travels_in_the_checkpoint(tmp_path):
    from gan_zoo_cli.main import app
    from typer.testing import CliRunner

    from gan_zoo.training import load_method

    runner = CliRunner()
    for data, extra in (("ring", ["--set", "n_codes=64"]),
                        ("digits", ["--batch-size", "32", "--set", "width=4", "--set", "z_dim=4"])):
        r = runner.invoke(app, ["train", "ae-ot", "--data", data, "--steps", "2", "--no-progress", "--out",
                                str(tmp_path), "--set", "ot_steps=20", "--set", "ot_samples=5000",
                                "--set", "centroid_samples=20000", *extra])
        assert r.exit_code == 0, r.output
        m = load_method(tmp_path / "ae-ot" / data / "version_0")
        assert m.ot_fitted and m.h.shape == (len(m.codes),) and m.centroids.shape == m.codes.shape
        assert len(m.codes) == (64 if data == "ring" else 1437)
        x = m.sample(8, torch.Generator().manual_seed(0))
        assert x.shape == ((8, 2) if data == "ring" else (8, 1, 28, 28))
        # The generated codes are blends of the stored training codes: inside their bounding box.
        z = m.generate_codes(50, torch.Generator().manual_seed(1))
        assert bool((z >= m.codes.min(0).values - 1e-5).all() and (z <= m.codes.max(0).values + 1e-5).all())
    r = runner.invoke(app, ["train", "ae-ot", "--data", "ring", "--steps", "2", "--no-progress", "--out",
                            str(tmp_path), "--set", "theta=-1"])
    assert r.exit_code == 2 and "theta" in r.output
