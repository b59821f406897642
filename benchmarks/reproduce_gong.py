"""Reproduce [S0]'s Tables 5.1 (ring), 5.2 (swissroll) and 5.3 (MNIST, MLP coupling; the embedded real
`mnist5k` offline, the full `mnist` when its files are present): our NLL beside the thesis's.

What it compares. Six setups on the toys (§5 intro), each trained through ``gan_zoo.training.train`` with
the thesis's hyperparameters (the methods' defaults: 5000 iterations, batch 300, Adam (0.5, 0.9), NICE lr
0.005, critic lr 0.002, 5 critic steps, lambda_gp 0.1, lambda_ml 1, weight lr 0.005; §5.1.1):

    ML single flow      nice
    GAN single flow     flowgan  ml_weight=0
    GAN+ML single flow  flowgan  ml_weight=1
    ML Mixflow          mixflow  train=ml-softmax
    GAN+ML Mixflow      mixflow  train=gan+ml
    PGAN                pgan

Units. The thesis's toy NLL looks like a sum over a batch of 300 points averaged over the last 500
iterations ([N0] §3). We report that unit as 300 x (mean NLL per point of the final model over 500 fresh
held-out batches of 300) and nats per point beside it; the true NLL of `ring` (its entropy) is the floor.
For images, NLL per image in nats on [0, 1] pixels (the thesis's scale): ours is modelled on [-1, 1], so
NLL_[0,1] = NLL_[-1,1] - D log 2, on dequantised images.

Usage:
    python benchmarks/reproduce_gong.py                  # full: 5000 iterations per toy setup, 100k on images
    python benchmarks/reproduce_gong.py --quick          # 600 toy iterations, 150 image iterations
    python benchmarks/reproduce_gong.py --tables 5.1 --steps 2000
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_zoo.data import load_dataset
from gan_zoo.losses.mixture import dominant_components
from gan_zoo.registry import GanZooError
from gan_zoo.training import train

# [S0] Table 5.1 / 5.2: (NLL in the thesis's unit, discriminator loss, dominant components).
TOY_SETUPS = [
    ("ML single flow", "nice", {}),
    ("GAN single flow", "flowgan", {"ml_weight": "0"}),
    ("GAN+ML single flow", "flowgan", {"ml_weight": "1"}),
    ("ML Mixflow", "mixflow", {"train": "ml-softmax"}),
    ("GAN+ML Mixflow", "mixflow", {"train": "gan+ml"}),
    ("PGAN", "pgan", {}),
]
THESIS = {
    "ring": {"ML single flow": (968.70, None, 1), "GAN single flow": (1.25e7, -2.43, 1),
             "GAN+ML single flow": (1127.5, -1.99, 1), "ML Mixflow": (742.85, None, 6),
             "GAN+ML Mixflow": (742.45, 0.0044, 6), "PGAN": (743.61, 0.0132, 6)},
    "swissroll": {"ML single flow": (2039.68, None, 1), "GAN single flow": (2.74e6, -4.18, 1),
                  "GAN+ML single flow": (3075.47, -9.65, 1), "ML Mixflow": (1828.72, None, 6),
                  "GAN+ML Mixflow": (1992.65, -1.47, 5), "PGAN": (1989.34, -0.95, 6)},
}
RING_TRUTH_THESIS = 723.35  # Table 5.1's "ground truth NLL"

# Table 5.3 (MNIST, MLP coupling): (train NLL, test NLL, discriminator loss, major components), per image.
IMAGE_SETUPS = [
    ("Single Flow ML", "nice", {}),
    ("Single Flow GAN", "flowgan", {"ml_weight": "0"}),
    ("Single Flow GAN+ML", "flowgan", {}),
    ("Mixflow ML", "mixflow", {"train": "ml-softmax"}),
    ("Mixflow GAN+ML", "mixflow", {"train": "gan+ml"}),
]
THESIS_53 = {"Single Flow ML": (-2034.46, -1910.31, None, 1), "Single Flow GAN": (3144.79, 3431.66, 2.21, 1),
             "Single Flow GAN+ML": (-1741.21, -1650.53, 1.91, 1), "Mixflow ML": (-3021.35, -2984.03, None, 4),
             "Mixflow GAN+ML": (-2812.34, -2728.74, -2.15, 7)}

BATCH = 300  # [S0] §5.1.1
EVAL_BATCHES = 500  # "averaged over the last 500 epochs" (Tables 5.1, 5.2)


def _weights(method):
    mix = getattr(method, "mixture", None)
    return mix.weights().detach().cpu() if mix is not None else torch.ones(1)


@torch.no_grad()
def toy_nll(method, dataset, seed: int = 4242) -> float:
    """Mean NLL per point of the trained model over EVAL_BATCHES fresh batches of BATCH points."""
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    for _ in range(EVAL_BATCHES // 50):
        x, _ = dataset.sample(50 * BATCH, g)
        total += float(-method.log_prob(x.to(method.device)).double().sum())
    return total / (EVAL_BATCHES // 50 * 50 * BATCH)


def run_toy(data: str, steps: int, out: Path, seed: int, setups=None) -> list[dict]:
    dataset = load_dataset(data)
    rows = []
    for label, name, sets in TOY_SETUPS:
        if setups and label not in setups:
            continue
        t0 = time.time()
        res = train(method=name, data=data, steps=steps, seed=seed, out=out, progress=False, picture_every=steps,
                    checkpoint_every=steps, overrides=dict(sets))
        m = res.method.eval()
        per_point = toy_nll(m, dataset)
        crit = m.last_logged.get("loss/critic") if hasattr(m, "last_logged") else None
        rows.append({"setup": label, "nll_point": per_point, "nll_batch": per_point * BATCH, "critic": crit,
                     "dominant": dominant_components(_weights(m)), "seconds": time.time() - t0,
                     "picture": str(res.picture)})
        print(f"  [{data}] {label:<20s} NLL/point {per_point:10.4f}  ({time.time() - t0:6.1f} s)", flush=True)
    return rows


def _fmt(v, nd=2):
    if v is None:
        return "-"
    if abs(v) >= 1e5:
        return f"{v:.3g}"
    return f"{v:.{nd}f}"


def print_toy_table(data: str, rows: list[dict], steps: int) -> None:
    print(f"\nTable 5.{1 if data == 'ring' else 2} ({data}, {steps} iterations, batch {BATCH}; NLL x300 = summed over "
          f"a batch of 300, the thesis's unit)")
    print(f"{'setup':<20s} {'ours x300':>11s} {'ours/pt':>9s} {'thesis':>10s} {'thesis/pt':>10s} "
          f"{'critic':>8s} {'thesis':>8s} {'dom':>4s} {'thesis':>6s} {'time s':>7s}")
    for r in rows:
        t = THESIS[data][r["setup"]]
        print(f"{r['setup']:<20s} {_fmt(r['nll_batch']):>11s} {_fmt(r['nll_point'], 3):>9s} {_fmt(t[0]):>10s} "
              f"{_fmt(t[0] / BATCH, 3):>10s} {_fmt(r['critic'], 3):>8s} {_fmt(t[1], 3):>8s} {r['dominant']:>4d} "
              f"{t[2]:>6d} {r['seconds']:>7.0f}")
    if data == "ring":
        truth = load_dataset("ring").entropy_nats()
        print(f"{'true NLL (entropy)':<20s} {_fmt(truth * BATCH):>11s} {_fmt(truth, 3):>9s} "
              f"{_fmt(RING_TRUTH_THESIS):>10s} {_fmt(RING_TRUTH_THESIS / BATCH, 3):>10s}")
    by = {r["setup"]: r["nll_batch"] for r in rows}
    checks = [("ML Mixflow", "ML single flow", "far better"), ("GAN+ML Mixflow", "GAN+ML single flow", "better"),
              ("GAN+ML Mixflow", "GAN single flow", "far better"), ("PGAN", "GAN+ML single flow", "better"),
              ("ML single flow", "GAN single flow", "better")]
    print("ordering (thesis: Mixflow ~ PGAN << single-flow ML; better than single GAN+ML; << single GAN):")
    for a, b, word in checks:
        if a in by and b in by:
            gap = by[b] - by[a]
            tg = THESIS[data][b][0] - THESIS[data][a][0]
            print(f"  {a} vs {b}: ours {_fmt(gap)} lower (x300), thesis {_fmt(tg)} lower -> "
                  f"{'holds' if gap > 0 else 'DOES NOT HOLD'} ({word})")
    mix = [by[k] for k in ("ML Mixflow", "GAN+ML Mixflow", "PGAN") if k in by]
    if len(mix) > 1:
        print(f"  spread among Mixflow ML / GAN+ML / PGAN: {_fmt(max(mix) - min(mix))} (x300); thesis: "
              f"{_fmt(max(THESIS[data][k][0] for k in ('ML Mixflow', 'GAN+ML Mixflow', 'PGAN')) - min(THESIS[data][k][0] for k in ('ML Mixflow', 'GAN+ML Mixflow', 'PGAN')))}")


@torch.no_grad()
def image_nll(method, images: torch.Tensor, batch: int = 200) -> float:
    """Mean NLL per image in nats on [0, 1] pixels, dequantised with a fixed generator."""
    from gan_zoo.nets.flows import dequantize

    g = torch.Generator().manual_seed(777)
    d = images[0].numel()
    tot = 0.0
    for i in range(0, len(images), batch):
        x = dequantize(images[i:i + batch], g).to(method.device)
        tot += float(-method.log_prob(x).double().sum())
    return tot / len(images) - d * math.log(2)


def run_images(data: str, steps: int, pretrain: int, out: Path, seed: int, width_sets: dict) -> list[dict]:
    try:
        train_set, test_set = load_dataset(data, "train"), load_dataset(data, "test")
    except GanZooError as e:
        print(f"  [{data}] skipped: {e}")
        return []
    n_eval = 1000
    tr = train_set.to_float(torch.arange(min(n_eval, len(train_set))))
    te = test_set.to_float(torch.arange(min(n_eval, len(test_set))))
    rows = []
    for label, name, sets in IMAGE_SETUPS:
        t0 = time.time()
        over = {**sets, **width_sets.get(name, {})}
        if name != "nice" and not (name == "mixflow" and sets.get("train") != "gan+ml"):
            over["pretrain_steps"] = str(pretrain)
        res = train(method=name, data=data, steps=steps, seed=seed, out=out, progress=False, picture_every=steps,
                    checkpoint_every=steps, overrides=over)
        m = res.method.eval()
        rows.append({"setup": label, "train": image_nll(m, tr), "test": image_nll(m, te),
                     "critic": m.last_logged.get("loss/critic"), "major": dominant_components(_weights(m)),
                     "seconds": time.time() - t0, "picture": str(res.picture)})
        print(f"  [{data}] {label:<20s} train {rows[-1]['train']:10.2f} test {rows[-1]['test']:10.2f} "
              f"({time.time() - t0:6.1f} s)", flush=True)
    return rows


def print_image_table(data: str, rows: list[dict], steps: int) -> None:
    print(f"\nTable 5.3 on {data} ({steps} iterations; NLL per image, nats, [0,1] pixels, dequantised)")
    print(f"{'model':<20s} {'train':>10s} {'test':>10s} {'thesis tr':>10s} {'thesis te':>10s} {'critic':>8s} "
          f"{'thesis':>7s} {'major':>5s} {'thesis':>6s} {'time s':>7s}")
    for r in rows:
        t = THESIS_53[r["setup"]]
        print(f"{r['setup']:<20s} {r['train']:>10.2f} {r['test']:>10.2f} {t[0]:>10.2f} {t[1]:>10.2f} "
              f"{_fmt(r['critic'], 3):>8s} {_fmt(t[2]):>7s} {r['major']:>5d} {t[3]:>6d} {r['seconds']:>7.0f}")
    by = {r["setup"]: r["test"] for r in rows}
    print("ordering (thesis test NLL: Mixflow ML < Mixflow GAN+ML < single ML < single GAN+ML < single GAN):")
    order = ["Mixflow ML", "Mixflow GAN+ML", "Single Flow ML", "Single Flow GAN+ML", "Single Flow GAN"]
    for a, b in zip(order, order[1:]):
        if a in by and b in by:
            print(f"  {a} vs {b}: ours {by[b] - by[a]:.1f} lower, thesis {THESIS_53[b][1] - THESIS_53[a][1]:.1f} "
                  f"-> {'holds' if by[a] < by[b] else 'DOES NOT HOLD'}")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer iterations (toys 600, images 150)")
    p.add_argument("--steps", type=int, default=None, help="toy iterations (default 5000, the thesis's)")
    p.add_argument("--image-steps", type=int, default=None, help="image iterations (default 100000, §5.2)")
    p.add_argument("--tables", default="5.1,5.2,5.3", help="which tables (5.1 ring, 5.2 swissroll, 5.3 images)")
    p.add_argument("--image-data", default="mnist5k,mnist", help="image sets for Table 5.3")
    p.add_argument("--small-images", action="store_true",
                   help="narrower coupling nets on images (single flow 5x200, Mixflow 2x100), for CPU runs")
    p.add_argument("--setups", default="", help="comma-separated subset of the toy setup names")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--out", default=None, help="run folders (default: a temporary folder)")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    steps = a.steps or (600 if a.quick else 5000)  # §5.1.1: 5000 training "epochs" (generator iterations)
    image_steps = a.image_steps or (150 if a.quick else 100_000)  # §5.2: 100 000 epochs
    pretrain = 1000 if not a.quick else max(image_steps // 3, 1)  # §5.2: ML pre-training, 1000 epochs
    out = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="gong_"))
    tables = set(a.tables.split(","))
    setups = set(s.strip() for s in a.setups.split(",") if s.strip())
    t_all = time.time()
    print(f"reproduce_gong: toys {steps} iterations, images {image_steps}; runs under {out}", flush=True)
    for tab, data in (("5.1", "ring"), ("5.2", "swissroll")):
        if tab in tables:
            rows = run_toy(data, steps, out, a.seed, setups)
            print_toy_table(data, rows, steps)
    if "5.3" in tables:
        width = {}
        if a.small_images:
            width = {"nice": {"hidden": "200"}, "flowgan": {"hidden": "200"}, "mixflow": {"hidden": "100"}}
        for data in a.image_data.split(","):
            rows = run_images(data.strip(), image_steps, pretrain, out, a.seed, width)
            if rows:
                print_image_table(data, rows, image_steps)
    print(f"\nwall time {time.time() - t_all:.0f} s", flush=True)


if __name__ == "__main__":
    main()
