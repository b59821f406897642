"""What TensorBoard shows of a run (issue 16 item 6), read back from the event files as TensorBoard reads them.

One tiny WGAN-GP run on the ring (20 generator steps, 5 critic steps each, logged every 5) serves the scalar,
HParams and histogram checks; the per-step values are taken from the method's own ``record`` calls and
its nets' ``.grad`` at the last step, so the logged values are checked against numbers computed here.
"""
from __future__ import annotations

from types import SimpleNamespace

import lightning as L
import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import metadata as hp_metadata

from gan_zoo.methods.base import GenerativeMethod

STEPS, LOG_EVERY, HIST_EVERY = 20, 5, 10


class _GradsAtEnd(L.Callback):
    """After the histograms (extra callbacks come after train()'s own): every net's parameters and .grad."""

    def __init__(self):
        self.seen = {}

    def on_generator_step(self, trainer, method):
        if method.generator_steps == STEPS:
            self.seen = {f"{kind}/{net}/{name}": t.detach().clone().float()
                         for net, module in method.named_children() for name, p in module.named_parameters()
                         for kind, t in (("weights", p), ("gradients", p.grad)) if t is not None}


@pytest.fixture(scope="module")
def wgan_run(tmp_path_factory):
    from gan_zoo.training import train

    recorded = []  # (generator step in progress, name, value) for every record() call
    original = GenerativeMethod.record

    def spy(self, scalars):
        step = self.generator_steps + 1
        recorded.extend((step, k, float(v)) for k, v in scalars.items())
        original(self, scalars)

    grads = _GradsAtEnd()
    GenerativeMethod.record = spy
    try:
        res = train(method="wgan-gp", data="ring", steps=STEPS, out=tmp_path_factory.mktemp("dash"), progress=False,
                    overrides={"log_every": str(LOG_EVERY), "width": "16"}, picture_every=STEPS, histogram_every=HIST_EVERY,
                    callbacks=[grads])
    finally:
        GenerativeMethod.record = original
    acc = EventAccumulator(str(res.run_dir), size_guidance={"scalars": 0, "histograms": 0, "images": 0,
                                                            "tensors": 0}).Reload()
    return SimpleNamespace(res=res, recorded=recorded, grads=grads.seen, acc=acc)


def test_scalars_are_the_mean_over_each_logging_interval(wgan_run):
    acc, recorded = wgan_run.acc, wgan_run.recorded
    names = {k for _, k, _ in recorded}
    assert {"loss/critic", "loss/generator", "wasserstein/estimate", "penalty/gradient"} <= names
    differs_from_last = False
    for name in names:
        events = acc.Scalars(name)
        assert [e.step for e in events] == list(range(LOG_EVERY, STEPS + 1, LOG_EVERY)), name
        for e in events:
            values = [v for s, k, v in recorded if k == name and e.step - LOG_EVERY < s <= e.step]
            # loss/critic: 5 critic steps x 5 generator steps; loss/generator: one per generator step
            assert len(values) == LOG_EVERY * (5 if name != "loss/generator" else 1), name
            assert e.value == pytest.approx(np.mean(values), rel=1e-5, abs=1e-7), (name, e.step)
            differs_from_last |= abs(values[-1] - np.mean(values)) > 1e-4 * (abs(np.mean(values)) + 1e-3)
    assert differs_from_last  # the old behaviour (the interval's last value) would fail the equality above
    # what the progress bar shows is the same mean
    last = wgan_run.res.method.last_logged
    assert last["loss/critic"] == pytest.approx(acc.Scalars("loss/critic")[-1].value, rel=1e-6)


def test_hparams_tab_has_the_run_config_and_its_final_metrics(wgan_run):
    acc, res = wgan_run.acc, wgan_run.res
    content = acc.PluginTagToContent(hp_metadata.PLUGIN_NAME)
    # Session records only: TensorBoard builds the table's columns from every run's records and scalars.
    assert set(content) == {hp_metadata.SESSION_START_INFO_TAG, hp_metadata.SESSION_END_INFO_TAG}
    start = hp_metadata.parse_session_start_info_plugin_data(content[hp_metadata.SESSION_START_INFO_TAG])
    hp = {k: getattr(v, v.WhichOneof("kind")) for k, v in start.hparams.items()}
    config = res.method.config
    assert set(hp) == set(config.used_fields()) | {"method", "data", "steps", "seed", "precision", "devices", "ema"}
    assert hp["method"] == "wgan-gp" and hp["data"] == "ring" and hp["steps"] == STEPS and hp["seed"] == 0
    assert hp["gp_weight"] == pytest.approx(config.gp_weight) and hp["width"] == 16 and hp["lr"] == pytest.approx(config.lr)
    assert hp["n_critic"] == config.n_critic == 5 and hp["log_every"] == LOG_EVERY
    end = hp_metadata.parse_session_end_info_plugin_data(content[hp_metadata.SESSION_END_INFO_TAG])
    assert end.status == 1  # STATUS_SUCCESS
    # The table shows each metric's last scalar: the final metrics, at the last generator step.
    assert res.metrics and set(res.metrics) >= {"w1", "w1_data_vs_data"}
    for k, v in res.metrics.items():
        last = acc.Scalars(f"metrics/{k}")[-1]
        assert last.step == STEPS and last.value == pytest.approx(v, rel=1e-6), k


