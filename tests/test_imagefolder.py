"""Image folders and paths as a user types them (issue 16 items 3, 4): ``--set image_size`` resizes as
torchvision does, runs are filed under the folder's name, a seeded fraction is held out as the test split
(eval and nll read it), ``--data-dir`` and the options are recorded, classifiers are filed under --out /
$GANZOO_HOME and found from any folder. The folders are real PNG/JPEG files in torchvision's ImageFolder
layout, written here with PIL."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from cli_helpers import invoke, one_error_line


def image_folder(root, per_class=10, size=(40, 52), classes=("cats", "dogs")):
    """``root/<class>/<i>.png|jpg``: non-square RGB images, PNG and JPEG mixed, a brighter class each."""
    rng = np.random.default_rng(0)
    for k, c in enumerate(classes):
        (root / c).mkdir(parents=True)
        for i in range(per_class):
            arr = rng.integers(0, 128, size + (3,), dtype=np.uint8) + 100 * k
            Image.fromarray(arr.astype(np.uint8)).save(root / c / (f"{i}.png" if i % 2 else f"{i}.jpg"))
    return root


def test_image_size_is_torchvision_resize_and_centre_crop(tmp_path):
    from torchvision import transforms

    from gan_zoo.data import load_dataset

    folder = image_folder(tmp_path / "pets")
    ds = load_dataset("imagefolder", "train", data_dir=str(folder), image_size=16)
    assert ds.shape == (3, 16, 16) and ds.num_classes == 2
    from gan_zoo.data.images import imagefolder_split

    train_idx, _ = imagefolder_split(20, 0.1)
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".png", ".jpg"))
    tv = transforms.Compose([transforms.Resize(16), transforms.CenterCrop(16), transforms.PILToTensor()])
    for row, i in enumerate(train_idx[:4].tolist()):
        with Image.open(files[i]) as im:
            want = tv(im.convert("RGB"))
        assert torch.equal(ds.images[row], want)  # the same bytes as torchvision's own transforms
        assert int(ds.labels[row]) == (0 if files[i].parent.name == "cats" else 1)


def test_held_out_split_is_seeded_disjoint_and_the_stated_fraction(tmp_path):
    from gan_zoo.data import load_dataset
    from gan_zoo.registry import DATA_OPTIONS

    folder = image_folder(tmp_path / "pets")
    assert DATA_OPTIONS["imagefolder"]["test_fraction"] == 0.1
    train = load_dataset("imagefolder", "train", data_dir=str(folder), image_size=8)
    test = load_dataset("imagefolder", "test", data_dir=str(folder), image_size=8)
    assert (len(train), len(test)) == (18, 2)  # 10 % of 20 files
    again = load_dataset("imagefolder", "test", data_dir=str(folder), image_size=8)
    assert torch.equal(test.images, again.images)  # the same split every time (fixed seed)
    flat = lambda s: {bytes(x.numpy()) for x in s.images}  # noqa: E731
    assert not flat(train) & flat(test)  # no test image is a training image
    quarter = load_dataset("imagefolder", "test", data_dir=str(folder), image_size=8, test_fraction=0.25)
    assert len(quarter) == 5


def test_bad_image_folder_options_are_one_line(tmp_path):
    folder = image_folder(tmp_path / "pets", per_class=2)
    assert "imagefolder" in one_error_line(invoke("train", "gan", "--data", "digits", "--set", "image_size=32"))
    assert "(0, 1)" in one_error_line(invoke("train", "gan", "--data", "imagefolder", "--data-dir", folder,
                                             "--set", "test_fraction=1.5"))
    assert "image_size" in one_error_line(invoke("train", "gan", "--data", "imagefolder", "--data-dir", folder,
                                                 "--set", "image_size=2"))
    assert "28, 32 and 64" in one_error_line(invoke("train", "dcgan", "--data", "imagefolder", "--data-dir", folder,
                                                    "--set", "image_size=48", "--steps", "1"))
    assert "a folder" in one_error_line(invoke("classifier", "train", "--data", "digits", "--out", tmp_path / "c.ckpt"))


def test_folder_run_named_after_the_folder_recorded_and_evaluated_from_elsewhere(tmp_path, monkeypatch):
    """train --out OUT and classifier train --out OUT on one folder; eval (from another cwd) finds the
    classifier beside the run and compares against the folder's own held-out split."""
    monkeypatch.setenv("GANZOO_HOME", str(tmp_path / "home"))
    folder = image_folder(tmp_path / "pets")
    out = tmp_path / "out"
    r = invoke("train", "dcgan", "--data", "imagefolder", "--data-dir", folder, "--set", "image_size=28",
               "--set", "width=4", "--batch-size", "6", "--steps", "2", "--out", out, "--json")
    assert r.exit_code == 0, r.output
    run = out / "dcgan" / "pets" / "version_0"  # not dcgan/imagefolder/: two folders never collide
    assert json.loads(r.stdout)["run_folder"] == str(run)
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["data_dir"] == str(folder) and cfg["data_options"] == {"image_size": 28, "test_fraction": 0.1}
    state = torch.load(run / "checkpoints" / "last.ckpt", weights_only=False)["gan_zoo"]
    assert state["data_dir"] == str(folder) and state["data_options"]["image_size"] == 28
    assert tuple(state["data_info"]["shape"]) == (3, 28, 28)

    c = invoke("classifier", "train", "--data", "imagefolder", "--data-dir", folder, "--set", "image_size=28",
               "--epochs", "1", "--out", out, "--json")
    assert c.exit_code == 0, c.output
    meta = json.loads(c.stdout)
    assert meta["path"] == str(out / "classifiers" / "pets" / "classifier.ckpt") and meta["n_test"] == 2
    s = invoke("sample", run, "--n", "12", "--out", tmp_path / "s", "--json")
    assert s.exit_code == 0, s.output
    assert json.loads(s.stdout)["data_options"]["image_size"] == 28

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    e = invoke("eval", "ddm", "--samples", tmp_path / "s", "--json")
    assert e.exit_code == 0, e.output
    res = json.loads(e.stdout)
    assert res["protocol"]["weights"] == meta["path"]  # found beside the run, not in the cwd
    assert res["protocol"]["reference_split"] == "imagefolder test (2 images)"  # the held-out 10 %
    assert res["reference"]["n_samples"] == 12


