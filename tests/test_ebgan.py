"""EBGAN (Zhao, Mathieu & LeCun 2017; [S3] §1.8, §3.5): hinge, pulling-away term, energies, CLI."""
import pytest
import torch

from gan_zoo.data import DataInfo
from gan_zoo.losses.energy import (
    ebgan_discriminator_loss,
    ebgan_generator_loss,
    hinge,
    pull_away_term,
    reconstruction_energy,
)
from gan_zoo.nets.energy import ConvAutoEncoder, MLPAutoEncoder
from gan_zoo.registry import GanZooError, create_method


def test_hinge_inactive_above_margin():
    """Fake energies above m: the hinge term is 0 and sends no gradient to them (or to D through them)."""
    m = 10.0
    real = torch.tensor([0.5, 1.5, 2.0], requires_grad=True)
    fake = torch.tensor([10.5, 12.0, 30.0], requires_grad=True)
    assert torch.equal(hinge(fake, m), torch.zeros(3))
    loss = ebgan_discriminator_loss(real, fake, m)
    assert loss.item() == pytest.approx(real.mean().item())
    loss.backward()
    assert torch.equal(fake.grad, torch.zeros(3))
    assert torch.allclose(real.grad, torch.full((3,), 1 / 3))


def test_hinge_active_below_margin():
    m = 10.0
    fake = torch.tensor([2.0, 9.0, 11.0, 4.0], requires_grad=True)
    loss = ebgan_discriminator_loss(torch.zeros(4), fake, m)
    assert loss.item() == pytest.approx((8 + 1 + 0 + 6) / 4)
    loss.backward()
    # pushing up the energy of a fake below the margin lowers L_D; above it, nothing happens
    assert torch.allclose(fake.grad, torch.tensor([-0.25, -0.25, 0.0, -0.25]))


@pytest.mark.parametrize("gamma", [0.0, 3.0, 10.0])
def test_nash_value_is_the_margin(gamma):
    """EB-P Thm. 1/2 ([N3] §3.5): with p_G = p_data and D = gamma in [0, m], V(G*, D*) = m."""
    e = torch.full((16,), gamma)
    assert ebgan_discriminator_loss(e, e, 10.0).item() == pytest.approx(10.0)


def test_pull_away_orthogonal_and_identical():
    eye = torch.eye(6, 8) * torch.arange(1.0, 7.0).unsqueeze(1)  # orthogonal, different lengths
    assert pull_away_term(eye).item() == pytest.approx(0.0, abs=1e-7)
    same = torch.tensor([1.0, -2.0, 0.5]).repeat(5, 1) * torch.tensor([[1.0], [2.0], [0.3], [-1.0], [5.0]])
    assert pull_away_term(same).item() == pytest.approx(1.0, abs=1e-6)  # parallel codes: the maximum
    g = torch.Generator().manual_seed(0)
    rnd = torch.randn(32, 16, generator=g)
    val = pull_away_term(rnd).item()
    assert 0.0 < val < 1.0
    # brute force over pairs, straight from EB-P eq. 14
    s = rnd / rnd.norm(dim=1, keepdim=True)
    brute = sum(float(s[i] @ s[j]) ** 2 for i in range(32) for j in range(32) if i != j) / (32 * 31)
    assert val == pytest.approx(brute, rel=1e-5)


def test_generator_loss_adds_weighted_pull_away():
    g = torch.Generator().manual_seed(1)
    e, codes = torch.rand(8, generator=g), torch.randn(8, 5, generator=g)
    loss = ebgan_generator_loss(e, codes, 0.1)
    assert loss.item() == pytest.approx(e.mean().item() + 0.1 * pull_away_term(codes).item(), rel=1e-6)
    assert ebgan_generator_loss(e).item() == pytest.approx(e.mean().item())


@pytest.mark.parametrize("net,x", [
    (MLPAutoEncoder(2, hidden=16, code_dim=8), torch.randn(5, 2)),
    (ConvAutoEncoder(1, 28, width=8), torch.rand(3, 1, 28, 28) * 2 - 1),
])
def test_autoencoder_energy_is_per_sample_l2_norm(net, x):
    codes, rec = net.autoencode(x)
    assert rec.shape == x.shape and codes.shape[0] == x.shape[0]
    e = net(x)
    assert e.shape == (x.shape[0],)
    assert torch.allclose(e, ((rec - x) ** 2).flatten(1).sum(1).sqrt())  # ||Dec(Enc(x)) - x|| (EB-P eq. 13)
    assert torch.allclose(e, reconstruction_energy(x, rec))


def test_generator_gets_pull_away_gradient():
    """The PT reaches the generator: with lambda_PT > 0 its gradient differs from lambda_PT = 0's."""
    info = DataInfo("ring", "points", (2,), 6)
    torch.manual_seed(0)
    method = create_method("ebgan", info, {"batch_size": "16"})
    z = torch.randn(16, method.config.z_dim)
    grads = []
    for w in (0.0, 0.1):
        method.generator.zero_grad()
        e, codes = method.energy(method.generator(z))
        ebgan_generator_loss(e, codes, w).backward()
        grads.append(torch.cat([p.grad.flatten() for p in method.generator.parameters()]))
    assert not torch.allclose(grads[0], grads[1])
    with pytest.raises(GanZooError):
        create_method("ebgan", info, {"margin": "-1"})
