"""InfoGAN (Chen et al. 2016; [S3] §1.6): the mutual-information bound, the latent, Q sharing, CLI."""
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from gan_zoo.callbacks.traversals import N_COLUMNS, traversal_grids
from gan_zoo.data import DataInfo
from gan_zoo.losses.mutual_info import (
    categorical_log_likelihood,
    gaussian_log_likelihood,
    info_loss,
    mutual_info_lower_bound,
)
from gan_zoo.registry import create_method

DIGITS = DataInfo("digits", "images", (1, 28, 28), 10)
RING = DataInfo("ring", "points", (2,), 6)


def _joint():
    """c ~ Cat(2) uniform, x in {0, 1, 2} with p(x|c) in quarters: the joint as 8 equally likely rows."""
    p_x_given_c = torch.tensor([[2, 1, 1], [0, 1, 3]], dtype=torch.float64) / 4
    rows_c, rows_x = [], []
    for c in range(2):
        for x in range(3):
            reps = int(p_x_given_c[c, x] * 4)
            rows_c += [c] * reps
            rows_x += [x] * reps
    return p_x_given_c, torch.tensor(rows_c), torch.tensor(rows_x)


def test_bound_with_true_posterior_is_the_mutual_information():
    p_x_given_c, c, x = _joint()
    p_cx = p_x_given_c / 2
    p_x = p_cx.sum(0)
    mi = float((p_cx[p_cx > 0] * (p_cx / (0.5 * p_x))[p_cx > 0].log()).sum())
    posterior = (p_cx / p_x).t()  # (x, c)
    logits = posterior.clamp_min(1e-300).log()[x]
    bound = mutual_info_lower_bound(categorical_log_likelihood(logits, c), math.log(2))
    assert float(bound) == pytest.approx(mi, rel=1e-9)
    # any other Q gives less (the KL term of the bound is dropped)
    wrong = torch.tensor([[0.6, 0.4], [0.5, 0.5], [0.3, 0.7]], dtype=torch.float64).log()[x]
    assert float(mutual_info_lower_bound(categorical_log_likelihood(wrong, c), math.log(2))) < mi - 1e-3
    # a Q that knows nothing (uniform) gives exactly 0
    flat = torch.zeros(len(c), 2, dtype=torch.float64)
    assert float(mutual_info_lower_bound(categorical_log_likelihood(flat, c), math.log(2))) == pytest.approx(0)


def test_perfect_q_reaches_entropy_of_the_code():
    """Chen et al. §7.1: L_I reaches H(c) = log K when Q recovers c."""
    c = torch.arange(10).repeat(3)
    logits = torch.full((30, 10), -60.0)
    logits[torch.arange(30), c] = 60.0
    _, bounds = info_loss(logits, c, None, None)
    assert float(bounds["mi/categorical"]) == pytest.approx(math.log(10), abs=1e-6)


def test_gaussian_log_likelihood_matches_torch():
    g = torch.Generator().manual_seed(0)
    mean, codes, log_std = torch.randn(20, 2, generator=g), torch.rand(20, 2, generator=g) * 2 - 1, \
        torch.randn(20, 2, generator=g) * 0.3
    ref = torch.distributions.Normal(mean, log_std.exp()).log_prob(codes).sum(1).mean()
    assert torch.allclose(gaussian_log_likelihood(mean, codes, log_std), ref, atol=1e-6)
    ref1 = torch.distributions.Normal(mean, 1.0).log_prob(codes).sum(1).mean()
    assert torch.allclose(gaussian_log_likelihood(mean, codes), ref1, atol=1e-6)


def test_latent_and_sample_with_codes():
    torch.manual_seed(0)
    m = create_method("infogan", DIGITS, {})
    c = m.config
    assert (c.z_dim, c.categorical, c.continuous, c.batch_size, c.lr_d, c.lr_g) == (62, 10, 2, 128, 2e-4, 1e-3)
    lat, cat, cont = m.latent(64, torch.Generator().manual_seed(1))
    assert lat.shape == (64, 74)
    assert lat[:, :62].abs().max() <= 1 and cont.abs().max() <= 1
    assert torch.equal(lat[:, 62:72].argmax(1), cat) and torch.equal(lat[:, 62:72].sum(1), torch.ones(64))
    noise = torch.rand(4, 62) * 2 - 1
    cont = torch.zeros(4, 2)
    a = m.sample(4, codes={"noise": noise, "categorical": 3, "continuous": cont})
    b = m.sample(4, codes={"noise": noise, "categorical": 3, "continuous": cont})
    d = m.sample(4, codes={"noise": noise, "categorical": 7, "continuous": cont})
    assert a.shape == (4, 1, 28, 28) and a.abs().max() <= 1
    assert torch.equal(a, b) and not torch.allclose(a, d)


