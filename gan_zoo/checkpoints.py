"""gan_zoo checkpoint files: reading one (one clear error for a missing, truncated or foreign file) and
rebuilding the trained method from it, optionally with the generator's EMA weights.

Below methods/, training/ and callbacks/ in the import graph (tests/test_import_graph.py): ``train()``
resumes through it, ``GenerativeMethod.load_from_checkpoint`` and the CLI's ``sample`` / ``eval`` load
through it, and the EMA callback finds the generator with ``generator_of``. It imports the method's module
only when a checkpoint names it (``registry.MethodEntry.cls``). ``gan_zoo.training.load_method`` is the
same function (re-exported there, where the README and the error messages name it).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from torch import nn

from .data.info import DataInfo
from .registry import GanZooError, method_entry

# The network that maps noise to data, by the name each method gives it.
GENERATOR_NAMES = ("generator", "decoder", "flow", "flows")
CKPT_KEY = "gan_zoo_ema"


def generator_of(method) -> nn.Module:
    for name in GENERATOR_NAMES:
        net = getattr(method, name, None)
        if isinstance(net, nn.Module):
            return net
    raise GanZooError(f"EMA: {getattr(method, 'method_name', type(method).__name__)} has no generator network "
                      f"({', '.join(GENERATOR_NAMES)})")


def load_checkpoint_file(path: str | Path) -> dict:
    """torch.load with one clear error for a missing, truncated or foreign file."""
    path = Path(path)
    if path.is_dir():  # a run folder: take its last checkpoint
        path = path / "checkpoints" / "last.ckpt"
    if not path.exists():
        raise GanZooError(f"checkpoint {path} does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # pickle, zip and EOF errors all mean the same to a user
        raise GanZooError(f"checkpoint {path} is corrupt or not a gan_zoo checkpoint "
                          f"({type(e).__name__})") from None
    if not isinstance(ckpt, dict) or "gan_zoo" not in ckpt or "state_dict" not in ckpt:
        raise GanZooError(f"checkpoint {path} is not a gan_zoo checkpoint")
    ckpt["_path"] = str(path.absolute())  # absolute: manifests and evals work from any folder
    return ckpt


def _load_weights(method, ckpt: dict) -> None:
    """``load_state_dict`` with one line when the stored config does not build the stored weights."""
    try:
        method.load_state_dict(ckpt["state_dict"])
    except RuntimeError as e:  # missing/unexpected keys or size mismatches
        first = str(e).strip().splitlines()
        detail = next((ln.strip() for ln in first[1:] if ln.strip()), first[0] if first else "")
        raise GanZooError(f"checkpoint {ckpt['_path']}: its config does not match its weights "
                          f"({detail[:160]})") from None


def load_method(path: str | Path, map_location: str = "cpu", ema: bool = False):
    """Rebuild a trained method from a checkpoint (or a run folder) for sampling or evaluation;
    ``ema=True``: with the generator's EMA weights (a run trained with ``--ema``)."""
    ckpt = load_checkpoint_file(path)
    state = ckpt["gan_zoo"]
    info = DataInfo(**{**state["data_info"], "shape": tuple(state["data_info"]["shape"])})
    entry = method_entry(state["method"])
    fields = {f.name for f in dataclasses.fields(entry.config_cls)}
    config = entry.config_cls(**{k: (tuple(v) if isinstance(v, list) else v)
                                 for k, v in state["config"].items() if k in fields})
    method = entry.cls(config, info)
    _load_weights(method, ckpt)
    method.batches_seen = int(state["batches_seen"])
    method.seed = int(state.get("seed", 0))
    method.data_dir = state.get("data_dir")
    method.data_options = dict(state.get("data_options") or {})
    method.checkpoint_path = ckpt["_path"]
    if ema:
        load_ema_into(method, ckpt)
    return method.to(map_location).eval()


def load_ema_into(method, checkpoint: dict) -> None:
    """Put a checkpoint's EMA weights into ``method``'s generator (for sampling and evaluation)."""
    saved = checkpoint.get(CKPT_KEY)
    if saved is None:
        raise GanZooError(f"checkpoint {checkpoint.get('_path', '')} has no EMA of the generator "
                          "(train with --ema DECAY, e.g. --ema 0.999)")
    generator_of(method).load_state_dict(saved["state"])
    method.ema = {"decay": saved["decay"], "start": saved["start"], "updates": saved["updates"]}
