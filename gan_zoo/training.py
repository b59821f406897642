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

from .data import GanDataModule
from .checkpoints import load_checkpoint_file, load_method  # public here too: gan_zoo.training.load_method
from .launch import launched_as_rank_zero
from .registry import GanZooError, create_method, data_label, method_entry, split_data_options

DEFAULT_DATA = "ring"
DEFAULT_POINT_STEPS = 2000  # the embedded default runs in about a minute on a laptop CPU
DEFAULT_IMAGE_STEPS = 5000
# Seconds a DDP collective waits for the other ranks (--timeout). Our choice: long enough for rank 0 to write a
# large checkpoint while the others wait at the barrier, far shorter than torch's 30-minute default.
DEFAULT_DDP_TIMEOUT = 300


def skip_nvml_probe_without_cuda() -> bool:
    """Let torch answer "is CUDA available?" with its runtime check, not NVML, when this process has no CUDA device.

    Importing Lightning sets ``PYTORCH_NVML_BASED_CUDA_CHECK=1`` (lightning/fabric/__init__.py, so that the
    check does not poison a fork, pytorch/pytorch#83973). torch caches the device count only once CUDA is
    initialised, which never happens on a CPU-only machine, so every ``torch.cuda.is_available()`` then loads
    libnvidia-ml again. torch's Adam asks it on every ``step()``
    (``Optimizer._accelerator_graph_capture_health_check``, torch 2.15), two to six times per generator step
    here: measured in one ``train(gan, ring)`` run with the variable toggled every 50 steps, 1.13x more
    generator steps per CPU second without the NVML probe (wgan-gp / ring 1.04x; benchmarks/RESULTS.md,
    "Before and after issue 11, measured inside one run"). With no device there is no CUDA to poison, so the
    runtime check (``cudaGetDeviceCount``) is as safe, and costs 1.2 µs a call here against the probe's 50 µs
    outside a run and more inside one. A process that sees a GPU is left as Lightning set it. Returns True if
    it switched.
    """
    if os.environ.get("PYTORCH_NVML_BASED_CUDA_CHECK") != "1" or torch.cuda.is_available():
        return False
    os.environ["PYTORCH_NVML_BASED_CUDA_CHECK"] = "0"  # a documented torch variable (torch.cuda.is_available)
    return True


@dataclass
class RunResult:
    run_dir: Path
    checkpoint: Path | None
    method: Any
    metrics: dict = field(default_factory=dict)
    picture: Path | None = None
    already_done: bool = False  # --resume of a run already at its --steps: nothing was trained


class RankFailure(GanZooError):
    """Another DDP rank died or stopped answering (its collective failed or timed out)."""

    exit_code = 1


_COLLECTIVE_FAILURE = ("gloo", "nccl", "connection closed", "connection reset", "timed out", "timeout",
                       "broken pipe", "socket", "store")


def _rank_failure(e: BaseException, rank: int, world: int, checkpoint: Path | None) -> RankFailure | None:
    """One line for a collective that failed because a peer died (killed) or stopped (hung, SIGSTOP)."""
    text = f"{type(e).__name__} {e}".lower()
    if world < 2 or not any(k in text for k in _COLLECTIVE_FAILURE):
        return None
    if "address already in use" in text or "eaddrinuse" in text:  # rank 0's store could not listen: no peer is at fault
        port = os.environ.get("MASTER_PORT", "?")
        return RankFailure(f"rank {rank} of {world}: the rendezvous port MASTER_PORT={port} is in use by another "
                           f"process; choose a free MASTER_PORT")
    others = [r for r in range(world) if r != rank]
    who = f"rank {others[0]}" if len(others) == 1 else f"one of ranks {', '.join(map(str, others))}"
    how = "did not answer within --timeout" if "timed out" in text or "timeout" in text else "died"
    kept = f"the last checkpoint {checkpoint} is kept" if checkpoint else "no checkpoint was written yet"
    first = str(e).strip().splitlines()[0][:120] if str(e).strip() else type(e).__name__
    return RankFailure(f"rank {rank} of {world}: {who} {how} ({first}); {kept}")


