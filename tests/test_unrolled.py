"""Unrolled GAN (Metz et al. 2017): differentiable Adam, K = 0 is the GAN, K > 0 has the second-order term."""
import pytest
import torch
from torch import nn
from torch.func import functional_call

import gan_zoo.methods  # noqa: F401
from gan_zoo.data.datamodule import DataInfo
from gan_zoo.losses import gan_discriminator_loss, gan_generator_loss
from gan_zoo.optim.unroll import AdamState, adam_state_from, adam_step, unroll
from gan_zoo.registry import create_method

POINTS = DataInfo("ring8", "points", (2,), 8)


def test_adam_step_matches_torch_adam():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    x = torch.randn(16, 3, dtype=torch.float64)
    opt = torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.5, 0.99), eps=1e-8)
    params = {n: p.detach().clone() for n, p in net.named_parameters()}
    state = AdamState({n: torch.zeros_like(p) for n, p in params.items()},
                      {n: torch.zeros_like(p) for n, p in params.items()}, 0)
    for _ in range(4):
        opt.zero_grad()
        net(x).pow(2).mean().backward()
        grads = {n: p.grad.clone() for n, p in net.named_parameters()}
        opt.step()
        params, state = adam_step(params, grads, state, 0.01, (0.5, 0.99), 1e-8)
    for n, p in net.named_parameters():
        assert torch.allclose(params[n], p, rtol=1e-12, atol=1e-14)
    # and the state read back from torch's optimiser is the same
    st = adam_state_from(opt, dict(net.named_parameters()))
    assert st.step == 4 and all(torch.allclose(st.exp_avg[n], state.exp_avg[n]) for n in params)


def test_unrolled_steps_are_differentiated_exactly():
    """d(loss after K Adam steps)/d(fake) by autograd through the unroll equals finite differences."""
    torch.manual_seed(1)
    critic = nn.Sequential(nn.Linear(2, 5), nn.Tanh(), nn.Linear(5, 1)).double()
    x = torch.randn(6, 2, dtype=torch.float64)
    named = dict(critic.named_parameters())

    def f_k(fake):
        p0 = {n: p.detach().clone().requires_grad_(True) for n, p in named.items()}
        st = AdamState({n: torch.full_like(p, 0.01) for n, p in p0.items()},
                       {n: torch.full_like(p, 1e-3) for n, p in p0.items()}, 3)

        def d_loss(params):
            return gan_discriminator_loss(functional_call(critic, params, (x,)), functional_call(critic, params, (fake,)))

        pk = unroll(p0, d_loss, 3, st, lr=0.05, betas=(0.5, 0.999))
        return -d_loss(pk)

    fake = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(f_k, (fake,))


def _pair(loss: str, seed: int = 0):
    """gan and unrolled (K = 0, the foundation's nets) built from the same seed."""
    torch.manual_seed(seed)
    gan = create_method("gan", POINTS, {"loss": loss, "z_dim": "2"})
    torch.manual_seed(seed)
    unr = create_method("unrolled", POINTS, {"loss": loss, "z_dim": "2", "paper_nets": "false", "unroll_steps": "0"})
    return gan, unr


def _generator_grads(method, loss_fn):
    method.generator.zero_grad(set_to_none=True)
    loss_fn().backward()
    return [p.grad.clone() for p in method.generator.parameters()]


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating"])
def test_k0_gives_exactly_the_gan_generator_gradient(loss):
    gan, unr = _pair(loss)
    for a, b in zip(gan.parameters(), unr.parameters()):  # same seed, same nets
        assert torch.equal(a, b)
    x = torch.randn(32, 2)
    z = torch.randn(32, 2)
    g_gan = _generator_grads(gan, lambda: gan_generator_loss(gan.critic(gan.generator(z)), loss))
    opt = torch.optim.Adam(unr.critic.parameters(), lr=1e-4)
    g_unr = _generator_grads(unr, lambda: unr.unrolled_generator_loss(x, unr.generator(z), opt))
    for a, b in zip(g_gan, g_unr):
        assert torch.allclose(a, b, rtol=1e-6, atol=1e-9)
    assert all(p.grad is None for p in unr.critic.parameters())  # the live D collects nothing


def test_k_positive_differs_from_the_detached_unroll():
    torch.manual_seed(0)
    m = create_method("unrolled", POINTS, {"unroll_steps": "5", "lr_d": "0.05", "batch_size": "64"})
    x, z = torch.randn(64, 2), torch.randn(64, m.config.z_dim)
    opt = torch.optim.Adam(m.critic.parameters(), lr=0.05)

    def grads(second_order, k):
        m.config.second_order, m.config.unroll_steps = second_order, k
        return torch.cat([g.flatten() for g in _generator_grads(
            m, lambda: m.unrolled_generator_loss(x, m.generator(z), opt))])

    full, detached = grads(True, 5), grads(False, 5)
    assert torch.isfinite(full).all()
    assert (full - detached).norm() > 1e-2 * full.norm()  # the missing term is not negligible here
    # with no unrolled step there is no such term: both variants agree exactly
    assert torch.allclose(grads(True, 0), grads(False, 0), rtol=0, atol=0)
    # and the detached variant is not just the plain GAN gradient (its D did move)
    assert (detached - grads(True, 0)).norm() > 1e-3 * detached.norm()


