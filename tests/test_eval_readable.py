"""Evals a researcher can read (issue 16 item 5): FID/KID reference rows (real training images against the
test split, on the same extractor), several metrics from one embedding pass (``ganzoo eval --metrics``) equal
to the single-metric commands, ``--inception-weights PATH`` in pytorch-fid's / torch-fidelity's layout,
one-line errors, ``--json`` everywhere (json.loads of the whole stdout)."""
from __future__ import annotations

import json

import pytest
import torch

from gan_zoo.data import load_dataset
from gan_zoo.io import write_samples

from cli_helpers import invoke, one_error_line, tiny_digits_classifier


@pytest.fixture(scope="module")
def digits_setup(tmp_path_factory):
    """An untrained, seeded digits classifier (the plumbing, not its quality) and 60 training digits as samples."""
    tmp = tmp_path_factory.mktemp("eval")
    ckpt = tiny_digits_classifier(tmp)
    train = load_dataset("digits", "train")
    folder = write_samples(tmp / "s", train.to_float(torch.arange(100, 160)), {"data": "digits"})
    return ckpt, folder


def test_fid_and_kid_print_a_reference_row(digits_setup):
    from gan_zoo.metrics.evaluate import train_subset
    from gan_zoo.metrics.classifier_io import load_classifier
    from gan_zoo.metrics.functional import frechet_distance, kernel_inception_distance

    ckpt, folder = digits_setup
    base = ["--samples", folder, "--classifier", ckpt, "--extractor", "classifier"]
    fid = json.loads(invoke("eval", "fid", *base, "--json").stdout)
    kid = json.loads(invoke("eval", "kid", *base, "--subsets", "5", "--subset-size", "50", "--json").stdout)
    ext = load_classifier(ckpt)
    train, test = load_dataset("digits", "train"), load_dataset("digits", "test")
    with torch.no_grad():
        real = ext(train.to_float(train_subset(len(train), 60)))["features"]
        t = ext(test.to_float())["features"]
    # The row: 60 seeded training digits (as many as the samples) against the whole test split.
    assert fid["reference"]["n_samples"] == 60 and "train split vs the test split" in fid["reference"]["name"]
    assert fid["reference"]["value"] == pytest.approx(frechet_distance(real, t), rel=1e-6)
    assert kid["reference"]["value"] == pytest.approx(kernel_inception_distance(real, t, 5, 50)[0], rel=1e-6)
    assert "std" in kid["reference"] and kid["protocol"]["subset_size"] == 50
    # Samples that are training digits score like the reference row, not like noise.
    assert fid["value"] == pytest.approx(frechet_distance(ext(folder_images(folder))["features"], t), rel=1e-5)
    text = invoke("eval", "fid", *base)
    assert text.exit_code == 0 and "reference, digits train split vs the test split (n=60)" in text.stdout
    assert "warning: FID on 60 samples, below the protocol's 10,000" in text.stderr
    assert len([ln for ln in text.stderr.splitlines() if ln.startswith("warning")]) == 1
    assert "reference" not in json.loads(invoke("eval", "fid", *base, "--no-reference", "--json").stdout)


def folder_images(folder):
    from gan_zoo.io import read_samples

    return read_samples(folder)[0]


