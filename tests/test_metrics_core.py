"""The functional metric core against closed forms and direct formulas (fast; no networks)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_zoo.metrics.functional import (
    ddm,
    ddm_dense,
    ddm_relative,
    frechet_distance,
    inception_score,
    kernel_inception_distance,
    mode_coverage,
    wasserstein1,
    wasserstein1_sinkhorn,
)


def _direct_ddm(t, g, squared=False):
    """Eq. 3.4 literally, in float64, pair by pair: -(1/|T|) sum_t log[(1/|G|) sum_g exp(-D)]."""
    total = 0.0
    for ti in t.double():
        d = (g.double() - ti).square().sum(1)
        d = d if squared else d.sqrt()
        total += -math.log(torch.exp(-d).mean().item())
    return total / len(t)


@pytest.mark.parametrize("squared", [False, True])
def test_ddm_equals_the_direct_formula_and_ignores_chunking(squared):
    g0 = torch.Generator().manual_seed(0)
    t = torch.randn(37, 5, generator=g0) * 0.7
    g = torch.randn(53, 5, generator=g0) * 0.7 + 0.2
    want = _direct_ddm(t, g, squared)
    assert ddm_dense(t, g, squared) == pytest.approx(want, rel=1e-9)
    for ct, cg in [(1024, 8192), (1, 1), (5, 7), (37, 53), (16, 3)]:
        assert ddm(t, g, squared=squared, chunk_t=ct, chunk_g=cg) == pytest.approx(want, rel=1e-6, abs=1e-6)


def test_ddm_is_stable_where_a_literal_exp_underflows():
    # Logit-scale squared distances (~10^4): exp(-D) underflows in float32, the block log-sum-exp does not.
    g0 = torch.Generator().manual_seed(1)
    t = torch.randn(20, 10, generator=g0) * 20
    g = torch.randn(30, 10, generator=g0) * 20
    assert torch.exp(-torch.cdist(t, g).square()).max() == 0  # the literal formula would give log(0)
    got = ddm(t, g, squared=True, chunk_t=3, chunk_g=4)
    assert math.isfinite(got) and got == pytest.approx(ddm_dense(t, g, squared=True), rel=1e-6)


def test_ddm_two_halves_of_one_distribution_beat_a_shifted_one():
    g0 = torch.Generator().manual_seed(2)
    x = torch.randn(2000, 10, generator=g0) * 2
    t, g_same = x[:1000], x[1000:]
    g_shift = torch.randn(1000, 10, generator=g0) * 2 + 1.0
    assert ddm(t, g_same) < ddm(t, g_shift)
    # eq. 3.5 seen from a reference set R of the same distribution: ~0 for G = T's law, larger when shifted
    r = torch.randn(1000, 10, generator=g0) * 2
    assert abs(ddm_relative(r, t, g_same)) < ddm_relative(r, t, g_shift)


def test_ddm_on_the_gpu_path_matches_when_available():
    t, g = torch.randn(50, 4), torch.randn(60, 4)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    assert ddm(t, g, device=dev, chunk_t=8, chunk_g=16) == pytest.approx(ddm_dense(t, g), rel=1e-6)


def test_inception_score_limits():
    k, n = 10, 1000
    confident = torch.full((n, k), -50.0)
    confident[torch.arange(n), torch.arange(n) % k] = 50.0  # one-hot, classes spread uniformly
    mean, std = inception_score(confident, splits=10)
    assert mean == pytest.approx(k, rel=1e-6) and std == pytest.approx(0.0, abs=1e-6)
    constant = torch.randn(1, k).repeat(n, 1)
    assert inception_score(constant, splits=10)[0] == pytest.approx(1.0, abs=1e-9)


def _salimans_is(logits, splits=10):
    """openai/improved-gan inception_score/model.py, get_inception_score, in numpy on the same logits."""
    preds = torch.softmax(logits.double(), 1).numpy()
    scores = []
    for i in range(splits):
        part = preds[(i * preds.shape[0] // splits):((i + 1) * preds.shape[0] // splits), :]
        kl = part * (np.log(part) - np.log(np.expand_dims(np.mean(part, 0), 0)))
        kl = np.mean(np.sum(kl, 1))
        scores.append(np.exp(kl))
    return np.mean(scores), np.std(scores)


def test_inception_score_is_salimans_et_al_code_ordered_splits_population_std():
    # 1003 samples: Salimans et al.'s boundaries i * N // 10 (splits of 100 and 101), not Tensor.chunk's 101s
    logits = torch.randn(1003, 7, generator=torch.Generator().manual_seed(3)) * 3
    ref_mean, ref_std = _salimans_is(logits)
    mean, std = inception_score(logits, splits=10)
    assert mean == pytest.approx(ref_mean, rel=1e-9) and std == pytest.approx(ref_std, rel=1e-9)


def test_inception_score_mean_agrees_with_torchmetrics_up_to_its_shuffle():
    # torchmetrics shuffles with the global RNG before chunking and reports the unbiased std: on 1000
    # samples (equal chunks) its mean is ours on the shuffled order, its std ours x sqrt(10 / 9).
    from torch import nn
    from torchmetrics.image.inception import InceptionScore

    logits = torch.randn(1000, 7, generator=torch.Generator().manual_seed(4)) * 3
    m = InceptionScore(feature=nn.Identity(), splits=10)
    m.update(logits.double())
    torch.manual_seed(5)
    tm_mean, tm_std = (float(v) for v in m.compute())
    torch.manual_seed(5)
    mean, std = inception_score(logits[torch.randperm(len(logits))], splits=10)
    assert mean == pytest.approx(tm_mean, rel=1e-6)
    assert std * (10 / 9) ** 0.5 == pytest.approx(tm_std, rel=1e-5)


def test_frechet_distance_zero_for_identical_sets_and_closed_form_for_gaussians():
    g0 = torch.Generator().manual_seed(4)
    a = torch.randn(400, 6, generator=g0)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    # N(0, I) vs N(m, s^2 I) in d dims: |m|^2 + d (1 - s)^2. Exact sample moments: whiten the draws.
    d, s, m = 4, 2.0, torch.tensor([1.0, -2.0, 0.5, 0.0])

    def exact(n):
        z = torch.randn(n, d, generator=g0, dtype=torch.float64)
        z = z - z.mean(0)
        cov = z.T @ z / (n - 1)
        return z @ torch.linalg.inv(torch.linalg.cholesky(cov)).T  # mean 0, covariance I exactly

    x, y = exact(500), exact(700) * s + m
    assert frechet_distance(x, y) == pytest.approx(float(m.square().sum()) + d * (1 - s) ** 2, rel=1e-8)


def test_kid_near_zero_for_one_distribution_and_positive_when_shifted():
    g0 = torch.Generator().manual_seed(5)
    a, b = torch.randn(400, 8, generator=g0), torch.randn(400, 8, generator=g0)
    same, same_std = kernel_inception_distance(a, b, subsets=10, subset_size=200)
    shifted, _ = kernel_inception_distance(a, b + 1, subsets=10, subset_size=200)
    assert abs(same) < 3 * same_std + 1e-3
    assert shifted > 10 * max(abs(same), same_std)


def test_mode_coverage_counts_hq_samples_per_nearest_mode():
    centers = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    std = 0.05
    g0 = torch.Generator().manual_seed(6)
    near0 = centers[0] + 0.5 * std * torch.randn(30, 2, generator=g0)  # well inside 3 std
    near3 = centers[3] + 0.5 * std * torch.randn(10, 2, generator=g0)
    far = torch.tensor([[1.0, 1.0], [1.0, 0.0], [5.0, 5.0]])  # > 3 std from every mean
    r = mode_coverage(torch.cat([near0, near3, far]), centers, std)
    assert r["modes"] == 2
    assert r["per_mode"].tolist() == [30, 0, 0, 10]
    assert r["hq_fraction"] == pytest.approx(40 / 43)
    # the threshold is n_sigma * std: a point at 2.9 std is HQ, at 3.1 std it is not
    assert mode_coverage(torch.tensor([[2.9 * std, 0.0]]), centers, std)["modes"] == 1
    assert mode_coverage(torch.tensor([[3.1 * std, 0.0]]), centers, std)["modes"] == 0


def test_sinkhorn_w1_is_close_to_and_above_the_exact_value():
    g0 = torch.Generator().manual_seed(7)
    x, y = torch.randn(150, 2, generator=g0), torch.randn(150, 2, generator=g0) + torch.tensor([2.0, 0.0])
    exact, approx = wasserstein1(x, y), wasserstein1_sinkhorn(x, y)
    assert exact - 1e-6 <= approx <= exact * 1.05
