"""``ganzoo stats`` + ``ganzoo eval fid|kid --ref``: the same numbers as the reference computed on the fly,
pytorch-fid's ``mu``/``sigma`` layout read back, mismatched extractor or feature size refused in one line."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from gan_zoo_cli.main import app
from typer.testing import CliRunner

from gan_zoo.data import load_dataset
from gan_zoo.io import write_samples

from cli_helpers import tiny_digits_classifier

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_error_line(res, fragment):
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], res.stderr


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """An (untrained, seeded) digits classifier and a folder of 100 training digits as "samples"."""
    tmp = tmp_path_factory.mktemp("refstats")
    ckpt = tiny_digits_classifier(tmp)
    folder = write_samples(tmp / "s", load_dataset("digits", "train").to_float(torch.arange(100)), {"data": "digits"})
    return tmp, ckpt, folder


def _json(res):
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_ref_gives_the_on_the_fly_fid_and_kid(setup):
    tmp, ckpt, folder = setup
    ref = tmp / "digits_test.npz"
    res = invoke("stats", "--data", "digits", "--extractor", "classifier", "--classifier", ckpt, "--split", "test",
                 "--out", ref)
    assert res.exit_code == 0, res.output
    z = np.load(ref)
    assert set(z.files) == {"mu", "sigma", "features", "protocol"}
    proto = json.loads(str(z["protocol"]))
    assert proto["split"] == "test" and proto["n"] == 360 and proto["feature_dim"] == 10 == z["mu"].shape[0]
    # the stored mean/covariance are numpy's (pytorch-fid computes them with np.mean / np.cov)
    np.testing.assert_allclose(z["mu"], z["features"].astype(np.float64).mean(0), rtol=1e-12)
    np.testing.assert_allclose(z["sigma"], np.cov(z["features"].astype(np.float64), rowvar=False), rtol=1e-10)
    common = ["--samples", folder, "--extractor", "classifier", "--classifier", ckpt, "--json"]
    for metric in ("fid", "kid"):
        fly = _json(invoke("eval", metric, *common))
        stored = _json(invoke("eval", metric, *common, "--ref", ref))
        assert stored["value"] == pytest.approx(fly["value"], rel=1e-9, abs=1e-12), metric
        assert fly["value"] > 0 and str(ref) in stored["protocol"]["reference_split"]
    # a file with only mu and sigma, as pytorch-fid writes it, gives the same FID; KID needs the features
    foreign = tmp / "pytorch_fid.npz"
    f64 = z["features"].astype(np.float64)
    np.savez(foreign, mu=f64.mean(0), sigma=np.cov(f64, rowvar=False))
    assert _json(invoke("eval", "fid", *common, "--ref", foreign))["value"] == pytest.approx(fly_fid(common), rel=1e-9)
    one_error_line(invoke("eval", "kid", *common, "--ref", foreign), "KID needs the features")


def fly_fid(common):
    return _json(invoke("eval", "fid", *common))["value"]


def test_mismatched_statistics_are_refused_in_one_line(setup):
    tmp, ckpt, folder = setup
    common = ["--samples", folder, "--extractor", "classifier", "--classifier", ckpt]
    wrong_size = tmp / "inception_like.npz"
    np.savez(wrong_size, mu=np.zeros(2048), sigma=np.eye(2048))
    one_error_line(invoke("eval", "fid", *common, "--ref", wrong_size), "2048-d statistics")
    other = tmp / "other.npz"
    np.savez(other, mu=np.zeros(10), sigma=np.eye(10), features=np.zeros((4, 10), np.float32),
             protocol=np.array(json.dumps({"extractor": "inception-v3 (torch-fidelity, via torchmetrics)"})))
    one_error_line(invoke("eval", "fid", *common, "--ref", other), "was computed with 'inception-v3")
    junk = tmp / "junk.npz"
    junk.write_text("not a zip")
    one_error_line(invoke("eval", "fid", *common, "--ref", junk), "not an .npz")
    one_error_line(invoke("eval", "fid", *common, "--ref", tmp / "missing.npz"), "do not exist")
    np.savez(tmp / "nomu.npz", m=np.zeros(3))
    one_error_line(invoke("eval", "fid", *common, "--ref", tmp / "nomu.npz"), "no 'mu' and 'sigma'")
    one_error_line(invoke("stats", "--data", "ring", "--extractor", "classifier", "--out", tmp / "r.npz"), "point set")
    one_error_line(invoke("stats", "--data", "digits", "--out", tmp / "r.txt"), ".npz")