class Interrupted(GanZooError):
    """SIGINT/SIGTERM stopped the run; a checkpoint at the generator step reached was saved.

    Exit status as a shell reports a death by that signal (128 + 2, 128 + 15), but after a clean save.
    """

    is_interruption = True

    def __init__(self, signum: int, step: int, steps: int, checkpoint: Path | None):
        import signal

        self.exit_code = 128 + int(signum)
        name = signal.Signals(signum).name
        if checkpoint is None:
            msg = f"interrupted by {name} at generator step {step} of {steps}; no checkpoint was written"
        else:
            msg = (f"interrupted by {name} at generator step {step} of {steps}; saved {checkpoint}; "
                   f"resume with: ganzoo train --resume {checkpoint}")
        super().__init__(msg)


RUN_DIR_ENV = "GANZOO_RUN_DIR"


def next_version(root: Path) -> Path:
    """Create ``root/version_N`` (N = highest + 1) exclusively: two runs started at once get two folders."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # --out under a file, a read-only place, ...
        raise GanZooError(f"cannot create the run folder {root}: {e.strerror or e}") from None
    for _ in range(1000):
        taken = [int(p.name.split("_")[1]) for p in root.glob("version_*") if p.name.split("_")[1].isdigit()]
        path = root / f"version_{max(taken, default=-1) + 1}"
        try:
            path.mkdir()  # atomic: exactly one of two racing processes succeeds
            return path
        except FileExistsError:
            continue  # another run took it between the listing and the mkdir: list again
    raise GanZooError(f"could not create a new version folder under {root}")


def build_trainer(run_dir: Path, callbacks: list, gpus: int = 0, nodes: int = 1, precision: str = "32-true",
                  accelerator: str = "auto", purge_step: int | None = None,
                  timeout: float | None = None) -> L.Trainer:

    if gpus < 0 or nodes < 1:
        raise GanZooError("--gpus must be >= 0 and --nodes >= 1")
    if timeout is not None and not timeout > 0:
        raise GanZooError(f"--timeout must be a positive number of seconds, got {timeout}")
    if accelerator not in ("auto", "cpu", "gpu", "cuda", "mps"):
        raise GanZooError(f"unknown accelerator '{accelerator}' (auto, cpu, gpu)")
    if gpus > 0 and accelerator in ("auto", "gpu", "cuda") and not torch.cuda.is_available():
        raise GanZooError(f"--gpus {gpus}: no GPU here (use --accelerator cpu to run {gpus} CPU processes)")
    devices = max(gpus, 1)
    if accelerator == "auto" and gpus > 0:
        accelerator = "gpu"
    # Several processes: Lightning DDP (gloo on CPU). Unused parameters must be found, because the
    # critic step leaves the generator unused and the generator step freezes the critic.
    strategy = "auto"
    if devices * nodes > 1:
        from datetime import timedelta

        from lightning.pytorch.strategies import DDPStrategy

        # The process-group timeout bounds every collective: a rank that stopped (hung, SIGSTOP, a lost node)
        # ends the others after this long with one line, instead of torch's 30-minute default.
        strategy = DDPStrategy(find_unused_parameters=True,
                               timeout=timedelta(seconds=timeout or DEFAULT_DDP_TIMEOUT))
    try:
        return _trainer(run_dir, callbacks, accelerator, devices, nodes, strategy, precision, purge_step)
    except (ValueError, TypeError) as e:  # Lightning's MisconfigurationException is a ValueError
        if "precision" in str(e).lower():
            raise GanZooError(f"--precision {precision}: not one of 32-true, 16-mixed, bf16-mixed, 16-true, "
                              f"bf16-true, 64-true") from None
        raise


def _trainer(run_dir, callbacks, accelerator, devices, nodes, strategy, precision, purge_step) -> L.Trainer:
    from lightning.pytorch.loggers import TensorBoardLogger

    return L.Trainer(
        accelerator=accelerator, devices=devices, num_nodes=nodes, strategy=strategy, precision=precision,
        max_epochs=-1, max_steps=-1,
        logger=TensorBoardLogger(save_dir=str(run_dir), name="", version="", purge_step=purge_step),
        callbacks=callbacks, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, num_sanity_val_steps=0, limit_val_batches=0,
        use_distributed_sampler=False, log_every_n_steps=1_000_000,
    )


def _stored_steps(ckpt: dict) -> int | None:
    """The run's own --steps: in the checkpoint (since it is stored), else in the run's config.json."""
    steps = ckpt["gan_zoo"].get("steps")
    if steps is None:
        cfg = Path(ckpt["_path"]).parent.parent / "config.json"
        try:
            steps = json.loads(cfg.read_text()).get("steps")
        except (OSError, ValueError):
            steps = None
    return int(steps) if steps is not None else None


def _refuse_changes_on_resume(ckpt: dict, data: str | None, seed: int | None, overrides: dict[str, str],
                              data_options: dict | None = None) -> None:
    """A resumed run continues exactly: a different dataset, seed or config value is refused, not ignored.

    (Applying a new lr to a restored optimiser, or a new batch size to a half-walked data stream, would give
    a run that is neither the old one nor a fresh one; start a new run to change them.)
    """
    from .registry import apply_overrides

    state = ckpt["gan_zoo"]
    if data is not None and data != state["data_info"]["name"]:
        raise GanZooError(f"--resume continues a run on '{state['data_info']['name']}'; --data {data} would "
                          f"change it (start a new run instead)")
    if seed is not None and int(seed) != int(state.get("seed", 0)):
        raise GanZooError(f"--resume continues a run with seed {state.get('seed', 0)}; --seed {seed} would "
                          f"change it (start a new run instead)")
    stored_options = state.get("data_options") or {}
    for key, v in (data_options or {}).items():
        if stored_options.get(key) != v:
            raise GanZooError(f"--resume continues the run as it was: --set {key}={v} differs from the run's "
                              f"{key}={stored_options.get(key)} (start a new run to change it)")
    entry = method_entry(state["method"])
    fields = {f.name for f in dataclasses.fields(entry.config_cls)}
    stored = entry.config_cls(**{k: (tuple(v) if isinstance(v, list) else v)
                                 for k, v in state["config"].items() if k in fields})
    wanted = apply_overrides(stored, overrides)  # unknown keys and bad values: their usual one-line errors
    for key in overrides:
        old, new = getattr(stored, key), getattr(wanted, key)
        if old != new:
            flag = "--batch-size" if key == "batch_size" else f"--set {key}"
            raise GanZooError(f"--resume continues the run as it was: {flag}={overrides[key]} differs from the "
                              f"run's {key}={old} (start a new run to change it)")


def _as_override(v) -> str:
    return ",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)


def train(method: str | None = None, data: str | None = None, *, steps: int | None = None,
          batch_size: int | None = None, gpus: int = 0, nodes: int = 1, precision: str = "32-true",
          seed: int | None = None, out: str | Path = "runs", overrides: dict[str, str] | None = None,
          resume: str | Path | None = None, data_dir: str | None = None, download: bool = False,
          accelerator: str = "auto", progress: bool = True, picture_every: int | None = None,
          checkpoint_every: int | None = None, data_kwargs: dict | None = None,
          callbacks: list | None = None, timeout: float | None = None,
          ema: float | None = None, ema_start: int = 0, announce=None,
          histogram_every: int | None = None, classifier: str | Path | None = None) -> RunResult:
    """Train a method (the CLI's ``ganzoo train``). Everything after ``method`` and ``data`` is keyword-only
    (twenty options: a positional call would silently shift one into another). ``progress``: True or "auto"
    (a bar at a terminal, plain lines otherwise), "lines" (plain lines), False (nothing). ``announce(text)``,
    if given, receives the run folder and the effective run (method, data, steps, overrides) before the
    first step, on rank 0. ``histogram_every``: generator steps between the nets' weight/gradient histograms
    (default: the picture period, ``picture_every``; 0: none). ``overrides`` may hold the data set's options
    (``image_size``, ``test_fraction`` for imagefolder); they go to the data set, not the method.
    ``classifier``: the image-metrics classifier checkpoint (default: the run's OUT/classifiers/<data>/, else
    gan_zoo.metrics.classifier_io.classifier_candidates)."""
    from .callbacks import NetHistograms, PeriodicCheckpoint, PeriodicMetrics, SamplePictures, StepProgress
    from .callbacks.hparams import run_hparams, write_session_end, write_session_start
    from .metrics.method_scores import MethodScorer, final_metrics
    from .callbacks.traversals import LatentTraversals

    overrides = dict(overrides or {})
    if steps is not None and steps <= 0:
        raise GanZooError(f"--steps must be a positive number of generator steps, got {steps}")
    if batch_size is not None:
        if batch_size <= 0:
            raise GanZooError(f"--batch-size must be positive, got {batch_size}")
        overrides["batch_size"] = str(batch_size)
    ckpt = None
    purge_step = None
    if resume is not None:
        ckpt = load_checkpoint_file(resume)
        state = ckpt["gan_zoo"]
        if method is not None and method != state["method"]:
            raise GanZooError(f"--resume: the checkpoint is a '{state['method']}' run, not '{method}'")
        method = state["method"]
        overrides, asked_options = split_data_options(state["data_info"]["name"], overrides)
        _refuse_changes_on_resume(ckpt, data, seed, overrides, asked_options)
        data = state["data_info"]["name"]
        data_kwargs = {**(state.get("data_options") or {}), **(data_kwargs or {})}
        seed = int(state.get("seed", 0))
        data_dir = data_dir or state.get("data_dir")  # the files the run was started on
        # The method counts its own generator steps (a critic schedule may vary n_critic); rebuilding it also
        # checks that the stored config builds the stored weights (one line, not Lightning's 60).
        restored = load_method(ckpt["_path"])
        done = restored.generator_steps
        steps = steps if steps is not None else _stored_steps(ckpt)
        if steps is not None and steps < done:
            raise GanZooError(f"--resume: this run has done {done} generator steps; --steps {steps} is fewer "
                              f"(pass --steps >= {done})")
        run_dir = Path(ckpt["_path"]).parent.parent
        saved_ema = ckpt.get("gan_zoo_ema")
        if saved_ema is not None:  # the run's EMA continues with its own decay and start step
            if ema is not None and (ema, ema_start) != (saved_ema["decay"], saved_ema["start"]):
                raise GanZooError(f"--resume: the run averages with --ema {saved_ema['decay']} --ema-start "
                                  f"{saved_ema['start']}; give the same or none")
            ema, ema_start = saved_ema["decay"], saved_ema["start"]
        if steps == done:  # finished: nothing to train, nothing to overwrite
            restored.max_generator_steps = steps
            return RunResult(run_dir, Path(ckpt["_path"]), restored, {}, None, already_done=True)
        del restored
        unused = set(getattr(method_entry(method).config_cls, "unused", ()))  # not settable, and not needed
        overrides = {k: _as_override(v) for k, v in state["config"].items() if k not in unused}  # the run's own
        # Steps after the checkpoint that a killed run had logged are dropped, not drawn twice.
        purge_step = done + 1
    if method is None:
        raise GanZooError("no method given")
    seed = 0 if seed is None else int(seed)
    if seed < 0:
        raise GanZooError(f"--seed must be >= 0, got {seed}")
    data = data or DEFAULT_DATA
    if ckpt is None:
        overrides, options = split_data_options(data, overrides)
        from .registry import DATA_OPTIONS

        data_kwargs = {**DATA_OPTIONS.get(data, {}), **options, **(data_kwargs or {})}  # defaults recorded too
    data_kwargs = dict(data_kwargs or {})

    if histogram_every is not None and histogram_every < 0:
        raise GanZooError(f"--histogram-every must be >= 0 (0: no histograms), got {histogram_every}")
    if ema is not None:
        from .callbacks.ema import check_ema

        check_ema(ema, ema_start)
    L.seed_everything(seed, workers=False, verbose=False)
    method_entry(method)  # unknown method: fail before loading any data
    dm_probe = GanDataModule(data, seed=seed, data_dir=data_dir, download=download, **data_kwargs)
    model = create_method(method, dm_probe.info, overrides)
    model.seed = seed
    dm_probe.batch_size = model.config.batch_size
    if steps is None:
        steps = DEFAULT_IMAGE_STEPS if dm_probe.info.is_image else DEFAULT_POINT_STEPS
    model.max_generator_steps = steps
    model.check_run(steps)  # e.g. Mixflow's C_start against the run's length, before the run folder exists

    if data_dir is not None:
        data_dir = str(Path(data_dir).expanduser().absolute())  # recorded: the run does not depend on the cwd
    model.data_dir = data_dir
    model.data_options = data_kwargs  # image_size, test_fraction: recorded, for resume, sample and eval
    label = data_label(data, data_dir)  # an image folder's runs are filed under the folder's own name
    if classifier is None:  # `classifier train --out OUT` files it beside the runs of `train --out OUT`
        root = Path(ckpt["_path"]).parents[4] if ckpt is not None else Path(out).absolute()  # the run's OUT
        beside = root / "classifiers" / label / "classifier.ckpt"
        # (one for the same folder at another image_size is not this run's: MethodScorer then looks by name)
        classifier = beside if beside.is_file() and _classifier_fits(beside, dm_probe.info) else None
    elif not Path(classifier).is_file():
        raise GanZooError(f"--classifier {classifier}: no such file")
    elif not _classifier_fits(classifier, dm_probe.info):  # before the run, not after it
        raise GanZooError(f"--classifier {classifier} takes other images than this run's "
                          f"{dm_probe.info.shape[1]}x{dm_probe.info.shape[2]}")
    every = picture_every or max(steps // 10, 1)
    extra_callbacks = callbacks  # the caller's own (e.g. the benchmark's timer), after ours
    if ckpt is None:
        if launched_as_rank_zero():
            # Set-up that can fail on user input is done: only now does a new version folder appear.
            run_dir = next_version(Path(out).absolute() / method / label)  # absolute: printed, stored
        else:  # a DDP worker: it writes nothing; rank 0's folder comes from Lightning's launcher (started
            # inside rank 0's fit) or, for ranks torchrun/srun/NODE_RANK started, from rank 0 at set-up
            # (PeriodicCheckpoint.setup broadcasts it): until then a placeholder that is never created
            run_dir = Path(os.environ.get(RUN_DIR_ENV) or Path(out).absolute() / method / label / "version_of_rank_0")
    pictures = SamplePictures(run_dir / "samples", every=every)
    checkpoints = PeriodicCheckpoint(run_dir / "checkpoints", every=checkpoint_every or max(steps // 5, 1))
    callbacks = [pictures, checkpoints]
    if histogram_every != 0:  # per-parameter weights and gradients of every net (callbacks/pictures.py)
        callbacks.insert(1, NetHistograms(histogram_every or every))
    metrics_kw = dict(classifier=classifier, data_kwargs={"data_dir": data_dir, **data_kwargs})
    callbacks.append(PeriodicMetrics(dm_probe.dataset, every=every, **metrics_kw))  # at the picture period
    if ema is not None:  # Yazıcı et al. 2019: the generator's weights averaged over generator steps
        from .callbacks import GeneratorEMA
        from .checkpoints import generator_of

        generator_of(model)  # a method without a generator network: one line, before training
        # First in the list: a checkpoint written at generator step s holds the average after step s.
        callbacks.insert(0, GeneratorEMA(ema, ema_start, every, run_dir, MethodScorer(dm_probe.dataset, **metrics_kw)))
    if getattr(model, "has_latent_codes", False):  # InfoGAN: latent traversals (Chen et al. Fig. 2)
        callbacks.append(LatentTraversals(run_dir / "traversals", every))
    if progress:
        mode = "lines" if progress == "lines" else "auto"
        log_every = model.config.log_every
        # The bar moves ~100 times a run; plain lines come at a multiple of the logging interval (fresh
        # losses), at most ~200 per run, so a cluster log is readable and never silent for long.
        bar_every = max(1, min(log_every, steps // 100 or 1))
        line_every = log_every * max(1, -(-steps // (200 * log_every)))
        callbacks.append(StepProgress(steps, every=bar_every if mode == "auto" else line_every, mode=mode,
                                      line_every=line_every))
    try:
        trainer = build_trainer(run_dir, callbacks + list(extra_callbacks or []), gpus, nodes, precision,
                                accelerator, purge_step=purge_step, timeout=timeout)
    except BaseException:
        if ckpt is None and run_dir.is_dir() and not any(run_dir.iterdir()):
            run_dir.rmdir()  # a failed set-up leaves no empty version_N behind
        raise
    if trainer.global_rank == 0:
        # The layout `ganzoo train --config` reads (cli/runconfig.py): this file re-runs the run.
        (run_dir / "config.json").write_text(json.dumps({
            "method": method, "data": data, "seed": seed, "steps": steps, "batch_size": model.config.batch_size,
            "gpus": gpus, "nodes": nodes, "precision": precision, "accelerator": accelerator, "out": str(out),
            "data_dir": data_dir, "data_options": data_kwargs, "download": download, "ema": ema,
            "ema_start": ema_start,
            "config": dataclasses.asdict(model.config), "data_info": dataclasses.asdict(dm_probe.info),
        }, indent=2, default=str))
    if trainer.global_rank == 0:  # the HParams tab's row for this run (callbacks/hparams.py)
        write_session_start(trainer.logger.experiment,
                            run_hparams(method, data, steps, seed, model.config, precision, trainer.world_size, ema))
    if trainer.global_rank == 0 and announce is not None:
        shown = data if not data_kwargs else f"{data} ({label}: " + ", ".join(f"{k} {v}" for k, v in data_kwargs.items()) + ")"
        announce(describe_run(method, shown, steps, seed, model.config, overrides, run_dir, resumed=ckpt is not None))
    os.environ[RUN_DIR_ENV] = str(run_dir)  # Lightning's DDP launcher starts the other ranks inside fit()
    skip_nvml_probe_without_cuda()  # every rank: each imports Lightning, which sets the probe again
    try:
        trainer.fit(model, datamodule=dm_probe, ckpt_path=ckpt["_path"] if ckpt else None)
    except RuntimeError as e:  # torch.distributed's errors (DistBackendError, gloo's) are RuntimeErrors
        failure = _rank_failure(e, trainer.global_rank, trainer.world_size,
                                checkpoints.last_path or (Path(ckpt["_path"]) if ckpt else None))
        if failure is None:
            raise
        raise failure from None
    finally:
        os.environ.pop(RUN_DIR_ENV, None)
    run_dir = checkpoints.dirpath.parent  # rank 0's, on every rank
    if checkpoints.stop_signal is not None:
        raise Interrupted(checkpoints.stop_signal, model.generator_steps, steps, checkpoints.last_path)
    if model.generator_steps < steps:
        raise GanZooError(f"training stopped early at generator step {model.generator_steps} of {steps}")
    # The run's numbers come from metrics/ (the same scorer the periodic callback calls), not a callback.
    metrics = final_metrics(model, dm_probe.dataset, seed=seed, **metrics_kw) if trainer.global_rank == 0 else {}
    if metrics and trainer.global_rank == 0:
        exp = trainer.logger.experiment
        for k, v in metrics.items():
            exp.add_scalar(f"metrics/{k}", v, model.generator_steps)
        exp.flush()
    if trainer.global_rank == 0:  # after the final metrics: the HParams row reads them as the last values
        write_session_end(run_dir)
    return RunResult(run_dir, checkpoints.last_path, model, metrics, pictures.last_png)


def _classifier_fits(path, info) -> bool:
    """Whether a classifier checkpoint takes images of ``info``'s size (its channels are converted)."""
    from .metrics.classifier_io import load_classifier

    return tuple(load_classifier(path).shape[1:]) == tuple(info.shape[1:])


def describe_run(method: str, data: str, steps: int, seed: int, config, overrides: dict, run_dir: Path,
                 resumed: bool = False) -> str:
    """Two lines printed at the start of a run: the run folder (in full) and the effective run."""
    c = config
    sets = " ".join(f"{k}={getattr(c, k, v)}" for k, v in overrides.items()) or "none (paper defaults)"
    if resumed:
        sets = "the run's own"
    head = "resuming" if resumed else "run folder"
    return (f"{head}: {run_dir}\n"
            f"{method} on {data}: {steps} generator steps, batch {c.batch_size}, n_critic {c.n_critic}, "
            f"seed {seed}; overrides: {sets} (all keys: config.json)")
