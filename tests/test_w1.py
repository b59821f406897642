"""Exact W1 (POT) against closed forms: Arjovsky et al. Example 1 and point masses."""
from __future__ import annotations

import math

import pytest
import torch

from gan_zoo.metrics.functional import wasserstein1


@pytest.mark.parametrize("theta", [0.0, 0.3, -1.7, 4.0])
def test_parallel_lines(theta):
    # Arjovsky et al. Example 1: Z ~ U[0, 1], P0 = (0, Z), P_theta = (theta, Z); W(P0, P_theta) = |theta|.
    # With the same z for both sets the empirical optimum is exactly |theta| (pair each point with its shift;
    # no coupling can do better since every pair is at least |theta| apart horizontally).
    z = torch.rand(300, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    p0 = torch.stack([torch.zeros_like(z), z], 1)
    p_theta = torch.stack([torch.full_like(z, theta), z], 1)
    assert wasserstein1(p0, p_theta) == pytest.approx(abs(theta), abs=1e-9)


def test_parallel_lines_independent_samples_converge():
    # Independent z for the two sets: W1 is >= |theta| and close to it for many points.
    g = torch.Generator().manual_seed(0)
    n, theta = 800, 1.0
    z0, z1 = torch.rand(n, generator=g), torch.rand(n, generator=g)
    w = wasserstein1(torch.stack([torch.zeros(n), z0], 1), torch.stack([torch.full((n,), theta), z1], 1))
    assert theta - 1e-6 <= w < theta + 0.02


def test_two_diracs_is_their_distance():
    a = torch.tensor([[1.0, -2.0]]).repeat(5, 1)
    b = torch.tensor([[4.0, 2.0]]).repeat(7, 1)  # unequal counts: uniform weights still two Diracs
    assert wasserstein1(a, b) == pytest.approx(5.0, abs=1e-9)
    assert wasserstein1(a, a) == pytest.approx(0.0, abs=1e-12)


def test_w1_translation_and_symmetry():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(200, 2, generator=g, dtype=torch.float64)
    shift = torch.tensor([3.0, -4.0], dtype=torch.float64)
    # Translating a set moves every point by |shift| = 5: W1(X, X + s) = ||s|| exactly.
    assert wasserstein1(x, x + shift) == pytest.approx(5.0, abs=1e-9)
    y = torch.randn(150, 2, generator=g, dtype=torch.float64) * 2
    assert wasserstein1(x, y) == pytest.approx(wasserstein1(y, x), rel=1e-9)


def test_two_point_masses_split():
    # Half the mass at 0 and half at 1 (1-D embedded in 2-D) vs all at 0.25: W1 = 0.5*0.25 + 0.5*0.75.
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    y = torch.tensor([[0.25, 0.0]])
    assert wasserstein1(x, y) == pytest.approx(0.5, abs=1e-9)
    assert math.isfinite(wasserstein1(x, y))
