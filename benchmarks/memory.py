"""Peak memory of big requests: ``ganzoo sample --n N`` on digit images and ``ganzoo eval ddm`` on that folder.

    .venv/bin/python benchmarks/memory.py                 # N = 500 (baseline) and N = 50000
    .venv/bin/python benchmarks/memory.py --quick         # N = 500 and N = 5000

Each command runs as its own process (the installed ``ganzoo``, as a user runs it); its peak RSS is
``ru_maxrss`` of that child (``os.wait4``). The baseline row (N = 500) is the same command with few samples:
the difference is what N costs. Sampling streams (one --batch of images in memory at a time) and evaluation
decodes and embeds the folder a batch at a time, so the difference should stay small; before both were
streamed, 50,000 digit images cost about 480 MB above the baseline for sampling (issue 10).
Set-up (not measured): a 1-step DCGAN-width-8 run on digits and a 1-epoch digits classifier.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GANZOO = Path(sys.executable).parent / "ganzoo"


def run(args: list[str]) -> tuple[float, float]:
    """(peak RSS in MB, wall seconds) of one ``ganzoo`` command; fails loudly if it fails."""
    env = dict(os.environ, PYTHONWARNINGS="ignore", OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    t = time.perf_counter()
    p = subprocess.Popen([str(GANZOO), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(p.pid, 0)
    out, err = p.stdout.read(), p.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"ganzoo {' '.join(args)} failed:\n{out}\n{err}")
    return usage.ru_maxrss / 1024, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="N = 5000 instead of 50000")
    ap.add_argument("--n", type=int, default=None)
    args = ap.parse_args()
    big = args.n or (5000 if args.quick else 50_000)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run(["train", "dcgan", "--data", "digits", "--steps", "1", "--batch-size", "16", "--set", "width=8",
             "--no-progress", "--out", str(tmp / "runs")])
        run_dir = tmp / "runs" / "dcgan" / "digits" / "version_0"
        cls = tmp / "classifiers" / "digits" / "classifier.ckpt"  # classifier train --out is a folder
        run(["classifier", "train", "--data", "digits", "--epochs", "1", "--out", str(tmp), "--device", "cpu"])
        rows = []
        for n in (500, big):
            folder = tmp / f"s{n}"
            rss_s, t_s = run(["sample", str(run_dir), "--n", str(n), "--out", str(folder)])
            rss_e, t_e = run(["eval", "ddm", "--samples", str(folder), "--classifier", str(cls), "--no-reference",
                              "--device", "cpu"])
            rows.append((n, rss_s, t_s, rss_e, t_e))
    base = rows[0]
    print(f"{'n':>7} | {'sample peak RSS MB':>18} | {'above n=500':>11} | {'s':>6} | {'eval ddm peak RSS MB':>20} | "
          f"{'above n=500':>11} | {'s':>6}")
    for n, rs, ts, re_, te in rows:
        print(f"{n:>7} | {rs:18.0f} | {rs - base[1]:11.0f} | {ts:6.1f} | {re_:20.0f} | {re_ - base[3]:11.0f} | {te:6.1f}")


if __name__ == "__main__":
    main()