def test_several_metrics_from_one_embedding_pass_equal_the_single_commands(digits_setup, monkeypatch):
    import gan_zoo.metrics.evaluate as ev

    ckpt, folder = digits_setup
    calls = []
    real_embed = ev.embed

    def counting(extractor, images, **kw):
        calls.append(len(images))
        return real_embed(extractor, images, **kw)

    monkeypatch.setattr(ev, "embed", counting)
    common = ["--samples", folder, "--classifier", ckpt, "--json"]
    kid_args = ["--subsets", "5", "--subset-size", "50"]
    r = invoke("eval", "--metrics", "fid,kid,is,ddm", *common, "--extractor", "classifier", *kid_args)
    assert r.exit_code == 0, r.output
    many = json.loads(r.stdout)  # nothing but the JSON on stdout (warnings are its "warning" keys)
    # One pass per image set: the samples, the test split, the 60-image training subset (all four metrics
    # on the classifier's logits); each metric reads the same features.
    assert calls == [60, 360, 60]
    assert [p["images"] for p in many["embedding_passes"]] == ["samples", "the test split",
                                                               "60 images of the train split"]
    assert many["source"]["data"] == "digits" and set(many["results"]) == {"fid", "kid", "is", "ddm"}
    single = {
        "fid": invoke("eval", "fid", *common, "--extractor", "classifier"),
        "kid": invoke("eval", "kid", *common, "--extractor", "classifier", *kid_args),
        "is": invoke("eval", "is", *common, "--extractor", "classifier"),
        "ddm": invoke("eval", "ddm", *common),
    }
    for name, res in single.items():
        one = json.loads(res.stdout)
        got = many["results"][name]
        assert got["value"] == pytest.approx(one["value"], rel=1e-6), name
        assert got["reference"]["value"] == pytest.approx(one["reference"]["value"], rel=1e-6), name
        assert got["protocol"]["n_samples"] == 60 and "warning" in got
    assert len(calls) == 3 + 3 + 3 + 2 + 3  # the single commands embed their own sets again
    assert "fid, kid, is, ddm" in one_error_line(invoke("eval", "--metrics", "fid,w1", "--samples", folder))
    assert "--metrics" in one_error_line(invoke("eval", "--samples", folder))


def test_subset_size_zero_or_negative_is_an_error(digits_setup):
    _, folder = digits_setup
    for v in ("0", "-3"):
        assert "--subset-size" in one_error_line(invoke("eval", "kid", "--samples", folder, "--subset-size", v))
        assert "--subset-size" in one_error_line(invoke("eval", "--metrics", "kid", "--samples", folder,
                                                        "--subset-size", v))


def test_inception_weights_wrong_files_are_one_line(tmp_path, digits_setup):
    _, folder = digits_setup
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a torch file")
    assert "not a PyTorch state_dict" in one_error_line(
        invoke("eval", "fid", "--samples", folder, "--inception-weights", junk))
    imagenet = tmp_path / "inception_v3_google.pth"  # torchvision's ImageNet head: 1000 classes
    torch.save({"fc.weight": torch.zeros(1000, 2048), "Mixed_7c.branch_pool.conv.weight": torch.zeros(1)}, imagenet)
    assert "1008x2048" in one_error_line(invoke("eval", "is", "--samples", folder, "--inception-weights", imagenet))
    other = tmp_path / "resnet.pth"
    torch.save({"conv1.weight": torch.zeros(1)}, other)
    assert "not an Inception-v3 state_dict" in one_error_line(
        invoke("eval", "kid", "--samples", folder, "--inception-weights", other))
    assert "no such file" in one_error_line(invoke("eval", "fid", "--samples", folder, "--inception-weights",
                                                   tmp_path / "none.pth"))


@pytest.mark.slow  # building Inception-v3 and a 299 px forward pass: ~10 s of CPU
def test_inception_weights_in_the_pytorch_fid_layout_are_loaded(tmp_path):
    """A state_dict of the FID network's architecture (torchvision's Inception3 key names, 1008 classes: the
    layout of pytorch-fid's pt_inception-2015-12-05 and torch-fidelity's file), random weights written here."""
    import torchvision

    torch.manual_seed(0)
    net = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False, num_classes=1008)
    weights = tmp_path / "pt_inception-random.pth"
    torch.save(net.state_dict(), weights)
    r = invoke("stats", "--data", "digits", "--n", "3", "--inception-weights", weights, "--out", tmp_path / "r.npz")
    assert r.exit_code == 0, r.output
    import numpy as np

    with np.load(tmp_path / "r.npz") as z:
        protocol = json.loads(str(z["protocol"]))
        assert z["features"].shape == (3, 2048)
    assert protocol["weights"] == str(weights)
    from gan_zoo.metrics.extractors import InceptionExtractor

    out = InceptionExtractor(weights)(torch.zeros(2, 1, 28, 28))
    assert out["features"].shape == (2, 2048) and out["logits"].shape == (2, 1008)  # IS reads the 1008 logits


def test_list_json_is_only_json():
    r = invoke("list", "--json")
    assert r.exit_code == 0
    out = json.loads(r.stdout)
    assert "wgan-gp" in out["methods"] and "imagefolder" in out["datasets"] and "fid" in out["metrics"]
