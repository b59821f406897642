"""Build a run (data, method, Lightning Trainer, callbacks), train it, resume it, load it back.

The CLI, the benchmarks and the tests all train through ``train()``; nothing here knows a paper's
algorithm (that lives in each method's ``training_step``).
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import torch

from .data import DataInfo, GanDataModule
from .registry import GanZooError, create_method, method_entry

DEFAULT_DATA = "ring"
DEFAULT_POINT_STEPS = 2000  # the embedded default runs in about a minute on a laptop CPU
DEFAULT_IMAGE_STEPS = 5000


@dataclass
class RunResult:
    run_dir: Path
    checkpoint: Path | None
    method: Any
    metrics: dict = field(default_factory=dict)
    picture: Path | None = None


def _next_version(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    taken = [int(p.name.split("_")[1]) for p in root.glob("version_*") if p.name.split("_")[1].isdigit()]
    return root / f"version_{max(taken, default=-1) + 1}"


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
    ckpt["_path"] = str(path)
    return ckpt


def load_method(path: str | Path, map_location: str = "cpu"):
    """Rebuild a trained method from a checkpoint (or a run folder) for sampling or evaluation."""
    ckpt = load_checkpoint_file(path)
    state = ckpt["gan_zoo"]
    info = DataInfo(**{**state["data_info"], "shape": tuple(state["data_info"]["shape"])})
    entry = method_entry(state["method"])
    fields = {f.name for f in dataclasses.fields(entry.config_cls)}
    config = entry.config_cls(**{k: (tuple(v) if isinstance(v, list) else v)
                                 for k, v in state["config"].items() if k in fields})
    method = entry.cls(config, info)
    method.load_state_dict(ckpt["state_dict"])
    method.batches_seen = int(state["batches_seen"])
    method.seed = int(state.get("seed", 0))
    method.checkpoint_path = ckpt["_path"]
    return method.to(map_location).eval()


@torch.no_grad()
def final_metrics(method, dataset, n: int = 2000, seed: int = 0) -> dict:
    """The number printed at the end of a run: exact W1 (and NLL where the model has one) for points."""
    from .metrics.functional import wasserstein1

    out = {}
    if dataset.kind == "points":
        g = torch.Generator().manual_seed(seed)
        real, _ = dataset.sample(n, g)
        fake = method.sample(n, torch.Generator().manual_seed(seed + 1)).float().cpu()
        out["w1"] = wasserstein1(fake, real)
        ref, _ = dataset.sample(n, g)
        out["w1_data_vs_data"] = wasserstein1(ref, real)  # the finite-sample floor of the estimate
        if getattr(method, "has_log_prob", False):
            out["nll"] = float(-method.log_prob(real.to(method.device)).mean())
    else:  # images: classifier IS and DDM (Basart 2017 eq. 3.4) when a dataset classifier exists
        from .callbacks.metrics import PeriodicMetrics

        out.update(PeriodicMetrics(dataset, n=min(n, 1000), seed=seed).compute(method))
    return out


def build_trainer(run_dir: Path, callbacks: list, gpus: int = 0, nodes: int = 1, precision: str = "32-true",
                  accelerator: str = "auto") -> L.Trainer:
    from lightning.pytorch.loggers import TensorBoardLogger

    if gpus < 0 or nodes < 1:
        raise GanZooError("--gpus must be >= 0 and --nodes >= 1")
    if accelerator not in ("auto", "cpu", "gpu", "cuda", "mps"):
        raise GanZooError(f"unknown accelerator '{accelerator}' (auto, cpu, gpu)")
    if gpus > 0 and accelerator in ("auto", "gpu", "cuda") and not torch.cuda.is_available():
        raise GanZooError(f"--gpus {gpus}: no GPU here (use --accelerator cpu to run {gpus} CPU processes)")
    devices = max(gpus, 1)
    if accelerator == "auto" and gpus > 0:
        accelerator = "gpu"
    # Several processes: Lightning DDP (gloo on CPU). Unused parameters must be found, because the
    # critic step leaves the generator unused and the generator step freezes the critic.
    strategy = "ddp_find_unused_parameters_true" if devices * nodes > 1 else "auto"
    return L.Trainer(
        accelerator=accelerator, devices=devices, num_nodes=nodes, strategy=strategy, precision=precision,
        max_epochs=-1, max_steps=-1, logger=TensorBoardLogger(save_dir=str(run_dir), name="", version=""),
        callbacks=callbacks, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, num_sanity_val_steps=0, limit_val_batches=0,
        use_distributed_sampler=False, log_every_n_steps=1_000_000,
    )


def train(method: str | None = None, data: str | None = None, steps: int | None = None,
          batch_size: int | None = None, gpus: int = 0, nodes: int = 1, precision: str = "32-true",
          seed: int = 0, out: str | Path = "runs", overrides: dict[str, str] | None = None,
          resume: str | Path | None = None, data_dir: str | None = None, download: bool = False,
          accelerator: str = "auto", progress: bool = True, picture_every: int | None = None,
          checkpoint_every: int | None = None, data_kwargs: dict | None = None,
          callbacks: list | None = None) -> RunResult:
    from .callbacks import CriticHistograms, PeriodicCheckpoint, PeriodicMetrics, SamplePictures, StepProgress

    overrides = dict(overrides or {})
    ckpt = None
    if resume is not None:
        ckpt = load_checkpoint_file(resume)
        state = ckpt["gan_zoo"]
        if method is not None and method != state["method"]:
            raise GanZooError(f"--resume: the checkpoint is a '{state['method']}' run, not '{method}'")
        method = state["method"]
        data = data or state["data_info"]["name"]
        seed = int(state.get("seed", seed))
        # The run's own config wins; --set on resume may only repeat it.
        overrides = {**{k: str(v) for k, v in state["config"].items() if not isinstance(v, (list, tuple))},
                     **overrides}
        run_dir = Path(ckpt["_path"]).parent.parent
    if method is None:
        raise GanZooError("no method given")
    data = data or DEFAULT_DATA
    if steps is not None and steps <= 0:
        raise GanZooError(f"--steps must be a positive number of generator steps, got {steps}")
    if batch_size is not None:
        if batch_size <= 0:
            raise GanZooError(f"--batch-size must be positive, got {batch_size}")
        overrides["batch_size"] = str(batch_size)

    L.seed_everything(seed, workers=False, verbose=False)
    method_entry(method)  # unknown method: fail before loading any data
    dm_probe = GanDataModule(data, seed=seed, data_dir=data_dir, download=download, **(data_kwargs or {}))
    model = create_method(method, dm_probe.info, overrides)
    model.seed = seed
    dm_probe.batch_size = model.config.batch_size
    if steps is None:
        steps = DEFAULT_IMAGE_STEPS if dm_probe.info.is_image else DEFAULT_POINT_STEPS
    model.max_generator_steps = steps

    if ckpt is None:
        run_dir = _next_version(Path(out) / method / data)
    run_dir.mkdir(parents=True, exist_ok=True)
    every = picture_every or max(steps // 10, 1)
    pictures = SamplePictures(run_dir / "samples", every=every)
    checkpoints = PeriodicCheckpoint(run_dir / "checkpoints", every=checkpoint_every or max(steps // 5, 1))
    extra_callbacks = callbacks  # the caller's own (e.g. the benchmark's timer), after ours
    callbacks = [pictures, CriticHistograms(every), checkpoints]
    callbacks.append(PeriodicMetrics(dm_probe.dataset, every=every))  # metrics/... at the picture period
    if hasattr(model, "extra_callbacks"):  # a method's own pictures (e.g. InfoGAN's latent traversals)
        callbacks += model.extra_callbacks(run_dir, every)
    if progress:
        callbacks.append(StepProgress(steps, every=max(1, min(model.config.log_every, steps // 100 or 1))))
    trainer = build_trainer(run_dir, callbacks + list(extra_callbacks or []), gpus, nodes, precision, accelerator)
    if trainer.global_rank == 0:
        # The layout `ganzoo train --config` reads (cli/runconfig.py): this file re-runs the run.
        (run_dir / "config.json").write_text(json.dumps({
            "method": method, "data": data, "seed": seed, "steps": steps, "batch_size": model.config.batch_size,
            "gpus": gpus, "nodes": nodes, "precision": precision, "accelerator": accelerator, "out": str(out),
            "data_dir": data_dir, "download": download,
            "config": dataclasses.asdict(model.config), "data_info": dataclasses.asdict(dm_probe.info),
        }, indent=2, default=str))
    trainer.fit(model, datamodule=dm_probe, ckpt_path=ckpt["_path"] if ckpt else None)
    if model.generator_steps < steps:
        raise GanZooError(f"training stopped early at generator step {model.generator_steps} of {steps}")
    metrics = final_metrics(model, dm_probe.dataset, seed=seed) if trainer.global_rank == 0 else {}
    if metrics and trainer.global_rank == 0:
        exp = trainer.logger.experiment
        for k, v in metrics.items():
            exp.add_scalar(f"metrics/{k}", v, model.generator_steps)
        exp.flush()
    return RunResult(run_dir, checkpoints.last_path, model, metrics, pictures.last_png)


def is_rank_zero() -> bool:
    return int(os.environ.get("RANK", os.environ.get("LOCAL_RANK", "0"))) == 0