def test_classifier_default_location_is_ganzoo_home(tmp_path, monkeypatch):
    from gan_zoo.metrics.classifier_io import classifier_candidates, find_classifier, ganzoo_home

    monkeypatch.setenv("GANZOO_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GANZOO_CLASSIFIERS", raising=False)
    folder = image_folder(tmp_path / "pets", per_class=5)
    monkeypatch.chdir(tmp_path)
    c = invoke("classifier", "train", "--data", "imagefolder", "--data-dir", "pets", "--set", "image_size=8",
               "--epochs", "1", "--json")
    assert c.exit_code == 0, c.output
    want = tmp_path / "home" / "classifiers" / "pets" / "classifier.ckpt"
    assert json.loads(c.stdout)["path"] == str(want) and want.is_file()
    assert ganzoo_home() == tmp_path / "home" and classifier_candidates("pets")[0] == want
    monkeypatch.chdir(folder)  # another folder: still found, by name
    assert find_classifier("pets") == want
    monkeypatch.delenv("GANZOO_HOME")
    assert str(ganzoo_home()).endswith(".cache/gan_zoo")  # the documented default


def test_flow_on_a_folder_scores_the_held_out_split(tmp_path, monkeypatch):
    """nll/test and eval nll use the folder's test split (2 of 20 images), also from another folder."""
    folder = image_folder(tmp_path / "pets")
    r = invoke("train", "nice", "--data", "imagefolder", "--data-dir", folder, "--set", "image_size=8",
               "--set", "hidden=16", "--batch-size", "6", "--steps", "2", "--out", tmp_path / "out", "--json")
    assert r.exit_code == 0, r.output
    run = tmp_path / "out" / "nice" / "pets" / "version_0"
    s = invoke("sample", run, "--n", "4", "--out", tmp_path / "s")
    assert s.exit_code == 0, s.output
    monkeypatch.chdir(tmp_path / "pets")
    e = invoke("eval", "nll", "--samples", tmp_path / "s", "--json")
    assert e.exit_code == 0, e.output
    res = json.loads(e.stdout)
    assert res["protocol"]["n"] == 2 and res["protocol"]["dims"] == 3 * 8 * 8
    assert res["protocol"]["checkpoint"] == str(run / "checkpoints" / "last.ckpt")


