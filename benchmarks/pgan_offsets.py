"""Why PGAN's critic loss runs off on the swiss roll: the per-critic constant offsets that eq. 4.13 leaves free.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/pgan_offsets.py [STEPS] [SEED] [DATA]   # default 2500 0 swissroll

PGAN's critic is f_mix(x) = sum_i p(c=i|x) f_i(x) with the posterior held constant ([S0] §4.3, eq. 4.13).
Adding a constant b_i to f_i leaves the gradient penalty unchanged (grad f_mix = sum_i p(c=i|x) grad f_i) and
moves the critic loss E_fake f_mix - E_real f_mix by sum_i b_i (E_fake p(c=i|x) - E_real p(c=i|x)): whenever
the fakes' posterior mass differs from the data's, nothing bounds the b_i. Every 250 generator steps this
prints, on 3000 fresh data points and 3000 samples: the critic loss; each critic's posterior-weighted mean
score on the data ("own mean", its offset); the posterior-mass gap fake - real per component; and
sum_i gap_i * own mean_i, which tracks the critic loss when the offsets are what moves it. It also prints
the mean gradient penalty of the last 250 steps (the slope part). benchmarks/RESULTS.md, Table 5.2, cites it.
"""
from __future__ import annotations

import sys
import tempfile

import lightning as L
import torch

from gan_zoo.data import load_dataset
from gan_zoo.training import train

EVERY, N = 250, 3000


class OffsetProbe(L.Callback):
    def __init__(self, dataset):
        self.dataset, self.g, self.window = dataset, torch.Generator().manual_seed(5), []

    def on_generator_step(self, trainer, method) -> None:
        logged = method.last_logged
        self.window.append(float(logged.get("penalty/gradient", float("nan"))))
        if method.generator_steps % EVERY:
            return
        x, _ = self.dataset.sample(N, self.g)
        x = x.to(method.device)
        with torch.no_grad():
            fake = method.fakes(N)
            post_real, post_fake = method.mixture.posterior(x), method.mixture.posterior(fake)
            s_real, s_fake = method.critic_scores(x), method.critic_scores(fake)
            own = (post_real * s_real).sum(0) / post_real.sum(0)
            gap = post_fake.mean(0) - post_real.mean(0)
            loss = method.f_mix(fake).mean() - method.f_mix(x).mean()  # PGAN's own critic loss, eq. 4.13
        gp = sum(self.window) / len(self.window)
        self.window = []
        print(f"step {method.generator_steps}: critic loss {float(loss):.2f}; sum_i gap_i * own_i "
              f"{float((gap * own).sum()):.2f}; own mean f_i {[round(v, 1) for v in own.tolist()]}; "
              f"mass gap fake - real {[round(v, 3) for v in gap.tolist()]}; mean GP (last {EVERY}) {gp:.1f}",
              flush=True)


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    steps = int(argv[0]) if argv else 2500
    seed = int(argv[1]) if len(argv) > 1 else 0
    data = argv[2] if len(argv) > 2 else "swissroll"
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as out:
        train(method="pgan", data=data, steps=steps, seed=seed, out=out, progress=False,
              overrides={"log_every": "1"}, picture_every=10**9, checkpoint_every=10**9,
              callbacks=[OffsetProbe(load_dataset(data))])


if __name__ == "__main__":
    main()
