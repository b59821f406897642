"""``ganzoo``: a thin Typer app. It parses, calls the library, and prints with rich.

Every user error (GanZooError, or a usage error from the parser) becomes one line on stderr and a
non-zero exit; a traceback means a bug in gan_zoo.
"""
from __future__ import annotations

import functools
import json
import logging
import os
import sys
import warnings
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Train, sample and evaluate the GANs and flows of gan_zoo.")
console = Console()
err_console = Console(stderr=True)

EXIT_USER_ERROR = 2
DEFAULT_DATA = "ring"  # as gan_zoo.training.DEFAULT_DATA (not imported: it loads Lightning)


def _quiet_libraries() -> None:
    os.environ.setdefault("PYTHONWARNINGS", "ignore")  # DDP child processes inherit this
    warnings.filterwarnings("ignore")
    import lightning.pytorch  # noqa: F401  (it sets its loggers to INFO on import: quiet them after)

    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)


def friendly(fn):
    """Turn GanZooError (and Ctrl-C) into one line on stderr and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from gan_zoo.registry import GanZooError

        try:
            return fn(*args, **kwargs)
        except GanZooError as e:
            err_console.print(f"error: {e}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except KeyboardInterrupt:
            err_console.print("interrupted", markup=False)
            raise typer.Exit(130) from None

    return wrapper


def parse_sets(items: list[str] | None) -> dict[str, str]:
    from gan_zoo.registry import GanZooError

    out = {}
    for item in items or []:
        if "=" not in item:
            raise GanZooError(f"--set expects key=value, got '{item}'")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


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

    registry._load_catalogue()  # configs only: no torch, no Lightning
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
    values = dataclasses.asdict(config)
    if as_json:
        print(json.dumps({"method": method, "paper": entry.paper, "summary": entry.summary, "data": data,
                          "config": values}, indent=2, default=str))
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
             "log_every": "generator steps between logged scalars"}
    for f in dataclasses.fields(config):
        v, v0 = values[f.name], getattr(plain, f.name)
        note = f"for {data} (class default {v0})" if v0 != v else notes.get(f.name, "")
        t.add_row(f.name, str(v), note)
    console.print(t)


@app.command()
@friendly
def train(
    ctx: typer.Context,
    method: str = typer.Argument(None, help="method name (see `ganzoo list`); optional with --resume or --config"),
    data: str | None = typer.Option(None, "--data", help="dataset (default: ring, embedded)"),
    steps: int | None = typer.Option(None, "--steps", help="generator iterations (as the papers count)"),
    batch_size: int | None = typer.Option(None, "--batch-size"),
    gpus: int = typer.Option(0, "--gpus", help="devices; >1 runs DDP (with --accelerator cpu: CPU processes)"),
    nodes: int = typer.Option(1, "--nodes", help="machines for multi-node DDP"),
    precision: str = typer.Option("32-true", "--precision", help="32-true, bf16-mixed, 16-mixed, ..."),
    accelerator: str = typer.Option("auto", "--accelerator", help="auto, cpu or gpu"),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(Path("runs"), "--out", help="runs go to OUT/METHOD/DATA/version_N"),
    sets: list[str] | None = typer.Option(None, "--set", help="config override key=value (repeatable)"),
    resume: Path | None = typer.Option(None, "--resume", help="checkpoint (or run folder) to continue"),
    data_dir: str | None = typer.Option(None, "--data-dir", help="where dataset files are"),
    download: bool = typer.Option(False, "--download", help="let torchvision download the dataset"),
    no_progress: bool = typer.Option(False, "--no-progress", help="no progress bar"),
    config: Path | None = typer.Option(None, "--config", help="run file (YAML or JSON; a run's config.json "
                                       "re-runs it); flags typed here override it"),
    print_config: bool = typer.Option(False, "--print-config", help="print the resolved run as YAML and exit"),
):
    """Train METHOD; writes TensorBoard logs, sample pictures and checkpoints under --out.

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
        checked = parse_sets(sets)
        if batch_size is not None:
            checked["batch_size"] = str(batch_size)
        run_config(method, data or DEFAULT_DATA, checked)
    _quiet_libraries()
    from gan_zoo.training import train as run_train

    from .runconfig import resolve_train

    r = resolve_train(ctx, dict(method=method, data=data, steps=steps, batch_size=batch_size, gpus=gpus,
                                nodes=nodes, precision=precision, accelerator=accelerator, seed=seed, out=out,
                                data_dir=data_dir, download=download),
                      config, parse_sets(sets), resume, print_config)
    if r is None:  # --print-config
        return
    result = run_train(r["method"], r["data"], r["steps"], r["batch_size"], r["gpus"], r["nodes"], r["precision"],
                       r["seed"], r["out"], r["overrides"], resume, r["data_dir"], r["download"], r["accelerator"],
                       progress=not no_progress)
    if os.environ.get("LOCAL_RANK", "0") != "0" or int(os.environ.get("NODE_RANK", "0")) != 0:
        return
    m = result.method
    t = Table(title=f"{m.method_name} on {m.data_info.name}: {m.generator_steps} generator steps")
    t.add_column("result")
    t.add_column("value")
    for k, v in result.metrics.items():
        note = " (lower is better)" if k.startswith("w1") or k == "nll" else ""
        t.add_row(k + note, f"{v:.4f}")
    t.add_row("run folder", str(result.run_dir))
    t.add_row("checkpoint", str(result.checkpoint))
    t.add_row("last picture", str(result.picture))
    console.print(t)
    console.print(f"tensorboard --logdir {result.run_dir}")


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
):
    """Write N samples (PNGs or points.npy) and a manifest that `ganzoo eval` reads."""
    _quiet_libraries()
    import torch

    from gan_zoo import io
    from gan_zoo.registry import GanZooError
    from gan_zoo.training import load_method

    if n is not None and n <= 0:
        raise GanZooError(f"--n must be positive, got {n}")
    method = load_method(run)
    if n is None and (sources is not None or labels is not None):
        n = 1000  # modnet edits: sources to edit (each gives up to one edit per label), not a metric's sample
    elif n is None:  # the protocol's count (gan_zoo/metrics/protocol.py)
        from gan_zoo.metrics.protocol import SAMPLE_N

        n = SAMPLE_N["images" if method.data_info.is_image else "points"]
    g = torch.Generator().manual_seed(seed)
    if sources is not None or labels is not None:
        if method.method_name != "modnet":
            raise GanZooError(f"--sources/--labels edit images with a modnet run; this is {method.method_name}")
        from gan_zoo.methods.modnet import edit_sources, load_sources, parse_labels

        x = load_sources(sources or f"{method.data_info.name}:test", n, method.data_info.shape[0])
        edits, src, tgt = edit_sources(method, x, parse_labels(labels, method.num_classes), g)
        folder = io.write_samples(out, edits, {
            "method": method.method_name, "data": method.data_info.name, "checkpoint": method.checkpoint_path,
            "seed": seed, "generator_steps": method.generator_steps, "sources": sources,
            "source_index": src.tolist(), "target_label": tgt.tolist(),
        })
        io.write_samples(folder / "sources", x, {"sources": sources})  # beside the edits, same numbering
        console.print(f"wrote {len(edits)} edits of {len(x)} sources to {folder} (sources in {folder / 'sources'})")
        return
    parts = [method.sample(min(batch, n - i), generator=g).cpu() for i in range(0, n, batch)]
    folder = io.write_samples(out, torch.cat(parts), {
        "method": method.method_name, "data": method.data_info.name, "checkpoint": method.checkpoint_path,
        "seed": seed, "generator_steps": method.generator_steps,
    })
    console.print(f"wrote {n} samples of {method.method_name} ({method.data_info.name}) to {folder}")


from .evaluate import classifier_app, eval_app  # noqa: E402  (after `app` and `friendly`, which it uses)

app.add_typer(eval_app, name="eval")
app.add_typer(classifier_app, name="classifier")
from .compare import compare as _compare  # noqa: E402

app.command("compare")(_compare)


def main() -> None:
    """Console-script entry: usage errors also become one line (no usage box, no traceback)."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    try:
        rv = app(standalone_mode=False)
    except NoArgsIsHelpError as e:
        e.show()
        sys.exit(0)
    except ClickException as e:
        err_console.print(f"error: {e.format_message()}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(EXIT_USER_ERROR)
    except typer.Abort:
        err_console.print("aborted", markup=False)
        sys.exit(130)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
