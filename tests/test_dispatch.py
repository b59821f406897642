"""The plain dispatch (gan_zoo/methods/dispatch.py) changes nothing but speed: the same run trained with it
on and off ends with bitwise-equal parameters and the same ``trainer.global_step``."""
from __future__ import annotations

import pytest
import torch

from gan_zoo.methods import dispatch
from gan_zoo.training import train


def _run(tmp_path, enabled: bool, method: str, overrides: dict):
    old = dispatch.ENABLED
    dispatch.ENABLED = enabled
    try:
        res = train(method=method, data="ring", steps=4, out=tmp_path / str(enabled), progress=False, seed=3,
                    overrides={"log_every": "2", **overrides})
    finally:
        dispatch.ENABLED = old
    return res.method


@pytest.mark.parametrize("method,overrides", [("gan", {}), ("wgan-gp", {"n_critic": "2"})])
def test_plain_dispatch_is_bitwise_the_lightning_path(tmp_path, method, overrides):
    plain = _run(tmp_path, True, method, overrides)
    lightning = _run(tmp_path, False, method, overrides)
    assert plain._plain_opts is not None and lightning._plain_opts is None  # both paths really ran
    assert plain.trainer.global_step == lightning.trainer.global_step > 0
    a, b = plain.state_dict(), lightning.state_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
