"""DDM and embedding benchmarks: wall time, peak memory, throughput.

    .venv/bin/python benchmarks/metrics.py                  # the default table
    .venv/bin/python benchmarks/metrics.py --quick          # smaller sizes

Each case runs in its own subprocess so its peak memory is its own: peak RSS comes from
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that child, minus the RSS measured right after its
imports and input tensors are built (so it counts DDM's working memory: blocks, temporaries, outputs;
tracemalloc would not see torch's allocator). Threads: ``torch.set_num_threads(--threads)`` (2 = the
target machine). Embeddings are 10-d (logits of a 10-class classifier), N(0, 5^2) like trained logits.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _case(args) -> dict:
    import torch

    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(ROOT))
    from gan_zoo.metrics.functional.ddm import ddm, ddm_dense

    if args.case == "ddm":
        g0 = torch.Generator().manual_seed(0)
        t = torch.randn(args.t, 10, generator=g0) * 5
        g = torch.randn(args.g, 10, generator=g0) * 5
        base = _rss_mb()
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        v = ddm(t, g, device="cpu") if args.impl == "block" else ddm_dense(t, g)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
        peak = r1.ru_maxrss / 1024  # KiB on Linux
        return {"case": f"DDM {args.impl}", "T": args.t, "G": args.g, "seconds": wall, "cpu_s": cpu,
                "peak_mb": max(peak - base, 0.0), "value": v}
    # embedding throughput
    from gan_zoo.metrics.extractors import (
        ClassifierExtractor,
        InceptionExtractor,
        embed,
        inception_weights_path,
    )
    from gan_zoo.nets.classifier import build_classifier

    n = args.n
    if args.impl == "inception":
        if not inception_weights_path().exists():
            return {"case": "embed inception", "skipped": f"no weights at {inception_weights_path()}"}
        ext, x = InceptionExtractor(), torch.rand(n, 3, 32, 32) * 2 - 1
    else:
        arch, shape = ("convnet4", (1, 28, 28)) if args.impl == "convnet4" else ("wrn", (3, 32, 32))
        net = build_classifier(arch, shape, 10)
        ext = ClassifierExtractor(net, {"arch": arch, "data": "-", "shape": list(shape), "num_classes": 10})
        x = torch.rand(n, *shape) * 2 - 1
    embed(ext, x[:50], device="cpu")  # warm-up
    t0 = time.perf_counter()
    embed(ext, x, device="cpu")
    wall = time.perf_counter() - t0
    return {"case": f"embed {args.impl}", "n": n, "seconds": wall, "images_per_s": n / wall}


def _run_child(extra: list[str], threads: int) -> dict:
    cmd = [sys.executable, __file__, "--child", "--threads", str(threads), *extra]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return {"case": " ".join(extra), "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--child", action="store_true")
    p.add_argument("--case", default="ddm")
    p.add_argument("--impl", default="block")
    p.add_argument("--t", type=int, default=10_000)
    p.add_argument("--g", type=int, default=50_000)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--large", action="store_true", help="also 50k x 50k")
    p.add_argument("--dense-max-gb", type=float, default=6.0, help="run dense only if |T||G| * 8 B * 3 fits")
    args = p.parse_args()
    if args.child:
        print(json.dumps(_case(args)))
        return
    sizes = [(2_000, 10_000), (10_000, 50_000)] if args.quick else \
        [(2_000, 10_000), (10_000, 50_000), (10_000, 200_000)] + ([(50_000, 50_000)] if args.large else [])
    rows = []
    for t, g in sizes:
        rows.append(_run_child(["--case", "ddm", "--impl", "block", "--t", str(t), "--g", str(g)], args.threads))
        if t * g * 8 * 3 / 2**30 <= args.dense_max_gb:  # cdist output + exp temporary + logsumexp, float64
            rows.append(_run_child(["--case", "ddm", "--impl", "dense", "--t", str(t), "--g", str(g)], args.threads))
        else:
            rows.append({"case": "DDM dense", "T": t, "G": g, "skipped": f"needs ~{t * g * 24 / 2**30:.0f} GB"})
    for impl in ("convnet4", "wrn", "inception"):
        n = 500 if impl != "convnet4" else args.n
        rows.append(_run_child(["--case", "embed", "--impl", impl, "--n", str(n)], args.threads))
    load = os.getloadavg()
    print(f"threads={args.threads}  cpus={os.cpu_count()}  load average={load[0]:.1f} (1 min)")
    print("seconds = wall clock; cpu s = user+sys CPU time of the process (less sensitive to a shared machine)")
    print(f"{'case':<18}{'|T|':>8}{'|G| / n':>10}{'seconds':>10}{'cpu s':>8}{'peak MB':>10}{'img/s':>10}  value / note")
    for r in rows:
        if "skipped" in r or "error" in r:
            print(f"{r['case']:<18}{r.get('T', ''):>8}{r.get('G', r.get('n', '')):>10}  {r.get('skipped') or r.get('error')}")
            continue
        print(f"{r['case']:<18}{r.get('T', ''):>8}{r.get('G', r.get('n', '')):>10}{r['seconds']:>10.2f}"
              f"{r.get('cpu_s', float('nan')):>8.1f}{r.get('peak_mb', float('nan')):>10.0f}{r.get('images_per_s', float('nan')):>10.0f}  {r.get('value', '')}")


if __name__ == "__main__":
    main()
