"""``ganzoo``: a thin Typer app. It parses, calls the library, and prints with rich.

Every user error (GanZooError, or a usage error from the parser) becomes one line on stderr and a
non-zero exit; a traceback means a bug in gan_zoo.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.table import Table

from .common import EXIT_USER_ERROR, _is_rank_zero, _quiet_libraries, console, err_console, friendly, parse_sets

app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Train, sample and evaluate the GANs and flows of gan_zoo.\n\n"
                       "Example: ganzoo list; ganzoo train wgan-gp --steps 2000; ganzoo sample RUN --out S; "
                       "ganzoo eval w1 --samples S")

DEFAULT_DATA = "ring"  # as gan_zoo.training.DEFAULT_DATA (not imported: it loads Lightning)

__all__ = ["app", "main", "console", "err_console", "friendly", "parse_sets", "EXIT_USER_ERROR"]


def _version(value: bool) -> None:
    if value:
        from gan_zoo import __version__

        print(f"ganzoo (gan_zoo) {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="print the version and exit")) -> None:
    """Train, sample and evaluate the GANs and flows of gan_zoo."""


@app.command("list")
@friendly
def list_cmd(
    method: str | None = typer.Argument(None, help="a method: its summary and every key with its default"),
    data: str | None = typer.Option(None, "--data", help="with METHOD: the defaults a run on this data uses"),
    as_json: bool = typer.Option(False, "--json", help="print the same as JSON"),
):
    """Methods, datasets and metrics; with METHOD, its keys and the defaults a run on --data uses.

    Example: ganzoo list wgan-gp --data digits
    """
    from gan_zoo import registry

    registry.load_catalogue()  # configs only: no torch, no Lightning
    if method is not None:
        _list_method(method, data, as_json)
        return
    if data is not None:
        raise registry.GanZooError("--data needs a METHOD (ganzoo list METHOD --data DATA)")
    if as_json:
        print(json.dumps({
            "methods": {n: {"paper": e.paper, "summary": e.summary} for n, e in sorted(registry.METHODS.items())},
            "datasets": {n: {"kind": e.kind, "offline": e.embedded, "summary": e.summary}
                         for n, e in sorted(registry.DATASETS.items())},
            "metrics": {n: e.summary for n, e in sorted(registry.METRICS.items())},
        }, indent=2))
        return
    t = Table(title="methods  (ganzoo list METHOD [--data D]: keys and defaults)")
    t.add_column("method", no_wrap=True)
    t.add_column("paper", overflow="fold")
    t.add_column("what it trains", overflow="fold")
    for name, e in sorted(registry.METHODS.items()):
        t.add_row(name, e.paper, e.summary)
    console.print(t)
    d = Table(title="datasets")
    d.add_column("dataset", no_wrap=True)
    d.add_column("kind")
    d.add_column("offline")
    d.add_column("description", overflow="fold")
    for name, e in sorted(registry.DATASETS.items()):
        d.add_row(name, e.kind, "yes" if e.embedded else "files", e.summary)
    console.print(d)
    m = Table(title="metrics  (ganzoo eval METRIC --samples DIR)")
    m.add_column("metric", no_wrap=True)
    m.add_column("description", overflow="fold")
    for name, e in sorted(registry.METRICS.items()):
        m.add_row(name, e.summary)
    console.print(m)


def _list_method(method: str, data: str | None, as_json: bool) -> None:
    import dataclasses

    from gan_zoo import registry

    entry = registry.method_entry(method)
    data = data or DEFAULT_DATA
    config = registry.run_config(method, data, check=False)
    plain = entry.config_cls()
    ds = registry.dataset_entry(data)
    # Only the fields this method reads (configs declare the others in `unused`; `--set` of one is an error).
    used = entry.config_cls.used_fields()
    values = {k: v for k, v in dataclasses.asdict(config).items() if k in used}
    # Keys of the data rather than the method (an image folder's size and held-out split): --set takes them too.
    data_options = dict(registry.DATA_OPTIONS.get(data, {}))
    if as_json:
        print(json.dumps({"method": method, "paper": entry.paper, "summary": entry.summary, "data": data,
                          "config": values, "data_options": data_options,
                          "unused": sorted(getattr(entry.config_cls, "unused", ()))},
                         indent=2, default=str))
        return
    console.print(f"[bold]{method}[/bold]: {entry.summary}", highlight=False)
    console.print(f"paper: {entry.paper}", highlight=False)
    shape = "x".join(map(str, ds.shape))
    note = "" if ds.static else " (at the default image_size; classes from the subfolders)"
    console.print(f"defaults of a run on {data} ({ds.kind} {shape}{note}); change any with --set KEY=VALUE",
                  highlight=False)
    t = Table()
    t.add_column("key", no_wrap=True)
    t.add_column("default", overflow="fold")
    t.add_column("", overflow="fold")
    notes = {"arch": "auto: mlp on points, dcgan on images", "width": "0: the architecture's own width",
             "log_every": "generator steps between logged scalars", "c_start": "-1: 10 % of the run's --steps",
             "dequantize": "images only"}
    for name in used:
        v, v0 = values[name], getattr(plain, name)
        note = f"for {data} (class default {v0})" if v0 != v else notes.get(name, "")
        t.add_row(name, str(v), note)
    for name, v in data_options.items():
        t.add_row(name, str(v), f"of the {data} data (not the method)")
    console.print(t)
    unused = sorted(getattr(entry.config_cls, "unused", ()))
    if unused:
        console.print(f"not used by {method} (--set of one is an error): {', '.join(unused)}", highlight=False)


@app.command()
@friendly
def train(
    ctx: typer.Context,
    method: str = typer.Argument(None, help="method name (see `ganzoo list`); optional with --resume or --config"),
    data: str | None = typer.Option(None, "--data", help="dataset (default: ring, embedded)"),
    steps: int | None = typer.Option(None, "--steps", help="generator iterations (as the papers count)"),
    batch_size: int | None = typer.Option(None, "--batch-size",
                                          help="per rank: under DDP the effective batch is ranks x this (lr unchanged)"),
    gpus: int = typer.Option(0, "--gpus", help="devices; >1 runs DDP (with --accelerator cpu: CPU processes)"),
    nodes: int = typer.Option(1, "--nodes", help="machines for multi-node DDP"),
    precision: str = typer.Option("32-true", "--precision", help="32-true, bf16-mixed, 16-mixed, ..."),
    accelerator: str = typer.Option("auto", "--accelerator", help="auto, cpu or gpu"),
    seed: int | None = typer.Option(None, "--seed", help="default 0 (with --resume: the run's own)"),
    out: Path = typer.Option(Path("runs"), "--out", help="runs go to OUT/METHOD/DATA/version_N"),
    sets: list[str] | None = typer.Option(None, "--set", help="config override key=value (repeatable)"),
    resume: Path | None = typer.Option(None, "--resume", help="checkpoint (or run folder) to continue, "
                                       "to its own --steps unless given; its data, seed and config stay"),
    data_dir: str | None = typer.Option(None, "--data-dir", help="where dataset files are"),
    download: bool = typer.Option(False, "--download", help="let torchvision download the dataset"),
    no_progress: bool = typer.Option(False, "--no-progress", help="plain progress lines (step, it/s, ETA, "
                                     "losses) instead of the bar; also without a terminal"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON on stdout (progress: stderr)"),
    config: Path | None = typer.Option(None, "--config", help="run file (YAML or JSON; a run's config.json "
                                       "re-runs it); flags typed here override it"),
    print_config: bool = typer.Option(False, "--print-config", help="print the resolved run as YAML and exit"),
    timeout: float | None = typer.Option(None, "--timeout", help="DDP: seconds a rank waits for the others "
                                         "before the run stops with an error (default 300)"),
    ema: float | None = typer.Option(None, "--ema", help="EMA of the generator's weights with this decay "
                                     "(e.g. 0.999), updated on generator steps; `sample --ema` uses it"),
    ema_start: int = typer.Option(0, "--ema-start", help="generator step where the averaging starts"),
    histogram_every: int | None = typer.Option(None, "--histogram-every", help="generator steps between the "
                                               "nets' weight/gradient histograms (default: the picture period, "
                                               "steps/10; 0: none)"),
    classifier: Path | None = typer.Option(None, "--classifier", help="classifier checkpoint for the image "
                                           "metrics logged in training (default: OUT/classifiers/<data>/, "
                                           "else $GANZOO_HOME/classifiers/<data>/)"),
):
    """Train METHOD; writes TensorBoard logs, sample pictures and checkpoints to OUT/METHOD/DATA/version_N
    (an image folder: OUT/METHOD/<folder name>/version_N; --set image_size=N and test_fraction=F set its
    size and held-out split).

    Example: ganzoo train wgan-gp --data ring --steps 2000 --set lr=2e-4
    """
    from gan_zoo.registry import GanZooError, run_config

    if resume is None and config is None:  # argument errors first, from the light catalogue (no torch yet)
        if method is None:
            raise GanZooError("no method given (ganzoo train METHOD, or --resume CHECKPOINT, or --config FILE)")
        if steps is not None and steps <= 0:
            raise GanZooError(f"--steps must be a positive number of generator steps, got {steps}")
        if batch_size is not None and batch_size <= 0:
            raise GanZooError(f"--batch-size must be positive, got {batch_size}")
        if histogram_every is not None and histogram_every < 0:
            raise GanZooError(f"--histogram-every must be >= 0 (0: no histograms), got {histogram_every}")
        checked = parse_sets(sets)
        if batch_size is not None:
            checked["batch_size"] = str(batch_size)
        run_config(method, data or DEFAULT_DATA, checked)
    _quiet_libraries()
    from gan_zoo.training import train as run_train

    from .runconfig import resolve_train

    r = resolve_train(ctx, dict(method=method, data=data, steps=steps, batch_size=batch_size, gpus=gpus,
                                nodes=nodes, precision=precision, accelerator=accelerator, seed=seed, out=out,
                                data_dir=data_dir, download=download, ema=ema, ema_start=ema_start),
                      config, parse_sets(sets), resume, print_config)
    if r is None:  # --print-config
        return
    result = run_train(method=r["method"], data=r["data"], steps=r["steps"], batch_size=r["batch_size"],
                       gpus=r["gpus"], nodes=r["nodes"], precision=r["precision"], seed=r["seed"], out=r["out"],
                       overrides=r["overrides"], resume=resume, data_dir=r["data_dir"], download=r["download"],
                       accelerator=r["accelerator"], progress="lines" if no_progress else "auto", timeout=timeout,
                       ema=r["ema"], ema_start=r["ema_start"], histogram_every=histogram_every,
                       classifier=classifier,
                       announce=lambda text: err_console.print(text, markup=False, highlight=False, soft_wrap=True))
    if not _is_rank_zero():  # the other DDP ranks (Lightning's, torchrun's, srun's): rank 0 reports
        return
    m = result.method
    paths = {"run folder": result.run_dir, "checkpoint": result.checkpoint, "last picture": result.picture}
    if as_json:
        print(json.dumps({"method": m.method_name, "data": m.data_info.name, "generator_steps": m.generator_steps,
                          "already_done": bool(result.already_done), "metrics": result.metrics,
                          **{k.replace(" ", "_"): v for k, v in paths.items()}}, indent=2, default=str))
        return
    if result.already_done:
        console.print(f"{result.checkpoint} is already at generator step {m.generator_steps} of "
                      f"{m.max_generator_steps}: nothing to do (pass --steps N > {m.generator_steps} to continue)",
                      highlight=False, soft_wrap=True)
        return
    t = Table(title=f"{m.method_name} on {m.data_info.name}: {m.generator_steps} generator steps")
    t.add_column("result")
    t.add_column("value")
    for k, v in result.metrics.items():
        note = " (lower is better)" if k.startswith("w1") or k == "nll" else ""
        t.add_row(k + note, f"{v:.4f}")
    console.print(t)
    # Paths on their own lines, never cut to the terminal's width (a table would fold or truncate them).
    for k, v in paths.items():
        if v is not None:
            console.print(f"{k + ':':<14}{v}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"tensorboard --logdir {result.run_dir}", markup=False, highlight=False, soft_wrap=True)


@app.command()
@friendly
def sample(
    run: Path = typer.Argument(..., help="a run folder or a checkpoint"),
    n: int | None = typer.Option(None, "--n", help="number of samples (default: 10000 images, the FID/KID "
                                                   "protocol; 2500 points, VEEGAN's; IS needs --n 50000)"),
    out: Path = typer.Option(..., "--out", help="folder to create (must not exist or be empty)"),
    seed: int = typer.Option(0, "--seed"),
    batch: int = typer.Option(500, "--batch", help="samples per forward pass"),
    sources: str | None = typer.Option(None, "--sources",
                                          help="modnet: images to edit, a folder or DATASET:SPLIT (first --n)"),
    labels: str | None = typer.Option(None, "--labels", help="modnet: target labels, 'all' or 0,1,..."),
    ema: bool = typer.Option(False, "--ema", help="sample from the EMA of the generator's weights (train --ema)"),
    as_json: bool = typer.Option(False, "--json", help="print the folder's manifest as JSON"),
):
    """Write N samples (PNGs or points.npy) and a manifest that `ganzoo eval` reads.

    Example: ganzoo sample runs/wgan-gp/ring/version_0 --n 2500 --out samples/ring
    """
    _quiet_libraries()
    import torch

    from gan_zoo import io
    from gan_zoo.registry import GanZooError
    from gan_zoo.training import load_method

    if n is not None and n <= 0:
        raise GanZooError(f"--n must be positive, got {n}")
    if batch <= 0:
        raise GanZooError(f"--batch must be positive, got {batch}")
    if seed < 0:
        raise GanZooError(f"--seed must be >= 0, got {seed}")
    io.check_new_folder(out)  # before loading anything: a taken --out fails at once
    method = load_method(run, ema=ema)
    if n is None and (sources is not None or labels is not None):
        n = 1000  # modnet edits: sources to edit (each gives up to one edit per label), not a metric's sample
    elif n is None:  # the protocol's count (gan_zoo/metrics/protocol.py)
        from gan_zoo.metrics.protocol import SAMPLE_N

        n = SAMPLE_N["images" if method.data_info.is_image else "points"]
    g = torch.Generator().manual_seed(seed)
    if sources is not None or labels is not None:
        from gan_zoo.methods.interface import SourceEditor

        from .sources import load_sources, parse_labels

        if not isinstance(method, SourceEditor):
            raise GanZooError(f"--sources/--labels edit images with a modnet run; this is {method.method_name}")

        own = (method.data_info.name, {"data_dir": method.data_dir, **method.data_options})
        x = load_sources(sources or f"{method.data_info.name}:test", n, method.data_info.shape[0], own)
        edits, src, tgt = method.edit_sources(x, parse_labels(labels, method.num_classes), g)
        folder = io.write_samples(out, edits, {
            "method": method.method_name, "data": method.data_info.name, "checkpoint": method.checkpoint_path,
            "data_dir": method.data_dir, "data_options": method.data_options,
            "seed": seed, "generator_steps": method.generator_steps, "sources": sources,
            "source_index": src.tolist(), "target_label": tgt.tolist(),
        })
        io.write_samples(folder / "sources", x, {"sources": sources})  # beside the edits, same numbering
        console.print(f"wrote {len(edits)} edits of {len(x)} sources to {folder} (sources in {folder / 'sources'})")
        return
    # Streamed: each batch is written as it is drawn, so --n 50000 holds one batch in memory, not 50000.
    parts = (method.sample(min(batch, n - i), generator=g).cpu() for i in range(0, n, batch))
    folder = io.write_samples(out, parts, {
        "method": method.method_name, "data": method.data_info.name, "checkpoint": method.checkpoint_path,
        "data_dir": method.data_dir, "data_options": method.data_options,  # eval loads the run's own test split
        "seed": seed, "generator_steps": method.generator_steps, "ema": getattr(method, "ema", None),
    })
    if as_json:
        from gan_zoo.io import read_manifest

        print(json.dumps({"folder": str(Path(folder).absolute()), **read_manifest(folder)}, indent=2, default=str))
        return
    console.print(f"wrote {n} samples of {method.method_name} ({method.data_info.name}) to {Path(folder).absolute()}",
                  highlight=False, soft_wrap=True, markup=False)


from .evaluate import classifier_app, eval_app  # noqa: E402  (command groups, added below)

app.add_typer(eval_app, name="eval")
app.add_typer(classifier_app, name="classifier")
from .compare import compare as _compare  # noqa: E402

app.command("compare")(_compare)
from .stats import stats as _stats  # noqa: E402

app.command("stats")(_stats)


def _parser_errors() -> tuple[type, ...]:
    """The parser's user-error classes, through public names only.

    typer >= 0.28 ships its own copy of click whose exceptions derive from the public
    ``typer.TyperException``; older typer uses the ``click`` package, whose ``ClickException`` is public.
    """
    kinds = [k for k in (getattr(typer, "TyperException", None),) if k is not None]
    try:
        import click

        kinds.append(click.ClickException)
    except ImportError:  # typer's own click copy: TyperException covers it
        pass
    return tuple(kinds)


def _is_no_args_help(e: Exception) -> bool:
    """``ganzoo`` / ``ganzoo eval`` with nothing after it: click 8.2+ (and typer's copy) raise
    ``NoArgsIsHelpError`` after the help is shown; that is not a user error. (Matched by name: the class
    is public in click, private in typer's copy.)"""
    return any(k.__name__ == "NoArgsIsHelpError" for k in type(e).__mro__)


def main() -> None:
    """Console-script entry: usage errors also become one line (no usage box, no traceback)."""
    # torch's C++ side logs to stderr itself: a rendezvous or collective that fails (a rank that never joins
    # within --timeout, a dead peer) prints ~35 [E]/[W] c10d/TCPStore lines with C++ frames before the
    # Python error we turn into one line. Before torch is imported, and only in this process and the DDP
    # ranks it starts (they inherit it); a user's own TORCH_CPP_LOG_LEVEL (e.g. INFO to debug) wins.
    os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "FATAL")
    try:
        rv = app(standalone_mode=False)
    except typer.Abort:
        err_console.print("aborted", markup=False)
        sys.exit(130)
    except _parser_errors() as e:
        if _is_no_args_help(e):
            if e.format_message().strip():  # rich printed the help when the error was made; plain click: now
                e.show()
            sys.exit(0)
        err_console.print(f"error: {e.format_message()}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(EXIT_USER_ERROR)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
