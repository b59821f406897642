"""ModNet ([S4] §2): bounded outputs, eqs 2.2-2.7 by hand, the frozen classifier, the CLI."""
from __future__ import annotations

import json
import math

import lightning as L
import pytest
import torch
from typer.testing import CliRunner

from gan_zoo.data import GanDataModule
from gan_zoo.losses.modnet import modnet_d_loss, modnet_g_loss, modnet_l1, modnet_label_loss, modnet_total
from gan_zoo.nets.unet import UNetDelta
from gan_zoo.registry import GanZooError, create_method


@pytest.fixture(autouse=True)
def one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_outputs_stay_in_range_and_zero_delta_is_identity():
    torch.manual_seed(0)
    net = UNetDelta(1, 10, 28, width=8)
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(50.0)  # push every unit into saturation
    x = torch.rand(6, 1, 28, 28) * 2 - 1
    y = torch.eye(10)[torch.arange(6)]
    out = net(x, y)
    assert out.shape == x.shape
    assert float(out.min()) >= -1.0 and float(out.max()) <= 1.0
    d = net.delta(x, y)
    assert float(d.abs().max()) <= 1.0 and float(d.abs().max()) > 0.9  # tanh deltas, saturated here
    # The clip keeps "no modification" reachable: a zero last layer gives back x exactly.
    with torch.no_grad():
        net.out.weight.zero_()
        net.out.bias.zero_()
    assert torch.equal(net(x, y), x)


def _sig(v):
    return 1 / (1 + math.exp(-v))


def test_losses_match_equations_2_2_to_2_7_by_hand():
    real = torch.tensor([0.5, -1.0])
    fake = torch.tensor([2.0, 0.0])
    # eq 2.4: mean over the batch of -log s(D(x)) - log(1 - s(D(G)))
    ld = sum(-math.log(_sig(r)) - math.log(1 - _sig(f)) for r, f in zip(real.tolist(), fake.tolist())) / 2
    assert float(modnet_d_loss(real, fake)) == pytest.approx(ld, rel=1e-6)
    # eq 2.3, non-saturating: -log s(D(G))
    lg = sum(-math.log(_sig(f)) for f in fake.tolist()) / 2
    assert float(modnet_g_loss(fake)) == pytest.approx(lg, rel=1e-6)
    # eq 2.5: -y log softmax(C(x)) - y_t log softmax(C(G))
    cr = torch.tensor([[1.0, 0.0, -1.0], [0.2, 0.3, 0.1]])
    cf = torch.tensor([[0.0, 2.0, 0.0], [1.0, 1.0, 3.0]])
    y, yt = torch.tensor([0, 2]), torch.tensor([1, 0])

    def nls(row, k):
        return -(row[k] - math.log(sum(math.exp(v) for v in row)))

    ll = (nls(cr[0].tolist(), 0) + nls(cr[1].tolist(), 2)) / 2 + (nls(cf[0].tolist(), 1) + nls(cf[1].tolist(), 0)) / 2
    assert float(modnet_label_loss(cr, y, cf, yt)) == pytest.approx(ll, rel=1e-6)
    # eq 2.6: per-image l1 norm, batch mean
    x = torch.tensor([[[[0.0, 1.0], [-1.0, 0.5]]], [[[0.2, 0.2], [0.2, 0.2]]]])
    g = torch.tensor([[[[0.5, 1.0], [-0.5, 0.0]]], [[[0.2, -0.2], [0.2, 0.2]]]])
    l1 = ((0.5 + 0 + 0.5 + 0.5) + 0.4) / 2
    assert float(modnet_l1(x, g)) == pytest.approx(l1, rel=1e-6)
    # eqs 2.2 + 2.7: L = (L_G + L_D) + L_label + lambda L_1
    lam = 1e-3
    total = modnet_total(modnet_d_loss(real, fake), modnet_g_loss(fake), modnet_label_loss(cr, y, cf, yt),
                         modnet_l1(x, g), lam)
    assert float(total) == pytest.approx(lg + ld + ll + lam * l1, rel=1e-6)


