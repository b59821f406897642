"""AE-OT samples vs plain decoding of Gaussian codes, on the embedded digits.

What it compares ([S2] §2.2's claim: decoupling manifold and measure learning beats decoding a
Gaussian): one autoencoder is trained by ``ganzoo``'s ``ae-ot`` method; its decoder then decodes
  - AE-OT codes (Algorithm 2 on the semi-discrete OT map of Algorithm 1),
  - N(0, I) codes (what a VAE/WAE-style prior would feed it),
  - N(mean, cov) fitted to the training codes (the best Gaussian),
  - the training codes themselves (reconstructions: the decoder's ceiling).
Metrics: FID and KID (gan_zoo/metrics/functional/fid.py) on the prelogit features of a ConvNet4 dataset
classifier (gan_zoo/nets/classifier.py, [S4] §3.3.2) trained here on the digits train split,
against the 360 test images; the train split's own FID/KID is the floor. Lower is better.

    .venv/bin/python benchmarks/ae_ot.py --quick      # a few minutes on a laptop CPU
    .venv/bin/python benchmarks/ae_ot.py              # longer training, paper latent size 100
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from gan_zoo.data import load_dataset
from gan_zoo.metrics.functional import frechet_distance, kernel_inception_distance
from gan_zoo.nets.classifier import build_classifier
from gan_zoo.training import train


def train_feature_classifier(data, steps: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = build_classifier("convnet4", data.shape, data.num_classes)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(steps):
        idx = torch.randint(len(data), (64,), generator=g)
        loss = F.cross_entropy(net(data.to_float(idx)), data.labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net.eval()


@torch.no_grad()
def features(net, x, batch=500):
    return torch.cat([net.features(x[s:s + batch]) for s in range(0, len(x), batch)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.time()
    if args.quick:
        steps, sets = 200, {"width": "16", "z_dim": "16", "ot_steps": "300", "ot_samples": "20000",
                            "centroid_samples": "100000", "batch_size": "128"}
        clf_steps = 200
    else:
        steps, sets = 3000, {"width": "32", "ot_steps": "3000", "batch_size": "128"}
        clf_steps = 1500
    res = train(method="ae-ot", data="digits", steps=steps, out="runs/bench", progress=False, overrides=sets)
    m = res.method.cpu().eval()
    t_train = time.time() - t0
    ot = m.ot_result
    train_set, test_set = load_dataset("digits", "train"), load_dataset("digits", "test")
    net = train_feature_classifier(train_set, clf_steps)
    test_acc = float((net(test_set.to_float()).argmax(1) == test_set.labels).float().mean())
    f_test = features(net, test_set.to_float())
    g = torch.Generator().manual_seed(1)
    codes = m.codes
    mean, cov = codes.mean(0), torch.cov(codes.T)
    gauss_fit = torch.distributions.MultivariateNormal(mean, cov + 1e-5 * torch.eye(len(mean)))
    n = args.n
    rows = {
        "AE-OT (Alg. 1 + 2)": m.sample(n, g),
        "decode N(0, I)": m.decode(torch.randn(n, codes.shape[1], generator=g)),
        "decode N(mean, cov) of codes": m.decode(gauss_fit.sample((n,))),
        "reconstructions (train codes)": m.decode(codes[torch.randint(len(codes), (n,), generator=g)]),
        "train images (floor)": train_set.to_float(),
    }
    print(f"\nAE-OT on digits: {steps} AE steps, settings {sets}")
    print(f"OT: {ot.steps} Adam steps, final ||w_hat - nu||_2 = {ot.grad_norm:.4f} with {ot.n_samples} MC samples "
          f"({len(codes)} codes, z_dim {codes.shape[1]}, theta {m.config.theta})")
    print(f"feature classifier ConvNet4: test accuracy {test_acc:.3f}; FID/KID vs the {len(test_set)} test images\n")
    print("| samples | FID | KID x 1e3 |")
    print("|---|---|---|")
    for name, x in rows.items():
        f = features(net, x.float().clamp(-1, 1))
        fid = frechet_distance(f, f_test)
        kid, kid_std = kernel_inception_distance(f, f_test, subsets=50)
        print(f"| {name} | {fid:.2f} | {1e3 * kid:.2f} ± {1e3 * kid_std:.2f} |")
    print(f"\nwall time {time.time() - t0:.0f} s (training + OT {t_train:.0f} s)")


if __name__ == "__main__":
    main()
