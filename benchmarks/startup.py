"""Start-up time of the ``ganzoo`` commands that need no training (issue 16 item 2).

Each command runs as a user types it (a fresh process of the installed entry point); the cell is the
median wall time over ``--repeats`` runs, alternating the commands so that load on a shared machine
hits them alike, and the median CPU time (user + system) of the process, which load hardly changes. ``--ganzoo`` times another install (e.g. an older checkout's .venv/bin/ganzoo) for a
before/after table. The reference rows time ``import torch`` and ``import lightning`` alone.

    .venv/bin/python benchmarks/startup.py                                  # this checkout
    .venv/bin/python benchmarks/startup.py --ganzoo /path/to/old/.venv/bin/ganzoo
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = [
    ("ganzoo --help", ["--help"]),
    ("ganzoo list", ["list"]),
    ("ganzoo list wgan-gp --data digits", ["list", "wgan-gp", "--data", "digits"]),
    ("ganzoo train nope (unknown method)", ["train", "nope"]),
    ("ganzoo train gan --set foo=1 (bad key)", ["train", "gan", "--set", "foo=1"]),
    ("ganzoo train gan --data nope (unknown data)", ["train", "gan", "--data", "nope"]),
    ("ganzoo train gan --steps 0", ["train", "gan", "--steps", "0"]),
    ("ganzoo train nice --set base=foo (bad value)", ["train", "nice", "--set", "base=foo"]),
    ("ganzoo train sinkhorn --set cost=foo", ["train", "sinkhorn", "--set", "cost=foo"]),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ganzoo", default=str(Path(sys.executable).parent / "ganzoo"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-reference", action="store_true", help="skip the import torch / lightning rows")
    args = ap.parse_args()
    python = str(Path(args.ganzoo).parent / "python")
    rows = [(name, [args.ganzoo, *argv]) for name, argv in COMMANDS]
    if not args.no_reference:
        rows += [("python -c 'import torch'", [python, "-c", "import torch"]),
                 ("python -c 'import lightning'", [python, "-c", "import lightning"])]
    env = dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="80")
    times: dict[str, list[float]] = {name: [] for name, _ in rows}
    cpu: dict[str, list[float]] = {name: [] for name, _ in rows}
    codes: dict[str, int] = {}
    for _ in range(args.repeats):
        for name, cmd in rows:
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd="/tmp")
            times[name].append(time.perf_counter() - t0)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
            codes[name] = p.returncode
    print(f"{args.ganzoo}  (median of {args.repeats}; load average {os.getloadavg()[0]:.1f})")
    print(f"{'command':<46} {'exit':>4} {'wall s':>7} {'min s':>6} {'CPU s':>6}")
    for name, _ in rows:
        print(f"{name:<46} {codes[name]:>4} {statistics.median(times[name]):>7.2f} {min(times[name]):>6.2f} "
              f"{statistics.median(cpu[name]):>6.2f}")


if __name__ == "__main__":
    main()
