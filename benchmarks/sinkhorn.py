"""Sinkhorn transport cost <P, C>: gan_zoo.losses.sinkhorn against POT (and geomloss when importable).

What is compared: the same quantity, the cost <P, C> of the entropic plan after exactly L log-domain
iterations, on two 2-D Gaussian clouds (N(0, I) and N(1, I), n points each, squared Euclidean cost,
eps = 0.05, L = 50). POT runs ``ot.sinkhorn2(method="sinkhorn_log", numItermax=L, stopThr=0)`` in float64
on NumPy arrays (its usual use). gan_zoo runs eager and torch.compile'd, in float64 and float32. "rel.err"
is |value - POT's| / POT's, so equal accuracy can be read off next to the time. Times are the best of
``--repeats`` runs (after one warm-up call, which also pays the one-off compile).

geomloss (when importable, not a gan_zoo dependency): ``SamplesLoss("sinkhorn", p=2, blur=sqrt(eps),
debias=False, scaling=0.9)`` on the same clouds: a *different* quantity (the dual OT_eps value, with
eps-scaling, and cost |x-y|^2/2), so only its time is comparable.

No host synchronisation inside the fixed-L iterations: on CUDA the run is repeated under
``torch.cuda.set_sync_debug_mode("error")`` (any synchronising call raises); on every machine the
fixed-L solver is also run on the ``meta`` device, where reading a value back is impossible.

    .venv/bin/python benchmarks/sinkhorn.py            # n = 64 ... 4096
    .venv/bin/python benchmarks/sinkhorn.py --quick    # n = 64 ... 1024, 1 repeat
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

from gan_zoo.losses.sinkhorn import cost_matrix, sinkhorn_cost, sinkhorn_log


def timed(fn, repeats: int, sync=lambda: None):
    fn()
    sync()
    best, out = math.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        sync()
        best = min(best, time.perf_counter() - t)
    return best, out


def no_sync_proof(eps: float, L: int) -> str:
    C = torch.empty(256, 256, device="meta")
    w = sinkhorn_cost(C, eps, L)  # raises if anything needs a value on the host
    msg = f"meta device: {L} iterations ran without reading a value (result {tuple(w.shape)} on {w.device})"
    if torch.cuda.is_available():
        C = torch.rand(1024, 1024, device="cuda")
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            sinkhorn_log(C, eps, L)
        finally:
            torch.cuda.set_sync_debug_mode("default")
        msg += f"; CUDA: {L} iterations under set_sync_debug_mode('error') raised nothing"
    return msg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    ap.add_argument("--eps", type=float, default=0.05)
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (POT/NumPy runs on one)")
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()
    import ot

    try:
        from geomloss import SamplesLoss
    except ImportError:
        SamplesLoss = None
    torch.set_num_threads(args.threads)
    sizes = args.sizes or ([64, 256, 1024] if args.quick else [64, 256, 1024, 4096])
    repeats = 1 if args.quick else args.repeats
    eps, L = args.eps, args.iters
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"# eps={eps} L={L} torch threads={args.threads} torch {torch.__version__} POT {ot.__version__}")
    print(f"# {no_sync_proof(eps, L)}")
    header = "| device | n | POT f64 s | ours f64 s | rel.err | ours f32 s | rel.err | compiled f64 s | rel.err " \
             "| compiled f32 s | rel.err | best speed-up vs POT (rel.err <= 1e-5) | geomloss s |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for dev in devices:
        sync = (lambda: torch.cuda.synchronize()) if dev == "cuda" else (lambda: None)
        for n in sizes:
            g = torch.Generator().manual_seed(n)
            x = torch.randn(n, 2, generator=g, dtype=torch.float64)
            y = torch.randn(n, 2, generator=g, dtype=torch.float64) + 1.0
            C64 = cost_matrix(x, y).to(dev)
            Cn = C64.cpu().numpy()
            a = np.full(n, 1.0 / n)
            rep = 1 if n >= 4096 else repeats
            t_pot, ref = timed(lambda: ot.sinkhorn2(a, a, Cn, eps, method="sinkhorn_log", numItermax=L,
                                                    stopThr=0.0, warn=False), rep)
            ref = float(ref)
            row, best = [dev, str(n), f"{t_pot:.4f}"], None
            variants = [(C64, False), (C64.float(), False)]
            if not args.no_compile:
                variants += [(C64, True), (C64.float(), True)]
            for C, comp in variants:
                t, w = timed(lambda: sinkhorn_cost(C, eps, L, compile=comp), rep, sync)
                err = abs(float(w) - ref) / abs(ref)
                row += [f"{t:.4f}", f"{err:.1e}"]
                if err <= 1e-5:
                    best = max(best or 0.0, t_pot / t)
            if args.no_compile:
                row += ["-", "-", "-", "-"]
            row.append(f"{best:.1f}x" if best else "-")
            if SamplesLoss is not None:
                loss = SamplesLoss("sinkhorn", p=2, blur=math.sqrt(eps), debias=False, scaling=0.9,
                                   backend="tensorized")
                xs, ys = x.float().to(dev), y.float().to(dev)
                t_gl, _ = timed(lambda: loss(xs, ys), rep, sync)
                row.append(f"{t_gl:.4f}")
            else:
                row.append("not installed")
            print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