def test_weight_and_gradient_histograms_of_both_nets(wgan_run):
    acc, method, seen = wgan_run.acc, wgan_run.res.method, wgan_run.grads
    tags = set(acc.Tags()["histograms"])
    for net in ("generator", "critic"):
        for name, p in getattr(method, net).named_parameters():
            for kind in ("weights", "gradients"):
                tag = f"{kind}/{net}/{name}"
                assert tag in tags, tag
                events = acc.Histograms(tag)
                assert [e.step for e in events] == [HIST_EVERY, STEPS], tag
                h, t = events[-1].histogram_value, seen[tag]
                assert h.num == t.numel()
                assert h.min == pytest.approx(float(t.min()), abs=1e-6) and h.max == pytest.approx(float(t.max()), abs=1e-6)
                assert h.sum == pytest.approx(float(t.double().sum()), rel=1e-4, abs=1e-6), tag
    # a critic's gradient is its last critic step's: non-zero (a frozen-critic generator step leaves it)
    assert any(seen[f"gradients/critic/{n}"].abs().sum() > 0 for n, _ in method.critic.named_parameters())
    assert "weights/critic" in tags  # all critic weights in one ([S0] Fig. 2.4)


def test_histograms_can_be_turned_off(tmp_path):
    from gan_zoo.training import train

    res = train(method="gan", data="ring", steps=1, out=tmp_path, progress=False, histogram_every=0,
                overrides={"width": "8", "log_every": "1"})
    acc = EventAccumulator(str(res.run_dir)).Reload()
    assert acc.Tags()["histograms"] == [] and acc.Scalars("loss/critic")


def test_real_data_grid_once_at_the_start(tmp_path):
    import io

    from PIL import Image
    from torch.utils.tensorboard import SummaryWriter

    from gan_zoo.callbacks.pictures import SamplePictures
    from gan_zoo.data import data_info, load_dataset

    data = load_dataset("digits")
    writer = SummaryWriter(str(tmp_path / "tb"))
    trainer = SimpleNamespace(global_rank=0, datamodule=SimpleNamespace(dataset=data),
                              logger=SimpleNamespace(experiment=writer))
    cb = SamplePictures(tmp_path / "samples", every=10)
    cb.on_train_start(trainer, SimpleNamespace(data_info=data_info(data), batches_seen=0))
    cb.on_train_start(trainer, SimpleNamespace(data_info=data_info(data), batches_seen=7))  # a resume: not again
    writer.close()
    acc = EventAccumulator(str(tmp_path / "tb")).Reload()
    (event,) = acc.Images("data")
    assert event.step == 0 and cb.data_png.is_file()
    grid = np.asarray(Image.open(io.BytesIO(event.encoded_image_string)).convert("L")).astype(int)
    # 8 x 8 cells of 28 px with 2 px padding; every cell is a training image as stored (uint8)
    assert grid.shape == (8 * 30 + 2, 8 * 30 + 2)
    idx = torch.randperm(len(data), generator=torch.Generator().manual_seed(99))[:64]
    for cell, i in enumerate(idx.tolist()):
        r, c = divmod(cell, 8)
        patch = grid[2 + 30 * r: 30 + 30 * r, 2 + 30 * c: 30 + 30 * c]
        assert np.abs(patch - data.images[i, 0].numpy().astype(int)).max() <= 1


def test_infogan_traversals_are_labelled_with_code_and_value(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    from gan_zoo.callbacks.traversals import LatentTraversals, traversal_figure, traversal_grids
    from gan_zoo.data import data_info, load_dataset
    from gan_zoo.registry import create_method

    method = create_method("infogan", data_info(load_dataset("digits")), {"width": "8", "continuous": "2"})
    grids = traversal_grids(method)
    assert set(grids) == {"c1", "c2"}
    from torchvision.utils import make_grid

    grid = make_grid(grids["c2"].clamp(-1, 1) * 0.5 + 0.5, nrow=10, padding=2)
    ax = traversal_figure(method, "c2", grid).axes[0]
    r = method.config.traversal_range
    assert "continuous code c2" in ax.get_xlabel() and ax.get_ylabel() == "categorical code"
    assert [t.get_text() for t in ax.get_xticklabels()] == [f"{v:.2g}" for v in np.linspace(-r, r, 10)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(i) for i in range(method.config.categorical)]
    # tick i sits on the centre of column i of the grid (28 px cells, 2 px padding)
    assert list(ax.get_xticks()) == [2 + 30 * j + 14 for j in range(10)]
    writer = SummaryWriter(str(tmp_path / "tb"))
    trainer = SimpleNamespace(global_rank=0, logger=SimpleNamespace(experiment=writer))
    LatentTraversals(tmp_path / "traversals", every=1).act(trainer, method)
    writer.close()
    acc = EventAccumulator(str(tmp_path / "tb")).Reload()
    assert set(acc.Tags()["images"]) == {"traversals/c1", "traversals/c2"}
    assert sorted(p.name for p in (tmp_path / "traversals").glob("*.png")) == ["c1_step_0000000.png",
                                                                               "c2_step_0000000.png"]


def test_mixture_legend_colours_are_the_components_colours():
    import matplotlib.colors as mcolors

    from gan_zoo.callbacks.pictures import points_figure

    method = SimpleNamespace(num_components=3, has_log_prob=False, critic=None, device="cpu",
                             sample_components=lambda n, g: (torch.randn(n, 2, generator=g), torch.arange(n) % 3))
    ax = points_figure(method, torch.randn(200, 2), n=200).axes[0]
    drawn = [mcolors.to_hex(c.get_facecolor()[0]) for c in ax.collections]
    legend = [mcolors.to_hex(h.get_facecolor()[0]) for h in ax.get_legend().legend_handles]
    assert legend == drawn and drawn[0] == mcolors.to_hex("tab:blue") and "#1f77b4" not in drawn[1:]
