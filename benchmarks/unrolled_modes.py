"""Modes captured and high-quality fraction on ring8: GAN (K = 0) against Unrolled GAN, K in {1, 5, 10}.

VEEGAN protocol ([P1c]): 2500 samples per trained model; a sample is high quality when it
lies within 3 standard deviations of its nearest mode; a mode is captured when it is the nearest mode of
at least one high-quality sample; mean (and spread) over seeds. Data: ring8 (8 Gaussians on the unit circle,
std 0.01, the Unrolled GAN notebook's MoG with the centre bug fixed). Nets, optimisers and batch: the
unrolled method's point defaults (UG-C: tanh MLPs, z in R^256, batch 512, Adam 1e-4 / 1e-3, beta1 0.5).
"gan" is ``unrolled`` with K = 0, which tests/test_unrolled.py shows is the GAN's update exactly; every row
uses the same nets, data and seeds, so only K differs. Reference numbers (VEEGAN Table 1, 2-D ring,
25k+ iterations): GAN 1 mode / 99.3 % HQ, Unrolled (K = 5) 7.6 modes / 35.6 % HQ.

    .venv/bin/python benchmarks/unrolled_modes.py --quick      # 300 steps, 2 seeds
    .venv/bin/python benchmarks/unrolled_modes.py              # 5000 steps, 5 seeds
    .venv/bin/python benchmarks/unrolled_modes.py --steps 25000 --seeds 1 --ks 0 5 --trajectory-every 5000
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import lightning as L
import torch


def coverage(samples, centers, std):
    try:
        from gan_zoo.metrics.functional.modes import mode_coverage
    except ImportError:  # the shared metric is the one to use; this fallback states the same definition
        d = torch.cdist(samples.double(), centers.double())
        dist, idx = d.min(1)
        hq = dist <= 3 * std
        return {"modes": int(idx[hq].unique().numel()), "hq_fraction": float(hq.double().mean())}
    return mode_coverage(samples, centers, std, n_sigma=3)


def measure(samples, centers, std) -> tuple[int, float, float]:
    """(modes captured, HQ %, median distance to the nearest mode in stds). The last shows how far the
    samples are from being high quality (3 std), progress that the 0/1 HQ test hides."""
    cov = coverage(samples, centers, std)
    spread = float(torch.cdist(samples.double(), centers.double()).min(1).values.median()) / std
    return cov["modes"], 100 * cov["hq_fraction"], spread


class Trajectory(L.Callback):
    """Coverage every ``every`` generator steps (the columns of UG-P Fig. 1), printed as it is measured."""

    def __init__(self, every, k, seed, centers, std):
        self.every, self.k, self.seed, self.centers, self.std = every, k, seed, centers, std
        self.t0 = time.perf_counter()

    def on_generator_step(self, trainer, method):
        step = method.generator_steps
        if step % self.every:
            return
        x = method.sample(2500, torch.Generator().manual_seed(1000 + self.seed)).float().cpu()
        modes, hq, spread = measure(x, self.centers, self.std)
        print(f"| {self.k} | {self.seed} | {step} | {modes} | {hq:.1f} | {spread:.1f} "
              f"| {time.perf_counter() - self.t0:.0f} |", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--ks", type=int, nargs="*", default=[0, 1, 5, 10])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--trajectory-every", type=int, default=0,
                    help="also print coverage every N generator steps of each run (UG-C draws every 5000)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    steps = args.steps or (300 if args.quick else 5000)
    seeds = list(range(args.seeds or (2 if args.quick else 5)))

    from gan_zoo.data import load_dataset
    from gan_zoo.training import train

    data = load_dataset("ring8")
    print(f"# ring8, {steps} generator steps, seeds {seeds}, 2500 samples, 3-sigma high quality")
    print("| method | K | modes (of 8), mean | modes per seed | HQ %, mean | median distance to nearest mode / std "
          "| wall s per run |")
    print("|---|---|---|---|---|---|---|")
    if args.trajectory_every:
        print("| K | seed | step | modes | HQ % | median distance / std | wall s |\n|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as out:
        for k in args.ks:
            modes, hqs, walls, spreads = [], [], [], []
            for s in seeds:
                t = time.perf_counter()
                extra = [Trajectory(args.trajectory_every, k, s, data.centers, data.std)] if args.trajectory_every else []
                res = train(method="unrolled", data="ring8", steps=steps, seed=s, out=out, progress=False,
                            overrides={"unroll_steps": str(k)}, picture_every=steps, checkpoint_every=steps,
                            callbacks=extra)
                walls.append(time.perf_counter() - t)
                x = res.method.sample(2500, torch.Generator().manual_seed(1000 + s)).float().cpu()
                n_modes, hq, spread = measure(x, data.centers, data.std)
                modes.append(n_modes)
                hqs.append(hq)
                spreads.append(spread)
            name = "gan" if k == 0 else "unrolled"
            print(f"| {name} | {k} | {statistics.mean(modes):.1f} | {modes} | {statistics.mean(hqs):.1f} "
                  f"| {statistics.mean(spreads):.1f} | {statistics.mean(walls):.0f} |", flush=True)


if __name__ == "__main__":
    main()