class _Snapshot(L.Callback):
    """Copies the classifier's state after pretraining (at the first batch) and the generator's."""

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        if batch_idx == 0:
            self.classifier = {k: v.clone() for k, v in module.classifier.state_dict().items()}
            self.generator = {k: v.clone() for k, v in module.generator.state_dict().items()}


def test_frozen_classifier_gets_no_updates_in_variant_b():
    dm = GanDataModule("digits", batch_size=16, seed=0)
    m = create_method("modnet", dm.info, {"variant": "B", "freeze_classifier": "true", "pretrain_steps": "3",
                                          "width": "8", "batch_size": "16"})
    m.max_generator_steps = 3
    snap = _Snapshot()
    trainer = L.Trainer(accelerator="cpu", devices=1, max_epochs=-1, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, callbacks=[snap])
    trainer.fit(m, datamodule=dm)
    assert m.generator_steps == 3
    after = m.classifier.state_dict()
    for k, v in snap.classifier.items():  # weights and BatchNorm statistics alike
        assert torch.equal(after[k], v), k
    assert all(p.grad is None and not p.requires_grad for p in m.classifier.parameters())
    assert len(m.optimizers()) == 2  # no optimiser holds the classifier
    moved = [k for k, v in snap.generator.items() if v.is_floating_point() and not torch.equal(v, m.generator.state_dict()[k])]
    assert moved  # ...while the generator did train


def test_variant_b_unfrozen_classifier_does_train():
    dm = GanDataModule("digits", batch_size=16, seed=0)
    m = create_method("modnet", dm.info, {"variant": "B", "width": "8", "batch_size": "16"})
    before = {k: v.clone() for k, v in m.classifier.state_dict().items()}
    m.max_generator_steps = 2
    trainer = L.Trainer(accelerator="cpu", devices=1, max_epochs=-1, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(m, datamodule=dm)
    assert any(not torch.equal(before[k], v) for k, v in m.classifier.state_dict().items())


def test_modnet_rejects_points_and_bad_settings():
    dm = GanDataModule("ring", batch_size=16, seed=0)
    with pytest.raises(GanZooError, match="points"):
        create_method("modnet", dm.info, {})
    img = GanDataModule("digits", batch_size=16, seed=0).info
    with pytest.raises(GanZooError, match="pretrained"):
        create_method("modnet", img, {"variant": "B", "freeze_classifier": "true"})


def test_cli_train_and_sample_with_sources_writes_edits(tmp_path):
    from gan_zoo_cli.main import app

    runner = CliRunner()
    r = runner.invoke(app, ["train", "modnet", "--data", "digits", "--steps", "2", "--no-progress",
                            "--out", str(tmp_path), "--batch-size", "16", "--set", "width=8"])
    assert r.exit_code == 0, r.output
    run = tmp_path / "modnet" / "digits" / "version_0"
    out = tmp_path / "edits"
    r = runner.invoke(app, ["sample", str(run), "--sources", "digits:test", "--labels", "0,7", "--n", "3",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == 6 and len(list((out / "sources").glob("*.png"))) == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["target_label"] == [0, 7, 0, 7, 0, 7] and manifest["source_index"] == [0, 0, 1, 1, 2, 2]
    # a folder of images works as sources too, and bad labels are one clear line
    r = runner.invoke(app, ["sample", str(run), "--sources", str(out / "sources"), "--labels", "all",
                            "--out", str(tmp_path / "edits2")])
    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "edits2").glob("*.png"))) == 30
    r = runner.invoke(app, ["sample", str(run), "--labels", "12", "--out", str(tmp_path / "edits3")])
    assert r.exit_code == 2 and "labels" in r.output
    r = runner.invoke(app, ["train", "modnet", "--data", "ring", "--steps", "2", "--no-progress",
                            "--out", str(tmp_path)])
    assert r.exit_code == 2 and "points" in r.output
