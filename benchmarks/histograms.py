"""CPU cost of the nets' weight/gradient histograms (callbacks/pictures.py ``NetHistograms``) against a step.

For each setting: the CPU time (this process, user + system) of one generator step (its critic steps
included) driven by hand through the method's own ``training_step``, and of one ``NetHistograms.act`` (every
parameter's weight and gradient histogram written to a TensorBoard file), both on one thread. The ratio says
what histograms every N generator steps add: act / (N x step). CPU time, so a loaded machine hardly moves it.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/histograms.py
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from torch.utils.tensorboard import SummaryWriter  # noqa: E402

from gan_zoo.callbacks.pictures import NetHistograms  # noqa: E402
from gan_zoo.data import DataInfo  # noqa: E402
from gan_zoo.registry import create_method  # noqa: E402

POINTS = DataInfo("ring", "points", (2,), 8)
IMAGES = DataInfo("cifar10", "images", (3, 32, 32), 10)
SETTINGS = [("gan", POINTS), ("wgan-gp", POINTS), ("dcgan", IMAGES), ("wgan-gp", IMAGES)]  # default nets


def _driven(name: str, info: DataInfo):
    """The method with real optimisers and plain backward, no Trainer (as tests/test_wae.py drives one)."""
    m = create_method(name, info, {})
    opts = m.configure_optimizers()
    opts = opts[0] if isinstance(opts, tuple) and isinstance(opts[0], list) else opts
    m.optimizers = lambda use_pl_optimizer=True: opts
    m.manual_backward = lambda loss, *a, **k: loss.backward()
    m.record = lambda scalars: None
    return m


def main() -> int:
    torch.set_num_threads(1)
    print(f"{'setting':<18} {'params':>10} {'step ms':>9} {'act ms':>8} {'act/step':>9} {'+% at every 50':>15}")
    for name, info in SETTINGS:
        m = _driven(name, info)
        shape = (m.config.batch_size, *info.shape)
        batch = (torch.randn(shape).clamp(-1, 1), torch.zeros(shape[0], dtype=torch.long))

        def generator_step():
            for i in range(m.n_critic):
                m.is_generator_turn = (lambda last: (lambda: last))(i == m.n_critic - 1)
                m.training_step(batch, 0)

        generator_step()  # warm-up, and every .grad exists
        reps = 2 if info.is_image else 20
        t0 = time.process_time()
        for _ in range(reps):
            generator_step()
        step = (time.process_time() - t0) / reps
        with tempfile.TemporaryDirectory() as d:
            w = SummaryWriter(d)
            trainer = SimpleNamespace(global_rank=0, logger=SimpleNamespace(experiment=w))
            cb = NetHistograms(1)
            cb.act(trainer, m)
            t0 = time.process_time()
            for _ in range(3):
                cb.act(trainer, m)
            act = (time.process_time() - t0) / 3
            w.close()
        params = sum(p.numel() for p in m.parameters())
        print(f"{name + ' / ' + info.name:<18} {params:>10,d} {step * 1e3:>9.1f} {act * 1e3:>8.1f} {act / step:>9.2f} "
              f"{act / step / 50 * 100:>14.1f}%", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