def test_paper_nets_and_defaults():
    m = create_method("unrolled", POINTS, {})
    c = m.config
    assert (c.z_dim, c.batch_size, c.unroll_steps, c.lr_d, c.lr_g, c.beta1) == (256, 512, 5, 1e-4, 1e-3, 0.5)
    acts = [type(mod) for mod in m.critic.modules() if isinstance(mod, (nn.Tanh, nn.ReLU))]
    assert acts == [nn.Tanh, nn.Tanh]
    w = m.critic.net[0].weight  # orthogonal rows (2 inputs, 128 outputs: W^T W = gain^2 I)
    assert torch.allclose(w.T @ w, 1.4 ** 2 * torch.eye(2), atol=1e-4)


@pytest.mark.parametrize("data", ["ring8", "digits"])
def test_cli_train(tmp_path, data):
    from gan_zoo_cli.main import app
    from typer.testing import CliRunner

    sets = ["--set", "batch_size=8", "--set", "unroll_steps=2"] + (["--set", "width=8"] if data == "digits" else [])
    res = CliRunner().invoke(app, ["train", "unrolled", "--data", data, "--steps", "2", "--no-progress",
                                   "--out", str(tmp_path)] + sets)
    assert res.exit_code == 0, res.output
    assert list((tmp_path / "unrolled" / data).glob("version_*/checkpoints/*.ckpt"))


def test_pacgan_nets_are_pacgans_sizes_and_maxout_takes_the_max():
    """pacgan_nets=true: fjxmlzn/PacGAN's 2-D nets. Parameter counts follow from its pacgan_task.py
    (G: 2-400-400-400-400-2, no hidden biases, BN scale/shift; D: three 200-unit maxout layers of 5 pieces)."""
    from gan_zoo.nets.mlp import Maxout

    m = create_method("unrolled", POINTS, {"pacgan_nets": "true", "paper_nets": "false", "z_dim": "2"})
    n_g = sum(p.numel() for p in m.generator.parameters())
    n_d = sum(p.numel() for p in m.critic.parameters())
    assert n_g == 2 * 400 + 3 * 400 * 400 + 4 * 2 * 400 + 400 * 2 + 2
    assert n_d == (2 * 1000 + 1000) + 2 * (200 * 1000 + 1000) + 201
    layer = Maxout(3, 4, 5)
    x = torch.randn(6, 3)
    full = layer.linear(x).view(6, 4, 5)
    assert torch.equal(layer(x), full.max(-1).values)
    assert m.sample(7, torch.Generator().manual_seed(0)).shape == (7, 2)
    with pytest.raises(Exception, match="pick one"):
        create_method("unrolled", POINTS, {"pacgan_nets": "true", "paper_nets": "true"})


def test_pacgan_nets_alone_turns_the_default_paper_nets_off(tmp_path):
    """`--set pacgan_nets=true` alone on points (whose default is paper_nets=true) builds PacGAN's nets;
    the run config and the CLI agree; only an explicit paper_nets=true beside it is a contradiction."""
    from gan_zoo.nets.mlp import PacGANDiscriminator, PacGANGenerator
    from gan_zoo.registry import run_config
    from gan_zoo_cli.main import app
    from typer.testing import CliRunner

    m = create_method("unrolled", POINTS, {"pacgan_nets": "true"})
    assert isinstance(m.generator, PacGANGenerator) and isinstance(m.critic, PacGANDiscriminator)
    assert m.config.pacgan_nets and not m.config.paper_nets
    cfg = run_config("unrolled", "ring8", {"pacgan_nets": "true"})
    assert not cfg.paper_nets and cfg.z_dim == 256  # nothing else changes: z_dim, batch stay the MoG defaults
    assert run_config("unrolled", "ring8").paper_nets  # the default without it is unchanged
    res = CliRunner().invoke(app, ["train", "unrolled", "--data", "ring8", "--set", "pacgan_nets=true", "--steps",
                                   "1", "--batch-size", "8", "--set", "unroll_steps=1", "--no-progress", "--out",
                                   str(tmp_path)])
    assert res.exit_code == 0, res.output
    ckpt = next((tmp_path / "unrolled" / "ring8").glob("version_*/checkpoints/*.ckpt"))
    stored = torch.load(ckpt, map_location="cpu", weights_only=False)["gan_zoo"]["config"]
    assert stored["pacgan_nets"] and not stored["paper_nets"]
