"""Compare methods fairly: the same data stream, seeds, sample count and extractor for every method.

``train_runs`` trains each method once per seed through ``training.train`` (batch k of seed s is the same
function of (seed, rank, k) for every method: the data stream is shared); ``runs_from_folders`` takes
existing run folders instead. ``evaluate_runs`` draws the same number of samples from every run with the
same sampling seed and scores them with one extractor embedded once; ``write_report`` writes the table
(mean ± std over seeds, the protocol under it), a side-by-side sample grid (one column per method, the
same noise where the latent spaces match) and metric-versus-step curves from the runs' TensorBoard
scalars (``metrics/...``, logged by ``PeriodicMetrics``).

Images: FID / KID / IS on the chosen extractor's features (Inception-v3 or the dataset classifier), DDM
(Basart 2017 eq. 3.4) on the dataset classifier's logits. Points: exact W1 (POT), modes captured (VEEGAN,
Gaussian mixtures) and the exact NLL of held-out points (models with ``log_prob``).
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .registry import GanZooError

IMAGE_METRICS = ("fid", "kid", "is", "ddm")
POINT_METRICS = ("w1", "modes", "nll")
DEFAULT_METRICS = {"images": ("fid", "is", "ddm"), "points": ("w1", "modes", "nll")}
LOWER_IS_BETTER = {"fid": True, "kid": True, "is": False, "ddm": True, "w1": True, "modes": False, "nll": True}
SAMPLE_SEED = 0  # every run is sampled from the same generator seed
GRID_SEED = 1234  # the grid's noise: the same z for methods with the same latent space
EVAL_N = {"images": 1000, "points": 2000}  # per run: >= 10 IS splits of 100; exact W1 on 2000 points


@dataclass
class Run:
    method: str
    seed: int
    run_dir: Path
    model: object = None
    steps: int = 0
    values: dict = field(default_factory=dict)


def parse_metrics(text: str | None, kind: str) -> list[str]:
    if not text:
        return list(DEFAULT_METRICS[kind])
    names = [m.strip().lower() for m in text.split(",") if m.strip()]
    allowed = IMAGE_METRICS if kind == "images" else POINT_METRICS
    for m in names:
        if m not in allowed:
            other = "point sets" if kind == "images" else "images"
            hint = f" ('{m}' is for {other})" if m in IMAGE_METRICS + POINT_METRICS else ""
            raise GanZooError(f"unknown metric '{m}' for {kind}{hint}; known: {', '.join(allowed)}")
    return names


def split_overrides(methods: list[str], sets: dict[str, str]) -> dict[str, dict[str, str]]:
    """``--set key=value`` goes to every method whose config has the field; a key no method has is an error."""
    import dataclasses

    from .registry import DATA_OPTIONS, method_entry

    out = {m: {} for m in methods}
    data_keys = {k for opts in DATA_OPTIONS.values() for k in opts}
    for key, value in sets.items():
        if key in data_keys:  # the data set's option (imagefolder's image_size): every run, train() checks it
            for m in methods:
                out[m][key] = value
            continue
        def fields(m):
            cls = method_entry(m).config_cls
            return cls.used_fields() if hasattr(cls, "used_fields") else [f.name for f in dataclasses.fields(cls)]

        takers = [m for m in methods if key in fields(m)]  # not to a method that ignores the field
        if not takers:
            raise GanZooError(f"--set {key}: no compared method has a config field '{key}'")
        for m in takers:
            out[m][key] = value
    return out


def train_runs(methods: list[str], data: str, steps: int | None, seeds: int, out: Path,
               sets: dict[str, str] | None = None, batch_size: int | None = None,
               on_start: Callable | None = None, on_step: Callable | None = None, **train_kw) -> list[Run]:
    """Each method once per seed 0 .. seeds-1 into ``out/runs/METHOD/DATA/version_N``."""
    import lightning as L

    from .training import train

    if seeds < 1:
        raise GanZooError(f"--seeds must be >= 1, got {seeds}")
    per_method = split_overrides(methods, sets or {})

    class _Hook(L.Callback):  # the shared loop calls on_generator_step after each generator step
        def __init__(self, method, seed):
            self.method, self.seed = method, seed

        def on_generator_step(self, trainer, module):
            if on_step is not None:
                on_step(self.method, self.seed, module.generator_steps)

    runs = []
    for method in methods:
        for seed in range(seeds):
            if on_start is not None:
                on_start(method, seed)
            r = train(method=method, data=data, steps=steps, batch_size=batch_size, seed=seed, out=Path(out) / "runs",
                      overrides=per_method[method], progress=False, callbacks=[_Hook(method, seed)], **train_kw)
            runs.append(Run(method, seed, r.run_dir, r.method.eval(), r.method.generator_steps))
    return runs


def runs_from_folders(folders: list[Path]) -> list[Run]:
    from .training import load_method

    runs = []
    for f in folders:
        f = Path(f)
        model = load_method(f)  # a run folder or a checkpoint; one clear line if it is neither
        run_dir = Path(model.checkpoint_path).parent.parent
        runs.append(Run(model.method_name, int(getattr(model, "seed", 0)), run_dir, model, model.generator_steps))
    datas = {r.model.data_info.name for r in runs}
    if len(datas) > 1:
        raise GanZooError(f"the runs are on different data ({', '.join(sorted(datas))}); compare runs on one dataset")
    return runs


@torch.no_grad()
def _draw(model, n: int, seed: int, batch: int = 500) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.cat([model.sample(min(batch, n - i), generator=g).float().cpu() for i in range(0, n, batch)])


class Scorer:
    """The extractors and the reference side, built once and shared by every run."""

    def __init__(self, data: str, kind: str, metrics: list[str], extractor: str = "inception",
                 classifier=None, device=None, n: int | None = None, data_kwargs: dict | None = None):
        from .data import load_dataset
        from .registry import data_label

        self.data, self.kind, self.metrics, self.device = data, kind, metrics, device
        self.n = n or EVAL_N[kind]
        self.protocol: dict = {"data": data, "samples per run": self.n, "sampling seed": SAMPLE_SEED}
        if kind == "images":
            from .metrics.classifier_io import require_classifier
            from .metrics.extractors import embed, get_extractor

            dk = dict(data_kwargs or {})
            test = load_dataset(data, "test", **dk)  # an image folder: its own held-out split
            label = data_label(data, dk.get("data_dir"))  # where its classifier is filed
            real = test.to_float()
            self.feat_ext = None
            if any(m in metrics for m in ("fid", "kid", "is")):
                self.feat_ext = get_extractor(extractor, label, classifier, device=device)
                self.ref = embed(self.feat_ext, real, device=device)
                self.protocol["extractor (fid/kid/is)"] = self.feat_ext.protocol["extractor"]
                self.protocol["reference (fid/kid)"] = f"{data} test split, {len(test)} images"
            if "ddm" in metrics:
                self.cls_ext = require_classifier(label, classifier, device=device)
                self.cls_ref = embed(self.cls_ext, real, device=device)["logits"]
                self.protocol["ddm"] = (f"Basart 2017 eq. 3.4 on {self.cls_ext.protocol['extractor']} logits, "
                                        f"against the {data} test split")
            if "is" in metrics:
                from .metrics.functional.inception_score import IS_SPLITS

                self.protocol["is"] = f"{IS_SPLITS} splits (Salimans et al. 2016), mean over splits"
            if "kid" in metrics:
                from .metrics.functional.fid import KID_SUBSET_SIZE, KID_SUBSETS

                self.protocol["kid"] = f"{KID_SUBSETS} subsets of min({KID_SUBSET_SIZE}, n), cubic kernel"
        else:
            ds = load_dataset(data, "train")
            self.points = ds
            self.real, _ = ds.sample(self.n, torch.Generator().manual_seed(10_000))
            self.heldout, _ = ds.sample(self.n, torch.Generator().manual_seed(10_001))
            self.protocol["w1"] = f"exact (POT ot.emd2) against {self.n} fresh {data} points"
            if "modes" in metrics:
                if getattr(ds, "centers", None) is None:
                    raise GanZooError(f"'{data}' is not a Gaussian mixture: drop 'modes' from --metrics")
                self.protocol["modes"] = "VEEGAN §5.1: a mode is captured by a sample within 3 std of its mean"
            if "nll" in metrics:
                self.protocol["nll"] = f"exact, nats per point, {self.n} held-out points (models with log_prob)"

    @torch.no_grad()
    def score(self, model) -> dict:
        from .metrics import functional as F

        x = _draw(model, self.n, SAMPLE_SEED)
        out: dict = {}
        if self.kind == "images":
            from .metrics.extractors import embed

            if self.feat_ext is not None:
                e = embed(self.feat_ext, x, device=self.device)
                if "fid" in self.metrics:
                    out["fid"] = F.frechet_distance(e["features"], self.ref["features"])
                if "kid" in self.metrics:
                    from .metrics.functional.fid import KID_SUBSET_SIZE, KID_SUBSETS

                    m = min(KID_SUBSET_SIZE, len(x), len(self.ref["features"]))
                    out["kid"] = F.kernel_inception_distance(e["features"], self.ref["features"], KID_SUBSETS, m)[0]
                if "is" in self.metrics:
                    out["is"] = F.inception_score(e["logits"])[0]
            if "ddm" in self.metrics:
                g = embed(self.cls_ext, x, device=self.device)["logits"]
                out["ddm"] = F.ddm(self.cls_ref, g)
            return out
        if "w1" in self.metrics:
            out["w1"] = F.wasserstein1(x, self.real)
        if "modes" in self.metrics:
            out["modes"] = float(F.mode_coverage(x, self.points.centers, self.points.std)["modes"])
        if "nll" in self.metrics and getattr(model, "has_log_prob", False):
            out["nll"] = float(-model.log_prob(self.heldout.to(model.device)).double().mean())
        return out


def mean_std(values: list[float]) -> tuple[float, float | None]:
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, None
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def table(runs: list[Run], metrics: list[str]) -> list[list[str]]:
    """Rows ``[method, seeds, steps, metric cells...]``; cells are mean ± std over seeds, '-' where undefined."""
    rows = []
    for method in dict.fromkeys(r.method for r in runs):
        mine = [r for r in runs if r.method == method]
        cells = []
        for m in metrics:
            vals = [r.values[m] for r in mine if m in r.values]
            if not vals:
                cells.append("-")
                continue
            mu, sd = mean_std(vals)
            cells.append(f"{mu:.4g}" if sd is None else f"{mu:.4g} ± {sd:.2g}")
        steps = sorted({r.steps for r in mine})
        rows.append([method, str(len(mine)), "/".join(map(str, steps)), *cells])
    return rows


def header(metrics: list[str]) -> list[str]:
    arrow = {True: " ↓", False: " ↑"}
    return ["method", "seeds", "steps", *[m.upper() + arrow[LOWER_IS_BETTER[m]] for m in metrics]]


def protocol_lines(runs: list[Run], scorer: Scorer, command: str | None) -> list[str]:
    lines = [f"{k}: {v}" for k, v in scorer.protocol.items()]
    batch = {}
    for r in runs:
        batch.setdefault(r.method, getattr(getattr(r.model, "config", None), "batch_size", "?"))
    lines.append("batch size: " + ", ".join(f"{m} {b}" for m, b in batch.items()))
    lines.append("seeds: " + ", ".join(sorted({str(r.seed) for r in runs}, key=int))
                 + "; the data stream of seed s is the same for every method (batch k = f(seed, k))")
    lines.append("± : sample standard deviation over seeds (ddof 1); '-': the metric does not apply")
    if command:
        lines.append(f"command: {command}")
    return lines


@torch.no_grad()
def sample_grid(runs: list[Run], path: Path, per_column: int = 8) -> Path:
    """One column per method (its first seed's run), the same noise seed for every column."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    firsts = {}
    for r in runs:
        firsts.setdefault(r.method, r)
    cols = list(firsts.values())
    images = cols[0].model.data_info.is_image
    if images:
        from torchvision.utils import make_grid

        c, h, w = cols[0].model.data_info.shape
        fig, axes = plt.subplots(1, len(cols), figsize=(1.3 * len(cols) + 0.4, 1.3 * per_column * h / w + 0.5),
                                 squeeze=False)
        for ax, r in zip(axes[0], cols):
            x = _draw(r.model, per_column, GRID_SEED).clamp(-1, 1) * 0.5 + 0.5
            ax.imshow(make_grid(x, nrow=1, padding=2, pad_value=1.0).permute(1, 2, 0).numpy())
            ax.set_title(r.method, fontsize=9)
            ax.axis("off")
    else:
        data = cols[0].model.data_info.name
        from .data import load_dataset

        real, _ = load_dataset(data, "train").sample(1000, torch.Generator().manual_seed(99))
        fig, axes = plt.subplots(1, len(cols), figsize=(3 * len(cols), 3.2), squeeze=False, sharex=True, sharey=True)
        for ax, r in zip(axes[0], cols):
            x = _draw(r.model, 1000, GRID_SEED)
            ax.scatter(real[:, 0], real[:, 1], s=2, c="tab:blue", alpha=0.4)
            ax.scatter(x[:, 0], x[:, 1], s=2, c="tab:orange", alpha=0.6)
            ax.set_aspect("equal", adjustable="box")  # 2-D data at its true proportions (a ring stays round)
            ax.set_title(r.method, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def read_scalars(run_dir: Path, prefix: str = "metrics/") -> dict[str, list[tuple[int, float]]]:
    """The run's TensorBoard scalars under ``prefix``: tag -> [(generator step, value)], the last write of a step wins."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags().get("scalars", []):
        if tag.startswith(prefix):
            by_step = {e.step: e.value for e in acc.Scalars(tag)}
            out[tag] = sorted(by_step.items())
    return out


def curves(runs: list[Run], folder: Path) -> list[Path]:
    """One PNG per ``metrics/...`` tag: mean over seeds per method, the band between the seeds' min and max."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per_run = {id(r): read_scalars(r.run_dir) for r in runs}
    tags = sorted({t for s in per_run.values() for t in s if not t.endswith("data_vs_data")})
    paths = []
    for tag in tags:
        fig, ax = plt.subplots(figsize=(5.5, 3.5))
        for method in dict.fromkeys(r.method for r in runs):
            series = [dict(per_run[id(r)][tag]) for r in runs if r.method == method and tag in per_run[id(r)]]
            if not series:
                continue
            steps = sorted(set.intersection(*[set(s) for s in series]))
            if not steps:
                continue
            vals = torch.tensor([[s[k] for k in steps] for s in series], dtype=torch.float64)
            line, = ax.plot(steps, vals.mean(0).numpy(), label=f"{method} ({len(series)} seeds)", marker=".")
            if len(series) > 1:
                ax.fill_between(steps, vals.min(0).values.numpy(), vals.max(0).values.numpy(),
                                color=line.get_color(), alpha=0.2)
        ax.set_xlabel("generator step")
        ax.set_ylabel(tag)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = folder / f"curve_{tag.replace('/', '_')}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def markdown(head: list[str], rows: list[list[str]], protocol: list[str], grid: Path | None,
             curve_paths: list[Path], out: Path) -> str:
    lines = ["# gan_zoo comparison", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", "Protocol:", ""] + [f"- {p}" for p in protocol]
    if grid is not None:
        lines += ["", f"![samples, one column per method]({grid.relative_to(out)})"]
    for c in curve_paths:
        lines += ["", f"![{c.stem}]({c.relative_to(out)})"]
    return "\n".join(lines) + "\n"


def write_json(out: Path, runs: list[Run], metrics: list[str], protocol: list[str]) -> Path:
    path = out / "results.json"
    path.write_text(json.dumps({
        "metrics": metrics, "protocol": protocol,
        "runs": [{"method": r.method, "seed": r.seed, "run_dir": str(r.run_dir), "steps": r.steps,
                  "values": r.values} for r in runs],
    }, indent=2))
    return path