def test_q_shares_the_trunk_and_info_loss_reaches_generator():
    torch.manual_seed(0)
    m = create_method("infogan", RING, {})
    lat, cat, cont = m.latent(32)
    fake = m.generator(lat)
    _, q = m.critic.forward_with_q(fake)
    loss, _ = m._info(q, cat, cont)
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in m.critic.trunk.parameters())
    assert all(p.grad is None for p in m.critic.d_head.parameters())  # L_I does not touch D's head
    assert any(p.grad.abs().sum() > 0 for p in m.generator.parameters())


def test_image_nets_are_the_papers_by_default_and_scale_with_width():
    def widths(module):
        return [(type(m).__name__, m.out_channels if hasattr(m, "out_channels") else m.out_features)
                for m in module.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d,
                                                            torch.nn.Linear))]

    paper = create_method("infogan", DIGITS, {})
    # IG-P Table 1: D conv 64, conv 128, FC 1024, then D's logit; G FC 1024, FC 7x7x128, upconv 64, upconv 1.
    assert widths(paper.critic.trunk) == [("Conv2d", 64), ("Conv2d", 128), ("Linear", 1024)]
    assert widths(paper.generator) == [("Linear", 1024), ("Linear", 7 * 7 * 128), ("ConvTranspose2d", 64),
                                       ("ConvTranspose2d", 1)]
    half = create_method("infogan", DIGITS, {"width": "32"})
    assert widths(half.critic.trunk) == [("Conv2d", 32), ("Conv2d", 64), ("Linear", 512)]
    assert half.sample(4).shape == (4, 1, 28, 28)
    assert half.critic.forward_with_q(half.sample(4))[1].shape == (4, half.q_dim)
    # Q's output: 10 logits + 2 means (IG-C's fixed std, the default); a learned std adds 2 log-stds.
    assert paper.q_dim == 12 and create_method("infogan", DIGITS, {"q_std": "learned"}).q_dim == 14


def test_discriminator_can_separate_a_real_batch_from_a_fake_batch():
    # Real and fake batches go through D separately in train mode (IG-C). If the trunk ended in BatchNorm
    # straight into the linear D head, every batch's mean logit would be the head's bias plus a constant:
    # an all-real batch and an all-fake batch could not differ on average. The IG-C order (BN, then lReLU)
    # breaks that symmetry.
    torch.manual_seed(0)
    m = create_method("infogan", DIGITS, {"width": "8"})
    m.critic.train()
    a = torch.rand(32, 1, 28, 28) * 2 - 1
    b = torch.tanh(torch.randn(32, 1, 28, 28) * 0.1 + 0.5)
    assert abs(float(m.critic(a).mean() - m.critic(b).mean())) > 1e-3


def test_traversal_grid_rows_and_columns():
    torch.manual_seed(0)
    m = create_method("infogan", DIGITS, {})
    grids = traversal_grids(m)
    assert set(grids) == {"c1", "c2"}
    x = grids["c1"].view(10, N_COLUMNS, 1, 28, 28)
    # rows differ (category), columns differ (c1 from -2 to 2), all in [-1, 1]
    assert not torch.allclose(x[0, 0], x[1, 0]) and not torch.allclose(x[0, 0], x[0, -1])
    assert x.abs().max() <= 1


def test_hungarian_matched_accuracy():
    spec = importlib.util.spec_from_file_location(
        "infogan_codes", Path(__file__).resolve().parents[1] / "benchmarks" / "infogan_codes.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    labels = np.repeat(np.arange(10), 5)
    perm = np.random.default_rng(0).permutation(10)
    acc, mapping = mod.matched_accuracy(perm[labels], labels, 10, 10)  # relabelled codes: perfect
    assert acc == 1.0 and all(mapping[perm[k]] == k for k in range(10))
    noisy = perm[labels].copy()
    noisy[:5] = perm[1]  # the five 0s predicted as the code of 1
    acc2, _ = mod.matched_accuracy(noisy, labels, 10, 10)
    assert acc2 == pytest.approx(45 / 50)


@pytest.mark.parametrize("data", ["ring", "digits"])
def test_cli_train_infogan(tmp_path, data):
    from gan_zoo_cli.main import app

    res = CliRunner().invoke(app, ["train", "infogan", "--data", data, "--steps", "2", "--no-progress",
                                   "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    run = next((tmp_path / "infogan" / data).glob("version_*"))
    assert list(run.glob("traversals/*.png")) and list(run.glob("checkpoints/*.ckpt"))
