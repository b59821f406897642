"""``ganzoo compare METHOD... | RUN_FOLDER... --data D --steps N --seeds K --metrics ... --out DIR``.

Trains every method once per seed on the same data stream (or takes existing run folders), scores every
run with the same sample count, sampling seed and extractor, and writes the table (mean ± std over
seeds, the protocol under it) to the terminal and to ``DIR/report.md``, ``DIR/samples.png`` (one column
per method) and ``DIR/curve_metrics_*.png`` (metric versus generator step, from TensorBoard). The core is
``gan_zoo.compare``; this file parses and shows progress.
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer
from rich.table import Table

from .common import _quiet_libraries, console, friendly, parse_sets


@friendly
def compare(
    targets: list[str] = typer.Argument(..., help="method names (trained here), or existing run folders"),
    data: str | None = typer.Option(None, "--data", help="dataset for the methods (default: ring); "
                                    "run folders carry their own"),
    steps: int | None = typer.Option(None, "--steps", help="generator steps per run (default: train's)"),
    seeds: int = typer.Option(3, "--seeds", help="runs per method, seeds 0 .. K-1"),
    metrics: str | None = typer.Option(None, "--metrics", help="images: fid,kid,is,ddm (default fid,is,ddm); "
                                       "points: w1,modes,nll (default all three)"),
    n: int | None = typer.Option(None, "--n", help="samples per run (default 1000 images / 2000 points)"),
    extractor: str = typer.Option("inception", "--extractor", help="fid/kid/is features: inception | classifier"),
    classifier: Path | None = typer.Option(None, "--classifier", help="classifier checkpoint (ddm; --extractor classifier)"),
    out: Path = typer.Option(..., "--out", help="folder for report.md, samples.png, curves and the runs"),
    sets: list[str] | None = typer.Option(None, "--set", help="key=value for every method with that field"),
    batch_size: int | None = typer.Option(None, "--batch-size", help="one batch size for all (default: each paper's)"),
    device: str | None = typer.Option(None, "--device", help="evaluation device: cpu | cuda"),
    data_dir: str | None = typer.Option(None, "--data-dir", help="where dataset files are (an image folder: "
                                        "the folder; its --set image_size / test_fraction go to every run)"),
    no_progress: bool = typer.Option(False, "--no-progress", help="no progress display"),
):
    """Compare methods (or run folders) on the same data, seeds, samples and metrics: one table.

    Example: ganzoo compare wgan wgan-gp --data ring --steps 500 --seeds 3 --out cmp
    """
    _quiet_libraries()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from gan_zoo import compare as C
    from gan_zoo.data import load_dataset
    from gan_zoo.registry import GanZooError, method_entry

    folders = [Path(t) for t in targets if Path(t).exists()]
    if folders and len(folders) != len(targets):
        missing = [t for t in targets if not Path(t).exists()]
        raise GanZooError(f"mix of run folders and method names ({', '.join(missing)}); give one kind")
    if not folders:
        for t in targets:
            method_entry(t)  # unknown method: one line, before anything runs
        if len(set(targets)) != len(targets):
            raise GanZooError("a method is named twice")
        data = data or "ring"
        if steps is not None and steps <= 0:
            raise GanZooError(f"--steps must be positive, got {steps}")
    if n is not None and n < 2:
        raise GanZooError(f"--n must be at least 2, got {n}")

    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, disable=no_progress, transient=False)
    with progress:
        if folders:
            runs = C.runs_from_folders(folders)
            data = runs[0].model.data_info.name
            kind = "images" if runs[0].model.data_info.is_image else "points"
            names = C.parse_metrics(metrics, kind)
            m0 = runs[0].model  # an image folder's own files and options, recorded in the run
            dk = {"data_dir": getattr(m0, "data_dir", None), **(getattr(m0, "data_options", None) or {})}
            scorer = C.Scorer(data, kind, names, extractor, classifier, device, n, data_kwargs=dk)
        else:
            from gan_zoo.registry import DATA_OPTIONS, split_data_options

            if data_dir is not None:
                data_dir = str(Path(data_dir).expanduser().absolute())
            _, opts = split_data_options(data, parse_sets(sets))
            dk = {"data_dir": data_dir, **DATA_OPTIONS.get(data, {}), **opts}
            kind = load_dataset(data, "train", **dk).kind
            names = C.parse_metrics(metrics, kind)
            # Every extractor and classifier must exist before hours of training, not after.
            scorer = C.Scorer(data, kind, names, extractor, classifier, device, n, data_kwargs=dk)
            from gan_zoo.training import DEFAULT_IMAGE_STEPS, DEFAULT_POINT_STEPS

            per_run = steps or (DEFAULT_IMAGE_STEPS if kind == "images" else DEFAULT_POINT_STEPS)
            total = progress.add_task(f"{len(targets)} methods x {seeds} seeds", total=len(targets) * seeds * per_run)
            current = progress.add_task("", total=per_run)
            done_before = {"n": 0}

            def on_start(method, seed):
                done_before["n"] = progress.tasks[total].completed
                progress.update(current, description=f"{method} seed {seed}", completed=0)

            def on_step(method, seed, step):
                if step % 10 == 0 or step == per_run:
                    progress.update(current, completed=step)
                    progress.update(total, completed=done_before["n"] + step)

            runs = C.train_runs(targets, data, steps, seeds, out, parse_sets(sets), batch_size,
                                on_start=on_start, on_step=on_step, data_dir=data_dir)
            progress.update(current, visible=False)
        task = progress.add_task(f"scoring ({', '.join(names)})", total=len(runs))
        for r in runs:
            r.values = scorer.score(r.model)
            progress.advance(task)
        pictures = progress.add_task("pictures", total=2)
        grid = C.sample_grid(runs, out / "samples.png")
        progress.advance(pictures)
        curve_paths = C.curves(runs, out)
        progress.advance(pictures)

    command = "ganzoo compare " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if sys.argv[1:2] == ["compare"] \
        else None
    head, rows = C.header(names), C.table(runs, names)
    proto = C.protocol_lines(runs, scorer, command)
    t = Table(title=f"{data}: mean ± std over seeds")
    for h in head:
        t.add_column(h)
    for row in rows:
        t.add_row(*row)
    console.print(t)
    for line in proto:
        console.print("  " + line, highlight=False, soft_wrap=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(C.markdown(head, rows, proto, grid, curve_paths, out))
    C.write_json(out, runs, names, proto)
    console.print(f"wrote {out / 'report.md'}, {grid.name}, {len(curve_paths)} curve PNGs", highlight=False)