def test_print_config_carries_the_folder_options_and_reruns(tmp_path):
    import yaml

    folder = image_folder(tmp_path / "pets", per_class=2)
    r = invoke("train", "dcgan", "--data", "imagefolder", "--data-dir", folder, "--set", "image_size=32",
               "--print-config")
    assert r.exit_code == 0, r.output
    doc = yaml.safe_load(r.stdout)
    assert doc["data_options"] == {"image_size": 32, "test_fraction": 0.1} and doc["data_dir"] == str(folder)
    (tmp_path / "run.yaml").write_text(r.stdout)
    again = yaml.safe_load(invoke("train", "--config", tmp_path / "run.yaml", "--print-config").stdout)
    assert again["data_options"] == doc["data_options"]


def test_resume_keeps_the_folder_options(tmp_path):
    folder = image_folder(tmp_path / "pets", per_class=4)
    r = invoke("train", "nice", "--data", "imagefolder", "--data-dir", folder, "--set", "image_size=8",
               "--set", "hidden=16", "--batch-size", "4", "--steps", "1", "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    ckpt = tmp_path / "out" / "nice" / "pets" / "version_0" / "checkpoints" / "last.ckpt"
    assert "image_size" in one_error_line(invoke("train", "--resume", ckpt, "--steps", "2", "--set", "image_size=16"))
    r = invoke("train", "--resume", ckpt, "--steps", "2")  # the run's own size, without --data-dir
    assert r.exit_code == 0, r.output
    assert torch.load(ckpt, weights_only=False)["gan_zoo"]["data_options"]["image_size"] == 8


@pytest.mark.parametrize("method", ["vae", "wgan-gp"])
def test_image_size_for_other_image_methods(run_train, tmp_path, method):
    folder = image_folder(tmp_path / "pets", per_class=4)
    result = run_train(method, data="imagefolder", data_dir=str(folder), steps=1, batch_size=4,
                       overrides={"image_size": "32", "width": "8"})
    assert result.method.data_info.shape == (3, 32, 32)
    assert result.method.sample(2).shape == (2, 3, 32, 32)
    assert result.run_dir.parent.name == "pets"


def test_compare_on_a_folder(tmp_path):
    """compare --data imagefolder --data-dir D --set image_size=28: every run on the folder at 28 px, filed
    under its name, scored against the folder's held-out split."""
    from gan_zoo.metrics.classifier_io import save_classifier
    from gan_zoo.nets.classifier import build_classifier

    folder = image_folder(tmp_path / "pets")
    torch.manual_seed(0)
    ckpt = save_classifier(build_classifier("convnet4", (3, 28, 28), 2, width=4),
                           {"arch": "convnet4", "data": "imagefolder", "shape": [3, 28, 28], "num_classes": 2,
                            "kwargs": {"width": 4}}, tmp_path / "cls.ckpt")
    r = invoke("compare", "dcgan", "wgan", "--data", "imagefolder", "--data-dir", folder, "--set", "image_size=28",
               "--set", "width=4", "--batch-size", "6", "--steps", "2", "--seeds", "1", "--metrics", "fid",
               "--extractor", "classifier", "--classifier", ckpt, "--n", "10", "--out", tmp_path / "cmp",
               "--no-progress")
    assert r.exit_code == 0, r.output
    for m in ("dcgan", "wgan"):
        assert (tmp_path / "cmp" / "runs" / m / "pets" / "version_0" / "checkpoints" / "last.ckpt").is_file()
    assert "imagefolder test split, 2 images" in r.stdout


def test_a_classifier_for_another_size_is_not_used(tmp_path):
    """A classifier found by name for the folder at another image_size is skipped (the run still ends with
    exit 0); one named with --classifier is a one-line error before any run folder exists."""
    from gan_zoo.metrics.classifier_io import save_classifier
    from gan_zoo.nets.classifier import build_classifier

    folder = image_folder(tmp_path / "pets", per_class=4)
    out = tmp_path / "out"
    ckpt = save_classifier(build_classifier("convnet4", (3, 28, 28), 2, width=4),
                           {"arch": "convnet4", "data": "imagefolder", "shape": [3, 28, 28], "num_classes": 2,
                            "kwargs": {"width": 4}}, out / "classifiers" / "pets" / "classifier.ckpt")
    args = ["train", "nice", "--data", "imagefolder", "--data-dir", folder, "--set", "image_size=8", "--set",
            "hidden=16", "--batch-size", "4", "--steps", "1", "--out", out]
    r = invoke(*args, "--json")
    assert r.exit_code == 0, r.output
    assert "ddm" not in json.loads(r.stdout)["metrics"]
    assert "8x8" in one_error_line(invoke(*args, "--classifier", ckpt))
    assert sorted(p.name for p in (out / "nice" / "pets").iterdir()) == ["version_0"]
