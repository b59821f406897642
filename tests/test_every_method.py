"""Every registered method, through the registry: train a few steps on points and on images (where the
method supports them), sample, checkpoint, reload, sample again. A new method is covered without a new
test file; ``dcgan`` also trains at 64 px (its 64-px nets) on an image folder."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image

from gan_zoo import registry
from gan_zoo.data import data_info, load_dataset
from gan_zoo.registry import GanZooError, create_method
from gan_zoo.training import load_method

# Narrow nets and short inner loops so that each case takes seconds; fields a method lacks are skipped,
# so a new method runs with its own defaults until someone adds a line here.
TINY = {"width": "8", "hidden": "8", "depth": "1", "components": "2", "n_coupling": "2", "critic_hidden": "8",
        "pretrain_steps": "1", "test_size": "32", "ot_steps": "20", "ot_samples": "5000",
        "centroid_samples": "20000", "n_codes": "64", "g_width": "16", "critic_boost": "0", "unroll_steps": "1",
        "clf_steps": "1"}
TINY_IMAGES = {"z_dim": "4"}  # the autoencoders' codes; GANs keep their own latent size on points
DATA = ("ring", "digits")


# Where the generic narrowing does not fit: (overrides, batch size), as the method's own tests use them.
_OT = {"ot_steps": "20", "ot_samples": "5000", "centroid_samples": "20000"}
SPECIAL = {("ae-ot", "ring"): ({"n_codes": "64", **_OT}, None),  # fewer codes than a batch leaves empty cells
           ("ae-ot", "digits"): ({"width": "4", "z_dim": "4", **_OT}, 32)}
SKIP_FIELDS = {"modnet": {"pretrain_steps"}}  # only with variant=B


def _used(method: str) -> set[str]:
    cls = registry.method_entry(method).config_cls
    if hasattr(cls, "used_fields"):  # fields a method never reads are an error to set
        return set(cls.used_fields())
    return {f.name for f in dataclasses.fields(cls)}


def _tiny(method: str, data: str) -> dict[str, str]:
    if (method, data) in SPECIAL:
        return SPECIAL[(method, data)][0]
    wanted = {**TINY, **(TINY_IMAGES if data != "ring" and method in ("wae-gan", "wae-mmd", "vae") else {})}
    used = _used(method) - SKIP_FIELDS.get(method, set())
    return {k: v for k, v in wanted.items() if k in used}


def _batch(method: str, data: str) -> int | None:
    return SPECIAL[(method, data)][1] if (method, data) in SPECIAL else 16


def _cases():
    registry.load_all()
    cases, refused = [], []
    for method in sorted(registry.METHODS):
        for data in DATA:
            info = data_info(load_dataset(data, "train"))
            try:
                create_method(method, info, _tiny(method, data))
            except GanZooError as e:  # e.g. dcgan/modnet are image-only: a clear refusal, checked below
                refused.append((method, data, str(e)))
                continue
            cases.append((method, data))
    return cases, refused


CASES, REFUSED = _cases()


PARAMS = [pytest.param(m, d, id=f"{m}-{d}") for m, d in CASES]


@pytest.mark.parametrize("method,data", PARAMS)
def test_train_sample_checkpoint_reload(run_train, method, data):
    result = run_train(method, data=data, steps=2, batch_size=_batch(method, data), seed=0,
                       overrides=_tiny(method, data))
    m = result.method
    assert m.generator_steps == 2 and m.batches_seen >= 2
    x = m.sample(4, torch.Generator().manual_seed(0))
    assert x.shape == (4, *m.data_info.shape) and torch.isfinite(x).all()
    if m.data_info.is_image:
        assert float(x.min()) >= -1 and float(x.max()) <= 1
    assert result.checkpoint is not None and result.checkpoint.exists()
    reloaded = load_method(result.run_dir)
    assert reloaded.generator_steps == 2
    y = reloaded.sample(4, torch.Generator().manual_seed(0))
    torch.testing.assert_close(y, x.cpu(), rtol=1e-5, atol=1e-6)  # the same weights, the same noise


def test_every_method_runs_somewhere_and_refusals_are_one_line():
    covered = {m for m, _ in CASES}
    assert covered == set(registry.METHODS), set(registry.METHODS) - covered
    assert {"dcgan", "gan", "wgan-gp"} <= covered
    for method, data, msg in REFUSED:
        assert data == "ring" and "\n" not in msg and msg, (method, data, msg)


def test_dcgan_trains_at_64_px(run_train, tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "imgs" / "a"
    folder.mkdir(parents=True)
    for i in range(8):
        Image.fromarray(rng.integers(0, 256, (70, 70, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    result = run_train("dcgan", data="imagefolder", data_dir=str(tmp_path / "imgs"), data_kwargs={"image_size": 64},
                       steps=1, batch_size=4, seed=0, overrides={"width": "4"})
    m = result.method
    assert m.data_info.shape == (3, 64, 64)
    x = m.sample(2, torch.Generator().manual_seed(0))
    assert x.shape == (2, 3, 64, 64)
    torch.testing.assert_close(load_method(result.checkpoint).sample(2, torch.Generator().manual_seed(0)), x)
