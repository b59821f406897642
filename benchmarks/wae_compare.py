"""VAE vs WAE-MMD vs WAE-GAN (Tolstikhin et al. 2018, Table 1; [S2] table T3), side by side.

What it compares: each method trains briefly with the same encoder/decoder (nets/autoencoder.py, width reduced
for CPU), then FID and KID between decoded prior samples and the test split, computed on the dataset
classifier's features (its logits: gan_zoo.metrics.extractors). The classifier is loaded from
$GANZOO_HOME/classifiers/<data>/classifier.ckpt when `ganzoo classifier train --data <data>` has made one, and
trained here (and saved there) otherwise. The train-vs-test row is the finite-sample floor of the same numbers.

[S2] T3 (CelebA, Inception features: VAE 63, WAE-MMD 55, WAE-GAN 42) is printed for reference: other
data, other features, far longer training, so only the ordering is comparable.

    .venv/bin/python benchmarks/wae_compare.py --quick          # mnist5k, a few minutes on 2 CPU cores
    .venv/bin/python benchmarks/wae_compare.py --data mnist5k mnist celeba --steps 5000 --width 64
"""
from __future__ import annotations

import argparse
import tempfile
import time

import torch

SEED_T3 = {"vae": 63.0, "wae-mmd": 55.0, "wae-gan": 42.0}  # [S2] §3 T3, CelebA FID
METHODS = ("vae", "wae-mmd", "wae-gan")


def classifier_for(data: str, log):
    from gan_zoo.metrics.classifier_io import find_classifier, load_classifier
    from gan_zoo.metrics.classifier_training import train_classifier

    path = find_classifier(data)
    if path is not None:
        ext = load_classifier(path)
        log(f"[{data}] classifier {path} (test accuracy {ext.meta.get('test_accuracy')})")
        return ext
    log(f"[{data}] no saved classifier: training one (gan_zoo.metrics.classifier_training.train_classifier)")
    ext, meta = train_classifier(data)  # saved to $GANZOO_HOME/classifiers/<data>/ so later runs reuse it
    log(f"[{data}] classifier test accuracy {meta['test_accuracy']:.4f} in {meta['train_seconds']:.0f}s")
    return ext


@torch.no_grad()
def features(ext, x: torch.Tensor) -> torch.Tensor:
    from gan_zoo.metrics.extractors import embed

    return embed(ext, x, device="cpu")["features"]


def run(data: str, steps: int, width: int, n_eval: int, seed: int, log, ext=None) -> list[dict]:
    from gan_zoo.data import load_dataset
    from gan_zoo.metrics.functional.fid import frechet_distance, kernel_inception_distance
    from gan_zoo.training import train

    try:
        test = load_dataset(data, "test")
        train_set = load_dataset(data, "train")
    except Exception as e:  # files absent: skip this dataset, say why
        log(f"[{data}] skipped: {e}")
        return []
    ext = ext if ext is not None else classifier_for(data, log)
    g = torch.Generator().manual_seed(seed)
    n = min(n_eval, len(test.images))
    real = test.to_float()[torch.randperm(len(test.images), generator=g)[:n]]
    f_real = features(ext, real)
    ref = train_set.to_float()[torch.randperm(len(train_set.images), generator=g)[:n]]
    f_ref = features(ext, ref)
    kid, kid_sd = kernel_inception_distance(f_ref, f_real)
    rows = [{"data": data, "method": "train vs test (floor)", "fid": frechet_distance(f_ref, f_real), "kid": kid,
             "kid_sd": kid_sd, "seconds": 0.0, "recon": float("nan")}]
    for method in METHODS:
        with tempfile.TemporaryDirectory() as out:
            t0 = time.time()
            res = train(method=method, data=data, steps=steps, seed=seed, out=out, overrides={"width": str(width)},
                        progress=False, picture_every=steps, checkpoint_every=steps)
            secs = time.time() - t0
            m = res.method.eval()
            fake = m.sample(n, torch.Generator().manual_seed(seed + 1)).float().cpu()
            f_fake = features(ext, fake)
            kid, kid_sd = kernel_inception_distance(f_fake, f_real)
            recon = getattr(m, "last_logged", {}).get("loss/reconstruction", float("nan"))
            rows.append({"data": data, "method": method, "fid": frechet_distance(f_fake, f_real), "kid": kid,
                         "kid_sd": kid_sd, "seconds": secs, "recon": recon})
            log(f"[{data}] {method}: FID {rows[-1]['fid']:.3f} KID {kid:.4f} ({secs:.0f}s)")
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", nargs="+", default=["mnist5k", "mnist", "celeba"])
    p.add_argument("--steps", type=int, default=2000, help="generator steps per method")
    p.add_argument("--width", type=int, default=32, help="encoder/decoder width (paper: 128)")
    p.add_argument("--n-eval", type=int, default=2000, help="samples for FID/KID")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="mnist5k only, 300 steps, width 16, 1000 samples")
    a = p.parse_args(argv)
    if a.quick:
        a.data, a.steps, a.width, a.n_eval = ["mnist5k"], 300, 16, 1000
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    t_all = time.time()
    rows = []
    for d in a.data:
        rows += run(d, a.steps, a.width, a.n_eval, a.seed, lambda s: print(s, flush=True))
    print(f"\nWAE comparison: {a.steps} steps, width {a.width}, batch 100, {a.n_eval} samples, seed {a.seed}; "
          f"FID/KID on the dataset classifier's logits (lower is better)")
    print(f"{'data':8} {'method':22} {'FID':>9} {'KID':>9} {'±':>7} {'recon':>8} {'train s':>8} {'T3 CelebA FID':>14}")
    for r in rows:
        t3 = SEED_T3.get(r["method"])
        print(f"{r['data']:8} {r['method']:22} {r['fid']:9.3f} {r['kid']:9.4f} {r['kid_sd']:7.4f} "
              f"{r['recon']:8.3f} {r['seconds']:8.0f} {'' if t3 is None else f'{t3:14.0f}'}")
    print(f"wall time {time.time() - t_all:.0f}s. T3 = seed 002 table T3 (CelebA, Inception FID): only the "
          f"ordering WAE-GAN < WAE-MMD < VAE is comparable.")


if __name__ == "__main__":
    main()
